/// The administrative divisions (and functional zones) a claim or a policy can name, with their hierarchy.
public struct DivisionCatalog: Sendable {
    public struct Division: Sendable, Hashable {
        public let index: Int
        /// GB/T 2260 code, nil for a functional zone (台州湾新区).
        public let code: String?
        public let name: String
        public let level: String
        public let parentCode: String?
        public let parentIndex: Int?
        public let note: String
    }

    public let divisions: [Division]
    private let byKey: [String: Int]

    public enum LoadError: Error, CustomStringConvertible {
        case malformed(line: Int, reason: String)
        public var description: String {
            switch self {
            case let .malformed(line, reason): return "divisions.csv:\(line): \(reason)"
            }
        }
    }

    public static let standard: DivisionCatalog = try! DivisionCatalog(csv: embeddedCSV)

    public init(csv: String) throws {
        var rows: [(code: String?, name: String, level: String, parent: String?, note: String)] = []
        var parents: [String: String] = [:], parentOrder: [String] = []
        for (i, line) in csv.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if i == 0 || line.isEmpty { continue }
            let fields = DivisionCatalog.splitCSVLine(String(line))
            guard fields.count >= 5 else { throw LoadError.malformed(line: i + 1, reason: "expected 6 columns") }
            rows.append((fields[0].isEmpty ? nil : fields[0], fields[1], fields[2],
                         fields[3].isEmpty ? nil : fields[3], fields.count > 5 ? fields[5] : ""))
            if !fields[3].isEmpty, !fields[4].isEmpty, parents[fields[3]] == nil { parents[fields[3]] = fields[4]; parentOrder.append(fields[3]) }
        }
        // A parent the table names (parent_code, parent_name) without a row of its own, such as 浙江省
        // (330000) above the cities, becomes a division too, so a province-wide plan has a scope.
        let known = Set(rows.compactMap(\.code))
        for code in parentOrder where !known.contains(code) {
            rows.append((code, parents[code]!, "parent", nil, "named as parent_name in divisions.csv, no row of its own"))
        }
        var codeIndex: [String: Int] = [:]
        for (i, r) in rows.enumerated() { if let c = r.code { codeIndex[c] = i } }
        var list: [Division] = []
        var keys: [String: Int] = [:]
        for (i, r) in rows.enumerated() {
            list.append(Division(index: i, code: r.code, name: r.name, level: r.level, parentCode: r.parent,
                                 parentIndex: r.parent.flatMap { codeIndex[$0] }, note: r.note))
            keys[r.name] = i
            if let c = r.code { keys[c] = i }
        }
        divisions = list
        byKey = keys
    }

    /// One CSV line's fields (double quotes, doubled quotes inside them, a trailing CR dropped).
    public static func splitCSVLine(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var chars = Array(line)
        if chars.last == "\r" { chars.removeLast() }
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if quoted {
                if c == "\"" {
                    if i + 1 < chars.count && chars[i + 1] == "\"" { current.append("\""); i += 1 } else { quoted = false }
                } else { current.append(c) }
            } else if c == "\"" { quoted = true }
            else if c == "," { fields.append(current); current = "" }
            else { current.append(c) }
            i += 1
        }
        fields.append(current)
        return fields
    }

    /// Finds a division by its name (滨江区, 台州湾新区) or its 6-digit code (330108).
    public func lookup(_ nameOrCode: String) -> Division? {
        byKey[nameOrCode].map { divisions[$0] }
    }

    /// True when `division` is `ancestor` or lies under it.
    public func isWithin(_ division: Int, _ ancestor: Int) -> Bool {
        var current: Int? = division
        while let c = current {
            if c == ancestor { return true }
            current = divisions[c].parentIndex
        }
        return false
    }

    /// Names of every division the catalog knows, for suggestions in error messages.
    public var names: [String] { divisions.map(\.name) }
}
