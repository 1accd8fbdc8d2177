import KuajingDomain

/// One field of a claim written as a record (a JSON object, a YAML mapping in a policy test case).
public struct RecordField: Sendable {
    public var key: String
    public var value: String
    public var line: Int
    public var column: Int

    public init(key: String, value: String, line: Int, column: Int) {
        self.key = key
        self.value = value
        self.line = line
        self.column = column
    }
}

/// Builds a ledger from records: the columns are the union of the records' keys, in order of first
/// appearance; a key a record lacks is an empty cell.
public enum RecordLedgerReader {
    public static func read(_ records: [[RecordField]], objectLines: [Int], source: String, matterKeys: [String],
                            divisions: DivisionCatalog = .standard) throws -> ClaimsLedger {
        var header: [String] = []
        var position: [String: Int] = [:]
        for r in records {
            for f in r where position[f.key] == nil {
                position[f.key] = header.count
                header.append(f.key)
            }
        }
        var storage: [UInt8] = []
        var table: [[ByteRange]] = []
        var columns: [[Int]] = []
        for (k, r) in records.enumerated() {
            var ranges = [ByteRange](repeating: .empty, count: header.count)
            var cols = [Int](repeating: 0, count: header.count)
            for f in r {
                let utf8 = Array(f.value.utf8)
                ranges[position[f.key]!] = ByteRange(offset: storage.count, length: utf8.count)
                cols[position[f.key]!] = f.column
                storage.append(contentsOf: utf8)
            }
            _ = k
            table.append(ranges)
            columns.append(cols)
        }
        storage.append(0) // never an empty buffer
        var builder = LedgerBuilder(source: source, header: header, headerLine: objectLines.first ?? 1, matterKeys: matterKeys,
                                    divisions: divisions, expectedRows: records.count)
        if builder.isHeaderValid {
            storage.withUnsafeBufferPointer { p in
                for (k, ranges) in table.enumerated() {
                    // Line of a field: the line of the object unless the field itself says otherwise.
                    ranges.withUnsafeBufferPointer { builder.addRow(p.baseAddress!, $0, line: records[k].first?.line ?? objectLines[k], columns: columns[k]) }
                    if builder.shouldStop { break }
                }
            }
        }
        return try builder.finish(storage: LedgerBytes(copying: storage))
    }
}

/// A small JSON reader for ledgers: an array of flat objects whose values are strings, numbers,
/// booleans or null. It keeps the line and column of every value for error messages.
enum JSONLedgerReader {
    struct Syntax: Error { var line: Int; var column: Int; var message: String }

    static func read(_ bytes: [UInt8], source: String, matterKeys: [String], divisions: DivisionCatalog) throws -> ClaimsLedger {
        var parser = Parser(bytes: bytes)
        do {
            let (records, lines) = try parser.parseArray()
            return try RecordLedgerReader.read(records, objectLines: lines, source: source, matterKeys: matterKeys, divisions: divisions)
        } catch let e as Syntax {
            throw LedgerError(problems: [.init(file: source, line: e.line, column: e.column, field: "-", message: "JSON 语法错误：\(e.message)")], truncated: false)
        }
    }

    struct Parser {
        let bytes: [UInt8]
        var i = 0
        var line = 1
        var lineStart = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
            if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { i = 3; lineStart = 3 }
        }

        var column: Int {
            String(decoding: bytes[lineStart..<min(i, bytes.count)], as: UTF8.self).count + 1
        }

        func fail(_ m: String) -> Syntax { Syntax(line: line, column: column, message: m) }

        mutating func skipSpace() {
            while i < bytes.count {
                let c = bytes[i]
                if c == 0x0A { line += 1; i += 1; lineStart = i } else if c == 0x20 || c == 0x09 || c == 0x0D { i += 1 } else { break }
            }
        }

        mutating func expect(_ c: Character) throws {
            skipSpace()
            guard i < bytes.count, bytes[i] == c.asciiValue! else { throw fail("此处应为“\(c)”") }
            i += 1
        }

        mutating func parseArray() throws -> ([[RecordField]], [Int]) {
            try expect("[")
            var records: [[RecordField]] = []
            var lines: [Int] = []
            skipSpace()
            if i < bytes.count && bytes[i] == UInt8(ascii: "]") { i += 1; return ([], []) }
            while true {
                skipSpace()
                lines.append(line)
                records.append(try parseObject())
                skipSpace()
                guard i < bytes.count else { throw fail("数组未结束") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "]") { i += 1; break }
                throw fail("此处应为“,”或“]”")
            }
            skipSpace()
            if i < bytes.count { throw fail("数组之后还有多余内容") }
            return (records, lines)
        }

        mutating func parseObject() throws -> [RecordField] {
            try expect("{")
            var fields: [RecordField] = []
            skipSpace()
            if i < bytes.count && bytes[i] == UInt8(ascii: "}") { i += 1; return fields }
            while true {
                skipSpace()
                let key = try parseString()
                try expect(":")
                skipSpace()
                let (l, c) = (line, column)
                let value = try parseValue()
                if fields.contains(where: { $0.key == key }) { throw Syntax(line: l, column: c, message: "键“\(key)”重复") }
                fields.append(RecordField(key: key, value: value, line: l, column: c))
                skipSpace()
                guard i < bytes.count else { throw fail("对象未结束") }
                if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                if bytes[i] == UInt8(ascii: "}") { i += 1; return fields }
                throw fail("此处应为“,”或“}”")
            }
        }

        mutating func parseValue() throws -> String {
            guard i < bytes.count else { throw fail("缺少值") }
            let c = bytes[i]
            if c == UInt8(ascii: "\"") { return try parseString() }
            if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { throw fail("台账字段的值不能是对象或数组") }
            let start = i
            while i < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i += 1 }
            let word = String(decoding: bytes[start..<i], as: UTF8.self)
            if word == "null" { return "" }
            if word == "true" || word == "false" { return word }
            if word.first.map({ $0 == "-" || $0.isNumber }) == true { return word }
            i = start
            throw fail("无法识别的值“\(word)”")
        }

        mutating func parseString() throws -> String {
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("此处应为字符串") }
            i += 1
            var out: [UInt8] = []
            while i < bytes.count {
                let c = bytes[i]
                if c == UInt8(ascii: "\"") { i += 1; return String(decoding: out, as: UTF8.self) }
                if c == 0x0A { throw fail("字符串中不能换行") }
                if c == UInt8(ascii: "\\") {
                    i += 1
                    guard i < bytes.count else { break }
                    switch bytes[i] {
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "u"):
                        guard i + 4 < bytes.count, let v = UInt32(String(decoding: bytes[(i + 1)...(i + 4)], as: UTF8.self), radix: 16) else {
                            throw fail("\\u 转义无效")
                        }
                        i += 4
                        var code = v
                        if (0xD800..<0xDC00).contains(v), i + 6 < bytes.count, bytes[i + 1] == UInt8(ascii: "\\"), bytes[i + 2] == UInt8(ascii: "u"),
                           let low = UInt32(String(decoding: bytes[(i + 3)...(i + 6)], as: UTF8.self), radix: 16), (0xDC00..<0xE000).contains(low) {
                            code = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                            i += 6
                        }
                        out.append(contentsOf: Array(String(Character(Unicode.Scalar(code) ?? "\u{FFFD}")).utf8))
                    default: out.append(bytes[i])
                    }
                    i += 1
                    continue
                }
                out.append(c)
                i += 1
            }
            throw fail("字符串未结束")
        }
    }
}
