import Yams

/// A YAML node with its file position, and typed accessors that fail with `file:line:column`.
struct YAMLNode {
    let node: Node
    let file: String

    var location: SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
    }

    /// Where the text of a scalar starts (after an opening quote).
    var textLocation: SourceLocation {
        if case let .scalar(s) = node, s.style == .singleQuoted || s.style == .doubleQuoted {
            return location.advanced(by: 1)
        }
        return location
    }

    static func parse(_ text: String, file: String) throws -> YAMLNode {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw PolicyFileError(SourceLocation(file: file, line: 1, column: 1), "文件为空")
            }
            return YAMLNode(node: node, file: file)
        } catch let e as YamlError {
            var line = 0, column = 0
            switch e {
            case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
                line = mark.line
                column = mark.column
                throw PolicyFileError(SourceLocation(file: file, line: line, column: column), "YAML 语法错误：\(problem)")
            default:
                throw PolicyFileError(SourceLocation(file: file, line: line, column: column), "YAML 语法错误：\(e)")
            }
        }
    }

    func string() throws -> String {
        guard case let .scalar(s) = node else { throw PolicyFileError(location, "此处应为文本") }
        return s.string
    }

    func int() throws -> Int {
        guard let i = Int(try string()) else { throw PolicyFileError(location, "此处应为整数") }
        return i
    }

    func bool() throws -> Bool {
        switch try string() {
        case "true", "yes": return true
        case "false", "no": return false
        default: throw PolicyFileError(location, "此处应为 true 或 false")
        }
    }

    func list() throws -> [YAMLNode] {
        guard case let .sequence(seq) = node else { throw PolicyFileError(location, "此处应为列表") }
        return seq.map { YAMLNode(node: $0, file: file) }
    }

    func stringList() throws -> [String] { try list().map { try $0.string() } }

    func map(allowed: [String]?) throws -> YAMLMap {
        guard case let .mapping(m) = node else { throw PolicyFileError(location, "此处应为键值表") }
        var entries: [(String, YAMLNode, YAMLNode)] = []
        for (k, v) in m {
            let key = YAMLNode(node: k, file: file)
            let name = try key.string()
            if let allowed, !allowed.contains(name) {
                throw PolicyFileError(key.location, "未知的字段“\(name)”；此处允许：\(allowed.joined(separator: ", "))")
            }
            entries.append((name, key, YAMLNode(node: v, file: file)))
        }
        return YAMLMap(entries: entries, location: location)
    }
}

struct YAMLMap {
    let entries: [(String, YAMLNode, YAMLNode)]
    let location: SourceLocation

    subscript(_ key: String) -> YAMLNode? {
        entries.first { $0.0 == key }?.2
    }

    func require(_ key: String) throws -> YAMLNode {
        guard let v = self[key] else { throw PolicyFileError(location, "缺少必填字段“\(key)”") }
        return v
    }

    func string(_ key: String) throws -> String { try require(key).string() }
    func optionalString(_ key: String) throws -> String? { try self[key]?.string() }
}
