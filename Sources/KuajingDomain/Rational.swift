/// An exact rational number, used for rates and for intermediate money values (in fen) before the
/// single rounding at the award. Arithmetic reports overflow instead of trapping or losing precision.
public struct Rational: Hashable, Comparable, Sendable {
    public private(set) var numerator: Int64
    public private(set) var denominator: Int64

    public struct Overflow: Error, Sendable {}

    public init(_ integer: Int64) {
        numerator = integer
        denominator = 1
    }

    /// `denominator` must be non-zero; the value is stored reduced with a positive denominator.
    public init(_ numerator: Int64, _ denominator: Int64) {
        precondition(denominator != 0, "zero denominator")
        var n = numerator, d = denominator
        if d < 0 { n = -n; d = -d }
        let g = Rational.gcd(n.magnitude, d.magnitude)
        if g > 1 { n /= Int64(g); d /= Int64(g) }
        self.numerator = n
        self.denominator = d
    }

    public static let zero = Rational(0)
    public static let one = Rational(1)

    static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var a = a, b = b
        while b != 0 { (a, b) = (b, a % b) }
        return a == 0 ? 1 : a
    }

    public var isInteger: Bool { denominator == 1 }

    public static func < (lhs: Rational, rhs: Rational) -> Bool {
        if lhs.denominator == rhs.denominator { return lhs.numerator < rhs.numerator }
        let l = lhs.numerator.multipliedFullWidth(by: rhs.denominator)
        let r = rhs.numerator.multipliedFullWidth(by: lhs.denominator)
        return (l.high, l.low) < (r.high, r.low)
    }

    public func adding(_ other: Rational) throws -> Rational {
        if denominator == other.denominator {
            let (s, o) = numerator.addingReportingOverflow(other.numerator)
            if o { throw Overflow() }
            return Rational(s, denominator)
        }
        let (a, o1) = numerator.multipliedReportingOverflow(by: other.denominator)
        let (b, o2) = other.numerator.multipliedReportingOverflow(by: denominator)
        let (s, o3) = a.addingReportingOverflow(b)
        let (d, o4) = denominator.multipliedReportingOverflow(by: other.denominator)
        if o1 || o2 || o3 || o4 { throw Overflow() }
        return Rational(s, d)
    }

    public var negated: Rational { Rational(-numerator, denominator) }

    public func subtracting(_ other: Rational) throws -> Rational { try adding(other.negated) }

    public func multiplied(by other: Rational) throws -> Rational {
        // Cross-reduce first so that common cases (fen × 7/10) never come near the limits.
        let g1 = Int64(Rational.gcd(numerator.magnitude, other.denominator.magnitude))
        let g2 = Int64(Rational.gcd(other.numerator.magnitude, denominator.magnitude))
        let (n, o1) = (numerator / g1).multipliedReportingOverflow(by: other.numerator / g2)
        let (d, o2) = (denominator / g2).multipliedReportingOverflow(by: other.denominator / g1)
        if o1 || o2 { throw Overflow() }
        return Rational(n, d)
    }

    public func divided(by other: Rational) throws -> Rational {
        if other.numerator == 0 { throw Overflow() }
        return try multiplied(by: Rational(other.denominator, other.numerator))
    }

    /// Rounds half up (away from zero for the positive values money takes) to an integer.
    public func roundedHalfUp() -> Int64 {
        if denominator == 1 { return numerator }
        let q = numerator / denominator
        let r = numerator % denominator
        if r == 0 { return q }
        if numerator >= 0 {
            return (r * 2 >= denominator) ? q + 1 : q
        } else {
            return (-r * 2 >= denominator) ? q - 1 : q
        }
    }

    /// Decimal text with up to `maxDecimals` digits when exact (e.g. "0.5", "70"), else a fraction "1/3".
    public func decimalText(maxDecimals: Int = 6) -> String {
        var d = denominator
        var twos = 0, fives = 0
        while d % 2 == 0 { d /= 2; twos += 1 }
        while d % 5 == 0 { d /= 5; fives += 1 }
        let places = max(twos, fives)
        guard d == 1, places <= maxDecimals else { return "\(numerator)/\(denominator)" }
        var scale: Int64 = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = numerator * (scale / denominator)
        let negative = scaled < 0
        let mag = scaled.magnitude
        var s = String(mag / UInt64(scale))
        if places > 0 {
            var frac = String(mag % UInt64(scale))
            while frac.count < places { frac = "0" + frac }
            s += "." + frac
        }
        return negative ? "-" + s : s
    }
}
