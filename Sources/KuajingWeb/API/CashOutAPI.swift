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
        let reason = try await APIBody.decode(ReasonBody.self, from: request).reason.text
        let row = try await site.access.run(request, context) { () async throws(AppError) in try await VoucherDesk(site.app).cancel(viewer, voucher: id, reason: reason) }
        return try Reply.json(Self.answer(row))
    }

    static func id(_ context: WebContext, _ name: String) throws(AppError) -> Int64 {
        guard let text = context.parameters.get(name), let id = Int64(text), id > 0 else {
            throw .notFound(message: "没有这一编号")
        }
        return id
    }

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
        let b = try await APIBody.decode(ApplicationBody.self, from: request)
        let input = ApplicationDesk.Submission(enterpriseID: b.enterprise_id, matter: b.matter, date: b.date, amount: b.amount.text,
                                               attributes: b.attributes.mapValues(\.text), evidence: b.evidence)
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
        let b = try await APIBody.decode(ReviewBody.self, from: request)
        guard let decision = ApplicationDesk.Decision(rawValue: b.decision) else {
            throw AppError.invalidInput(field: "decision", location: "请求正文", message: "应为 approve、reduce 或 reject")
        }
        let input = ApplicationDesk.ReviewInput(decision: decision, amount: b.amount?.text, reason: b.reason.text)
        let row = try await site.access.run(request, context) { () async throws(AppError) in try await ApplicationDesk(site.app).review(viewer, id: id, input) }
        return try Reply.json(Self.answer(row))
    }

    func objectToApplication(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let id = try Self.id(context, "application_id")
        let reason = try await APIBody.decode(ReasonBody.self, from: request).reason.text
        let row = try await site.access.run(request, context) { () async throws(AppError) in try await ApplicationDesk(site.app).object(viewer, id: id, reason: reason) }
        return try Reply.json(Self.answer(row))
    }

    func confirmProposal(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let id = try Self.id(context, "application_id")
        let accept = try await APIBody.decode(ConfirmationBody.self, from: request).confirm ?? true
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
        let body = try await APIBody.decode(BudgetBody.self, from: request)
        guard let year = Int(body.year.text) else { throw AppError.invalidInput(field: "year", location: "请求正文", message: "应为年份") }
        let input = BudgetDesk.Allocation(policy: body.policy, measure: body.measure, year: year, payer: body.payer, amount: body.amount.text)
        let b = try await site.access.run(request, context) { () async throws(AppError) in try await BudgetDesk(site.app).allocate(viewer, input) }
        return try Reply.json(Self.answer(b), status: .created)
    }

    func releaseBudget(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let id = try Self.id(context, "budget_id")
        let amount = try await APIBody.decode(ReleaseBody.self, from: request).amount.text
        let b = try await site.access.run(request, context) { () async throws(AppError) in try await BudgetDesk(site.app).release(viewer, id: id, amount: amount) }
        return try Reply.json(Self.answer(b))
    }

    struct PayeeAnswer: Encodable { var payee_id: Int64; var enterprise_id: String; var bank: String; var account_no: String; var holder: String; var status: String }

    func enterPayeeAccount(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let b = try await APIBody.decode(PayeeBody.self, from: request)
        let input = PayoutDesk.PayeeInput(enterpriseID: b.enterprise_id, bank: b.bank, accountNo: b.account_no.text, holder: b.holder, evidence: b.evidence)
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
        return try Reply.json(PayoutAnswer(batch_id: e.batch.id, status: e.batch.status, total: Fen(e.batch.totalFen).plain, lines: e.batch.lines, file_sha256: e.batch.fileSHA256,
                                           checkpoint_sequence: e.checkpoint.sequence, checkpoint_head: e.checkpoint.headHash, skipped_applications: e.skipped.map(\.application)),
                              status: .created)
    }

    func markPayoutPaid(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let id = try Self.id(context, "batch_id")
        let reference = try await APIBody.decode(PaymentBody.self, from: request).reference.text
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
