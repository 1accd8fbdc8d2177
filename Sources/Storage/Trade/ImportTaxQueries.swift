import Foundation
import KuajingDomain

/// One row of the import-tax rollup as the monitoring reads it: figures by the keys asked for.
public struct ImportTaxRow: Sendable, Equatable {
    public var keys: [String]
    /// Every assessed order (all regimes).
    public var orders: Int64
    /// Price and taxes of the orders the CBEC channel taxes (within the limits, or one item at full rates).
    public var priceFen: Int64
    /// The price of the orders above a limit (general trade: not taxed through the channel).
    public var overLimitPriceFen: Int64
    public var dutyFen: Int64
    public var consumptionTaxFen: Int64
    public var vatFen: Int64
    /// Orders above a limit (general trade) and one-item orders at full rates.
    public var overLimitOrders: Int64
    public var fullRateOrders: Int64
    public var returnedOrders: Int64
    public var returnedTaxFen: Int64
    public var returnedQuotaFen: Int64
    /// One-item orders at full rates whose duty rate the ledger does not hold (duty counted as 0).
    public var dutyRateMissing: Int64
    public var nearSingle: Int64

    /// The tax the CBEC channel collects: the counted orders' taxes less what returns gave back
    /// (an order above a limit goes to general trade and is not collected through the channel).
    public var collectedFen: Int64 { dutyFen + consumptionTaxFen + vatFen - returnedTaxFen }
}

/// The buyers of one calendar year in aggregate only (no buyer is ever listed).
public struct BuyerQuotaSummary: Sendable, Equatable {
    public var year: Int
    public var buyers: Int64
    public var usedFen: Int64
    /// Buyers whose net total reached the near-limit share of their yearly limit, and those at it.
    public var nearLimit: Int64
    public var atLimit: Int64
    /// Buyers with orders to at least `manyConsignees` different consignee addresses.
    public var manyConsigneeBuyers: Int64
    public var manyConsignees: Int
}

extension ImportTaxLedger {
    public enum Dimension: String, CaseIterable, Sendable {
        case month, code, district, platform, regime
        var column: String {
            switch self {
            case .month: return "t.month"
            case .code: return "t.supervision_code"
            case .district: return "COALESCE(e.district, '')"
            case .platform: return "t.ebp_code"
            case .regime: return "t.regime"
            }
        }
    }

    /// The rollup grouped by the dimensions, months in [from, to] (YYYY-MM), districts limited to
    /// `reach` (nil: all; the viewer's scope, in the query), or one e-commerce enterprise's rows.
    public func rows(by dimensions: [Dimension], from: String, to: String, reach: [String]?, enterprise: String? = nil) async throws -> [ImportTaxRow] {
        try await backend.read { db in
            let keys = dimensions.isEmpty ? ["'全部'"] : dimensions.map(\.column)
            var args: [SQLValue] = [.text(from), .text(to)]
            var scope = ""
            if let reach {
                if reach.isEmpty { return [] }
                scope = " AND COALESCE(e.district, '') IN (\(SQLText.placeholders(reach.count)))"
                args += reach.map(SQLValue.text)
            }
            if let enterprise {
                scope += " AND t.ebc_code = ?"
                args.append(.text(enterprise))
            }
            func counted(_ column: String) -> String { "CASE WHEN t.regime IN ('cbec', 'cbec_full_rate') THEN \(column) ELSE 0 END" }
            let sql = """
                SELECT \(keys.enumerated().map { "\($0.element) AS k\($0.offset)" }.joined(separator: ", ")),
                       CAST(SUM(t.orders) AS BIGINT) AS orders, CAST(SUM(\(counted("t.price_fen"))) AS BIGINT) AS price,
                       CAST(SUM(\(counted("t.duty_fen"))) AS BIGINT) AS duty, CAST(SUM(\(counted("t.consumption_tax_fen"))) AS BIGINT) AS ct,
                       CAST(SUM(\(counted("t.vat_fen"))) AS BIGINT) AS vat,
                       CAST(SUM(CASE WHEN t.regime = 'general_trade' THEN t.price_fen ELSE 0 END) AS BIGINT) AS over_limit_price,
                       CAST(SUM(CASE WHEN t.regime = 'general_trade' THEN t.orders ELSE 0 END) AS BIGINT) AS over_limit,
                       CAST(SUM(CASE WHEN t.regime = 'cbec_full_rate' THEN t.orders ELSE 0 END) AS BIGINT) AS full_rate,
                       CAST(SUM(t.returned_orders) AS BIGINT) AS returned, CAST(SUM(t.returned_tax_fen) AS BIGINT) AS returned_tax,
                       CAST(SUM(t.returned_quota_fen) AS BIGINT) AS returned_quota, CAST(SUM(CASE WHEN t.regime = 'cbec_full_rate' THEN t.duty_rate_missing ELSE 0 END) AS BIGINT) AS duty_missing,
                       CAST(SUM(t.near_single) AS BIGINT) AS near_single
                FROM import_tax_month t LEFT JOIN enterprise e ON e.id = t.ebc_code
                WHERE t.month >= ? AND t.month <= ?\(scope)
                GROUP BY \(keys.indices.map { "k\($0)" }.joined(separator: ", "))
                ORDER BY \(keys.indices.map { "k\($0)" }.joined(separator: ", "))
                """
            return try db.rows(sql, args).map { r in
                ImportTaxRow(keys: try keys.indices.map { try r.text("k\($0)") }, orders: try r.int("orders"), priceFen: try r.int("price"),
                             overLimitPriceFen: try r.int("over_limit_price"), dutyFen: try r.int("duty"),
                             consumptionTaxFen: try r.int("ct"), vatFen: try r.int("vat"), overLimitOrders: try r.int("over_limit"), fullRateOrders: try r.int("full_rate"),
                             returnedOrders: try r.int("returned"), returnedTaxFen: try r.int("returned_tax"), returnedQuotaFen: try r.int("returned_quota"),
                             dutyRateMissing: try r.int("duty_missing"), nearSingle: try r.int("near_single"))
            }
        }
    }

    /// The year's buyers in aggregate: how many, their net total, how many near or at their limit,
    /// how many ordered to many consignees (thresholds are the regime's settings).
    public func buyerSummary(year: Int, nearShare: Rational, manyConsignees: Int) async throws -> BuyerQuotaSummary {
        try await backend.read { db in
            let y: SQLValue = .integer(Int64(year))
            let totals = try db.rows("""
                SELECT CAST(COUNT(*) AS BIGINT) AS buyers, CAST(COALESCE(SUM(used_fen), 0) AS BIGINT) AS used,
                       CAST(COALESCE(SUM(CASE WHEN used_fen * ? >= bound_fen * ? THEN 1 ELSE 0 END), 0) AS BIGINT) AS near,
                       CAST(COALESCE(SUM(CASE WHEN used_fen >= bound_fen THEN 1 ELSE 0 END), 0) AS BIGINT) AS at_limit
                FROM buyer_quota WHERE year = ? AND used_fen > 0
                """, [.integer(nearShare.denominator), .integer(nearShare.numerator), y])[0]
            let many = try db.rows("""
                SELECT CAST(COUNT(*) AS BIGINT) AS n FROM (SELECT buyer FROM import_assessment WHERE year = ? GROUP BY buyer HAVING COUNT(DISTINCT consignee) >= ?) m
                """, [y, .integer(Int64(manyConsignees))])[0]
            return BuyerQuotaSummary(year: year, buyers: try totals.int("buyers"), usedFen: try totals.int("used"), nearLimit: try totals.int("near"),
                                     atLimit: try totals.int("at_limit"), manyConsigneeBuyers: try many.int("n"), manyConsignees: manyConsignees)
        }
    }

    /// Recounts every buyer's quota and the rollup from the assessments and compares: the
    /// differences in Chinese (none when the deltas kept them exact).
    public func verify() async throws -> RollupVerification {
        try await backend.read { db in
            var differences: [String] = []
            var checked = 0
            var recount: [String: (Int64, Int64)] = [:]
            for r in try db.rows("""
                SELECT buyer, year, CAST(SUM(quota_fen - returned_quota_fen) AS BIGINT) AS used, CAST(COUNT(*) AS BIGINT) AS orders
                FROM import_assessment WHERE quota_fen > 0 GROUP BY buyer, year
                """, []) {
                recount["\(try r.text("buyer"))|\(try r.int("year"))"] = (try r.int("used"), try r.int("orders"))
            }
            var seen: Set<String> = []
            for r in try db.rows("SELECT buyer, year, used_fen, orders FROM buyer_quota", []) {
                checked += 1
                let k = "\(try r.text("buyer"))|\(try r.int("year"))", got = (try r.int("used_fen"), try r.int("orders"))
                seen.insert(k)
                let want = recount[k] ?? (0, 0)
                if want != got { differences.append("订购人额度 \(k.prefix(12))…：台账 \(got.0) 分 \(got.1) 单，重新计数 \(want.0) 分 \(want.1) 单") }
            }
            for k in recount.keys where !seen.contains(k) { differences.append("订购人额度 \(k.prefix(12))…：明细中有而额度表中没有") }
            let columns = ImportRollupDelta.figureColumns
            func figures(_ r: SQLRow) throws -> [Int64] { try columns.map { try r.int($0) } }
            let keys = ["month", "supervision_code", "ebc_code", "ebp_code", "regime"]
            var expected: [String: [Int64]] = [:]
            for r in try db.rows("""
                SELECT \(keys.joined(separator: ", ")), \(columns.map { "CAST(SUM(\($0)) AS BIGINT) AS \($0)" }.joined(separator: ", "))
                FROM (\(ImportRollupDelta.contributionSQL)) c GROUP BY \(keys.joined(separator: ", "))
                """, []) {
                expected[try keys.map { try r.text($0) }.joined(separator: "|")] = try figures(r)
            }
            var rollupSeen: Set<String> = []
            for r in try db.rows("SELECT \(keys.joined(separator: ", ")), \(columns.joined(separator: ", ")) FROM import_tax_month", []) {
                checked += 1
                let k = try keys.map { try r.text($0) }.joined(separator: "|")
                rollupSeen.insert(k)
                let got = try figures(r)
                if expected[k] != got { differences.append("进口税款汇总 \(k)：汇总 \(got)，重新计数 \(expected[k].map { "\($0)" } ?? "无")") }
            }
            for k in expected.keys where !rollupSeen.contains(k) { differences.append("进口税款汇总 \(k)：明细中有而汇总中没有") }
            return RollupVerification(checkedRows: checked, differences: differences.sorted())
        }
    }

    /// The stored assessment of one import inventory: its regime, figures, the quota before it, the regime's version.
    public struct StoredAssessment: Sendable, Equatable {
        public var copNo, ebcCode, regime, declaredOn, note, regimeVersion: String
        public var priceFen, taxFen, quotaFen, quotaBeforeFen, returnedQuotaFen, returnedTaxFen: Int64
        public var dutyRateMissing: Bool
    }

    public func assessments(ebcCode: String? = nil, limit: Int = 200) async throws -> [StoredAssessment] {
        try await backend.read { db in
            var sql = """
                SELECT cop_no, ebc_code, regime, declared_on, note, regime_version, price_fen, duty_fen + consumption_tax_fen + vat_fen AS tax_fen, quota_fen,
                       quota_before_fen, returned_quota_fen, returned_tax_fen, duty_rate_missing FROM import_assessment
                """
            var args: [SQLValue] = []
            if let ebcCode { sql += " WHERE ebc_code = ?"; args.append(.text(ebcCode)) }
            sql += " ORDER BY declared_on DESC, cop_no LIMIT \(max(1, min(limit, 5_000)))"
            return try db.rows(sql, args).map { r in
                StoredAssessment(copNo: try r.text("cop_no"), ebcCode: try r.text("ebc_code"), regime: try r.text("regime"), declaredOn: try r.text("declared_on"),
                                 note: try r.text("note"), regimeVersion: try r.text("regime_version"), priceFen: try r.int("price_fen"), taxFen: try r.int("tax_fen"),
                                 quotaFen: try r.int("quota_fen"), quotaBeforeFen: try r.int("quota_before_fen"), returnedQuotaFen: try r.int("returned_quota_fen"),
                                 returnedTaxFen: try r.int("returned_tax_fen"), dutyRateMissing: try r.int("duty_rate_missing") == 1)
            }
        }
    }

    /// Every buyer's net total of a year by key (for tests that replay the quota; never shown).
    public func quotas(year: Int) async throws -> [String: Int64] {
        try await backend.read { db in
            var out: [String: Int64] = [:]
            for r in try db.rows("SELECT buyer, used_fen FROM buyer_quota WHERE year = ?", [.integer(Int64(year))]) { out[try r.text("buyer")] = try r.int("used_fen") }
            return out
        }
    }
}
