/// A calendar day (proleptic Gregorian), stored as days since 1970-01-01. No time zones: the
/// documents and the ledger speak of days only.
public struct Day: Hashable, Comparable, Sendable {
    public var ordinal: Int32

    public init(ordinal: Int32) { self.ordinal = ordinal }

    @inlinable
    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...Day.daysInMonth(year: year, month: month)).contains(day) else { return nil }
        // Days-from-civil (Howard Hinnant's public-domain algorithm, written out here).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        ordinal = Int32(era * 146097 + doe - 719468)
    }

    public static func < (lhs: Day, rhs: Day) -> Bool { lhs.ordinal < rhs.ordinal }

    @inlinable
    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    @inlinable
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    @inlinable
    public var components: (year: Int, month: Int, day: Int) {
        let z = Int(ordinal) + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    @inlinable
    public var year: Int { components.year }

    /// `YYYY-MM-DD`.
    public var iso: String {
        let c = components
        func pad(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        return "\(pad(c.year, 4))-\(pad(c.month, 2))-\(pad(c.day, 2))"
    }

    /// `2025年3月1日`.
    public var chinese: String {
        let c = components
        return "\(c.year)年\(c.month)月\(c.day)日"
    }

    /// Parses exactly `YYYY-MM-DD` and rejects impossible days (2025-02-30).
    @inlinable
    public static func parse(_ p: UnsafeBufferPointer<UInt8>) -> Day? {
        guard p.count == 10, p[4] == UInt8(ascii: "-"), p[7] == UInt8(ascii: "-") else { return nil }
        var v = 0
        var year = 0, month = 0, day = 0
        for i in 0..<10 where i != 4 && i != 7 {
            let b = p[i]
            guard b >= 48 && b <= 57 else { return nil }
            v = Int(b - 48)
            if i < 4 { year = year * 10 + v } else if i < 7 { month = month * 10 + v } else { day = day * 10 + v }
        }
        return Day(year: year, month: month, day: day)
    }

    public static func parse<C: Collection>(_ bytes: C) -> Day? where C.Element == UInt8 {
        Array(bytes).withUnsafeBufferPointer { parse($0) }
    }

    public static func parse(_ text: String) -> Day? { parse(Array(text.utf8)) }

    /// The day a CEB time or date begins with: `YYYYMMDD`, `YYYYMMDDhhmmss`, `YYYYMMDDhhmmssSSS`
    /// (its first eight characters, all digits), or `YYYY-MM-DD`; impossible days are refused.
    public static func parseCompact(_ text: String) -> Day? {
        let bytes = Array(text.utf8)
        if bytes.count >= 10, bytes[4] == UInt8(ascii: "-") { return parse(bytes[0..<10]) }
        guard bytes.count >= 8, bytes[0..<8].allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        func number(_ r: Range<Int>) -> Int { bytes[r].reduce(0) { $0 * 10 + Int($1 - 48) } }
        return Day(year: number(0..<4), month: number(4..<6), day: number(6..<8))
    }
}
