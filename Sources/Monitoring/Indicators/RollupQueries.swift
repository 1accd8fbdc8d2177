import TradeStore

/// What the monitoring reads, all of it from the maintained rollups (never the ledger's rows).
public struct RollupQueries {
    public let ledger: TradeLedger

    public init(ledger: TradeLedger) { self.ledger = ledger }

    static func list(_ n: Int) -> String { Array(repeating: "?", count: n).joined(separator: ", ") }

    /// Value (fen) per month and direction within a scope, for months in [from, to].
    public func monthly(_ scope: Scope, from: Month, to: Month) throws -> [Month: (exports: Int64, imports: Int64)] {
        try ledger.backend.transaction { db in
            var out: [Month: (Int64, Int64)] = [:]
            let sql = """
                SELECT month, direction, CAST(SUM(value_fen) AS BIGINT) FROM trade_month_district
                WHERE month >= ? AND month <= ? AND district IN (\(Self.list(scope.districts.count))) GROUP BY month, direction
                """
            for row in try db.rows(sql, [.text(from.description), .text(to.description)] + scope.districts.map(SQLValue.text)) {
                guard let m = row[0].string.flatMap(Month.init) else { continue }
                var v = out[m] ?? (0, 0)
                if row[1].string == "E" { v.0 += row[2].int ?? 0 } else { v.1 += row[2].int ?? 0 }
                out[m] = v
            }
            return out
        }
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
        try ledger.backend.transaction { db in
            let sql = """
                SELECT enterprise_id, MAX(district), CAST(SUM(value_fen) AS BIGINT) FROM trade_month_enterprise
                WHERE month > ? AND month <= ? AND district IN (\(Self.list(scope.districts.count)))
                GROUP BY enterprise_id
                """
            return try db.rows(sql, [.text(end.adding(-12).description), .text(end.description)] + scope.districts.map(SQLValue.text))
                .map { ($0[0].string ?? "", $0[1].string ?? "", $0[2].int ?? 0) }
        }
    }

    /// The last month the rollups hold any trade for.
    public func latestMonth() throws -> Month? {
        try ledger.backend.transaction { db in try db.rows("SELECT MAX(month) FROM trade_month_district", []).first?[0].string.flatMap(Month.init) }
    }
}
