/// CSV output the project writes by hand (results, reports, enriched claims).
public enum CSVText {
    /// A field, quoted (with inner quotes doubled) when it holds a comma, a quote or a line break
    /// (LF or CR, tested byte by byte: a CRLF inside a field is one `Character`, not "\n").
    public static func field(_ s: String) -> String {
        s.utf8.contains(where: needsQuotes) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// Whether a byte makes its field need quotes.
    @inlinable public static func needsQuotes(_ c: UInt8) -> Bool { c == 0x2C || c == 0x22 || c == 0x0A || c == 0x0D }
}
