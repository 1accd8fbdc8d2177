/// CSV output the project writes by hand (results, reports, enriched claims).
public enum CSVText {
    /// A field, quoted (with inner quotes doubled) when it holds a comma, a quote or a line break
    /// (LF or CR, tested byte by byte: a CRLF inside a field is one `Character`, not "\n").
    public static func field(_ s: String) -> String {
        s.utf8.contains(where: needsQuotes) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// A cell of a file meant for a spreadsheet (payment files, monitoring tables, the report): as
    /// `field`, after neutralising what Excel, WPS and LibreOffice would evaluate (OWASP's rule for
    /// CSV injection): a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return gets
    /// a leading apostrophe, so that it is shown as the text it is. A plain number (`-100.00`, a
    /// reversal's amount) is left as it is: a spreadsheet reads it as a number, never a formula.
    public static func cell(_ s: String) -> String {
        guard let first = s.utf8.first, [0x3D, 0x2B, 0x2D, 0x40, 0x09, 0x0D].contains(first), !isPlainNumber(s) else { return field(s) }
        return field("'" + s)
    }

    /// An optional minus, digits (grouped by commas or not), optionally a point and digits, and an
    /// optional percent sign (`-12.3%`, the report's year-on-year change): nothing a spreadsheet
    /// evaluates, and shown as the number it is.
    static func isPlainNumber(_ s: String) -> Bool {
        var bytes = Array(s.utf8)[...]
        if bytes.first == 0x2D { bytes = bytes.dropFirst() }
        if bytes.last == 0x25 { bytes = bytes.dropLast() }
        let digits = bytes.filter { $0 != 0x2C }
        let parts = digits.split(separator: 0x2E, maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, parts.count <= 2 else { return false }
        return parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { (0x30...0x39).contains($0) } }
    }

    /// Whether a byte makes its field need quotes.
    @inlinable public static func needsQuotes(_ c: UInt8) -> Bool { c == 0x2C || c == 0x22 || c == 0x0A || c == 0x0D }
}
