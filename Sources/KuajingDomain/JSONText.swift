/// JSON text for values the project writes by hand (streamed output, stored findings, record fields).
public enum JSONText {
    /// A JSON string literal: quotes, backslashes and control characters escaped.
    public static func quote(_ s: String) -> String {
        // Most values need no escape: one copy, no scan of scalars.
        if !s.utf8.contains(where: needsEscape) { return "\"" + s + "\"" }
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 8)
        appendQuoted(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `s` as a JSON string literal to UTF-8 bytes.
    public static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        if !s.utf8.contains(where: needsEscape) {
            out.append(contentsOf: s.utf8) // one copy
            out.append(0x22)
            return
        }
        for c in s.utf8 {
            if needsEscape(c) { out += escapeSequence(c) } else { out.append(c) }
        }
        out.append(0x22)
    }

    /// Whether a byte must be escaped inside a JSON string: a quote, a backslash, a control character.
    @inlinable public static func needsEscape(_ c: UInt8) -> Bool { c < 0x20 || c == 0x22 || c == 0x5C }

    /// The escape of a byte for which `needsEscape` holds: `\"`, `\\`, `\n`, `\r`, `\t` or `\u00XX`.
    public static func escapeSequence(_ c: UInt8) -> [UInt8] {
        switch c {
        case 0x22: return [0x5C, 0x22]
        case 0x5C: return [0x5C, 0x5C]
        case 0x0A: return [0x5C, UInt8(ascii: "n")]
        case 0x0D: return [0x5C, UInt8(ascii: "r")]
        case 0x09: return [0x5C, UInt8(ascii: "t")]
        default:
            let hex = Array("0123456789abcdef".utf8)
            return [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(c >> 4)], hex[Int(c & 0xF)]]
        }
    }
}
