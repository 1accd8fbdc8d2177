import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What an XSD says of one leaf field of a CEB message: presence, length, number format, and its
/// Chinese description (the schema's own documentation).
public struct CEBFieldRule: Sendable {
    public var name: String
    public var required: Bool
    public var base: String
    public var length: Int?
    public var minLength: Int?
    public var maxLength: Int?
    public var totalDigits: Int?
    public var fractionDigits: Int?
    public var documentation: String
}

/// A group element of a message (InventoryHead, OrderList, LogisticsStatus…): its ordered fields and
/// the groups it contains.
public struct CEBGroupRule: Sendable {
    public var name: String
    public var documentation: String
    public var fields: [CEBFieldRule]
    /// Child groups by reference, with whether at least one is required.
    public var children: [(name: String, required: Bool, max: Int?)]
    public var attributes: [CEBFieldRule]
    /// The names of `fields`, for the check of fields the schema does not know (set when loaded).
    public var fieldNames: Set<String> = []

    public func field(_ name: String) -> CEBFieldRule? { fields.first { $0.name == name } }
}

/// One XSD file of the CEB specification, read into rules: the reference for every message type it
/// defines, including the many the samples do not show.
public struct CEBSchema: Sendable {
    public var id: String
    public var groups: [String: CEBGroupRule]

    /// Root message elements this schema defines (CEB603Message, …).
    public var messages: [String] { groups.keys.filter { $0.hasPrefix("CEB") && $0.hasSuffix("Message") }.sorted() }

    public static func load(path: String, id: String) throws -> CEBSchema {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TradeDataError.schema("无法读取报文规范 XSD：\(path)")
        }
        let builder = SchemaBuilder()
        let parser = XMLParser(data: data)
        parser.delegate = builder
        guard parser.parse() else {
            throw TradeDataError.schema("\(path):\(parser.lineNumber): XSD 无法解析：\(parser.parserError.map { "\($0)" } ?? "")")
        }
        return CEBSchema(id: id, groups: builder.groups)
    }
}

public enum TradeDataError: Error, CustomStringConvertible {
    case schema(String)
    case input(String)
    /// An input over a stated limit (`InputLimits`), refused before anything of it is stored.
    case limit(String)

    public var description: String {
        switch self {
        case let .schema(m), let .input(m), let .limit(m): return m
        }
    }
}

/// Walks an XSD: an `xs:element name=…` with a complexType is a group (global or nested), one with a
/// simple type is a field of the nearest enclosing group; `xs:element ref=…` names a child group.
final class SchemaBuilder: NSObject, XMLParserDelegate {
    var groups: [String: CEBGroupRule] = [:]

    private struct Frame {
        var depth: Int
        var field: CEBFieldRule
        var max: Int?
        var isGroup = false
        var group: CEBGroupRule
    }

    private var depth = 0
    private var frames: [Frame] = []
    private var attribute: CEBFieldRule?
    private var inDocumentation = false
    private var text = ""

    static func local(_ name: String) -> String { name.split(separator: ":").last.map(String.init) ?? name }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes a: [String: String] = [:]) {
        depth += 1
        switch SchemaBuilder.local(name) {
        case "element":
            let required = (a["minOccurs"] ?? "1") != "0"
            let max = a["maxOccurs"].map { $0 == "unbounded" ? nil : Int($0) } ?? 1
            if let n = a["name"] {
                let base = a["type"].map { SchemaBuilder.local($0) } ?? "string"
                frames.append(Frame(depth: depth, field: CEBFieldRule(name: n, required: required, base: base, documentation: ""), max: max,
                                    group: CEBGroupRule(name: n, documentation: "", fields: [], children: [], attributes: [])))
            } else if let ref = a["ref"], let g = frames.lastIndex(where: { $0.isGroup }) {
                frames[g].group.children.append((SchemaBuilder.local(ref), required, max))
            }
        case "complexType":
            if !frames.isEmpty && !frames[frames.count - 1].isGroup && frames[frames.count - 1].depth == depth - 1 {
                frames[frames.count - 1].isGroup = true
            }
        case "attribute":
            if let n = a["name"] { attribute = CEBFieldRule(name: n, required: a["use"] == "required", base: "string", documentation: "") }
        case "restriction":
            let base = SchemaBuilder.local(a["base"] ?? "xs:string")
            if attribute != nil { attribute!.base = base } else if !frames.isEmpty { frames[frames.count - 1].field.base = base }
        case let facet where ["length", "minLength", "maxLength", "totalDigits", "fractionDigits"].contains(facet):
            let v = Int(a["value"] ?? "")
            func set(_ r: inout CEBFieldRule) {
                switch facet {
                case "length": r.length = v
                case "minLength": r.minLength = v
                case "maxLength": r.maxLength = v
                case "totalDigits": r.totalDigits = v
                default: r.fractionDigits = v
                }
            }
            if attribute != nil { set(&attribute!) } else if !frames.isEmpty { set(&frames[frames.count - 1].field) }
        case "documentation":
            inDocumentation = true
            text = ""
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inDocumentation { text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        defer { depth -= 1 }
        switch SchemaBuilder.local(name) {
        case "documentation":
            inDocumentation = false
            let doc = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if attribute != nil { attribute!.documentation = doc }
            else if !frames.isEmpty, frames[frames.count - 1].field.documentation.isEmpty {
                frames[frames.count - 1].field.documentation = doc
                frames[frames.count - 1].group.documentation = doc
            }
        case "attribute":
            if let a = attribute, let g = frames.lastIndex(where: { $0.isGroup }) { frames[g].group.attributes.append(a) }
            attribute = nil
        case "element":
            guard let frame = frames.last, frame.depth == depth else { return }
            frames.removeLast()
            let parent = frames.lastIndex(where: { $0.isGroup })
            if frame.isGroup {
                var group = frame.group
                group.fieldNames = Set(group.fields.map(\.name))
                groups[group.name] = group
                if let p = parent { frames[p].group.children.append((frame.group.name, frame.field.required, frame.max)) }
            } else if let p = parent {
                frames[p].group.fields.append(frame.field)
            }
        default: break
        }
    }
}
