import Foundation
import KuajingDomain

/// What an application holds (or is to hold) of one limit row, as the application layer computed
/// it from the policy engine's `LimitUse`.
public struct LimitHold: Sendable, Equatable {
    /// `policy/measure/parameter`, `…/once`, `…/per_year`, `policy/group`, `policy/pool`.
    public var limitKey: String
    /// The enterprise, or `*` for a pool that all applicants share.
    public var owner: String
    /// The calendar year, 0 for the policy period.
    public var period: Int64
    /// `fen` or `grants`.
    public var unit: String
    public var amount: Int64
    public var bound: Int64
    public var label: String
    public var clause: String

    public init(limitKey: String, owner: String, period: Int64, unit: String, amount: Int64, bound: Int64, label: String, clause: String) {
        self.limitKey = limitKey
        self.owner = owner
        self.period = period
        self.unit = unit
        self.amount = amount
        self.bound = bound
        self.label = label
        self.clause = clause
    }

    /// The row's id: the key, the owner and the period joined by `|`.
    public var limitID: String { LimitBook.id(limitKey, owner, period) }
}

/// One limit row as it stands: what is used of the bound, and which applications hold it (server order).
public struct LimitRow: Sendable, Equatable {
    public var id: String
    public var limitKey: String
    public var owner: String
    public var period: Int64
    public var unit: String
    public var used: Int64
    public var bound: Int64
    public var label: String
    public var clause: String
    /// (application id, amount held), oldest first.
    public var holders: [(application: Int64, amount: Int64)]

    public static func == (a: LimitRow, b: LimitRow) -> Bool {
        a.id == b.id && a.used == b.used && a.bound == b.bound && a.holders.map(\.application) == b.holders.map(\.application)
            && a.holders.map(\.amount) == b.holders.map(\.amount)
    }
}

/// The limits in the database (tables `limit_use`, `limit_hold`, migration 13): for every limit the
/// engine keeps state in — caps per enterprise and year or policy period, once-only grants, yearly
/// counts, shared caps, pools — a row per (limit, owner, period) with what is used and the bound,
/// held by `CHECK (used <= bound)`; and what each application holds of each row. Filing locks the
/// rows it decides from (the enterprise's row first, then the shared rows in key order, so two
/// filings never wait for each other in a circle), the engine decides from them, and the holds are
/// taken in the same transaction; review, objection, rejection and withdrawal move the holds in
/// theirs. Every move of `used` is an audit effect on `limit_use`, so `kuajing audit verify`
/// replays them. The rules stay in the engine: these rows hold only the state it decides from.
public enum LimitBook {
    static func id(_ key: String, _ owner: String, _ period: Int64) -> String { "\(key)|\(owner)|\(period)" }

    static let rowColumns = "id, limit_key, owner, period, unit, used, bound, label, clause"

    static func limitRows(_ db: any SQLExecutor, where condition: String, _ arguments: [SQLValue], lock: Bool) throws -> [LimitRow] {
        var sql = "SELECT \(rowColumns) FROM limit_use WHERE \(condition) ORDER BY id"
        if lock && db.dialect == .postgres { sql += " FOR UPDATE" }
        let rows = try db.rows(sql, arguments).map { r in
            LimitRow(id: try r.text("id"), limitKey: try r.text("limit_key"), owner: try r.text("owner"), period: try r.int("period"), unit: try r.text("unit"),
                     used: try r.int("used"), bound: try r.int("bound"), label: try r.text("label"), clause: try r.text("clause"), holders: [])
        }
        guard !rows.isEmpty else { return [] }
        var holders: [String: [(Int64, Int64)]] = [:]
        for h in try db.rows("SELECT application_id, limit_id, amount FROM limit_hold WHERE limit_id IN (\(SQLText.placeholders(rows.count))) ORDER BY application_id",
                             rows.map { .text($0.id) }) {
            holders[try h.text("limit_id"), default: []].append((try h.int("application_id"), try h.int("amount")))
        }
        return rows.map { var r = $0; r.holders = holders[r.id] ?? []; return r }
    }

    /// Locks and reads the rows a filing of `enterprise` decides from: all of the enterprise's, then
    /// those of the shared limits (`shared`, pools) — on PostgreSQL `SELECT … FOR UPDATE`, in id
    /// order; on SQLite the write transaction already is the only one.
    static func lockForFiling(_ db: any SQLExecutor, enterprise: String, shared: [String]) throws -> [LimitRow] {
        var rows = try limitRows(db, where: "owner = ?", [.text(enterprise)], lock: true)
        if !shared.isEmpty {
            rows += try limitRows(db, where: "owner = '*' AND limit_key IN (\(SQLText.placeholders(shared.count)))", shared.sorted().map(SQLValue.text), lock: true)
        }
        return rows
    }

    /// Takes `holds` for application `id`: every row made if it is new (nothing used), its bound
    /// brought to the policy's, its use moved. A hold past a bound is refused naming the limit
    /// (and the CHECK stands behind it); the caller's transaction then rolls back.
    static func take(_ db: any SQLExecutor, application id: Int64, _ holds: [LimitHold]) throws -> [AuditEffect] {
        var effects: [AuditEffect] = []
        for h in holds.sorted(by: { $0.limitID < $1.limitID }) {
            try db.execute("""
                INSERT INTO limit_use (id, limit_key, owner, period, unit, used, bound, label, clause) VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?)
                ON CONFLICT (id) DO NOTHING
                """, [.text(h.limitID), .text(h.limitKey), .text(h.owner), .integer(h.period), .text(h.unit), .integer(h.bound), .text(h.label), .text(h.clause)])
            guard let used = try db.rows("SELECT used FROM limit_use WHERE id = ?\(db.dialect == .postgres ? " FOR UPDATE" : "")", [.text(h.limitID)]).first?.int("used") else {
                throw StorageError.constraint("limit row \(h.limitID) is missing")
            }
            if used + h.amount > h.bound {
                throw RefusedInTransaction(refusal: refusal(h.label, clause: h.clause, unit: h.unit, used: used, bound: h.bound, asked: h.amount, holders: try holders(db, h.limitID)))
            }
            try db.execute("UPDATE limit_use SET used = used + ?, bound = ?, label = ?, clause = ? WHERE id = ?",
                           [.integer(h.amount), .integer(h.bound), .text(h.label), .text(h.clause), .text(h.limitID)])
            try db.execute("INSERT INTO limit_hold (application_id, limit_id, unit, amount) VALUES (?, ?, ?, ?)",
                           [.integer(id), .text(h.limitID), .text(h.unit), .integer(h.amount)])
            effects.append(.add("limit_use", h.limitID, "used", h.amount))
            effects.append(.set("limit_use", h.limitID, "bound", .integer(h.bound)))
        }
        try db.execute("UPDATE application SET limits_held = 1 WHERE id = ?", [.integer(id)])
        return effects
    }

    /// The applications holding a row, oldest first.
    static func holders(_ db: any SQLExecutor, _ limitID: String) throws -> [Int64] {
        try db.rows("SELECT application_id FROM limit_hold WHERE limit_id = ? AND amount > 0 ORDER BY application_id", [.text(limitID)]).map { try $0.int("application_id") }
    }

    /// A refusal naming the limit, its clause, its figures and (up to ten) the applications holding it.
    static func refusal(_ label: String, clause: String, unit: String, used: Int64, bound: Int64, asked: Int64, holders: [Int64]) -> CashOutRefusal {
        let named = holders.isEmpty ? "" : "；由按受理顺序在先的第 \(holders.suffix(10).map(String.init).joined(separator: "、")) 号申报占用\(holders.count > 10 ? "（共 \(holders.count) 件）" : "")"
        if unit == "grants" {
            return .limitExceeded("超过政策限额：\(label)（\(clause)）至多 \(bound) 项，已有 \(used) 项\(named)")
        }
        return .limitExceeded("超过政策限额：\(label)（\(clause)）上限 \(Fen(bound).grouped) 元，已占用 \(Fen(used).grouped) 元，尚余 \(Fen(max(0, bound - used)).grouped) 元，本次需 \(Fen(asked).grouped) 元\(named)")
    }

    /// What application `id` holds, per row.
    static func holds(_ db: any SQLExecutor, application id: Int64) throws -> [(limitID: String, unit: String, amount: Int64)] {
        try db.rows("SELECT limit_id, unit, amount FROM limit_hold WHERE application_id = ? ORDER BY limit_id", [.integer(id)]).map {
            (try $0.text("limit_id"), try $0.text("unit"), try $0.int("amount"))
        }
    }

    /// Sets what application `id` holds of every amount limit to `fen` (a review's amount), giving
    /// back what a reduction frees and taking what a raise needs; a raise past a bound is refused
    /// naming the limit. Counts stay held. Nothing happens for an application that holds nothing.
    static func setAmount(_ db: any SQLExecutor, application id: Int64, to fen: Int64) throws -> [AuditEffect] {
        var effects: [AuditEffect] = []
        for h in try holds(db, application: id) where h.unit == "fen" && h.amount != fen {
            let delta = fen - h.amount
            if delta > 0 {
                guard let r = try limitRows(db, where: "id = ?", [.text(h.limitID)], lock: true).first else { throw StorageError.constraint("limit row \(h.limitID) is missing") }
                if r.used + delta > r.bound {
                    throw RefusedInTransaction(refusal: refusal(r.label, clause: r.clause, unit: r.unit, used: r.used, bound: r.bound, asked: delta,
                                                                holders: r.holders.filter { $0.application != id && $0.amount > 0 }.map(\.application)))
                }
            }
            try db.execute("UPDATE limit_use SET used = used + ? WHERE id = ?", [.integer(delta), .text(h.limitID)])
            try db.execute("UPDATE limit_hold SET amount = ? WHERE application_id = ? AND limit_id = ?", [.integer(fen), .integer(id), .text(h.limitID)])
            effects.append(.add("limit_use", h.limitID, "used", delta))
        }
        return effects
    }

    /// The most application `id` may hold of every amount limit now, up to `ceiling`: its hold plus
    /// the room left, the tightest row deciding (an objection re-decided against the limits).
    static func headroom(_ db: any SQLExecutor, application id: Int64, ceiling: Int64) throws -> Int64 {
        var most = ceiling
        for h in try holds(db, application: id) where h.unit == "fen" {
            guard let r = try limitRows(db, where: "id = ?", [.text(h.limitID)], lock: true).first else { continue }
            most = min(most, h.amount + max(0, r.bound - r.used))
        }
        return max(0, most)
    }

    /// Gives back everything application `id` holds (a final rejection, a refusal, a withdrawal).
    static func release(_ db: any SQLExecutor, application id: Int64) throws -> [AuditEffect] {
        var effects: [AuditEffect] = []
        for h in try holds(db, application: id) {
            try db.execute("UPDATE limit_use SET used = used - ? WHERE id = ?", [.integer(h.amount), .text(h.limitID)])
            effects.append(.add("limit_use", h.limitID, "used", -h.amount))
        }
        try db.execute("DELETE FROM limit_hold WHERE application_id = ?", [.integer(id)])
        return effects
    }
}
