import Foundation

/// A plain decimal read exactly as an integer and a power of ten, for the line arithmetic: no
/// `Decimal` parsing on the hot path. nil for anything else (then `Decimal` decides).
/// Accepts an optional leading minus, digits and at most one point; at most 30 decimals.
public struct ExactDecimal: Sendable, Equatable {
    public var units: Int128
    public var scale: Int

    public init?(_ text: String) {
        var units: Int128 = 0, scale = 0, dot = false, negative = false, any = false
        for (k, c) in text.utf8.enumerated() {
            if c == UInt8(ascii: "-") && k == 0 { negative = true; continue }
            if c == UInt8(ascii: ".") && !dot { dot = true; continue }
            guard c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"), scale < 30 else { return nil }
            let (m, o1) = units.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int128(c - UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            units = a
            any = true
            if dot { scale += 1 }
        }
        guard any else { return nil }
        self.units = negative ? -units : units
        self.scale = scale
    }

    public init(units: Int128, scale: Int) {
        self.units = units
        self.scale = scale
    }

    public var decimal: Decimal { Decimal(string: "\(units)", locale: Locale(identifier: "en_US_POSIX"))! / pow(Decimal(10), scale) }

    public func times(_ o: ExactDecimal) -> ExactDecimal? {
        let (m, overflow) = units.multipliedReportingOverflow(by: o.units)
        return overflow ? nil : ExactDecimal(units: m, scale: scale + o.scale)
    }

    /// |a − b| > 0.01; nil when the numbers are too large to compare exactly here.
    public static func differByMoreThanACent(_ a: ExactDecimal?, _ b: ExactDecimal) -> Bool? {
        guard let a else { return nil }
        let s = max(a.scale, b.scale, 2)
        func scaled(_ x: ExactDecimal) -> Int128? {
            var v = x.units
            for _ in 0..<(s - x.scale) {
                let (m, o) = v.multipliedReportingOverflow(by: 10)
                if o { return nil }
                v = m
            }
            return v
        }
        guard let x = scaled(a), let y = scaled(b), let cent = scaled(ExactDecimal(units: 1, scale: 2)) else { return nil }
        let (d, o) = x.subtractingReportingOverflow(y)
        guard !o else { return nil }
        return d.magnitude > cent.magnitude
    }
}

extension ExactDecimal {
    /// The sum, or nil on overflow.
    public func plus(_ o: ExactDecimal) -> ExactDecimal? {
        let s = Swift.max(scale, o.scale)
        guard let a = rescaled(to: s), let b = o.rescaled(to: s) else { return nil }
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? nil : ExactDecimal(units: sum, scale: s)
    }

    func rescaled(to s: Int) -> Int128? {
        var v = units
        for _ in 0..<Swift.max(0, s - scale) {
            let (m, o) = v.multipliedReportingOverflow(by: 10)
            if o { return nil }
            v = m
        }
        return v
    }

    /// Yuan to fen, rounded half up (away from zero) at the third decimal; nil beyond Int64.
    public var fenRoundedHalfUp: Int64? {
        var v = units.magnitude
        if scale <= 2 {
            guard let r = rescaled(to: 2) else { return nil }
            return Int64(exactly: r)
        }
        for _ in 0..<(scale - 3) { v /= 10 }
        let fen = (v + 5) / 10
        guard let f = Int64(exactly: fen) else { return nil }
        return units < 0 ? -f : f
    }

    /// Plain text without trailing fractional zeros ("12.5", "0", "-3").
    public var plainText: String {
        var digits = String(units.magnitude)
        var s = scale
        while s > 0, digits.last == "0" {
            digits.removeLast()
            s -= 1
        }
        if digits.isEmpty || digits == "0" { return "0" }
        if s > 0 {
            if digits.count <= s { digits = String(repeating: "0", count: s - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -s))
        }
        return (units < 0 ? "-" : "") + digits
    }
}
