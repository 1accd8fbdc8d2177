import HTTPTypes
import Foundation
import Hummingbird
import KuajingApp
import NIOCore

/// 数据导入: CEB XML, `.zip` or a declarations CSV, streamed to disk (never held in memory) under a
/// stated limit, then ingested through the same path as `kuajing ingest` (whose own limits on a
/// message and on what an archive expands to apply); the accepted, duplicate and quarantined records
/// with their reasons. With script, the page sends the file as the raw body with a progress bar
/// (header X-CSRF-Token); without, as an ordinary multipart form.
extension Site {
    struct Outcome {
        var file: String
        var report: TradeIngest.Report
    }

    // MARK: 数据导入: model (the quarantine for city roles, the outcome of an upload), query, view

    struct ImportsModel {
        var entries: [QuarantineEntry]
        var cityWide: Bool
        var outcome: Outcome?
        var importsFacts: Bool = false
        var facts: FactsOutcome?
    }

    /// What a 免申即享 or credit-facts file came to: its report, or every bad line (nothing stored).
    enum FactsOutcome {
        case imported(file: String, ProposalImport.Report)
        case refused(file: String, message: String, problems: [String])
    }

    struct ImportsView: PageView {
        static let template = "imports"
        struct Held: Sendable { var id, source, type, record, reasons, at, link: String }
        struct Reason: Sendable { var reason, n: String }
        struct Result: Sendable { var file, accepted, duplicates, updated, deleted, quarantined: String; var reasons: [Reason]; var monitor: String }
        var action, limitMiB: String
        var quarantine: [Held]
        var hasQuarantine: Bool
        var quarantineCount: String
        var cityWide: Bool
        var outcome: Result?
        struct Kind: Sendable { var value, label, header: String }
        struct FactsResult: Sendable { var file, kind, rows, added, held, proposals, sha: String }
        struct FactsRefusal: Sendable { var file, message: String; var problems: [Problem] }
        struct Problem: Sendable { var text: String }
        var importsFacts: Bool
        var factsAction: String
        var factKinds: [Kind]
        var factsResult: FactsResult?
        var factsRefusal: FactsRefusal?
    }

    func importsQuery(_ viewer: Viewer, outcome: Outcome?) async throws(AppError) -> ImportsModel {
        // The quarantine is city-wide (a held record may name no district): city roles only.
        let cityWide = viewer.role == .admin || viewer.role == .analyst
        return ImportsModel(entries: cityWide ? try await QuarantineCases(app).list(viewer) : [], cityWide: cityWide, outcome: outcome)
    }

    static func importsView(_ m: ImportsModel) -> ImportsView {
        ImportsView(
            action: Route.imports.link, limitMiB: "\(WebLimits.uploadBytes >> 20)",
            quarantine: m.entries.prefix(200).map { .init(id: "\($0.id)", source: $0.source, type: $0.messageType, record: $0.recordKey,
                                                          reasons: $0.reasons.joined(separator: "；"), at: Show.time($0.quarantinedAt), link: Route.quarantine($0.id).link) },
            hasQuarantine: !m.entries.isEmpty, quarantineCount: "\(m.entries.count)", cityWide: m.cityWide,
            outcome: m.outcome.map { o in
                let c = o.report.counts
                return .init(file: o.file, accepted: "\(c.accepted)", duplicates: "\(c.duplicates)", updated: "\(c.updated)", deleted: "\(c.deleted)",
                             quarantined: "\(c.quarantined)", reasons: c.quarantinedByReason.sorted { $0.key < $1.key }.map { .init(reason: $0.key, n: "\($0.value)") },
                             monitor: Route.monitor.link)
            },
            importsFacts: m.importsFacts, factsAction: Route.factsImport.link,
            factKinds: ProposalImport.Kind.allCases.map { .init(value: $0.rawValue, label: $0.label, header: $0.header.joined(separator: ",")) },
            factsResult: { if case let .imported(file, r)? = m.facts {
                return .init(file: file, kind: r.kind.label, rows: "\(r.rows)", added: "\(r.added)", held: "\(r.alreadyHeld)", proposals: "\(r.proposals.count)", sha: r.sha256)
            } else { return nil } }(),
            factsRefusal: { if case let .refused(file, message, problems)? = m.facts {
                return .init(file: file, message: message, problems: problems.map { .init(text: $0) })
            } else { return nil } }())
    }

    func imports(_ request: Request, _ context: WebContext, outcome: Outcome?, facts: FactsOutcome? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        var model = try await access.run(request, context) { () async throws(AppError) in try await importsQuery(viewer, outcome: outcome) }
        model.importsFacts = viewer.may(.importFacts)
        model.facts = facts
        return try views.page(Self.importsView(model), title: "数据导入", current: .imports, context: context, synthetic: await synthetic(), status: status)
    }

    func upload(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let received = try await Upload.receive(request, context: context)
        defer { try? FileManager.default.removeItem(atPath: received.directory) }
        let report = try await access.run(request, context) { () async throws(AppError) in try await received.named { () async throws(AppError) in try await TradeIngest(app).run(paths: [received.path], shownAs: [received.path: received.name], as: viewer) } }
        try await accounts.logChange(viewer, address: context.address, method: "POST", path: request.uri.path,
                                     what: "导入 \(received.name)：接收 \(report.counts.accepted)，重复 \(report.counts.duplicates)，隔离 \(report.counts.quarantined)")
        if request.headers[.accept]?.contains("application/json") == true {
            return try Reply.json(ImportAnswer(file: received.name, accepted: report.counts.accepted, duplicates: report.counts.duplicates, updated: report.counts.updated,
                                               deleted: report.counts.deleted, quarantined: report.counts.quarantined, quarantined_by_reason: report.counts.quarantinedByReason))
        }
        return try await imports(request, context, outcome: Outcome(file: received.name, report: report))
    }

    /// The 市级管理员 imports a 免申即享 list or credit facts from the page (as `importFacts` does):
    /// the file is checked whole; a bad line refuses it, and the page lists every bad line.
    func importFactsFromForm(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        guard let parts = try await MultipartForm.read(request, context: context, files: 1) else {
            throw AppError.tooLarge(message: "文件至多 \(ProposalImport.maximumBytes >> 20) MiB")
        }
        guard let file = parts.files.first(where: { !$0.content.isEmpty }) else {
            return try await imports(request, context, outcome: nil, facts: .refused(file: "", message: "请选择文件", problems: []), status: .unprocessableContent)
        }
        let result: Result<ProposalImport.Report, AppError>
        do { result = .success(try await ProposalImport(app).run(viewer, kind: parts.fields["kind"] ?? "", bytes: file.content, fileName: file.filename)) } catch { result = .failure(error) }
        switch result {
        case let .success(report):
            return try await imports(request, context, outcome: nil, facts: .imported(file: file.filename, report))
        case let .failure(error):
            var message = error.message, problems: [String] = []
            if case let .invalidInput(_, _, m, list) = error { message = m; problems = list }
            return try await imports(request, context, outcome: nil, facts: .refused(file: file.filename, message: message, problems: problems), status: WebFailure(error).status)
        }
    }

    struct QuarantineView: PageView {
        static let template = "quarantine"
        struct Reason: Sendable { var r: String }
        var id, source, line, type, record, digest: String
        var reasons: [Reason]
        var findings: String
        var at: String
        var resolved: String?
        var original, action, back: String
        var message: String?
    }

    static func quarantineView(_ e: QuarantineEntry, message: String?) -> QuarantineView {
        QuarantineView(id: "\(e.id)", source: e.source, line: "\(e.line)", type: e.messageType, record: e.recordKey, digest: e.digest,
                       reasons: e.reasons.map { .init(r: $0) }, findings: e.findings, at: Show.time(e.quarantinedAt), resolved: e.resolvedAt.map(Show.time),
                       original: Route.quarantine(e.id).link + "?format=original", action: Route.quarantine(e.id).link, back: Route.imports.link,
                       message: message?.nilIfEmpty)
    }

    /// One quarantined record: why it is held, its original message, and a form for the corrected message.
    func quarantineEntry(_ request: Request, _ context: WebContext, message: String? = nil) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        guard let id = Int64(context.parameters.get("id") ?? "") else { throw AppError.notFound(message: "隔离记录编号应为整数") }
        let cases = QuarantineCases(app)
        let e = try await cases.entry(viewer, id)
        if request.uri.queryParameters.get("format") == "original" {
            return Reply.download(try await cases.original(viewer, id), name: "quarantine-\(id)-original.xml", type: "application/xml")
        }
        return try views.page(Self.quarantineView(e, message: message), title: "隔离记录 \(id)", current: .imports, context: context, synthetic: await synthetic())
    }

    func resubmit(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        guard let id = Int64(context.parameters.get("id") ?? "") else { throw AppError.notFound(message: "隔离记录编号应为整数") }
        let received = try await Upload.receive(request, context: context)
        defer { try? FileManager.default.removeItem(atPath: received.directory) }
        guard received.path.hasSuffix(".xml") else { throw AppError.invalidInput(field: "file", location: nil, message: "更正后的报文应为 .xml 文件") }
        let outcome = try await access.run(request, context) { () async throws(AppError) in try await received.named { () async throws(AppError) in try await QuarantineCases(app).resubmit(id, file: received.path, shownAs: received.name, as: viewer) } }
        try await accounts.logChange(viewer, address: context.address, method: "POST", path: request.uri.path, what: "重交隔离记录 \(id)：\(outcome == .resolved ? "已接收" : "仍被隔离")")
        return try await quarantineEntry(request, context, message: outcome == .resolved ? "更正后的报文已接收，此隔离记录已解除" : "更正后的报文仍未通过校验，新的问题见隔离区")
    }

    struct ImportAnswer: Encodable {
        var file: String
        var accepted, duplicates, updated, deleted, quarantined: Int
        var quarantined_by_reason: [String: Int]
    }
}

/// An uploaded file, written to a private temporary directory chunk by chunk as it arrives; over
/// `WebLimits.uploadBytes` the upload is refused (413) and what was written is removed.
struct Upload {
    var directory: String
    var path: String
    var name: String

    static let kinds = [".xml", ".zip", ".csv"]

    /// Runs a use case on the stored upload; its messages name the file as the user sent it, never
    /// the server's temporary path.
    func named<T>(_ body: () async throws(AppError) -> T) async throws(AppError) -> T {
        do { return try await body() } catch {
            let shown = name.replacingOccurrences(of: "\\", with: "")
            func scrub(_ s: String) -> String { s.replacingOccurrences(of: path, with: shown).replacingOccurrences(of: directory, with: "") }
            switch error {
            case let .invalidInput(field, location, message, problems):
                throw .invalidInput(field: field, location: location.map(scrub), message: scrub(message), problems: problems.map(scrub))
            case let .tooLarge(m): throw .tooLarge(message: scrub(m))
            case let .notFound(m): throw .notFound(message: scrub(m))
            case let .conflict(m): throw .conflict(message: scrub(m))
            case let .unavailable(m): throw .unavailable(message: scrub(m))
            default: throw error
            }
        }
    }

    static func receive(_ request: Request, context: WebContext) async throws -> Upload {
        let type = request.headers[.contentType] ?? ""
        let multipart = type.hasPrefix("multipart/form-data")
        var name = request.uri.queryParameters.get("name").map { String($0) } ?? ""
        if !multipart {
            try Form.requireCSRF(request.headers[HTTPField.Name("X-CSRF-Token")!], context: context, message: "上传缺少有效的 CSRF 令牌，请刷新页面后重试")
            try check(name)
        }
        let directory = NSTemporaryDirectory() + "kuajing-upload-" + Accounts.randomToken().prefix(16)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        let raw = directory + "/body"
        do {
            guard FileManager.default.createFile(atPath: raw, contents: nil), let handle = FileHandle(forWritingAtPath: raw) else {
                throw AppError.unavailable(message: "无法写入临时文件")
            }
            var written = 0
            do {
                for try await chunk in request.body {
                    written += chunk.readableBytes
                    if written > WebLimits.uploadBytes {
                        throw AppError.tooLarge(message: "上传文件超过 \(WebLimits.uploadBytes >> 20) MiB 的上限，已拒绝，未保存任何数据")
                    }
                    try handle.write(contentsOf: chunk.readableBytesView)
                }
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            guard written > 0 else { throw AppError.invalidInput(field: "file", location: nil, message: "上传的文件是空的") }
            if multipart {
                let part = try Multipart.extractFile(from: raw, contentType: type, context: context)
                name = part.name
                try check(name)
                try FileManager.default.moveItem(atPath: part.path, toPath: directory + "/upload" + ext(name))
            } else {
                try FileManager.default.moveItem(atPath: raw, toPath: directory + "/upload" + ext(name))
            }
            try? FileManager.default.removeItem(atPath: raw)
            return Upload(directory: directory, path: directory + "/upload" + ext(name), name: name)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    static func ext(_ name: String) -> String { kinds.first { name.lowercased().hasSuffix($0) } ?? "" }

    static func check(_ name: String) throws {
        guard !name.isEmpty, name.count <= 200, !ext(name).isEmpty else {
            throw AppError.invalidInput(field: "file", location: nil, message: "文件类型不对：只接受 CEB 报文 .xml、压缩包 .zip 或报关单数据 .csv，实为“\(name.prefix(60))”")
        }
    }
}

/// Reads a multipart/form-data body that was written to disk: the `_csrf` field is checked and
/// the one file part is copied out. The body is memory-mapped, not read into memory.
enum Multipart {
    static func extractFile(from path: String, contentType: String, context: WebContext) throws -> (path: String, name: String) {
        guard let b = contentType.components(separatedBy: "boundary=").last?.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")), !b.isEmpty, b.count <= 200 else {
            throw AppError.invalidInput(field: nil, location: nil, message: "表单格式不对（缺少 multipart 边界）")
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        let delimiter = Data(("--" + b).utf8), separator = Data("\r\n\r\n".utf8)
        var csrf: String?, file: (Range<Int>, String)?
        var cursor = data.range(of: delimiter)?.upperBound
        while let start = cursor, let headerEnd = data.range(of: separator, in: start..<data.endIndex) {
            guard let next = data.range(of: Data("\r\n".utf8) + delimiter, in: headerEnd.upperBound..<data.endIndex) else { break }
            let headers = String(decoding: data[start..<headerEnd.lowerBound], as: UTF8.self)
            let body = headerEnd.upperBound..<next.lowerBound
            if headers.contains("name=\"_csrf\"") { csrf = String(decoding: data[body], as: UTF8.self) }
            if let r = headers.range(of: "filename=\"") {
                let rest = headers[r.upperBound...]
                file = (body, String(rest.prefix { $0 != "\"" }))
            }
            cursor = next.upperBound
        }
        try Form.requireCSRF(csrf, context: context)
        guard let file, !file.0.isEmpty else { throw AppError.invalidInput(field: "file", location: nil, message: "请选择要上传的文件") }
        let out = path + ".part"
        FileManager.default.createFile(atPath: out, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: out) else { throw AppError.unavailable(message: "无法写入临时文件") }
        var i = file.0.lowerBound
        while i < file.0.upperBound {
            let j = min(i + (1 << 20), file.0.upperBound)
            try handle.write(contentsOf: data[i..<j])
            i = j
        }
        try handle.close()
        return (out, (file.1 as NSString).lastPathComponent)
    }
}
