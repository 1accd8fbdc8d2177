import Foundation
import KuajingDomain
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Reads CEB messages (2018 and 202205 editions, import and export) by element name, whatever order
/// the schema gives the trailing blocks. A message holds at most 100 records (the schemas' maxOccurs),
/// so one message at a time is kept and handed over whole, with the counts of its blocks. Accepts a BOM and the encoding the prolog declares
/// (UTF-8, GBK/GB18030), and opens the `DxpMsg` envelope, whose `Data` carries the message in base64.
public enum CEBReader {
    /// Blocks of a message that are not business records.
    static let envelopeBlocks: Set<String> = ["BaseTransfer", "BaseSubscribe", "Signature", "ExtendMessage"]

    public struct MessageError: Error, CustomStringConvertible, Sendable {
        public var source: String
        public var line: Int
        public var column: Int
        public var message: String
        public var description: String { "\(source):\(line):\(column): \(message)" }
    }

    /// Reads one file: its message, or for a DxpMsg envelope the message in its `Data`.
    /// Throws when the XML is not well formed: nothing of that message is returned.
    public static func read(path: String) throws -> [CEBMessage] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MessageError(source: path, line: 0, column: 0, message: "无法读取文件")
        }
        return try read(data: data, source: path)
    }

    /// libxml2's error numbers, in words.
    static func describe(_ error: Error?) -> String {
        let code = (error as NSError?)?.code ?? -1
        let words: [Int: String] = [4: "文档为空或不是 XML", 5: "文件提前结束（元素未闭合）", 9: "含有非法字符", 32: "编码声明无法识别",
                                    41: "属性格式错误", 64: "XML 声明格式错误", 73: "缺少“>”", 76: "开始标签与结束标签不匹配", 77: "文件提前结束（标签未闭合）", 201: "命名空间前缀未声明"]
        return "\(words[code] ?? "无法解析") (libxml2 错误 \(code))"
    }

    public static func read(data: Data, source: String) throws -> [CEBMessage] {
        let digest = SHA256Hex.of(data)  // the content address of a message
        let bytes = [UInt8](data)
        // The byte scanner reads plain UTF-8 messages; everything else (and every error) is libxml2's.
        if let scanned = CEBByteScanner.scan(bytes, source: source, digest: digest) {
            return [CEBMessage(source: source, type: scanned.messageType, guid: scanned.guid, digest: digest, records: scanned.records,
                               blockCounts: scanned.blockCounts, bytes: bytes)]
        }
        return try readWithLibXML(data: data, source: source, digest: digest)
    }

    /// The reference path: Foundation's XMLParser (libxml2), for every message the byte scanner leaves alone.
    static func readWithLibXML(data: Data, source: String, digest: String) throws -> [CEBMessage] {
        let handler = RecordCollector(source: source, digest: digest)
        let parser = XMLParser(data: data)
        parser.delegate = handler
        if !parser.parse() {
            throw handler.failure ?? MessageError(source: source, line: parser.lineNumber, column: parser.columnNumber,
                                                  message: "XML 格式错误：\(describe(parser.parserError))")
        }
        if let failure = handler.failure { throw failure }
        // libxml2 through Foundation can return success on a truncated or mismatched document;
        // a root that never closed (or never opened) is a malformed message all the same.
        if !handler.rootClosed {
            throw MessageError(source: source, line: handler.lastLine, column: 0,
                               message: "XML 格式错误：\(handler.openElements.isEmpty ? "没有根元素" : "元素 \(handler.openElements.joined(separator: " > ")) 未闭合或标签不匹配")")
        }
        var messages: [CEBMessage] = []
        if handler.isEnvelope {
            for (inner, line) in handler.envelopeBodies {
                guard let decoded = Data(base64Encoded: inner, options: .ignoreUnknownCharacters) else {
                    throw MessageError(source: source, line: line, column: 0, message: "DxpMsg 的 Data 不是有效的 base64")
                }
                messages += try read(data: decoded, source: source + "#Data")
            }
        } else {
            messages.append(CEBMessage(source: source, type: handler.messageType, guid: handler.messageGuid, digest: digest,
                                       records: handler.records, blockCounts: handler.blockCounts, bytes: [UInt8](data)))
        }
        return messages
    }
}

final class RecordCollector: NSObject, XMLParserDelegate {
    let source: String
    let digest: String
    var records: [CEBRecord] = []
    var blockCounts: [String: Int] = [:]
    var failure: CEBReader.MessageError?
    var envelopeBodies: [(String, Int)] = []

    private struct Node {
        var name: String
        var line: Int
        var text = ""
        var fields: [(name: String, value: String)] = []
        var groups: [CEBGroup] = []
        var hasChildren = false
    }

    private var stack: [Node] = []
    private(set) var rootClosed = false
    private(set) var lastLine = 0
    var openElements: [String] { stack.map(\.name) }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        if failure == nil {
            failure = CEBReader.MessageError(source: source, line: parser.lineNumber, column: parser.columnNumber,
                                             message: "XML 格式错误：\(CEBReader.describe(parseError))")
        }
    }
    private(set) var messageType = ""
    private(set) var messageGuid: String?
    private(set) var isEnvelope = false

    init(source: String, digest: String) {
        self.source = source
        self.digest = digest
    }

    /// Strips XML white space (space, tab, CR, LF: the only white space XML knows) from both ends.
    static func trimXMLSpace(_ s: String) -> String {
        let u = s.utf8
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        guard let first = u.first, let last = u.last, isSpace(first) || isSpace(last) else { return s }
        guard let start = u.firstIndex(where: { !isSpace($0) }), let end = u.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(s[start...end])
    }

    static func local(_ name: String) -> String {
        guard let colon = name.utf8.lastIndex(of: UInt8(ascii: ":")) else { return name }
        return String(name[name.utf8.index(after: colon)...])
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        let local = RecordCollector.local(name)
        if stack.isEmpty {
            isEnvelope = local == "DxpMsg"
            if local.hasPrefix("CEB") && local.hasSuffix("Message") {
                messageType = String(local.dropLast("Message".count))
                messageGuid = attributes["guid"]
            } else if !isEnvelope {
                failure = CEBReader.MessageError(source: source, line: parser.lineNumber, column: parser.columnNumber,
                                                 message: "根元素“\(local)”不是 CEB 报文（应为 CEBxxxMessage 或 DxpMsg）")
                parser.abortParsing()
                return
            }
        } else {
            stack[stack.count - 1].hasChildren = true
            if stack.count == 1 { blockCounts[local, default: 0] += 1 }
        }
        stack.append(Node(name: local, line: parser.lineNumber))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if !stack.isEmpty { stack[stack.count - 1].text += string }
    }

    /// CDATA is text like any other.
    func parser(_ parser: XMLParser, foundCDATA block: Data) {
        if !stack.isEmpty { stack[stack.count - 1].text += String(decoding: block, as: UTF8.self) }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        lastLine = parser.lineNumber
        guard let node = stack.popLast() else { return }
        if node.name != RecordCollector.local(name) {
            failure = failure ?? CEBReader.MessageError(source: source, line: parser.lineNumber, column: parser.columnNumber,
                                                        message: "XML 格式错误：结束标签 \(RecordCollector.local(name)) 与开始标签 \(node.name) 不匹配")
            parser.abortParsing()
            return
        }
        let depth = stack.count // depth of the ended node: 0 = root
        if depth == 0 { rootClosed = true }
        if isEnvelope {
            if node.name == "Data" { envelopeBodies.append((node.text, node.line)) }
            return
        }
        if depth == 0 { return }
        if !node.hasChildren {
            stack[stack.count - 1].fields.append((node.name, RecordCollector.trimXMLSpace(node.text)))
            return
        }
        if depth == 1 {
            // A record under the message root.
            if CEBReader.envelopeBlocks.contains(node.name) { return }
            records.append(CEBRecord.assemble(name: node.name, line: node.line, fields: node.fields, groups: node.groups, source: source,
                                              messageType: messageType, messageGuid: messageGuid, digest: digest))
        } else {
            stack[stack.count - 1].groups.append(CEBGroup(name: node.name, line: node.line, fields: node.fields))
        }
    }
}
