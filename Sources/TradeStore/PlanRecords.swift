import Foundation

/// A figure entered by hand for a manual indicator (brands, parks, routes, events…): who, when, and
/// the evidence, so the figure can be defended.
public struct IndicatorEntry: Sendable, Equatable {
    public var planID: String
    public var targetID: String
    /// As written, with its unit ("12个", "35万平方米").
    public var value: String
    public var asOf: String
    public var enteredBy: String
    public var evidence: String
    public var enteredAt: String

    public init(planID: String, targetID: String, value: String, asOf: String, enteredBy: String, evidence: String, enteredAt: String) {
        self.planID = planID
        self.targetID = targetID
        self.value = value
        self.asOf = asOf
        self.enteredBy = enteredBy
        self.evidence = evidence
        self.enteredAt = enteredAt
    }
}

/// A status update on a plan's task by its owner unit.
public struct TaskUpdate: Sendable, Equatable {
    public static let statuses = ["未开始", "进行中", "已完成", "暂缓"]
    public var planID: String
    public var clause: String
    public var status: String
    public var note: String
    public var updatedBy: String
    public var updatedAt: String

    public init(planID: String, clause: String, status: String, note: String, updatedBy: String, updatedAt: String) {
        self.planID = planID
        self.clause = clause
        self.status = status
        self.note = note
        self.updatedBy = updatedBy
        self.updatedAt = updatedAt
    }
}

extension TradeLedger {
    public func addIndicatorEntry(_ e: IndicatorEntry) throws {
        try backend.transaction { db in
            try db.execute("""
                INSERT INTO indicator_entry (plan_id, target_id, value, as_of, entered_by, evidence, entered_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [.text(e.planID), .text(e.targetID), .text(e.value), .text(e.asOf), .text(e.enteredBy), .text(e.evidence), .text(e.enteredAt)])
        }
    }

    /// The latest entry of each manual target as of a day (YYYY-MM-DD), by "plan|target".
    public func indicatorEntries(asOf day: String) throws -> [String: IndicatorEntry] {
        try backend.transaction { db in
            var out: [String: IndicatorEntry] = [:]
            for r in try db.rows("""
                SELECT plan_id, target_id, value, as_of, entered_by, evidence, entered_at FROM indicator_entry WHERE as_of <= ? ORDER BY as_of, id
                """, [.text(day)]) {
                let e = IndicatorEntry(planID: r[0].string ?? "", targetID: r[1].string ?? "", value: r[2].string ?? "", asOf: r[3].string ?? "",
                                       enteredBy: r[4].string ?? "", evidence: r[5].string ?? "", enteredAt: r[6].string ?? "")
                out[e.planID + "|" + e.targetID] = e
            }
            return out
        }
    }

    public func addTaskUpdate(_ u: TaskUpdate) throws {
        try backend.transaction { db in
            try db.execute("INSERT INTO task_update (plan_id, clause, status, note, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                           [.text(u.planID), .text(u.clause), .text(u.status), .text(u.note), .text(u.updatedBy), .text(u.updatedAt)])
        }
    }

    /// Every update of a plan's tasks, oldest first.
    public func taskUpdates(planID: String) throws -> [TaskUpdate] {
        try backend.transaction { db in
            try db.rows("SELECT plan_id, clause, status, note, updated_by, updated_at FROM task_update WHERE plan_id = ? ORDER BY updated_at, id", [.text(planID)]).map {
                TaskUpdate(planID: $0[0].string ?? "", clause: $0[1].string ?? "", status: $0[2].string ?? "", note: $0[3].string ?? "",
                           updatedBy: $0[4].string ?? "", updatedAt: $0[5].string ?? "")
            }
        }
    }
}
