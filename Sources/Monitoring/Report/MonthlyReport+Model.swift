import KuajingDomain

/// The 运行监测月报 of a city or district for a month: everything it shows, computed (from the
/// rollups) before anything is rendered, so HTML, workbook and CSV show the same figures.
public struct MonthlyReport: Sendable {
    public var scope: String
    public var month: Month
    public var synthetic: Bool
    public var basis: String
    /// Exports and imports of each month of this year and last year, fen.
    public var trend: [(month: Month, exports: Int64, lastYear: Int64)]
    public var exportsYearToDate: Int64
    public var exportsLastYearToDate: Int64
    public var importsYearToDate: Int64
    /// Districts (for a city) with their exports so far this year and their target, if any.
    public var districts: [(name: String, exportsYearToDate: Int64, trailingTwelve: Int64, target: Int64?, targetLabel: String?)]
    /// Supervision codes' share of this year's exports.
    public var codeMix: [(code: String, fen: Int64)]
    /// Top destinations of this year's exports.
    public var destinations: [(country: String, fen: Int64)]
    /// Enterprises over each tier threshold (trailing twelve months).
    public var tiers: [(label: String, enterprises: Int)]
    public var targets: [TargetProgress]
    public var generatedBy: String
    /// The latest signed checkpoint of the audit chain when the report was built, as one line
    /// (sequence, chain head, time, public key); nil where none was signed yet.
    public var auditCheckpoint: String? = nil

    /// Growth of this year so far over the same months last year, in basis points.
    public var growthBasisPoints: Int? {
        exportsLastYearToDate > 0 ? Int((Int128(exportsYearToDate - exportsLastYearToDate) * 10_000) / Int128(exportsLastYearToDate)) : nil
    }
}

/// Money and shares as the report writes them.
public enum ReportFormat {
    /// 亿元 with two decimals, rounded half up from fen ("650.00").
    public static func yi(_ fen: Int64) -> String { units(fen, fenPerUnit: 10_000_000_000) }

    /// 万元 with two decimals, rounded half up from fen ("12.35").
    public static func wan(_ fen: Int64) -> String { units(fen, fenPerUnit: 1_000_000) }

    /// Fen in a unit of `fenPerUnit` fen (亿元, 万元) with two decimals, the magnitude rounded half
    /// up to the hundredth of the unit (the one rounding of every figure shown in 亿元 or 万元).
    public static func units(_ fen: Int64, fenPerUnit: Int64) -> String {
        let hundredth = UInt128(fenPerUnit / 100)
        let h = (Int128(fen).magnitude + hundredth / 2) / hundredth
        return (fen < 0 ? "-" : "") + "\(h / 100)." + (h % 100 < 10 ? "0" : "") + "\(h % 100)"
    }

    /// Yuan with two decimals from fen ("1234.50").
    public static func yuan(_ fen: Int64) -> String { Fen(fen).plain }

    /// Basis points as a percentage with one decimal ("12.3%").
    public static func percent(_ bp: Int?) -> String {
        guard let bp else { return "—" }
        let m = bp.magnitude
        let tenths = (m + 5) / 10
        return (bp < 0 ? "-" : "") + "\(tenths / 10).\(tenths % 10)%"
    }
}
