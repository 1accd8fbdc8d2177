import KuajingDomain
import Storage

/// What a person may do to an application now.
public enum ApplicationAction: String, Sendable, CaseIterable {
    /// 意愿确认 (or decline) of a 免申即享 proposal, by its enterprise.
    case confirm
    /// First review of a submitted application, or the second reviewer's decision on an objection.
    case review
    /// 异议 against a first reduction or rejection, within its period, by the applicant.
    case object
}

/// The cash-out workflow's guards in one place: which actions a viewer may take on an application
/// at a moment, and why not. The use cases refuse with these reasons; the pages offer exactly the
/// actions these allow (no copy of the guards in the web layer). The scope — which applications a
/// viewer can read at all — is the query's (`ApplicationDesk.reach`); the store checks the state
/// again inside the transaction that changes it.
public enum ApplicationWorkflow {
    /// Why `viewer` may not take `action` on `a` at `now`, or nil when it may.
    public static func refusal(_ action: ApplicationAction, by viewer: Viewer, on a: ApplicationRow, now: String) -> AppError? {
        switch action {
        case .confirm:
            guard viewer.may(.answerProposals) else { return .forbidden(message: "只有企业用户可以确认免申即享") }
            guard viewer.enterpriseID == a.enterpriseID else { return .forbidden(message: "只能确认本企业的免申即享") }
            guard a.status == .proposed else { return stateRefusal(a) }
        case .review:
            guard viewer.may(.reviewApplications) else { return .forbidden(message: "只有\(Permission.reviewApplications.holders)可以审核申报") }
            guard a.status == .submitted || a.status == .objected else {
                return .conflict(message: "第 \(a.id) 号申报当前为“\(a.status.label)”，不在待审核状态")
            }
            if a.filedBy == viewer.name || viewer.enterpriseID == a.enterpriseID { return .forbidden(message: "不能审核本单位的申报") }
            if a.status == .objected, a.firstReviewer == viewer.name { return .forbidden(message: "异议须由另一名审核人复核（初审人为 \(viewer.name)）") }
        case .object:
            guard viewer.may(.objectToDecisions) else { return .forbidden(message: "只有申报企业可以提出异议") }
            guard viewer.enterpriseID == a.enterpriseID else { return .forbidden(message: "只能对本企业的申报提出异议") }
            guard a.status == .reduced || a.status == .rejected, a.holder == "enterprise" else {
                return a.secondReviewer != nil ? .conflict(message: "本申报已经过异议复核，不能再次提出异议") : stateRefusal(a)
            }
            guard let due = a.dueAt, now <= due else { return .conflict(message: "异议期已过（截止 \(a.dueAt ?? "—")）") }
        }
        return nil
    }

    /// The actions `viewer` may take on `a` at `now`.
    public static func actions(_ viewer: Viewer, on a: ApplicationRow, now: String) -> Set<ApplicationAction> {
        Set(ApplicationAction.allCases.filter { refusal($0, by: viewer, on: a, now: now) == nil })
    }

    static func stateRefusal(_ a: ApplicationRow) -> AppError {
        .conflict(message: "第 \(a.id) 号申报当前为“\(a.status.label)”，已被他人处理或不在此步骤")
    }
}
