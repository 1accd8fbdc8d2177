import TradeStore

/// What the monitoring reads, all of it from the maintained rollups (never the ledger's rows). A
/// report asks the same figures for many scopes (a city, its districts, each target's scope): the
/// monthly series of every district is read once and summed per scope in memory, and each
/// twelve-month window of the enterprise rollup once.
public final class RollupQueries {
    public let ledger: TradeLedger
    private var byDistrict: [String: [Month: (exports: Int64, imports: Int64)]]?
    private var windows: [Month: [(enterprise: String, district: String, fen: Int64)]] = [:]

    public init(ledger: TradeLedger) { self.ledger = ledger }

    static func list(_ n: Int) -> String { Array(repeating: "?", count: n).joined(separator: ", ") }

    /// Every district's monthly exports and imports (one query, kept).
    func districtSeries() throws -> [String: [Month: (exports: Int64, imports: Int64)]] {
        if let byDistrict { return byDistrict }
        var out: [String: [Month: (exports: Int64, imports: Int64)]] = [:]
        try ledger.backend.transaction { db in
            let sql = "SELECT district, month, direction, CAST(SUM(value_fen) AS BIGINT) FROM trade_month_district GROUP BY district, month, direction"
            for row in try db.rows(sql, []) {
                guard let d = row[0].string, let m = row[1].string.flatMap(Month.init) else { continue }
                var v = out[d]?[m] ?? (0, 0)
                if row[2].string == "E" { v.exports += row[3].int ?? 0 } else { v.imports += row[3].int ?? 0 }
                out[d, default: [:]][m] = v
            }
        }
        byDistrict = out
        return out
    }

    /// Value (fen) per month and direction within a scope, for months in [from, to].
    public func monthly(_ scope: Scope, from: Month, to: Month) throws -> [Month: (exports: Int64, imports: Int64)] {
        var out: [Month: (exports: Int64, imports: Int64)] = [:]
        let all = try districtSeries()
        for d in scope.districts {
            for (m, v) in all[d] ?? [:] where m >= from && m <= to {
                let sum = out[m] ?? (0, 0)
                out[m] = (sum.exports + v.exports, sum.imports + v.imports)
            }
        }
        return out
    }

    /// Value (fen) by a column of the district rollup (supervision_code, country, district), months in [from, to].
    public func breakdown(_ scope: Scope, by column: String, direction: String, from: Month, to: Month) throws -> [(key: String, fen: Int64)] {
        precondition(["supervision_code", "country", "district"].contains(column))
        return try ledger.backend.transaction { db in
            let sql = """
                SELECT \(column), CAST(SUM(value_fen) AS BIGINT) FROM trade_month_district
                WHERE direction = ? AND month >= ? AND month <= ? AND district IN (\(Self.list(scope.districts.count)))
                GROUP BY \(column) ORDER BY 2 DESC, 1
                """
            return try db.rows(sql, [.text(direction), .text(from.description), .text(to.description)] + scope.districts.map(SQLValue.text))
                .map { ($0[0].string ?? "", $0[1].int ?? 0) }
        }
    }

    /// Each enterprise's trade (exports and imports, fen) over the twelve months ending `end`, within a scope.
    public func trailingTwelve(_ scope: Scope, end: Month) throws -> [(enterprise: String, district: String, fen: Int64)] {
        if windows[end] == nil {
            windows[end] = try ledger.backend.transaction { db in
                let sql = """
                    SELECT enterprise_id, MAX(district), CAST(SUM(value_fen) AS BIGINT) FROM trade_month_enterprise
                    WHERE month > ? AND month <= ? GROUP BY enterprise_id
                    """
                return try db.rows(sql, [.text(end.adding(-12).description), .text(end.description)]).map { ($0[0].string ?? "", $0[1].string ?? "", $0[2].int ?? 0) }
            }
        }
        let districts = Set(scope.districts)
        return windows[end]!.filter { districts.contains($0.district) }
    }

    /// The last month the rollups hold any trade for.
    public func latestMonth() throws -> Month? {
        try ledger.backend.transaction { db in try db.rows("SELECT MAX(month) FROM trade_month_district", []).first?[0].string.flatMap(Month.init) }
    }
}
