/// An exact amount of money in fen (分, 0.01 yuan). Money never travels as floating point.
public struct Fen: Hashable, Comparable, Sendable, Codable {
    public var value: Int64

    public init(_ value: Int64) { self.value = value }

    public static let zero = Fen(0)

    public static func yuan(_ yuan: Int64) -> Fen { Fen(yuan * 100) }

    public static func < (lhs: Fen, rhs: Fen) -> Bool { lhs.value < rhs.value }
    public static func + (lhs: Fen, rhs: Fen) -> Fen { Fen(lhs.value + rhs.value) }
    public static func - (lhs: Fen, rhs: Fen) -> Fen { Fen(lhs.value - rhs.value) }
    public static func += (lhs: inout Fen, rhs: Fen) { lhs.value += rhs.value }

    /// Yuan with exactly two decimals and no grouping: `200000.00` (the claims ledger's output format).
    public var plain: String {
        let negative = value < 0
        let magnitude = value.magnitude
        let cents = magnitude % 100
        let body = "\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
        return negative ? "-" + body : body
    }

    /// Yuan with thousands separators and two decimals: `200,000.00` (for Chinese explanations).
    public var grouped: String {
        let negative = value < 0
        let magnitude = value.magnitude
        let cents = magnitude % 100
        let digits = String(magnitude / 100)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        out += ".\(cents < 10 ? "0" : "")\(cents)"
        return negative ? "-" + out : out
    }

    /// Parses a yuan amount written with at most two decimals (`123456.78`, `0`, `15.5`).
    /// Returns nil for anything else: signs, exponents, grouping, more decimals, or more than 15 integer digits.
    @inlinable
    public static func parseYuan(_ bytes: UnsafeBufferPointer<UInt8>) -> Fen? {
        var integer: Int64 = 0
        var integerDigits = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var seenDot = false
        for b in bytes {
            if b == UInt8(ascii: ".") {
                if seenDot || integerDigits == 0 { return nil }
                seenDot = true
            } else if b >= 48 && b <= 57 {
                if seenDot {
                    fractionDigits += 1
                    if fractionDigits > 2 { return nil }
                    fraction = fraction * 10 + Int64(b - 48)
                } else {
                    integerDigits += 1
                    if integerDigits > 15 { return nil }
                    integer = integer * 10 + Int64(b - 48)
                }
            } else {
                return nil
            }
        }
        if integerDigits == 0 || (seenDot && fractionDigits == 0) { return nil }
        if fractionDigits == 1 { fraction *= 10 }
        return Fen(integer * 100 + fraction)
    }

    public static func parseYuan(_ text: String) -> Fen? { Array(text.utf8).withUnsafeBufferPointer { parseYuan($0) } }
}

extension Fen {
    /// Why a typed amount is not an amount of money.
    public enum AmountProblem: Error, Sendable, Equatable {
        case negative
        case notYuan(String)

        /// The Chinese sentence a user reads.
        public var message: String {
            switch self {
            case .negative: return "金额不能为负数"
            case let .notYuan(text): return "金额应为元，至多两位小数，实为“\(text.prefix(30))”"
            }
        }
    }

    /// An amount a person typed (a form field, a JSON string): yuan with at most two decimals,
    /// surrounding spaces ignored, into fen exactly (`parseYuan`, the claims ledger's parser; no
    /// rounding: a third decimal is refused, not rounded); a negative amount is named as such.
    public static func typed(_ text: String) throws(AmountProblem) -> Fen {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let f = parseYuan(t) { return f }
        if t.hasPrefix("-"), parseYuan(String(t.dropFirst())) != nil { throw .negative }
        throw .notYuan(text)
    }
}
