import Yams

/// A YAML node with its file position, and typed accessors that fail with `file:line:column`.
public struct YAMLNode {
    public let node: Node
    public let file: String

    public var location: SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
    }

    /// Where the text of a scalar starts (after an opening quote).
    public var textLocation: SourceLocation {
        if case let .scalar(s) = node, s.style == .singleQuoted || s.style == .doubleQuoted {
            return location.advanced(by: 1)
        }
        return location
    }

    public static func parse(_ text: String, file: String) throws -> YAMLNode {
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

    public func string() throws -> String {
        guard case let .scalar(s) = node else { throw PolicyFileError(location, "此处应为文本") }
        return s.string
    }

    public func int() throws -> Int {
        guard let i = Int(try string()) else { throw PolicyFileError(location, "此处应为整数") }
        return i
    }

    public func bool() throws -> Bool {
        switch try string() {
        case "true", "yes": return true
        case "false", "no": return false
        default: throw PolicyFileError(location, "此处应为 true 或 false")
        }
    }

    public func list() throws -> [YAMLNode] {
        guard case let .sequence(seq) = node else { throw PolicyFileError(location, "此处应为列表") }
        return seq.map { YAMLNode(node: $0, file: file) }
    }

    public func stringList() throws -> [String] { try list().map { try $0.string() } }

    public func map(allowed: [String]?) throws -> YAMLMap {
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

public struct YAMLMap {
    public let entries: [(String, YAMLNode, YAMLNode)]
    public let location: SourceLocation

    public subscript(_ key: String) -> YAMLNode? {
        entries.first { $0.0 == key }?.2
    }

    public func require(_ key: String) throws -> YAMLNode {
        guard let v = self[key] else { throw PolicyFileError(location, "缺少必填字段“\(key)”") }
        return v
    }

    public func string(_ key: String) throws -> String { try require(key).string() }
    public func optionalString(_ key: String) throws -> String? { try self[key]?.string() }
}
