import Foundation

/// An enterprise as the bureau registers it: the key the ledger knows it by (the customs code on
/// CEB messages, `enterprise_id` on declarations), its 统一社会信用代码, name and district.
public struct EnterpriseRow: Sendable, Equatable {
    public var id: String
    public var creditCode: String?
    public var name: String
    /// A division name of shared/reference/divisions.csv (滨江区, 平湖市, 台州湾新区).
    public var district: String
    public var synthetic: Bool

    public init(id: String, creditCode: String?, name: String, district: String, synthetic: Bool = false) {
        self.id = id
        self.creditCode = creditCode
        self.name = name
        self.district = district
        self.synthetic = synthetic
    }
}

/// A credit fact with where it comes from and as of when: the customs grade (海关信用等级), the
/// provincial public-credit grade, or a listing as seriously dishonest (严重失信主体名单).
public struct CreditFact: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case customsGrade = "customs_grade"
        case publicCreditGrade = "public_credit_grade"
        case seriousDishonesty = "serious_dishonesty"
    }

    public var enterpriseID: String
    public var kind: Kind
    /// The grade as the source writes it (高级认证, 常规, 失信, A…); for serious_dishonesty "是" or "否".
    public var value: String
    public var source: String
    public var asOf: String

    public init(enterpriseID: String, kind: Kind, value: String, source: String, asOf: String) {
        self.enterpriseID = enterpriseID
        self.kind = kind
        self.value = value
        self.source = source
        self.asOf = asOf
    }
}

extension TradeLedger {
    /// Adds or replaces enterprises; the months their trade falls in are marked for the rollups
    /// (a district may have changed).
    public func upsertEnterprises(_ rows: [EnterpriseRow]) throws {
        try backend.transaction { db in
            for chunk in rows.chunked(200) {
                let touched = try db.rows("SELECT DISTINCT month FROM trade_month_enterprise WHERE enterprise_id IN (\(TradeLedger.placeholders(chunk.count)))",
                                          chunk.map { .text($0.id) })
                try markDirty(db, months: Set(touched.compactMap { $0[0].string }))
                _ = try db.insert(BulkInsert(table: "enterprise", columns: [("id", "text"), ("credit_code", "text"), ("name", "text"), ("district", "text"), ("synthetic", "integer")],
                                             suffix: "ON CONFLICT (id) DO UPDATE SET credit_code = excluded.credit_code, name = excluded.name, district = excluded.district, synthetic = excluded.synthetic"),
                                  rows: chunk.map { [.text($0.id), $0.creditCode.map(SQLValue.text) ?? .null, .text($0.name), .text($0.district), .integer($0.synthetic ? 1 : 0)] })
            }
        }
    }

    /// Whether the registry holds synthetic (模拟数据) enterprises: reports then say so on every page.
    public func enterpriseIsSynthetic() throws -> Bool {
        try backend.transaction { db in !(try db.rows("SELECT 1 FROM enterprise WHERE synthetic = 1 LIMIT 1", [])).isEmpty }
    }

    public func enterprises() throws -> [EnterpriseRow] {
        try backend.transaction { db in
            try db.rows("SELECT id, credit_code, name, district, synthetic FROM enterprise ORDER BY id", []).map {
                EnterpriseRow(id: $0[0].string ?? "", creditCode: $0[1].string, name: $0[2].string ?? "", district: $0[3].string ?? "", synthetic: $0[4].int == 1)
            }
        }
    }

    /// Records credit facts; the same enterprise, kind and date again replaces the value.
    public func addCreditFacts(_ facts: [CreditFact]) throws {
        try backend.transaction { db in
            _ = try db.insert(BulkInsert(table: "credit_fact", columns: [("enterprise_id", "text"), ("kind", "text"), ("value", "text"), ("source", "text"), ("as_of", "text")],
                                         suffix: "ON CONFLICT (enterprise_id, kind, as_of) DO UPDATE SET value = excluded.value, source = excluded.source"),
                              rows: facts.map { [.text($0.enterpriseID), .text($0.kind.rawValue), .text($0.value), .text($0.source), .text($0.asOf)] })
        }
    }

    /// The newest fact of each kind per enterprise as of a day (YYYY-MM-DD).
    public func creditFacts(asOf day: String) throws -> [String: [CreditFact.Kind: CreditFact]] {
        try backend.transaction { db in
            var out: [String: [CreditFact.Kind: CreditFact]] = [:]
            for row in try db.rows("SELECT enterprise_id, kind, value, source, as_of FROM credit_fact WHERE as_of <= ? ORDER BY as_of", [.text(day)]) {
                guard let kind = CreditFact.Kind(rawValue: row[1].string ?? "") else { continue }
                let fact = CreditFact(enterpriseID: row[0].string ?? "", kind: kind, value: row[2].string ?? "", source: row[3].string ?? "", asOf: row[4].string ?? "")
                out[fact.enterpriseID, default: [:]][kind] = fact
            }
            return out
        }
    }
}

/// A recorded tier move of the 梯度培育库.
public struct TierMove: Sendable {
    public var enterprise: String
    public var month: String
    public var from: Int
    public var to: Int
    public var trailingFen: Int64
}

extension TradeLedger {
    /// Replaces the moves of one ladder (a recomputation from the rollups), in one transaction.
    public func replaceTierMoves(ladder: String, moves: [[SQLValue]]) throws {
        try backend.transaction { db in
            try db.execute("DELETE FROM tier_move WHERE ladder = ?", [.text(ladder)])
            _ = try db.insert(BulkInsert(table: "tier_move", columns: [("enterprise_id", "text"), ("ladder", "text"), ("on_month", "text"), ("from_tier", "integer"),
                                                                      ("to_tier", "integer"), ("trailing_fen", "bigint")]), rows: moves)
        }
    }

    public func tierMoves(ladder: String) throws -> [TierMove] {
        try backend.transaction { db in
            try db.rows("SELECT enterprise_id, on_month, from_tier, to_tier, trailing_fen FROM tier_move WHERE ladder = ? ORDER BY on_month, enterprise_id", [.text(ladder)]).map {
                TierMove(enterprise: $0[0].string ?? "", month: $0[1].string ?? "", from: Int($0[2].int ?? 0), to: Int($0[3].int ?? 0), trailingFen: $0[4].int ?? 0)
            }
        }
    }
}
