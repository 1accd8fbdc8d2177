/// CSV output the project writes by hand (results, reports, enriched claims).
public enum CSVText {
    /// A field, quoted (with inner quotes doubled) when it holds a comma, a quote or a line break.
    public static func field(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
