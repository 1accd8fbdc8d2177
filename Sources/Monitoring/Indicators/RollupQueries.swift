import Storage

/// What the monitoring reads, all of it from the maintained rollups (never the ledger's rows), through
/// the store's contexts (no SQL here). A report asks the same figures for many scopes (a city, its
/// districts, each target's scope): the monthly series of every district is read once and summed per
/// scope in memory, and each twelve-month window of the enterprise rollup once. One instance serves
/// one report or one command (it caches); it is not shared between tasks.
public final class RollupQueries {
    public let store: Store
    private var byDistrict: [String: [Month: (exports: Int64, imports: Int64)]]?
    private var windows: [Month: [(enterprise: String, district: String, fen: Int64)]] = [:]

    public init(store: Store) { self.store = store }

    /// Every district's monthly exports and imports (one query, kept).
    func districtSeries() async throws -> [String: [Month: (exports: Int64, imports: Int64)]] {
        if let byDistrict { return byDistrict }
        var out: [String: [Month: (exports: Int64, imports: Int64)]] = [:]
        for row in try await store.rollups.districtMonths() {
            guard let m = Month(row.month) else { throw MonitoringError("汇总表中的月份“\(row.month)”无法识别") }
            var v = out[row.district]?[m] ?? (0, 0)
            if row.direction == "E" { v.exports += row.fen } else { v.imports += row.fen }
            out[row.district, default: [:]][m] = v
        }
        byDistrict = out
        return out
    }

    /// Value (fen) per month and direction within a scope, for months in [from, to].
    public func monthly(_ scope: Scope, from: Month, to: Month) async throws -> [Month: (exports: Int64, imports: Int64)] {
        var out: [Month: (exports: Int64, imports: Int64)] = [:]
        let all = try await districtSeries()
        for d in scope.districts {
            for (m, v) in all[d] ?? [:] where m >= from && m <= to {
                let sum = out[m] ?? (0, 0)
                out[m] = (sum.exports + v.exports, sum.imports + v.imports)
            }
        }
        return out
    }

    /// Value (fen) by a column of the district rollup (supervision code, country, district), months in [from, to].
    public func breakdown(_ scope: Scope, by column: TradeRollups.BreakdownColumn, direction: String, from: Month, to: Month) async throws -> [(key: String, fen: Int64)] {
        try await store.rollups.breakdown(by: column, direction: direction, from: from.description, to: to.description, districts: scope.districts)
    }

    /// Each enterprise's trade (exports and imports, fen) over the twelve months ending `end`, within a scope.
    public func trailingTwelve(_ scope: Scope, end: Month) async throws -> [(enterprise: String, district: String, fen: Int64)] {
        if windows[end] == nil {
            windows[end] = try await store.rollups.enterpriseTotals(after: end.adding(-12).description, through: end.description)
        }
        let districts = Set(scope.districts)
        return windows[end]!.filter { districts.contains($0.district) }
    }

    /// The last month the rollups hold any trade for.
    public func latestMonth() async throws -> Month? {
        try await store.rollups.latestMonth().flatMap(Month.init)
    }
}
