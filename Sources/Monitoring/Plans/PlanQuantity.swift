import KuajingDomain

/// A figure a plan sets, as written ("650亿元", "16个", "20%", "1万家", "2倍") and read exactly.
public struct PlanQuantity: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// Money, in fen.
        case money
        /// A count of things (个, 家, 条, 场, 人次…), the unit kept.
        case count
        /// A percentage, in hundredths of a percent (20% = 2000).
        case percent
        /// A multiple (翻一番 = 2倍), in hundredths (2倍 = 200).
        case multiple
        /// An area in square metres.
        case area
    }

    public var kind: Kind
    /// Fen for money; the count; hundredths for percent and multiple; square metres for area.
    public var amount: Int64
    /// The unit as written after any 万/亿: 元, 个, 家, 人次, 平方米, %, 倍.
    public var unit: String
    public var text: String

    public var description: String { text }

    static let countUnits = ["个", "家", "条", "场", "人次", "家次", "名"]

    /// nil when the text is not a number with a unit this reader knows.
    public static func parse(_ text: String) -> PlanQuantity? {
        var number = ""
        var rest = Substring(text)
        while let c = rest.first, c.isASCII, c.isNumber || c == "." {
            number.append(c)
            rest = rest.dropFirst()
        }
        guard !number.isEmpty, let exact = ExactDecimal(number) else { return nil }
        var scale: Int128 = 1
        if rest.hasPrefix("万") { scale = 10_000; rest = rest.dropFirst() } else if rest.hasPrefix("亿") { scale = 100_000_000; rest = rest.dropFirst() }
        let unit = String(rest)
        func scaled(_ factor: Int128) -> Int64? {
            // amount = number × scale × factor, exactly (no fraction may remain).
            var units = exact.units * scale * factor
            var s = exact.scale
            while s > 0 {
                guard units % 10 == 0 else { return nil }
                units /= 10
                s -= 1
            }
            return Int64(exactly: units)
        }
        let kind: Kind, amount: Int64?
        switch unit {
        case "元": kind = .money; amount = scaled(100)
        case "%": kind = .percent; amount = scaled(100)
        case "倍": kind = .multiple; amount = scaled(100)
        case "平方米": kind = .area; amount = scaled(1)
        case let u where countUnits.contains(u): kind = .count; amount = scaled(1)
        default: return nil
        }
        guard let amount else { return nil }
        return PlanQuantity(kind: kind, amount: amount, unit: unit, text: text)
    }
}
