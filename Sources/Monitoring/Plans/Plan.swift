import KuajingDomain

/// One action plan (行动计划 / 实施方案) as data: its quantitative targets, its tasks with their
/// responsible units, and, for 浙江 2021, the key-work list. Every text is quoted from its seed.
public struct Plan: Sendable {
    public var id: String
    public var title: String
    public var docNumber: String
    public var issuer: String
    public var issued: Day?
    public var seed: String
    /// The division the plan is for (杭州市, 台州市, 平湖市, 浙江省).
    public var scope: String
    public var draft: Bool
    public var periodFrom: Day
    public var periodTo: Day
    public var targets: [PlanTarget]
    public var tasks: [PlanTask]
    public var keyWorks: [KeyWork]
    public var tiers: PlanTiers?
    public var readings: [PlanReading]
    public var file: String
}

/// How a target is measured: from the trade ledger, or entered by hand with evidence.
public enum Indicator: String, Sendable, CaseIterable {
    case exportValue = "export_value"
    case importValue = "import_value"
    case tradeValue = "trade_value"
    case exportGrowth = "export_growth"
    case exportGrowthMultiple = "export_growth_multiple"
    case tradeGrowthAverage = "trade_growth_average"
    case enterprisesOver = "enterprises_over"
    case districtsOver = "districts_over"
    case manual

    /// Computed from the ledger (with a stated basis) rather than entered by hand.
    public var fromLedger: Bool { self != .manual }

    public var chinese: String {
        switch self {
        case .exportValue: return "跨境电商出口额"
        case .importValue: return "跨境电商进口额"
        case .tradeValue: return "跨境电商进出口额"
        case .exportGrowth: return "出口同比增速"
        case .exportGrowthMultiple: return "出口规模倍数"
        case .tradeGrowthAverage: return "进出口年均增速"
        case .enterprisesOver: return "年交易额超门槛的企业数"
        case .districtsOver: return "交易额超门槛的区数"
        case .manual: return "手工填报"
        }
    }
}

public struct PlanTarget: Sendable {
    public var id: String
    public var indicator: Indicator
    /// For manual indicators: what is counted (省级跨境电商出口知名品牌…).
    public var name: String?
    public var scope: String
    public var value: PlanQuantity
    public var threshold: PlanQuantity?
    /// nil for a yearly target (`per: year`), which is due every year of the plan.
    public var deadline: Day?
    public var perYear: Bool
    /// For a multiple of an earlier year (较2027年再翻一番): that year.
    public var baseYear: Int?
    /// The task (clause number) the figure appears in, whose units are responsible.
    public var task: String?
    public var clause: String
    public var text: String
    public var reading: String?

    public var label: String { name ?? indicator.chinese }
}

public struct PlanTask: Sendable {
    public var clause: String
    public var section: String
    public var title: String
    public var text: String
    /// The first unit named leads (列第一位的为牵头单位).
    public var lead: String?
    public var units: [String]
    public var unitsNote: String?
    public var milestones: [Milestone]
}

public struct Milestone: Sendable {
    public var due: Day
    public var what: String
    public var text: String
}

/// A row of 浙江's 重点工作清单.
public struct KeyWork: Sendable {
    public var clause: String
    public var text: String
    public var lead: String
    public var units: [String]
    public var dueText: String
    /// nil for 长期 (ongoing).
    public var due: Day?
}

/// Where a plan speaks of its 梯度培育库 (the thresholds themselves are settings: config/tiers.yaml).
public struct PlanTiers: Sendable {
    public var clause: String
    public var text: String
    public var reading: String?
}

public struct PlanReading: Sendable {
    public var id: String
    public var question: String
    public var choice: String
    public var setting: String
}
