/// A calendar month, "2025-06".
public struct Month: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var year: Int
    public var month: Int

    public init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }

    /// The years a month read from input may name: the ledger's and the policies' range with room
    /// on either side. Outside it a month is refused where it is read (no later date arithmetic can
    /// then meet a year that `Day` does not hold, as year 0 did: issue 19).
    public static let years = 1900...2200

    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2, parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let y = Int(parts[0]), let m = Int(parts[1]), Self.years.contains(y), (1...12).contains(m) else { return nil }
        self.init(year: y, month: m)
    }

    public var description: String { String(year) + "-" + (month < 10 ? "0" : "") + String(month) }
    public var chinese: String { "\(year)年\(month)月" }
    public var index: Int { year * 12 + month - 1 }
    public init(index: Int) { self.init(year: index / 12, month: index % 12 + 1) }
    public func adding(_ months: Int) -> Month { Month(index: index + months) }
    public static func < (a: Month, b: Month) -> Bool { a.index < b.index }
}
