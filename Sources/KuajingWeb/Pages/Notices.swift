import Foundation
import Hummingbird
import KuajingApp
import KuajingDomain

/// The printed side of cash-out, each one A4 portrait page (the print stylesheet hides the
/// chrome): the notice of a decided application (`DecisionNotice`: 核定通知书 or 不予支持告知书),
/// and the cover sheet of a payment batch (its totals by payer and by measure, the file's SHA-256
/// and the audit checkpoint, and the lines to sign).
extension Site {
    struct NoticeView: PageView {
        static let template = "notice"
        struct Evidence: Sendable { var name, sha: String }
        var title, issuer, number: String
        var approval: Bool
        var enterprise, creditCode, district, matter, claimDate, claimed: String
        var decided, split: String?
        var engineAward, explanation, docNumber, policyTitle, clause: String
        var reviewer, decidedAt, reason, stage: String
        var auditSequence, auditHash: String
        var evidence: [Evidence]
        var objectionDue: String?
        var back: String
    }

    static func noticeView(_ n: DecisionNotice) -> NoticeView {
        let a = n.application
        let decided = n.kind == .approval ? (a.decidedFen ?? n.review.amountFen) : nil
        return NoticeView(
            title: n.title, issuer: n.issuer, number: "\(a.year)-\(a.id)", approval: n.kind == .approval,
            enterprise: a.enterpriseName, creditCode: a.enterpriseID, district: a.district, matter: n.matterName, claimDate: a.claimDate, claimed: Fen(a.amountFen).grouped,
            decided: decided.map { Fen($0).grouped },
            split: a.cityFen.map { "市级承担 \(Fen($0).grouped) 元，\(a.district)承担 \(Fen(a.districtFen ?? 0).grouped) 元" + (a.fundingBasis.map { "（\($0)）" } ?? "") },
            engineAward: Fen(a.engineAwardFen).grouped, explanation: a.explanation, docNumber: n.docNumber, policyTitle: n.policyTitle, clause: a.clause ?? "",
            reviewer: n.review.reviewer, decidedAt: Show.time(n.review.decidedAt), reason: n.review.reason, stage: n.review.stage == "review" ? "初审" : "异议复核",
            auditSequence: n.entry.map { "第 \($0.sequence) 条" } ?? "—", auditHash: n.entry?.hash ?? "—",
            evidence: n.evidence.map { .init(name: $0.name, sha: $0.sha256) }, objectionDue: n.objectionDue.map(Show.time), back: Route.application(a.id).link)
    }

    func notice(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw AppError.notFound(message: "没有这笔申报") }
        let n = try await access.run(request, context) { () async throws(AppError) in try await ApplicationDesk(app).notice(viewer, id: id) }
        return try views.page(Self.noticeView(n), title: "\(n.title)（第 \(id) 号申报）", current: .applications, context: context, synthetic: await synthetic())
    }

    // MARK: 支付批次封面

    struct PayoutCoverView: PageView {
        static let template = "payout-cover"
        struct Sum: Sendable { var name, count, amount: String }
        var id: Int64
        var createdAt, createdBy, status, total, lines, sha, checkpoint, head: String
        var payers, measures: [Sum]
        var reversals: String?
        var back: String
    }

    static func payoutCoverView(_ b: PayoutBatchRow, lines: [PayoutLineRow]) -> PayoutCoverView {
        func sums(_ key: (PayoutLineRow) -> [(String, Int64)]) -> [PayoutCoverView.Sum] {
            var order: [String] = [], fen: [String: Int64] = [:], count: [String: Int] = [:]
            for l in lines where l.kind != "reversal" {
                for (name, amount) in key(l) where amount != 0 {
                    if fen[name] == nil { order.append(name) }
                    fen[name, default: 0] += amount
                    count[name, default: 0] += 1
                }
            }
            return order.map { .init(name: $0, count: "\(count[$0] ?? 0)", amount: Fen(fen[$0] ?? 0).grouped) }
        }
        let reversals = lines.filter { $0.kind == "reversal" }
        return PayoutCoverView(
            id: b.id, createdAt: Show.time(b.createdAt), createdBy: b.createdBy,
            status: b.status == "paid" ? "已支付（凭证 \(b.paidReference ?? "")，\(b.paidAt.map(Show.time) ?? "")）" : "已冻结，待支付",
            total: Fen(b.totalFen).grouped, lines: "\(b.lines)", sha: b.fileSHA256, checkpoint: "第 \(b.auditSequence) 条", head: b.auditHead,
            payers: sums { [("市级", $0.cityFen), ($0.district, $0.districtFen)] }, measures: sums { [("\($0.policy) / \($0.measure)", $0.amountFen)] },
            reversals: reversals.isEmpty ? nil : "含冲销 \(reversals.count) 笔，合计 \(Fen(reversals.reduce(0) { $0 + $1.amountFen }).grouped) 元",
            back: Route.payouts.link)
    }

    func payoutCover(_ request: Request, _ context: WebContext, batch id: Int64) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let desk = PayoutDesk(app)
        let (batch, lines) = try await access.run(request, context) { () async throws(AppError) in
            let f = try await desk.file(viewer, batch: id)
            return (f.batch, f.lines)
        }
        return try views.page(Self.payoutCoverView(batch, lines: lines), title: "支付批次 \(id) 封面", current: .payouts, context: context, synthetic: await synthetic())
    }
}
