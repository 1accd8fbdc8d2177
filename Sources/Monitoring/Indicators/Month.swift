/// A calendar month, "2025-06".
public struct Month: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var year: Int
    public var month: Int

    public init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 2, let y = Int(parts[0]), let m = Int(parts[1]), (1...12).contains(m), parts[1].count == 2 else { return nil }
        self.init(year: y, month: m)
    }

    public var description: String { String(year) + "-" + (month < 10 ? "0" : "") + String(month) }
    public var chinese: String { "\(year)年\(month)月" }
    public var index: Int { year * 12 + month - 1 }
    public init(index: Int) { self.init(year: index / 12, month: index % 12 + 1) }
    public func adding(_ months: Int) -> Month { Month(index: index + months) }
    public static func < (a: Month, b: Month) -> Bool { a.index < b.index }
}
