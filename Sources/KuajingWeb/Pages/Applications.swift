import Foundation
import Hummingbird
import KuajingApp
import KuajingDomain
import PolicyEngine

/// 申报与审核: an enterprise files a claim with its evidence and sees the engine's amount and
/// reasons at once, confirms 免申即享 proposals and objects within the period; a reviewer in scope
/// decides with a reason; everyone sees the timeline (who holds it, since when, until when). And
/// 审计记录 for the auditor: the chain, its head and the signed checkpoints.
extension Site {
    // MARK: 申报列表: model (the viewer's applications, its payees and proposed contracts), query, view

    struct ApplicationsModel {
        var viewer: Viewer
        var list: WorkLists.Page
        var matters: [Matter]
        var payees: [PayeeAccountRow]
        var contracts: [ProposedFact]
        var today: String
        var message: String?
    }

    struct ApplicationsView: PageView {
        static let template = "applications"
        struct Contract: Sendable { var no, amount, provider, date, action: String }
        struct Payee: Sendable { var bank, account, holder, status: String }
        struct MatterChoice: Sendable { var key, label: String }
        struct Row: Sendable {
            var id: Int64; var link, enterprise, district, matter, date, amount, award, status, holder, due: String
            var proposed, flagged: Bool
        }
        struct Option: Sendable { var value, label: String; var selected: Bool }
        struct Header: Sendable { var label, link: String; var numeric: Bool; var sorted: String? }
        var message: String?
        var action: String
        var statuses, districts, matterFilter, dues, sorts: [Option]
        var hasDistricts: Bool
        var headers: [Header]
        var pager: Pager
        var csv, xlsx, tasks: String
        var canFile: Bool
        var enterprise, payeeAction: String
        var canPropose: Bool
        var proposeAction: String
        var contracts: [Contract]
        var payees: [Payee]
        var matters: [MatterChoice]
        var today: String
        var rows: [Row]
    }

    func applicationsQuery(_ viewer: Viewer, _ query: WorkLists.Query, message: String?) async throws(AppError) -> ApplicationsModel {
        let list = try await WorkLists(app).applications(viewer, query)
        let matters = try app.policySet().matters
        let payees = viewer.role == .enterprise ? try await PayoutDesk(app).payees(viewer) : []
        let contracts = try await VoucherDesk(app).proposedContracts(viewer)
        return ApplicationsModel(viewer: viewer, list: list, matters: matters, payees: payees, contracts: contracts, today: app.clock.today().iso, message: message)
    }

    /// A link to the list with `query` (its defaults left out).
    static func listLink(_ query: WorkLists.Query, format: String? = nil) -> String {
        var parameters = query.parameters
        if let format { parameters = parameters.filter { $0.0 != "page" } + [("format", format)] }
        return Route.applications.link + Pager.queryString(parameters)
    }

    static func applicationsView(_ m: ApplicationsModel) -> ApplicationsView {
        let viewer = m.viewer, q = m.list.query
        func sortLink(_ sort: ApplicationFilter.Sort) -> String { var n = q; n.sort = sort; n.page = 1; return listLink(n) }
        let headers: [ApplicationsView.Header] = [("编号", ApplicationFilter.Sort.newest, false), ("金额（元）", .amount, true), ("核定（元）", .award, true), ("期限", .due, false)].map {
            .init(label: $0.0, link: sortLink($0.1), numeric: $0.2, sorted: q.sort == $0.1 ? ($0.1 == .due ? "ascending" : "descending") : nil)
        }
        return ApplicationsView(
            message: m.message?.nilIfEmpty, action: Route.applications.link,
            statuses: [.init(value: "", label: "全部状态", selected: q.status == nil)]
                + ApplicationStatus.allCases.map { .init(value: $0.rawValue, label: $0.label, selected: q.status == $0) },
            districts: viewer.role == .enterprise ? [] : [.init(value: "", label: "全部区县", selected: q.district == nil)]
                + viewer.districts.map { .init(value: $0, label: $0, selected: q.district == $0) },
            matterFilter: [.init(value: "", label: "全部事项", selected: q.matter == nil)] + m.matters.map { .init(value: $0.key, label: $0.chinese, selected: q.matter == $0.key) },
            dues: [.init(value: "", label: "不限", selected: q.due == nil), .init(value: "overdue", label: "已超期", selected: q.due == .overdue),
                   .init(value: "week", label: "7 日内到期（含已超期）", selected: q.due == .week)],
            sorts: [(ApplicationFilter.Sort.newest, "最新提交在前"), (.oldest, "最早提交在前"), (.due, "期限最近在前"), (.amount, "申报金额从大到小"), (.award, "核定金额从大到小")]
                .map { .init(value: $0.0.rawValue, label: $0.1, selected: q.sort == $0.0) },
            hasDistricts: viewer.role != .enterprise && viewer.districts.count > 1,
            headers: headers,
            pager: Pager(total: m.list.total, page: q.page, pageCount: m.list.pageCount, unit: "笔") { n in var p = q; p.page = n; return listLink(p) },
            csv: listLink(q, format: "csv"), xlsx: listLink(q, format: "xlsx"), tasks: Route.myTasks.link,
            canFile: viewer.may(.fileApplications), enterprise: viewer.enterpriseID ?? "",
            payeeAction: Route.payee.link, canPropose: viewer.may(.proposeFromTiers), proposeAction: Route.tierProposals.link,
            contracts: m.contracts.map { .init(no: $0.referenceNo, amount: Fen($0.amountFen).grouped, provider: $0.counterparty, date: $0.date, action: Route.factVoucher($0.id).link) },
            payees: m.payees.filter { $0.status != "superseded" }.map { .init(bank: $0.bank, account: $0.accountNo, holder: $0.holder, status: $0.status == "confirmed" ? "已确认" : "待市级管理员确认") },
            matters: m.matters.filter { $0.key != VoucherDesk.matter }.map { .init(key: $0.key, label: $0.chinese) }, today: m.today,
            rows: m.list.rows.map { a in
                .init(id: a.id, link: Route.application(a.id).link, enterprise: a.enterpriseName, district: a.district,
                      matter: m.matters.first { $0.key == a.matter }?.chinese ?? a.matter, date: a.claimDate, amount: Fen(a.amountFen).grouped,
                      award: Fen(a.decidedFen ?? a.engineAwardFen).grouped, status: ApplicationDesk.statusLabel(a.status), holder: ApplicationDesk.holderLabel(a.holder),
                      due: a.dueAt.map(Show.time) ?? "—", proposed: a.origin == "proposed",
                      flagged: !ApplicationDesk.Flag.parse(a.flags).isEmpty && viewer.role != .enterprise)
            })
    }

    func applications(_ request: Request, _ context: WebContext, message: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        // The list as asked on a GET; after a form was sent, the first page.
        let query = request.method == .get ? try WorkLists.Query(parameters: { request.uri.queryParameters.get($0) }) : WorkLists.Query()
        if request.method == .get, let format = request.uri.queryParameters.get("format") {
            let file = try await access.run(request, context) { () async throws(AppError) in try await WorkLists(app).download(viewer, query, format: String(format)) }
            return Reply.download(file.bytes, name: file.name, type: format == "csv" ? Reply.csvType : Reply.xlsxType)
        }
        let model = try await access.run(request, context) { () async throws(AppError) in try await applicationsQuery(viewer, query, message: message) }
        return try views.page(Self.applicationsView(model), title: "申报与审核", current: .applications, context: context, synthetic: await synthetic(), status: status)
    }

    /// The enterprise's filing form: multipart, the claim's fields and up to five evidence files.
    func fileApplication(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        guard let parts = try await MultipartForm.read(request, context: context, files: 5) else {
            return try await applications(request, context, message: "证明材料合计超过 \(5 * (ApplicationDesk.maximumEvidenceBytes >> 20)) MiB，未受理", status: .contentTooLarge)
        }
        let desk = ApplicationDesk(app)
        do {
            var evidence: [String] = []
            for f in parts.files where !f.content.isEmpty { evidence.append(try await desk.uploadEvidence(viewer, name: f.filename, mediaType: f.type, content: f.content)) }
            var attributes: [String: String] = [:]
            for (k, v) in parts.fields where k.hasPrefix("attr_") && !v.isEmpty { attributes[String(k.dropFirst(5))] = v }
            let filed = try await desk.submit(viewer, .init(enterpriseID: viewer.enterpriseID ?? "", matter: parts.fields["matter"] ?? "", date: parts.fields["date"] ?? "",
                                                            amount: parts.fields["amount"] ?? "", attributes: attributes, evidence: evidence))
            return try await application(request, context, id: filed.application.id, message: "已受理第 \(filed.application.id) 号申报：政策核定 \(filed.result.award.grouped) 元。\(filed.result.explanation)")
        } catch let e as AppError {
            return try await applications(request, context, message: e.message, status: WebFailure(e).status)
        }
    }

    func application(_ request: Request, _ context: WebContext, message: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw AppError.notFound(message: "没有这笔申报") }
        return try await application(request, context, id: id, message: message, status: status)
    }

    // MARK: 第 N 号申报: model (its detail and the actions the workflow allows now), query, view

    struct ApplicationModel {
        var detail: ApplicationDesk.Detail
        var actions: Set<ApplicationAction>
        var matterName: String
        var message: String?
    }

    struct ApplicationView: PageView {
        static let template = "application"
        struct Flag: Sendable { var rule, message, evidence: String }
        struct Evidence: Sendable { var name, sha, short: String; var size: Int64; var link: String }
        struct Review: Sendable { var stage, reviewer, decision, amount, reason, at: String }
        struct Step: Sendable { var sequence: Int64; var at, actor, action: String }
        struct Choice: Sendable { var value, label: String }
        var message: String?
        var id: Int64
        var action, back: String
        var hasFlags, hasReviews: Bool
        var enterprise, enterpriseID, district, matter, date, amount, engineStatus, engineAward, explanation, clause, status, holder, since, due: String
        var decided: String?
        /// The printable notice, once the application is decided.
        var notice: String?
        var split, basis: String
        var proposed, needsReview: Bool
        var flags: [Flag]
        var evidence: [Evidence]
        var reviews: [Review]
        var timeline: [Step]
        var reviewable, objectable, confirmable: Bool
        var decisions: [Choice]
    }

    func applicationQuery(_ viewer: Viewer, id: Int64, message: String?) async throws(AppError) -> ApplicationModel {
        let d = try await ApplicationDesk(app).detail(viewer, id: id)
        let a = d.application
        let matterName = (try? app.policySet().matters.first { $0.key == a.matter }?.chinese) ?? nil
        // The actions offered are exactly those the workflow allows this viewer now.
        return ApplicationModel(detail: d, actions: Set(ApplicationWorkflow.actions(viewer, on: a, now: app.clock.timestamp())),
                                matterName: matterName ?? a.matter, message: message)
    }

    static func applicationView(_ m: ApplicationModel) -> ApplicationView {
        let d = m.detail, a = d.application
        return ApplicationView(
            message: m.message?.nilIfEmpty, id: a.id, action: Route.application(a.id).link, back: Route.applications.link,
            hasFlags: !d.flags.isEmpty, hasReviews: !d.reviews.isEmpty,
            enterprise: a.enterpriseName, enterpriseID: a.enterpriseID, district: a.district, matter: m.matterName, date: a.claimDate,
            amount: Fen(a.amountFen).grouped, engineStatus: ClaimStatus(rawValue: a.engineStatus)?.chinese ?? a.engineStatus, engineAward: Fen(a.engineAwardFen).grouped,
            explanation: a.explanation, clause: "\(a.policy ?? "")\(a.clause.map { " \($0)" } ?? "")", status: ApplicationDesk.statusLabel(a.status),
            holder: ApplicationDesk.holderLabel(a.holder), since: Show.time(a.holderSince), due: a.dueAt.map(Show.time) ?? "—",
            decided: a.decidedFen.map { Fen($0).grouped },
            notice: [.approved, .reduced, .rejected, .committed, .paid].contains(a.status) && !d.reviews.isEmpty ? Route.notice(a.id).link : nil,
            split: a.cityFen.map { "市级 \(Fen($0).grouped) 元，\(a.district) \(Fen(a.districtFen ?? 0).grouped) 元" } ?? "", basis: a.fundingBasis ?? "",
            proposed: a.origin == "proposed", needsReview: a.engineStatus == ClaimStatus.needsReview.rawValue,
            flags: d.flags.map { .init(rule: $0.rule, message: $0.message, evidence: $0.evidence) },
            evidence: d.evidence.map { .init(name: $0.name, sha: $0.sha256, short: String($0.sha256.prefix(16)), size: $0.size, link: Route.evidence($0.sha256).link) },
            reviews: d.reviews.map { .init(stage: $0.stage == "review" ? "初审" : "异议复核", reviewer: $0.reviewer,
                                           decision: ApplicationDesk.Decision(rawValue: $0.decision)?.label ?? $0.decision,
                                           amount: Fen($0.amountFen).grouped, reason: $0.reason, at: Show.time($0.decidedAt)) },
            timeline: d.timeline.map { .init(sequence: $0.sequence, at: Show.time($0.recordedAt), actor: $0.actor, action: AuditDesk.actionLabel($0.action)) },
            reviewable: m.actions.contains(.review), objectable: m.actions.contains(.object), confirmable: m.actions.contains(.confirm),
            decisions: ApplicationDesk.Decision.allCases.map { .init(value: $0.rawValue, label: $0.label) })
    }

    func application(_ request: Request, _ context: WebContext, id: Int64, message: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let model = try await access.run(request, context) { () async throws(AppError) in try await applicationQuery(viewer, id: id, message: message) }
        return try views.page(Self.applicationView(model), title: "第 \(id) 号申报", current: .applications, context: context, synthetic: await synthetic(), status: status)
    }

    /// One form for the actions on an application: review, objection, confirmation of a proposal.
    func actOnApplication(_ request: Request, _ context: WebContext) async throws -> Response {
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw AppError.notFound(message: "没有这笔申报") }
        let viewer = try await access.viewer(request, context)
        let form = try await Form.read(request, context: context)
        let desk = ApplicationDesk(app)
        do {
            switch try ApplicationForm(form) {
            case let .review(input):
                let row = try await desk.review(viewer, id: id, input)
                return try await application(request, context, id: id, message: "已审核：\(ApplicationDesk.statusLabel(row.status))")
            case let .object(reason):
                _ = try await desk.object(viewer, id: id, reason: reason)
                return try await application(request, context, id: id, message: "已提出异议，将由另一名审核人复核")
            case let .answer(confirm):
                let row = try await desk.answerProposal(viewer, id: id, confirm: confirm)
                return try await application(request, context, id: id, message: row.status == .submitted ? "已确认，进入审核" : "已放弃本项免申即享")
            }
        } catch let e as AppError {
            return try await application(request, context, id: id, message: e.message, status: WebFailure(e).status)
        }
    }

    /// The administrator has the platform propose 梯度培育库 incentives (免申即享).
    func proposeFromTiers(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        _ = try await Form.read(request, context: context)
        do {
            let made = try await ApplicationDesk(app).proposeFromTiers(viewer)
            try await accounts.logChange(viewer, address: context.address, method: "POST", path: request.uri.path, what: "生成梯度培育库免申即享建议 \(made.count) 笔")
            return try await applications(request, context, message: made.isEmpty ? "没有新的建议：入库升档的企业均已生成过，或政策对其不予支持" : "已为 \(made.count) 家升档企业生成免申即享建议，待企业确认")
        } catch let e as AppError {
            return try await applications(request, context, message: e.message, status: WebFailure(e).status)
        }
    }

    /// The enterprise confirms a logistics contract the platform holds: the 运力券 request is made.
    func voucherFromFact(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw AppError.notFound(message: "没有这份合同") }
        _ = try await Form.read(request, context: context)
        do {
            switch try await VoucherDesk(app).requestFromFact(viewer, fact: id) {
            case let .issued(row, _):
                return try await applications(request, context, message: "运力券第 \(row.sequence) 号：\(row.status == .issued ? "已发放 \(Fen(row.amountFen).grouped) 元" : "已列入候补")。\(row.explanation)")
            case let .refused(_, message):
                return try await applications(request, context, message: message, status: .unprocessableContent)
            }
        } catch let e as AppError {
            return try await applications(request, context, message: e.message, status: WebFailure(e).status)
        }
    }

    func evidence(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let sha = context.parameters.get("sha") ?? ""
        let found = try await access.run(request, context) { () async throws(AppError) in try await ApplicationDesk(app).evidenceFile(viewer, sha256: sha) }
        // Served as an attachment: an uploaded file never runs as a page of this site.
        return Reply.download(found.content, name: found.info.name, type: "application/octet-stream")
    }

    // MARK: 审计记录: model (a page of the city's trail, its head and checkpoints), view

    struct AuditTrailView: PageView {
        static let template = "audit-trail"
        struct Entry: Sendable { var sequence: Int64; var at, actor, action, code, subject, content, hash: String }
        struct Checkpoint: Sendable { var sequence: Int64; var head, at, reason, key, signature: String }
        var headSequence: Int64
        var headHash: String
        var entries: [Entry]
        var checkpoints: [Checkpoint]
        var next: String?
    }

    static func auditTrailView(_ t: AuditDesk.Trail) -> AuditTrailView {
        AuditTrailView(
            headSequence: t.head.sequence, headHash: t.head.hash,
            entries: t.entries.map { .init(sequence: $0.sequence, at: Show.time($0.recordedAt), actor: $0.actor, action: AuditDesk.actionLabel($0.action), code: $0.action,
                                           subject: $0.subject, content: String($0.content.prefix(400)), hash: String($0.hash.prefix(16))) },
            checkpoints: t.checkpoints.reversed().map { .init(sequence: $0.sequence, head: $0.headHash, at: Show.time($0.signedAt), reason: $0.reason, key: $0.publicKey, signature: $0.signature) },
            next: t.entries.last.flatMap { $0.sequence > 1 ? Route.auditTrail.link + "?before=\($0.sequence)" : nil })
    }

    func auditTrail(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let before = request.uri.queryParameters.get("before").flatMap(Int64.init)
        let t = try await access.run(request, context) { () async throws(AppError) in try await AuditDesk(app).trail(viewer, limit: 200, before: before) }
        return try views.page(Self.auditTrailView(t), title: "审计记录", current: .auditTrail, context: context, synthetic: await synthetic())
    }
}

/// What the form of an application's page asks, typed: a review (decision, amount, reason), an
/// objection (reason) or the answer to a proposal.
enum ApplicationForm {
    case review(ApplicationDesk.ReviewInput)
    case object(reason: String)
    case answer(confirm: Bool)

    init(_ form: Form) throws(AppError) {
        switch form["act"] ?? "" {
        case "review":
            guard let decision = ApplicationDesk.Decision(rawValue: form["decision"] ?? "") else { throw .invalidInput(field: "decision", location: nil, message: "请选择审核结论") }
            let amount = (form["amount"] ?? "").trimmingCharacters(in: .whitespaces)
            self = .review(.init(decision: decision, amount: amount.isEmpty ? nil : amount, reason: form["reason"] ?? ""))
        case "object": self = .object(reason: form["reason"] ?? "")
        case "confirm": self = .answer(confirm: true)
        case "decline": self = .answer(confirm: false)
        default: throw .invalidInput(field: "act", location: nil, message: "未知操作")
        }
    }
}

/// A multipart/form-data body held in memory (the filing form: its fields and its evidence files,
/// bounded by the caller).
enum MultipartForm {
    struct File { var field: String; var filename: String; var type: String; var content: [UInt8] }

    /// The body of a form with at most `files` evidence files, its CSRF token checked; nil when the
    /// body is larger than those files may be.
    static func read(_ request: Request, context: WebContext, files: Int) async throws -> (fields: [String: String], files: [File])? {
        var request = request
        let body: ByteBuffer
        do { body = try await request.collectBody(upTo: files * ApplicationDesk.maximumEvidenceBytes + (1 << 16)) } catch { return nil }
        let parts = try parse(Array(buffer: body), contentType: request.headers[.contentType] ?? "")
        try Form.requireCSRF(parts.fields["_csrf"], context: context)
        return parts
    }

    static func parse(_ bytes: [UInt8], contentType: String) throws -> (fields: [String: String], files: [File]) {
        guard let b = contentType.components(separatedBy: "boundary=").last?.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")), !b.isEmpty, b.count <= 200,
              contentType.lowercased().hasPrefix("multipart/form-data") else {
            throw AppError.invalidInput(field: nil, location: nil, message: "表单格式不对（应为 multipart/form-data）")
        }
        let data = Data(bytes)
        let delimiter = Data(("--" + b).utf8), separator = Data("\r\n\r\n".utf8)
        var fields: [String: String] = [:], files: [File] = []
        var cursor = data.range(of: delimiter)?.upperBound
        while let start = cursor, let headerEnd = data.range(of: separator, in: start..<data.endIndex) {
            guard let next = data.range(of: Data("\r\n".utf8) + delimiter, in: headerEnd.upperBound..<data.endIndex) else { break }
            let headers = String(decoding: data[start..<headerEnd.lowerBound], as: UTF8.self)
            let body = data[headerEnd.upperBound..<next.lowerBound]
            func value(_ key: String) -> String? {
                guard let r = headers.range(of: key + "=\"") else { return nil }
                return String(headers[r.upperBound...].prefix { $0 != "\"" })
            }
            if let name = value("name") {
                if let filename = value("filename") {
                    let type = headers.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-type:") }.map { String($0.dropFirst("content-type:".count)).trimmingCharacters(in: .whitespaces) }
                    files.append(File(field: name, filename: (filename as NSString).lastPathComponent, type: type ?? "application/octet-stream", content: [UInt8](body)))
                } else {
                    fields[name] = String(decoding: body, as: UTF8.self)
                }
            }
            cursor = next.upperBound
        }
        return (fields, files)
    }
}
