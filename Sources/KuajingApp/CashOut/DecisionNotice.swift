import Foundation
import KuajingDomain
import PolicyEngine
import Storage

/// What a bureau sends the applicant once an application is decided: a 核定通知书 (approved or
/// reduced, and after payment) or a 不予支持告知书 (rejected), each on one A4 page: the applicant,
/// the matter, the amounts, the formula and its clause (文号 and 条款), the reviewer and the date,
/// the reason, the entry of the audit trail that recorded the decision (its sequence and hash, so
/// the notice can be checked against the trail) and the SHA-256 of each piece of evidence.
public struct DecisionNotice: Sendable {
    public enum Kind: Sendable { case approval, refusal }
    public var kind: Kind
    public var title: String
    /// The city's 商务局: the policies are "由市商务局牵头组织实施" (杭州 and 平湖, closing clauses);
    /// the reading is recorded in docs/interpretations.md.
    public var issuer: String
    public var application: ApplicationRow
    public var matterName: String
    public var docNumber: String
    public var policyTitle: String
    /// The last decision (the second review's, when there was one).
    public var review: ReviewRow
    /// The audit entry that recorded it.
    public var entry: AuditEntry?
    public var evidence: [ApplicationBook.EvidenceInfo]
    /// For a first decision that reduced or refused: until when the applicant may object.
    public var objectionDue: String?
}

extension ApplicationDesk {
    /// The notice of a decided application within the viewer's reach (as `detail`); an application
    /// not decided yet has none (a conflict saying where it stands).
    public func notice(_ viewer: Viewer, id: Int64) async throws(AppError) -> DecisionNotice {
        let d = try await detail(viewer, id: id)
        let a = d.application
        guard let review = d.reviews.last, [.approved, .reduced, .rejected, .committed, .paid].contains(a.status) else {
            throw .conflict(message: "第 \(id) 号申报当前为“\(a.status.label)”，尚未作出审核决定，没有通知书")
        }
        let policy = try a.policy.map { id throws(AppError) in try PolicyCatalog(context).policy(id) }
        let matterName = (try? context.policySet().matters.first { $0.key == a.matter }?.chinese) ?? nil
        let refusal = a.status == .rejected
        let decisionActions: Set<String> = ["application.reviewed", "application.objection_decided"]
        return DecisionNotice(
            kind: refusal ? .refusal : .approval, title: refusal ? "不予支持告知书" : "核定通知书", issuer: viewer.city + "商务局",
            application: a, matterName: matterName ?? a.matter, docNumber: policy?.docNumber ?? (a.policy ?? ""), policyTitle: policy?.title ?? "",
            review: review, entry: d.timeline.last { decisionActions.contains($0.action) }, evidence: d.evidence,
            objectionDue: a.holder == "enterprise" && a.secondReviewer == nil ? a.dueAt : nil)
    }
}
