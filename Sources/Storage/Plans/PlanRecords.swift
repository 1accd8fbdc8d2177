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
    /// The task's version this update produced (1 for the first); nil before it is stored.
    public var version: Int64?

    public init(planID: String, clause: String, status: String, note: String, updatedBy: String, updatedAt: String, version: Int64? = nil) {
        self.planID = planID
        self.clause = clause
        self.status = status
        self.note = note
        self.updatedBy = updatedBy
        self.updatedAt = updatedAt
        self.version = version
    }
}

/// A task's current status and the version it is at (0: never updated, status 未开始).
public struct TaskState: Sendable, Equatable {
    public var planID: String
    public var clause: String
    public var status: String
    public var version: Int64
    public var updatedBy: String?
    public var updatedAt: String?
}

/// A write refused because the task moved on since its writer read it.
public struct StaleTaskWrite: Error, Sendable {
    public var expected: Int64
    public var current: TaskState
}

/// What the responsible units enter by hand (tables `indicator_entry`, `task_update`, `task_state`).
public struct PlanRecords: Sendable {
    public let backend: any StoreBackend

    public init(backend: any StoreBackend) { self.backend = backend }

    public func addIndicatorEntry(_ e: IndicatorEntry) async throws {
        try await backend.write { db in
            try db.execute("""
                INSERT INTO indicator_entry (plan_id, target_id, value, as_of, entered_by, evidence, entered_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [.text(e.planID), .text(e.targetID), .text(e.value), .text(e.asOf), .text(e.enteredBy), .text(e.evidence), .text(e.enteredAt)])
        }
    }

    /// The latest entry of each manual target as of a day (YYYY-MM-DD), by "plan|target".
    public func indicatorEntries(asOf day: String) async throws -> [String: IndicatorEntry] {
        try await backend.read { db in
            var out: [String: IndicatorEntry] = [:]
            for r in try db.rows("""
                SELECT plan_id, target_id, value, as_of, entered_by, evidence, entered_at FROM indicator_entry WHERE as_of <= ? ORDER BY as_of, id
                """, [.text(day)]) {
                let e = IndicatorEntry(planID: try r.text("plan_id"), targetID: try r.text("target_id"), value: try r.text("value"), asOf: try r.text("as_of"),
                                       enteredBy: try r.text("entered_by"), evidence: try r.text("evidence"), enteredAt: try r.text("entered_at"))
                out[e.planID + "|" + e.targetID] = e
            }
            return out
        }
    }

    static func state(_ db: any SQLExecutor, planID: String, clause: String) throws -> TaskState {
        guard let r = try db.rows("SELECT status, version, updated_by, updated_at FROM task_state WHERE plan_id = ? AND clause = ?", [.text(planID), .text(clause)]).first else {
            return TaskState(planID: planID, clause: clause, status: "未开始", version: 0, updatedBy: nil, updatedAt: nil)
        }
        return TaskState(planID: planID, clause: clause, status: try r.text("status"), version: try r.int("version"), updatedBy: try r.text("updated_by"),
                         updatedAt: try r.text("updated_at"))
    }

    /// A task's current state (version 0 when it was never updated).
    public func taskState(planID: String, clause: String) async throws -> TaskState {
        try await backend.read { db in try PlanRecords.state(db, planID: planID, clause: clause) }
    }

    /// Records an update in one transaction: read the task's state, and write only if it is still
    /// at `expectedVersion` (the version its writer saw; nil: whatever it is now, read in this same
    /// transaction). The state moves by one conditional statement, so a concurrent writer that got
    /// there first makes this one a `StaleTaskWrite`, never a lost update.
    public func addTaskUpdate(_ u: TaskUpdate, expectedVersion: Int64?) async throws -> TaskUpdate {
        try await backend.write { db in
            let current = try PlanRecords.state(db, planID: u.planID, clause: u.clause)
            let seen = expectedVersion ?? current.version
            guard seen == current.version else { throw StaleTaskWrite(expected: seen, current: current) }
            let moved: [SQLRow]
            if seen == 0 {
                moved = try db.rows("""
                    INSERT INTO task_state (plan_id, clause, status, version, updated_by, updated_at) VALUES (?, ?, ?, 1, ?, ?)
                    ON CONFLICT (plan_id, clause) DO NOTHING RETURNING version
                    """, [.text(u.planID), .text(u.clause), .text(u.status), .text(u.updatedBy), .text(u.updatedAt)])
            } else {
                moved = try db.rows("""
                    UPDATE task_state SET status = ?, version = version + 1, updated_by = ?, updated_at = ?
                    WHERE plan_id = ? AND clause = ? AND version = ? RETURNING version
                    """, [.text(u.status), .text(u.updatedBy), .text(u.updatedAt), .text(u.planID), .text(u.clause), .integer(seen)])
            }
            guard let version = try moved.first?.int("version") else {
                throw StaleTaskWrite(expected: seen, current: try PlanRecords.state(db, planID: u.planID, clause: u.clause))
            }
            try db.execute("INSERT INTO task_update (plan_id, clause, status, note, updated_by, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           [.text(u.planID), .text(u.clause), .text(u.status), .text(u.note), .text(u.updatedBy), .text(u.updatedAt), .integer(version)])
            if let origin = db.origin { try AccountStore.logChange(db, origin, at: u.updatedAt, what: "任务 \(u.planID) \(u.clause) → \(u.status)（版本 \(version)）") }
            var stored = u
            stored.version = version
            return stored
        }
    }

    /// Every update of a plan's tasks, oldest first.
    public func taskUpdates(planID: String) async throws -> [TaskUpdate] {
        try await backend.read { db in
            try db.rows("SELECT plan_id, clause, status, note, updated_by, updated_at, version FROM task_update WHERE plan_id = ? ORDER BY updated_at, id", [.text(planID)]).map {
                TaskUpdate(planID: try $0.text("plan_id"), clause: try $0.text("clause"), status: try $0.text("status"), note: try $0.text("note"),
                           updatedBy: try $0.text("updated_by"), updatedAt: try $0.text("updated_at"), version: try $0.optionalInt("version"))
            }
        }
    }
}
