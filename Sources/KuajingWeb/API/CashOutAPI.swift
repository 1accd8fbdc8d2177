import Foundation
import HTTPTypes
import Hummingbird
import KuajingApp
import KuajingDomain
import PolicyEngine

/// The cash-out operations of web-api.md: evidence, applications and their review, 免申即享 facts,
/// budgets, payee accounts, payout batches, the audit trail.
extension API {
    func requestVoucherFromFact(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let id = try Self.id(context, "fact_id")
        let answer = try await site.access.run(request, context) { () async throws(AppError) in try await VoucherDesk(site.app).requestFromFact(viewer, fact: id) }
        switch answer {
        case let .issued(row, replayed): return try Reply.json(Self.answer(row), status: replayed ? .ok : .created)
        case let .refused(code, message): throw AppError.refused(rule: code, message: message)
        }
    }

    func cancelVoucher(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let id = try Self.id(context, "voucher_id")
        let o = try await Self.document(request)
        let reason = try Self.text(o["reason"], "reason")
        let row = try await site.access.run(request, context) { () async throws(AppError) in try await VoucherDesk(site.app).cancel(viewer, voucher: id, reason: reason) }
        return try Reply.json(Self.answer(row))
    }

    static func id(_ context: WebContext, _ name: String) throws(AppError) -> Int64 {
        guard let text = context.parameters.get(name), let id = Int64(text), id > 0 else {
            throw .notFound(message: "没有这一编号")
        }
        return id
    }

    /// A JSON object body (at most 1 MiB) as parsed: values may be scalars, lists or objects; a
    /// malformed body is a 422.
    static func document(_ request: Request) async throws -> [String: Any] {
        var request = request
        let body = try await request.collectBody(upTo: WebLimits.formBytes)
        guard let any = try? JSONSerialization.jsonObject(with: Data(buffer: body)), let object = any as? [String: Any] else {
            throw AppError.invalidInput(field: nil, location: "请求正文", message: "应为 JSON 对象")
        }
        return object
    }

    /// A JSON string or number as text. JSON `true`/`false` are refused here: Foundation hands
    /// numbers and booleans back as `NSNumber`, and on Linux `1 is Bool` holds, so a boolean is told
    /// apart by its storage type (`c`), never by a cast.
    static func scalar(_ v: Any?, _ name: String, required: Bool = true) throws(AppError) -> String? {
        switch v {
        case nil, is NSNull: if required { throw .invalidInput(field: name, location: "请求正文", message: "缺少必填字段") } else { return nil }
        case let s as String: return s
        case let n as NSNumber where !isBoolean(n): return n.stringValue
        default: throw .invalidInput(field: name, location: "请求正文", message: "应为字符串或数字")
        }
    }

    /// A required JSON string or number as text (missing: a 422 naming the field).
    static func text(_ v: Any?, _ name: String) throws(AppError) -> String {
        guard let t = try scalar(v, name, required: true) else { throw .invalidInput(field: name, location: "请求正文", message: "缺少必填字段") }
        return t
    }

    /// A JSON boolean (`true`/`false` only; a number or a string is refused, as OpenAPI declares).
    static func boolean(_ v: Any?, _ name: String, default fallback: Bool) throws(AppError) -> Bool {
        switch v {
        case nil, is NSNull: return fallback
        case let n as NSNumber where isBoolean(n): return n.boolValue
        default: throw .invalidInput(field: name, location: "请求正文", message: "应为 true 或 false")
        }
    }

    static func isBoolean(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

    /// The body of a raw upload (evidence, a facts CSV): at most `limit` bytes.
    static func rawBody(_ request: Request, limit: Int) async throws -> [UInt8] {
        var request = request
        do {
            let body = try await request.collectBody(upTo: limit)
            return Array(buffer: body)
        } catch {
            throw AppError.tooLarge(message: "文件至多 \(limit >> 20) MiB")
        }
    }

    struct EvidenceAnswer: Encodable { var sha256: String }

    func uploadEvidence(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let name = request.uri.queryParameters.get("name") ?? "证明材料"
        let bytes = try await Self.rawBody(request, limit: ApplicationDesk.maximumEvidenceBytes)
        let type = request.headers[.contentType] ?? "application/octet-stream"
        let sha = try await site.access.run(request, context) { () async throws(AppError) in
            try await ApplicationDesk(site.app).uploadEvidence(viewer, name: String(name), mediaType: type, content: bytes)
        }
        return try Reply.json(EvidenceAnswer(sha256: sha), status: .created)
    }

    struct ApplicationAnswer: Encodable {
        var application_id: Int64; var enterprise_id: String; var enterprise_name: String; var district: String; var matter: String; var date: String
        var amount: String; var origin: String; var status: String; var status_label: String; var engine_status: String; var engine_award: String
        var policy: String?; var measure: String?; var clause: String?; var explanation: String; var decided: String?; var city: String?; var district_share: String?
        var funding_basis: String?; var holder: String; var holder_since: String; var due_at: String?; var filed_by: String; var filed_at: String
    }

    static func answer(_ a: ApplicationRow) -> ApplicationAnswer {
        ApplicationAnswer(application_id: a.id, enterprise_id: a.enterpriseID, enterprise_name: a.enterpriseName, district: a.district, matter: a.matter, date: a.claimDate,
                          amount: Fen(a.amountFen).plain, origin: a.origin, status: a.status.rawValue, status_label: ApplicationDesk.statusLabel(a.status), engine_status: a.engineStatus,
                          engine_award: Fen(a.engineAwardFen).plain, policy: a.policy, measure: a.measure, clause: a.clause, explanation: a.explanation,
                          decided: a.decidedFen.map { Fen($0).plain }, city: a.cityFen.map { Fen($0).plain }, district_share: a.districtFen.map { Fen($0).plain },
                          funding_basis: a.fundingBasis, holder: a.holder, holder_since: a.holderSince, due_at: a.dueAt, filed_by: a.filedBy, filed_at: a.filedAt)
    }

    func submitApplication(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let o = try await Self.document(request)
        var attributes: [String: String] = [:]
        if let extra = o["attributes"] {
            guard let map = extra as? [String: Any] else { throw AppError.invalidInput(field: "attributes", location: "请求正文", message: "应为对象") }
            for (k, v) in map { attributes[k] = try Self.scalar(v, "attributes.\(k)") }
        }
        // As in claims.md, any other field is an attribute of the claim.
        for (k, v) in o where !["enterprise_id", "matter", "date", "amount", "evidence", "attributes", "claim_id", "enterprise_name", "district"].contains(k) {
            attributes[k] = try Self.scalar(v, k)
        }
        guard let evidence = (o["evidence"] ?? []) as? [String] else { throw AppError.invalidInput(field: "evidence", location: "请求正文", message: "应为证明材料 SHA-256 的列表") }
        let input = ApplicationDesk.Submission(enterpriseID: try Self.text(o["enterprise_id"], "enterprise_id"), matter: try Self.text(o["matter"], "matter"),
                                               date: try Self.text(o["date"], "date"), amount: try Self.text(o["amount"], "amount"), attributes: attributes, evidence: evidence)
        let filed = try await site.access.run(request, context) { () async throws(AppError) in try await ApplicationDesk(site.app).submit(viewer, input) }
        return try Reply.json(Self.answer(filed.application), status: .created)
    }

    struct ApplicationList: Encodable { var items: [ApplicationAnswer]; var limit: Int; var offset: Int }

    func listApplications(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let page = try Self.paging(request)
        let statuses = (request.uri.queryParameters.get("status") ?? "").split(separator: ",").map(String.init)
        let rows = try await site.access.run(request, context) { () async throws(AppError) in
            try await ApplicationDesk(site.app).list(viewer, statuses: statuses, limit: page.limit, offset: page.offset)
        }
        return try Reply.json(ApplicationList(items: rows.map(Self.answer), limit: page.limit, offset: page.offset))
    }

    struct DetailAnswer: Encodable {
        var application: ApplicationAnswer
        var reviews: [Review]; var evidence: [Evidence]; var flags: [FlagItem]; var timeline: [Step]
        struct Review: Encodable { var stage: String; var reviewer: String; var decision: String; var amount: String; var reason: String; var decided_at: String }
        struct Evidence: Encodable { var sha256: String; var name: String; var size: Int64 }
        struct FlagItem: Encodable { var rule: String; var message: String; var evidence: String }
        struct Step: Encodable { var sequence: Int64; var at: String; var actor: String; var action: String }
    }

    func getApplication(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let id = try Self.id(context, "application_id")
        let d = try await site.access.run(request, context) { () async throws(AppError) in try await ApplicationDesk(site.app).detail(viewer, id: id) }
        return try Reply.json(DetailAnswer(
            application: Self.answer(d.application),
            reviews: d.reviews.map { .init(stage: $0.stage, reviewer: $0.reviewer, decision: $0.decision, amount: Fen($0.amountFen).plain, reason: $0.reason, decided_at: $0.decidedAt) },
            evidence: d.evidence.map { .init(sha256: $0.sha256, name: $0.name, size: $0.size) },
            flags: d.flags.map { .init(rule: $0.rule, message: $0.message, evidence: $0.evidence) },
            timeline: d.timeline.map { .init(sequence: $0.sequence, at: $0.recordedAt, actor: $0.actor, action: $0.action) }))
    }

    func reviewApplication(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let id = try Self.id(context, "application_id")
        let o = try await Self.document(request)
        guard let decision = ApplicationDesk.Decision(rawValue: try Self.text(o["decision"], "decision")) else {
            throw AppError.invalidInput(field: "decision", location: "请求正文", message: "应为 approve、reduce 或 reject")
        }
        let input = ApplicationDesk.ReviewInput(decision: decision, amount: try Self.scalar(o["amount"], "amount", required: false), reason: try Self.text(o["reason"], "reason"))
        let row = try await site.access.run(request, context) { () async throws(AppError) in try await ApplicationDesk(site.app).review(viewer, id: id, input) }
        return try Reply.json(Self.answer(row))
    }

    func objectToApplication(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let id = try Self.id(context, "application_id")
        let o = try await Self.document(request)
        let reason = try Self.text(o["reason"], "reason")
        let row = try await site.access.run(request, context) { () async throws(AppError) in try await ApplicationDesk(site.app).object(viewer, id: id, reason: reason) }
        return try Reply.json(Self.answer(row))
    }

    func confirmProposal(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let id = try Self.id(context, "application_id")
        let o = try await Self.document(request)
        let accept = try Self.boolean(o["confirm"], "confirm", default: true)
        let row = try await site.access.run(request, context) { () async throws(AppError) in try await ApplicationDesk(site.app).answerProposal(viewer, id: id, confirm: accept) }
        return try Reply.json(Self.answer(row))
    }

    struct FactsAnswer: Encodable { var kind: String; var rows: Int; var added: Int; var already_held: Int; var proposals: [Int64]; var encoding: String }

    func importFacts(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let kind = request.uri.queryParameters.get("kind") ?? ""
        let name = request.uri.queryParameters.get("name") ?? "\(kind).csv"
        let bytes = try await Self.rawBody(request, limit: ProposalImport.maximumBytes)
        let r = try await site.access.run(request, context) { () async throws(AppError) in
            try await ProposalImport(site.app).run(viewer, kind: String(kind), bytes: bytes, fileName: String(name))
        }
        try await site.accounts.logChange(viewer, address: context.address, method: "POST", path: request.uri.path, what: "导入免申即享数据 \(name)：\(r.added) 行")
        return try Reply.json(FactsAnswer(kind: r.kind.rawValue, rows: r.rows, added: r.added, already_held: r.alreadyHeld, proposals: r.proposals, encoding: r.encoding), status: .created)
    }

    struct BudgetAnswer: Encodable {
        var budget_id: Int64; var policy: String; var measure: String; var year: Int64; var payer: String
        var allocated: String; var released: String; var reserved: String; var committed: String; var paid: String; var available: String
    }

    static func answer(_ b: BudgetRow) -> BudgetAnswer {
        BudgetAnswer(budget_id: b.id, policy: b.policy, measure: b.measure, year: b.year, payer: b.payer, allocated: Fen(b.allocatedFen).plain, released: Fen(b.releasedFen).plain,
                     reserved: Fen(b.reservedFen).plain, committed: Fen(b.committedFen).plain, paid: Fen(b.paidFen).plain, available: Fen(b.availableFen).plain)
    }

    struct BudgetList: Encodable { var items: [BudgetAnswer] }

    func listBudgets(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let rows = try await site.access.run(request, context) { () async throws(AppError) in try await BudgetDesk(site.app).budgets(viewer) }
        return try Reply.json(BudgetList(items: rows.map(Self.answer)))
    }

    func setBudget(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let o = try await Self.document(request)
        guard let year = Int(try Self.text(o["year"], "year")) else { throw AppError.invalidInput(field: "year", location: "请求正文", message: "应为年份") }
        let input = BudgetDesk.Allocation(policy: try Self.text(o["policy"], "policy"), measure: try Self.text(o["measure"], "measure"), year: year,
                                          payer: try Self.text(o["payer"], "payer"), amount: try Self.text(o["amount"], "amount"))
        let b = try await site.access.run(request, context) { () async throws(AppError) in try await BudgetDesk(site.app).allocate(viewer, input) }
        return try Reply.json(Self.answer(b), status: .created)
    }

    func releaseBudget(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let id = try Self.id(context, "budget_id")
        let o = try await Self.document(request)
        let amount = try Self.text(o["amount"], "amount")
        let b = try await site.access.run(request, context) { () async throws(AppError) in try await BudgetDesk(site.app).release(viewer, id: id, amount: amount) }
        return try Reply.json(Self.answer(b))
    }

    struct PayeeAnswer: Encodable { var payee_id: Int64; var enterprise_id: String; var bank: String; var account_no: String; var holder: String; var status: String }

    func enterPayeeAccount(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let o = try await Self.document(request)
        let input = PayoutDesk.PayeeInput(enterpriseID: try Self.text(o["enterprise_id"], "enterprise_id"), bank: try Self.text(o["bank"], "bank"),
                                          accountNo: try Self.text(o["account_no"], "account_no"), holder: try Self.text(o["holder"], "holder"),
                                          evidence: try Self.scalar(o["evidence"], "evidence", required: false))
        let p = try await site.access.run(request, context) { () async throws(AppError) in try await PayoutDesk(site.app).enterPayee(viewer, input) }
        return try Reply.json(PayeeAnswer(payee_id: p.id, enterprise_id: p.enterpriseID, bank: p.bank, account_no: p.accountNo, holder: p.holder, status: p.status), status: .created)
    }

    func confirmPayeeAccount(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let id = try Self.id(context, "payee_id")
        let p = try await site.access.run(request, context) { () async throws(AppError) in try await PayoutDesk(site.app).confirmPayee(viewer, id: id) }
        return try Reply.json(PayeeAnswer(payee_id: p.id, enterprise_id: p.enterpriseID, bank: p.bank, account_no: p.accountNo, holder: p.holder, status: p.status))
    }

    struct PayoutAnswer: Encodable {
        var batch_id: Int64; var status: String; var total: String; var lines: Int64; var file_sha256: String
        var checkpoint_sequence: Int64; var checkpoint_head: String; var skipped_applications: [Int64]
    }

    func exportPayoutBatch(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let e = try await site.access.run(request, context) { () async throws(AppError) in try await PayoutDesk(site.app).export(viewer) }
        try await site.accounts.logChange(viewer, address: context.address, method: "POST", path: request.uri.path, what: "导出支付批次 \(e.batch.id)：\(Fen(e.batch.totalFen).plain) 元")
        return try Reply.json(PayoutAnswer(batch_id: e.batch.id, status: e.batch.status, total: Fen(e.batch.totalFen).plain, lines: e.batch.lines, file_sha256: e.batch.fileSHA256,
                                           checkpoint_sequence: e.checkpoint.sequence, checkpoint_head: e.checkpoint.headHash, skipped_applications: e.skipped.map(\.application)),
                              status: .created)
    }

    func markPayoutPaid(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let id = try Self.id(context, "batch_id")
        let o = try await Self.document(request)
        let reference = try Self.text(o["reference"], "reference")
        let b = try await site.access.run(request, context) { () async throws(AppError) in try await PayoutDesk(site.app).markPaid(viewer, batch: id, reference: reference) }
        return try Reply.json(PayoutAnswer(batch_id: b.id, status: b.status, total: Fen(b.totalFen).plain, lines: b.lines, file_sha256: b.fileSHA256,
                                           checkpoint_sequence: b.auditSequence, checkpoint_head: b.auditHead, skipped_applications: []))
    }

    struct AuditList: Encodable {
        var head_sequence: Int64; var head_hash: String; var entries: [Entry]; var checkpoints: [Checkpoint]
        struct Entry: Encodable { var sequence: Int64; var recorded_at: String; var actor: String; var action: String; var subject: String; var content: String; var hash: String }
        struct Checkpoint: Encodable { var sequence: Int64; var head_hash: String; var signed_at: String; var reason: String; var public_key: String; var signature: String }
    }

    func listAuditEntries(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let page = try Self.paging(request)
        let t = try await site.access.run(request, context) { () async throws(AppError) in try await AuditDesk(site.app).trail(viewer, limit: min(page.limit, 1000)) }
        return try Reply.json(AuditList(head_sequence: t.head.sequence, head_hash: t.head.hash,
                                        entries: t.entries.map { .init(sequence: $0.sequence, recorded_at: $0.recordedAt, actor: $0.actor, action: $0.action, subject: $0.subject, content: $0.content, hash: $0.hash) },
                                        checkpoints: t.checkpoints.map { .init(sequence: $0.sequence, head_hash: $0.headHash, signed_at: $0.signedAt, reason: $0.reason, public_key: $0.publicKey, signature: $0.signature) }))
    }
}
