import KuajingDomain
import Storage

/// A task of a plan as the bureau follows it: its owner (the lead unit), the latest status and its
/// updates, the dates it is due by (杭州 19's steps, 浙江's 完成时间), and whether it is overdue.
public struct TaskStatus: Sendable {
    public var plan: String
    public var clause: String
    public var title: String
    public var owner: String
    public var status: String
    public var updates: [TaskUpdate]
    public var due: [(day: Day, what: String)]
    /// Due dates passed on the day asked while the task is not 已完成.
    public var overdue: [(day: Day, what: String)]

    /// Every task of a plan (and, for 浙江, every key work as task "重点工作N") on a day.
    public static func all(plan: Plan, records: PlanRecords, on day: Day) async throws -> [TaskStatus] {
        let updates = Dictionary(grouping: try await records.taskUpdates(planID: plan.id).filter { $0.updatedAt <= day.iso + "T99" }, by: \.clause)
        func make(clause: String, title: String, owner: String, due: [(Day, String)]) -> TaskStatus {
            let history = updates[clause] ?? []
            let status = history.last?.status ?? "未开始"
            let overdue = status == "已完成" ? [] : due.filter { $0.0 < day }
            return TaskStatus(plan: plan.id, clause: clause, title: title, owner: owner, status: status, updates: history, due: due, overdue: overdue)
        }
        var out = plan.tasks.map { t in
            make(clause: t.clause, title: t.title, owner: t.lead ?? "（原文未列）", due: t.milestones.map { ($0.due, $0.what) })
        }
        out += plan.keyWorks.map { k in
            make(clause: "重点工作\(k.clause)", title: String(k.text.prefix(40)), owner: k.lead, due: k.due.map { [($0, k.dueText)] } ?? [])
        }
        return out
    }
}
