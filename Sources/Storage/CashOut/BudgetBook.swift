import Foundation
import KuajingDomain

public struct BudgetRow: Sendable, Equatable {
    public var id: Int64
    public var policy: String
    public var measure: String
    public var year: Int64
    /// `市级` or a district's name.
    public var payer: String
    public var allocatedFen: Int64
    public var releasedFen: Int64
    public var reservedFen: Int64
    public var committedFen: Int64
    public var paidFen: Int64
    /// What can still be approved: released − reserved − committed − paid.
    public var availableFen: Int64 { releasedFen - reservedFen - committedFen - paidFen }
}

/// Budgets per policy, measure, year and payer (table `budget`). The four balances are kept apart:
/// `released` (what the finance bureau has made available of the allocation), `reserved` (approved,
/// not yet in a payment batch), `committed` (in a frozen payment batch), `paid` (the batch is marked
/// paid). Every move is one conditional UPDATE that refuses to pass what was released, and the
/// table's CHECK constraints stand behind it.
public struct BudgetBook: Sendable {
    public let backend: any StoreBackend
    public init(backend: any StoreBackend) { self.backend = backend }

    public static let cityPayer = "市级"

    static let columns = "id, policy, measure, year, payer, allocated_fen, released_fen, reserved_fen, committed_fen, paid_fen"

    static func row(_ r: SQLRow) throws -> BudgetRow {
        BudgetRow(id: try r.int("id"), policy: try r.text("policy"), measure: try r.text("measure"), year: try r.int("year"), payer: try r.text("payer"),
                  allocatedFen: try r.int("allocated_fen"), releasedFen: try r.int("released_fen"), reservedFen: try r.int("reserved_fen"),
                  committedFen: try r.int("committed_fen"), paidFen: try r.int("paid_fen"))
    }

    static func find(_ db: any SQLExecutor, policy: String, measure: String, year: Int64, payer: String) throws -> BudgetRow? {
        try db.rows("SELECT \(columns) FROM budget WHERE policy = ? AND measure = ? AND year = ? AND payer = ?",
                    [.text(policy), .text(measure), .integer(year), .text(payer)]).first.map(row)
    }

    /// Moves `amount` from the balance `from` into `to` with one conditional statement: from nil, out
    /// of what is available (released − reserved − committed − paid); to nil, back to what is
    /// available. The refusal carries the figures as they stood.
    static func move(_ db: any SQLExecutor, policy: String, measure: String, year: Int64, payer: String, from: String?, to: String?, amount: Int64) throws -> Result<[AuditEffect], CashOutRefusal> {
        guard let b = try find(db, policy: policy, measure: measure, year: year, payer: payer) else { return .failure(.noBudget(payer: payer)) }
        let n: Int
        switch (from, to) {
        case let (from?, to?):
            n = try db.rows("UPDATE budget SET \(from) = \(from) - ?, \(to) = \(to) + ? WHERE id = ? AND \(from) >= ? RETURNING id",
                            [.integer(amount), .integer(amount), .integer(b.id), .integer(amount)]).count
        case let (nil, to?):
            n = try db.rows("UPDATE budget SET \(to) = \(to) + ? WHERE id = ? AND reserved_fen + committed_fen + paid_fen + ? <= released_fen RETURNING id",
                            [.integer(amount), .integer(b.id), .integer(amount)]).count
        case let (from?, nil):
            n = try db.rows("UPDATE budget SET \(from) = \(from) - ? WHERE id = ? AND \(from) >= ? RETURNING id", [.integer(amount), .integer(b.id), .integer(amount)]).count
        case (nil, nil):
            return .success([])
        }
        guard n == 1 else {
            return .failure(.budgetExceeded(payer: payer, releasedFen: b.releasedFen, usedFen: b.reservedFen + b.committedFen + b.paidFen, askedFen: amount))
        }
        let key = String(b.id)
        return .success((from.map { [AuditEffect.add("budget", key, $0, -amount)] } ?? []) + (to.map { [AuditEffect.add("budget", key, $0, amount)] } ?? []))
    }

    /// An amount split between the city's budget and the district's, moved as `move` does, each part
    /// that is not zero; a refusal rolls the whole transaction back (`RefusedInTransaction`).
    static func moveSplit(_ db: any SQLExecutor, policy: String, measure: String, year: Int64, district: String, cityFen: Int64, districtFen: Int64,
                          from: String?, to: String?) throws -> [AuditEffect] {
        var effects: [AuditEffect] = []
        for (payer, fen) in [(cityPayer, cityFen), (district, districtFen)] where fen > 0 {
            switch try move(db, policy: policy, measure: measure, year: year, payer: payer, from: from, to: to, amount: fen) {
            case let .success(e): effects += e
            case let .failure(refusal): throw RefusedInTransaction(refusal: refusal)
            }
        }
        return effects
    }

    /// Sets a budget's allocation (creating it); refused below what was already released.
    public func allocate(policy: String, measure: String, year: Int64, payer: String, allocatedFen: Int64, by: String, at now: String) async throws -> Result<BudgetRow, CashOutRefusal> {
        try await backend.writeRefusable { db in
            if let b = try Self.find(db, policy: policy, measure: measure, year: year, payer: payer) {
                guard allocatedFen >= b.releasedFen else {
                    return .failure(.other("预算额度不能低于已下达的 \(Fen(b.releasedFen).grouped) 元"))
                }
                try db.execute("UPDATE budget SET allocated_fen = ? WHERE id = ?", [.integer(allocatedFen), .integer(b.id)])
            } else {
                try db.execute("INSERT INTO budget (policy, measure, year, payer, allocated_fen) VALUES (?, ?, ?, ?, ?)",
                               [.text(policy), .text(measure), .integer(year), .text(payer), .integer(allocatedFen)])
            }
            let b = try Self.find(db, policy: policy, measure: measure, year: year, payer: payer)!
            try AuditTrail.append(db, AuditEvent(actor: by, action: "budget.allocated", subject: "budget:\(b.id)",
                                                 details: ["policy": .text(policy), "measure": .text(measure), "year": .integer(year), "payer": .text(payer)],
                                                 effects: [.set("budget", String(b.id), "allocated_fen", .integer(allocatedFen))]), at: now)
            return .success(b)
        }
    }

    /// Releases (下达) part of the allocation, so that approvals may use it.
    /// Only a budget of one of `policies` paid by one of `payers` (the caller's city's), in the query.
    public func release(id: Int64, policies: [String], payers: [String], amountFen: Int64, by: String, at now: String) async throws -> Result<BudgetRow, CashOutRefusal> {
        try await backend.writeRefusable { db in
            guard !policies.isEmpty, !payers.isEmpty, let b = try db.rows("""
                SELECT \(Self.columns) FROM budget WHERE id = ? AND policy IN (\(SQLText.placeholders(policies.count))) AND payer IN (\(SQLText.placeholders(payers.count)))
                """, [.integer(id)] + policies.map(SQLValue.text) + payers.map(SQLValue.text)).first.map(Self.row) else { return .failure(.notFound) }
            guard try db.rows("UPDATE budget SET released_fen = released_fen + ? WHERE id = ? AND released_fen + ? <= allocated_fen RETURNING id",
                              [.integer(amountFen), .integer(id), .integer(amountFen)]).count == 1 else {
                return .failure(.other("下达后将超过预算额度：额度 \(Fen(b.allocatedFen).grouped) 元，已下达 \(Fen(b.releasedFen).grouped) 元，本次 \(Fen(amountFen).grouped) 元"))
            }
            try AuditTrail.append(db, AuditEvent(actor: by, action: "budget.released", subject: "budget:\(id)", details: ["amount_fen": .integer(amountFen)],
                                                 effects: [.add("budget", String(id), "released_fen", amountFen)]), at: now)
            return .success(try db.rows("SELECT \(Self.columns) FROM budget WHERE id = ?", [.integer(id)]).first.map(Self.row)!)
        }
    }

    /// Budgets of these policies and payers (a city's), optionally of one year.
    public func budgets(policies: [String], payers: [String], year: Int64? = nil) async throws -> [BudgetRow] {
        guard !policies.isEmpty, !payers.isEmpty else { return [] }
        return try await backend.read { db in
            var sql = "SELECT \(Self.columns) FROM budget WHERE policy IN (\(SQLText.placeholders(policies.count))) AND payer IN (\(SQLText.placeholders(payers.count)))"
            var args: [SQLValue] = policies.map(SQLValue.text) + payers.map(SQLValue.text)
            if let year { sql += " AND year = ?"; args.append(.integer(year)) }
            return try db.rows(sql + " ORDER BY policy, year, measure, payer", args).map(Self.row)
        }
    }

    public func budget(policy: String, measure: String, year: Int64, payer: String) async throws -> BudgetRow? {
        try await backend.read { db in try Self.find(db, policy: policy, measure: measure, year: year, payer: payer) }
    }
}
