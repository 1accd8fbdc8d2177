import KuajingDomain

extension MonthlyReport {
    /// Builds the report from the rollups: the plans give the targets of the scope and its districts.
    public static func build(scope name: String, month: Month, plans: [Plan], ladders: [TierLadder], queries: RollupQueries, synthetic: Bool,
                             divisions: DivisionCatalog = .standard) async throws -> MonthlyReport {
        let scope = try Scope(name, divisions: divisions)
        let jan = Month(year: month.year, month: 1)
        let series = try await queries.monthly(scope, from: jan.adding(-12), to: month)
        let trend = (0..<month.month).map { k -> (Month, Int64, Int64) in
            let m = jan.adding(k)
            return (m, series[m]?.exports ?? 0, series[m.adding(-12)]?.exports ?? 0)
        }
        let ytd = ProgressCalculator.sum(series, jan, month) { $0.exports }
        let lastYtd = ProgressCalculator.sum(series, jan.adding(-12), month.adding(-12)) { $0.exports }
        let importsYtd = ProgressCalculator.sum(series, jan, month) { $0.imports }

        // Targets whose scope is this scope or lies within it, from every plan.
        let calculator = ProgressCalculator(queries: queries, divisions: divisions)
        var targets: [TargetProgress] = []
        for plan in plans {
            for t in plan.targets where scope.districts.contains(t.scope) {
                targets.append(try await calculator.progress(of: t, in: plan, asOf: month))
            }
        }

        // Districts one level down, with their export targets (the latest deadline's, if several).
        var districts: [(String, Int64, Int64, Int64?, String?)] = []
        let trailing = try await queries.trailingTwelve(scope, end: month)
        let byDistrict = try await queries.breakdown(scope, by: .district, direction: "E", from: jan, to: month)
        for child in Scope.children(of: scope.name, divisions: divisions) {
            let childScope = try Scope(child, divisions: divisions)
            let value = byDistrict.filter { childScope.districts.contains($0.key) }.reduce(Int64(0)) { $0 + $1.fen }
            let t12 = trailing.filter { childScope.districts.contains($0.district) }.reduce(Int64(0)) { $0 + $1.fen }
            let target = plans.flatMap(\.targets).filter { $0.scope == child && $0.indicator == .exportValue }.max { ($0.deadline?.ordinal ?? 0) < ($1.deadline?.ordinal ?? 0) }
            districts.append((child, value, t12, target?.value.amount, target.map { "\($0.value.text)（\($0.deadline?.year ?? month.year)年）" }))
        }
        districts.sort { $0.1 > $1.1 }

        // Tier counts: the ladder (config/tiers.yaml) of the city this scope lies in.
        var tiers: [(String, Int)] = []
        if let ladder = ladders.first(where: { (try? Scope($0.city, divisions: divisions))?.districts.contains(scope.name) == true }) {
            for (k, tier) in ladder.tiers.enumerated() {
                tiers.append(("\(tier.name)（超 \(tier.threshold.text)）", trailing.filter { ladder.tier(of: $0.fen) > k }.count))
            }
        }
        return MonthlyReport(scope: scope.name, month: month, synthetic: synthetic, basis: ProgressCalculator.basis, trend: trend,
                             exportsYearToDate: ytd, exportsLastYearToDate: lastYtd, importsYearToDate: importsYtd, districts: districts,
                             codeMix: try await queries.breakdown(scope, by: .supervisionCode, direction: "E", from: jan, to: month).map { ($0.key, $0.fen) },
                             destinations: Array(try await queries.breakdown(scope, by: .country, direction: "E", from: jan, to: month).prefix(10)).map { ($0.key, $0.fen) },
                             tiers: tiers, targets: targets, generatedBy: "kuajing report monthly")
    }
}
