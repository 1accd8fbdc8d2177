/// Free text that users type (reasons, notes, names, labels, payee details) and that the platform
/// shows, prints and writes into files: no control character (C0, DEL, C1) and no invisible format
/// character (bidi overrides and isolates, zero-width characters, the BOM), which would hide or
/// reorder what a reviewer, an auditor or a finance office reads. Line breaks and tabs only where a
/// field is several lines.
public enum FreeText {
    /// The first character that is not allowed, or nil.
    public static func invisible(in text: String, lineBreaks: Bool) -> Unicode.Scalar? {
        text.unicodeScalars.first { s in
            if lineBreaks && (s == "\n" || s == "\r" || s == "\t") { return false }
            switch s.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator: return true
            default: return false
            }
        }
    }

    /// The Chinese sentence for such a character: its code point, never the character itself.
    public static func problem(_ s: Unicode.Scalar) -> String {
        "含有不可见的控制或格式字符 U+\(String(s.value, radix: 16, uppercase: true).leftPadded(4))，请删除后重填"
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
