import KuajingDomain
import Storage

/// Where a target stands in a month: the value now, the share of the target, the share of time
/// gone, a projection to the deadline with the method named, and a status whose rule is
/// `TargetStatus.rule`. Money in fen; shares in basis points (10000 = 100%).
public struct TargetProgress: Sendable {
    public var plan: String
    public var target: PlanTarget
    public var asOf: Month
    /// nil when the figure cannot come from the ledger (manual targets with no entry).
    public var current: Int64?
    /// What `current` is: "2025年1—6月累计", "近12个月（2024-07至2025-06）"…
    public var currentLabel: String
    public var shareOfTarget: Int?
    public var shareOfTime: Int?
    public var projection: Int64?
    /// How the projection was made, in Chinese.
    public var method: String
    public var status: TargetStatus
    /// The basis (口径) of the figure.
    public var basis: String
}

/// Red / amber / green. The rule, as the report prints it, is `rule`.
public enum TargetStatus: String, Sendable {
    case green, amber, red, met, missed, unknown

    public static let rule = """
        判定规则：期限已过的目标，实绩达到目标为“已完成”，否则“未完成”；期限未到的目标，预测值达到目标为绿色，\
        达到目标的 90% 为黄色，不足 90% 为红色；没有足够数据预测的为“无法判断”。
        """

    public var chinese: String {
        switch self {
        case .green: return "绿（可望完成）"
        case .amber: return "黄（有差距）"
        case .red: return "红（明显落后）"
        case .met: return "已完成"
        case .missed: return "未完成"
        case .unknown: return "无法判断"
        }
    }

    /// Colour for the report.
    public var colour: String {
        switch self {
        case .green, .met: return "#2e7d32"
        // Each with white text at WCAG AA contrast (at least 4.5 : 1): amber and grey darkened for it.
        case .amber: return "#9a5b00"
        case .red, .missed: return "#c62828"
        case .unknown: return "#616161"
        }
    }

    static func judge(projection: Int64?, target: Int64, deadlinePassed: Bool, final: Int64?) -> TargetStatus {
        if deadlinePassed {
            guard let final else { return .unknown }
            return final >= target ? .met : .missed
        }
        guard let p = projection else { return .unknown }
        if p >= target { return .green }
        // 90% without floating point: p × 10 ≥ target × 9.
        return Int128(p) * 10 >= Int128(target) * 9 ? .amber : .red
    }
}

/// Computes `TargetProgress` from the rollups (and, for manual indicators, the latest entry).
public final class ProgressCalculator {
    public let queries: RollupQueries
    public let divisions: DivisionCatalog
    /// Manual entries as of a day, read once per day asked.
    private var entries: [String: [String: IndicatorEntry]] = [:]

    public init(queries: RollupQueries, divisions: DivisionCatalog = .standard) {
        self.queries = queries
        self.divisions = divisions
    }

    public static let basis = "口径：海关跨境电商清单（放行 800 / 结关 899，不含已撤销）与报关单（放行、结关）合计，监管方式 9610/9710/9810/1210 等全部计入，按申报日期归月；区县按企业登记地，未登记的按报关单所填区县"

    static func basisPoints(_ part: Int64, _ whole: Int64) -> Int? {
        guard whole != 0 else { return nil }
        return Int((Int128(part) * 10_000 + Int128(whole) / 2) / Int128(whole))
    }

    /// Sum of a direction over [from, to] from a monthly series.
    static func sum(_ series: [Month: (exports: Int64, imports: Int64)], _ from: Month, _ to: Month, _ pick: ((exports: Int64, imports: Int64)) -> Int64) -> Int64 {
        guard from <= to else { return 0 }
        return (from.index...to.index).reduce(Int64(0)) { $0 + (series[Month(index: $1)].map(pick) ?? 0) }
    }

    public func progress(of target: PlanTarget, in plan: Plan, asOf: Month) async throws -> TargetProgress {
        let scope = try Scope(target.scope, divisions: divisions)
        var p = TargetProgress(plan: plan.id, target: target, asOf: asOf, current: nil, currentLabel: "", shareOfTarget: nil, shareOfTime: nil,
                               projection: nil, method: "", status: .unknown, basis: Self.basis)
        if let deadline = target.deadline {
            let start = plan.periodFrom.ordinal, end = deadline.ordinal
            if let monthEnd = Day(year: asOf.year, month: asOf.month, day: Day.daysInMonth(year: asOf.year, month: asOf.month))?.ordinal, end > start {
                p.shareOfTime = Self.basisPoints(Int64(min(max(monthEnd - start, 0), end - start)), Int64(end - start))
            }
        }
        let pick: ((exports: Int64, imports: Int64)) -> Int64
        switch target.indicator {
        case .exportValue, .exportGrowth, .exportGrowthMultiple: pick = { $0.exports }
        case .importValue: pick = { $0.imports }
        case .tradeValue, .tradeGrowthAverage: pick = { $0.exports + $0.imports }
        case .enterprisesOver, .districtsOver:
            return try await countProgress(p, scope: scope)
        case .manual:
            p.method = "手工填报指标，不作外推"
            p.basis = "口径：由责任单位填报，附证明材料"
            guard let day = Day(year: asOf.year, month: asOf.month, day: Day.daysInMonth(year: asOf.year, month: asOf.month))?.iso else {
                throw MonitoringError("月份 \(asOf) 超出可计算的范围")
            }
            if entries[day] == nil { entries[day] = try await queries.store.planRecords.indicatorEntries(asOf: day) }
            guard let entry = entries[day]?[plan.id + "|" + target.id] else {
                p.currentLabel = "待手工填报"
                return p
            }
            guard let q = PlanQuantity.parse(entry.value), q.kind == target.value.kind else {
                p.currentLabel = "填报值“\(entry.value)”与目标单位不符"
                return p
            }
            p.current = q.amount
            p.projection = q.amount
            p.currentLabel = "\(entry.asOf) 由\(entry.enteredBy)填报，依据：\(entry.evidence)"
            p.shareOfTarget = Self.basisPoints(q.amount, target.value.amount)
            let passed = target.deadline.map { asOf >= Month(year: $0.year, month: $0.components.month) } ?? false
            p.status = TargetStatus.judge(projection: p.projection, target: target.value.amount, deadlinePassed: passed, final: p.current)
            return p
        }
        let year = target.deadline?.year ?? asOf.year
        let series = try await queries.monthly(scope, from: Month(year: min(year, asOf.year) - 2, month: 1), to: asOf)
        let jan = Month(year: year, month: 1), dec = Month(year: year, month: 12)
        if target.indicator == .exportGrowthMultiple, let baseYear = target.baseYear {
            // "较 <base year> 再翻一番": the base year's exports (final, or projected) × the multiple, due at the deadline.
            var base = target
            base.indicator = .exportValue
            base.value = PlanQuantity(kind: .money, amount: 0, unit: "元", text: "0元")
            base.deadline = Day(year: baseYear, month: 12, day: 31)
            let baseProgress = try await progress(of: base, in: plan, asOf: asOf)
            guard let baseValue = baseProgress.projection else {
                p.method = "\(baseYear)年基数无法取得或预测"
                return p
            }
            var scaled = target
            scaled.indicator = .exportValue
            let fen = Int64((Int128(baseValue) * Int128(target.value.amount) + 50) / 100)
            scaled.value = PlanQuantity(kind: .money, amount: fen, unit: "元", text: "\(target.value.text)×\(baseYear)年")
            var result = try await progress(of: scaled, in: plan, asOf: asOf)
            result.target = target
            result.method = "目标额 = \(baseYear)年出口（\(baseProgress.method)）× \(target.value.text)；" + result.method
            return result
        }
        if target.indicator == .exportGrowth || target.indicator == .tradeGrowthAverage {
            // Year-on-year growth of the deadline year so far against the same months a year before.
            let to = min(asOf, dec)
            let now = Self.sum(series, jan, to, pick), before = Self.sum(series, jan.adding(-12), to.adding(-12), pick)
            p.current = before > 0 ? Int64((Int128(now - before) * 10_000) / Int128(before)) : nil
            p.currentLabel = "\(year)年1—\(to.month)月同比"
            p.projection = p.current
            p.method = target.indicator == .tradeGrowthAverage ? "以当年累计同比近似年均增速" : "以当年累计同比增速作为全年预测"
            p.shareOfTarget = p.current.flatMap { Self.basisPoints($0, target.value.amount) }
            p.status = TargetStatus.judge(projection: p.projection, target: target.value.amount, deadlinePassed: asOf >= dec, final: p.current)
            return p
        }
        let targetFen = target.value.kind == .money ? target.value.amount : 0
        guard target.value.kind == .money else {
            p.method = "目标不是金额，无法由账本计算"
            return p
        }
        if asOf >= dec {
            p.current = Self.sum(series, jan, dec, pick)
            p.currentLabel = "\(year)年全年"
            p.method = "期限已到，取全年实绩"
            p.projection = p.current
        } else if asOf.year == year {
            let ytd = Self.sum(series, jan, asOf, pick)
            p.current = ytd
            p.currentLabel = "\(year)年1—\(asOf.month)月累计"
            let lastYear = Self.sum(series, jan.adding(-12), dec.adding(-12), pick)
            let lastYearToDate = Self.sum(series, jan.adding(-12), asOf.adding(-12), pick)
            if lastYear > 0 && lastYearToDate > 0 {
                // Seasonality of last year: this year's total = YTD × (last year's total / last year's same months).
                p.projection = Int64((Int128(ytd) * Int128(lastYear) + Int128(lastYearToDate) / 2) / Int128(lastYearToDate))
                p.method = "按上年同期占全年的比重（季节性）由当年累计推算全年"
            } else if asOf.month > 0 {
                p.projection = Int64((Int128(ytd) * 12 + Int128(asOf.month) / 2) / Int128(asOf.month))
                p.method = "无上年数据，按当年月均推算全年"
            }
        } else {
            // The deadline year is ahead: the trailing twelve months, extended by their change over the previous twelve.
            let t12 = Self.sum(series, asOf.adding(-11), asOf, pick), p12 = Self.sum(series, asOf.adding(-23), asOf.adding(-12), pick)
            p.current = t12
            p.currentLabel = "近12个月（\(asOf.adding(-11))至\(asOf)）"
            let months = Int64(dec.index - asOf.index)
            if p12 > 0 {
                p.projection = t12 + (t12 - p12) * months / 12
                p.method = "近12个月值加上其较前12个月的变化按月线性外推至\(year)年底（\(months)个月）"
            } else if t12 > 0 {
                p.projection = t12
                p.method = "历史不足24个月，按近12个月值持平估计"
            }
        }
        p.shareOfTarget = p.current.flatMap { Self.basisPoints($0, targetFen) }
        p.status = TargetStatus.judge(projection: p.projection, target: targetFen, deadlinePassed: asOf >= dec, final: p.current)
        return p
    }

    /// Enterprises (or districts) over a threshold in the twelve months ending `asOf`.
    func countProgress(_ base: TargetProgress, scope: Scope) async throws -> TargetProgress {
        var p = base
        let target = p.target
        guard let threshold = target.threshold, threshold.kind == .money else { return p }
        // After the deadline, the count as it stood at the deadline.
        let deadlineMonth = target.deadline.map { Month(year: $0.year, month: $0.components.month) }
        let passed = deadlineMonth.map { p.asOf >= $0 } ?? false
        let end = passed ? deadlineMonth! : p.asOf
        let rows = try await queries.trailingTwelve(scope, end: end)
        if target.indicator == .enterprisesOver {
            p.current = Int64(rows.filter { $0.fen > threshold.amount }.count)
            p.currentLabel = "\(end.chinese)前12个月交易额超\(threshold.text)的企业数"
        } else {
            var byDistrict: [String: Int64] = [:]
            for r in rows { byDistrict[r.district, default: 0] += r.fen }
            p.current = Int64(byDistrict.filter { !$0.key.isEmpty && $0.value > threshold.amount }.count)
            p.currentLabel = "\(end.chinese)前12个月交易额超\(threshold.text)的区县数"
        }
        p.projection = p.current
        p.method = "按当前数计（不外推）"
        p.shareOfTarget = p.current.flatMap { Self.basisPoints($0, target.value.amount) }
        p.status = TargetStatus.judge(projection: p.projection, target: target.value.amount, deadlinePassed: passed, final: p.current)
        p.basis = Self.basis + "；企业交易额为进出口合计"
        return p
    }
}

extension TargetProgress {
    /// What `current` and `projection` hold, by indicator: fen, basis points of growth, or a count.
    public enum Figure: Sendable { case money, basisPoints, count }

    public var figure: Figure {
        switch target.indicator {
        case .exportValue, .importValue, .tradeValue, .exportGrowthMultiple: return .money
        case .exportGrowth, .tradeGrowthAverage: return .basisPoints
        case .enterprisesOver, .districtsOver: return .count
        case .manual: return target.value.kind == .money ? .money : .count
        }
    }

    /// A figure as the report and the command line write it: "650.00 亿元", "20.4%", "152"; "—" for none.
    public func text(_ value: Int64?) -> String {
        guard let value else { return "—" }
        switch figure {
        case .money: return ReportFormat.yi(value) + " 亿元"
        case .basisPoints: return ReportFormat.percent(Int(value))
        case .count: return String(value)
        }
    }
}
