import KuajingDomain

/// The types of the rule language. Money is kept as an exact rational number of fen until the award
/// is rounded; rates and counts are exact rationals too.
public enum ValueType: String, Sendable, CaseIterable {
    case money, rate, count, date, bool, text

    public var chinese: String {
        switch self {
        case .money: return "金额"
        case .rate: return "比例"
        case .count: return "数量"
        case .date: return "日期"
        case .bool: return "真假值"
        case .text: return "文本"
        }
    }

    var isNumeric: Bool { self == .money || self == .rate || self == .count }
}

/// A value of the rule language.
public enum Value: Hashable, Sendable {
    /// In fen.
    case money(Rational)
    case rate(Rational)
    case count(Rational)
    case date(Day)
    case bool(Bool)
    case text(String)

    public var type: ValueType {
        switch self {
        case .money: return .money
        case .rate: return .rate
        case .count: return .count
        case .date: return .date
        case .bool: return .bool
        case .text: return .text
        }
    }

    var number: Rational? {
        switch self {
        case let .money(r), let .rate(r), let .count(r): return r
        default: return nil
        }
    }

    static func numeric(_ type: ValueType, _ r: Rational) -> Value {
        switch type {
        case .money: return .money(r)
        case .rate: return .rate(r)
        default: return .count(r)
        }
    }

    /// How the value reads in a Chinese explanation: `200,000.00 元`, `70%`, `150`, `2025年3月1日`.
    public var display: String {
        switch self {
        case let .money(r):
            return Fen(r.roundedHalfUp()).grouped + " 元" + (r.isInteger ? "" : "（未取整）")
        case let .rate(r):
            let percent = (try? r.multiplied(by: Rational(100))) ?? r
            return percent.decimalText() + "%"
        case let .count(r): return r.decimalText()
        case let .date(d): return d.chinese
        case let .bool(b): return b ? "是" : "否"
        case let .text(t): return "“\(t)”"
        }
    }

    /// Parses a typed value as written in a ledger cell (plain decimals; percentages `15%` or `0.15`).
    public static func parseCell(_ text: String, as type: ValueType) -> Value? {
        let t = text.trimmingSpaces
        switch type {
        case .money:
            return Fen.parseYuan(t).map { .money(Rational($0.value)) }
        case .count:
            return Value.parseDecimal(t).map { .count($0) }
        case .rate:
            if t.hasSuffix("%") {
                return Value.parseDecimal(String(t.dropLast())).flatMap { try? .rate($0.divided(by: Rational(100))) }
            }
            return Value.parseDecimal(t).map { .rate($0) }
        case .date:
            return Day.parse(t).map { .date($0) }
        case .bool:
            switch t.lowercased() {
            case "true", "1", "yes", "是", "y": return .bool(true)
            case "false", "0", "no", "否", "n", "": return .bool(false)
            default: return nil
            }
        case .text:
            return .text(t)
        }
    }

    /// A non-negative or negative plain decimal with up to 9 decimals, exactly.
    public static func parseDecimal(_ text: String) -> Rational? {
        var s = Substring(text)
        var negative = false
        if s.hasPrefix("-") { negative = true; s = s.dropFirst() }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let intPart = parts.first, !intPart.isEmpty, intPart.count <= 15,
              intPart.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        var n = Int64(intPart)!
        var d: Int64 = 1
        if parts.count == 2 {
            let frac = parts[1]
            guard !frac.isEmpty, frac.count <= 9, frac.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            for ch in frac {
                n = n * 10 + Int64(String(ch))!
                d *= 10
            }
        }
        return Rational(negative ? -n : n, d)
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\u{3000}" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\u{3000}" || l == "\r" { s = s.dropLast() }
        return String(s)
    }
}
