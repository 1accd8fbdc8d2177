import Foundation
import KuajingDomain
import Monitoring
import PolicyEngine
import Storage

/// 运行监测 · 零售进口: the tax the retail-import channel collected, orders over a limit, returns,
/// by month, supervision code, district and platform, within the viewer's scope (in the query);
/// buyers' quota use in aggregate only, and only for the city's bureau; 杭州's import target.
public struct ImportMonitor: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public static let basis = "口径：台账中每张进口申报清单（CEB621，1210 网购保税 / 9610 直购）在入账时按《跨境电子商务零售进口税收政策》计税（不论海关状态，撤销的清单不计），按申报日期所在月份汇总；实征税款 = 限值以内及单件全额征税订单的关税、消费税、增值税，减去期限内退货不予征收的税款；超限订单按一般贸易管理，不经零售渠道征税，只计单数与货值；区县为电商企业在企业库登记的区县"

    public struct Overview: Sendable {
        public var year: Int
        public var basis: String
        public var scope: String
        public var byMonth: [ImportTaxRow]
        public var byCode: [ImportTaxRow]
        public var byDistrict: [ImportTaxRow]
        public var byPlatform: [ImportTaxRow]
        public var total: ImportTaxRow?
        /// The city's buyers in aggregate (nil for a district or an enterprise: buyers cross districts).
        public var buyers: BuyerQuotaSummary?
        public var nearAnnualShare: String
        public var nearSingleShare: String
        /// 杭州 二、4: 到2027年跨境电商进口规模超300亿元 (nil in a city without an import target).
        public var target: TargetProgress?
        public var limits: String
    }

    /// The year's overview for a viewer (`year` nil: this year): its districts (in the query), or
    /// its own enterprise; buyers for the city's bureau only.
    public func overview(_ viewer: Viewer, year: Int? = nil) async throws(AppError) -> Overview {
        let enterprise = viewer.role == .enterprise ? (viewer.enterpriseID ?? "") : nil
        let cityWide = viewer.role == .admin || viewer.role == .analyst || viewer.role == .auditor
        var target: TargetProgress?
        if enterprise == nil {
            let today = context.clock.today()
            let month = Month(year: today.year, month: today.components.month).adding(-1)
            // Only the plan that holds the city's import target is computed.
            func isImportTarget(_ t: PlanTarget) -> Bool { t.indicator == .importValue && t.scope == viewer.city }
            if let plan = try context.plans().first(where: { $0.targets.contains(where: isImportTarget) }) {
                let plans = try await TargetProgressReport(context).progress(viewer, month: month, planID: plan.id)
                target = plans.flatMap(\.targets).first { isImportTarget($0.target) }
            }
        }
        return try await overview(year: year, reach: enterprise == nil ? viewer.districts : nil, enterprise: enterprise, buyers: cityWide,
                                  scope: enterprise ?? viewer.scopeName, target: target)
    }

    /// The operator's overview (`kuajing stats imports`): every district and enterprise, the buyers.
    public func overview(year: Int? = nil) async throws(AppError) -> Overview {
        try await overview(year: year, reach: nil, enterprise: nil, buyers: true, scope: "全部", target: nil)
    }

    func overview(year: Int?, reach: [String]?, enterprise: String?, buyers cityWide: Bool, scope: String, target: TargetProgress?) async throws(AppError) -> Overview {
        if let year, !(2016...2200).contains(year) { throw .invalidInput(field: "year", location: nil, message: "年份应在 2016 至 2200 之间，实为 \(year)") }
        let regime = try context.importRegime()
        let today = context.clock.today()
        let shown = year ?? today.year
        let from = String(format: "%04d-01", shown), to = String(format: "%04d-12", shown)
        let (rows, buyers) = try await context.withStore { store -> ([[ImportTaxRow]], BuyerQuotaSummary?) in
            let ledger = store.importTax
            var out: [[ImportTaxRow]] = []
            for dims in [[ImportTaxDimension.month], [.code], [.district], [.platform], []] {
                out.append(try await ledger.rows(by: dims, from: from, to: to, reach: reach, enterprise: enterprise))
            }
            let buyers = cityWide ? try await ledger.buyerSummary(year: shown, nearShare: regime.nearAnnualShare, manyConsignees: Self.manyConsignees) : nil
            return (out, buyers)
        }
        let limits = regime.limits(on: Day(year: shown, month: 12, day: 31) ?? today).map {
            "单次交易限值 \($0.single.grouped) 元、年度交易限值 \($0.annual.grouped) 元（\($0.quote.source)）"
        } ?? ""
        return Overview(year: shown, basis: Self.basis, scope: scope, byMonth: rows[0], byCode: rows[1], byDistrict: rows[2], byPlatform: rows[3],
                        total: rows[4].first, buyers: buyers, nearAnnualShare: ImportTaxText.percent(regime.nearAnnualShare),
                        nearSingleShare: ImportTaxText.percent(regime.nearSingleShare), target: target, limits: limits)
    }

    /// The overview by month as a spreadsheet reads it (BOM, CRLF, cells made safe), its basis last.
    public static func csv(_ o: Overview) -> String {
        var rows: [[String]] = [["月份", "订单数", "计征订单货值（元）", "关税（元）", "消费税（元）", "增值税（元）", "退货不予征收（元）", "实征税款（元）", "超限订单数",
                                 "超限货值（元）", "单件全额征税单数", "关税税率待核单数"]]
        for r in o.byMonth + (o.total.map { [$0] } ?? []) {
            rows.append([r.keys.first.map { $0 == "全部" ? "合计" : $0 } ?? "", "\(r.orders)", Fen(r.priceFen).plain, Fen(r.dutyFen).plain, Fen(r.consumptionTaxFen).plain,
                         Fen(r.vatFen).plain, Fen(r.returnedTaxFen).plain, Fen(r.collectedFen).plain, "\(r.overLimitOrders)", Fen(r.overLimitPriceFen).plain,
                         "\(r.fullRateOrders)", "\(r.dutyRateMissing)"])
        }
        rows.append(["范围：\(o.scope)；\(o.year) 年；" + o.basis])
        return "\u{FEFF}" + rows.map { $0.map(CSVText.cell).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// "Many consignees" for one buyer in a year: from this many different addresses (a setting of
    /// the platform, not of any text: customs cases of ID misuse show one ID behind many addresses).
    public static let manyConsignees = 3

    /// An enterprise's own latest assessed 申报清单 (nobody else's: other roles get none here).
    public func assessments(_ viewer: Viewer, limit: Int = 50) async throws(AppError) -> [StoredImportAssessment] {
        guard viewer.role == .enterprise else { return [] }
        return try await context.withStore { try await $0.importTax.assessments(ebcCode: viewer.enterpriseID ?? "", limit: limit) }
    }
}
