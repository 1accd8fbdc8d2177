/// A byte-level reader for the plain XML that CEB messages are: UTF-8, no DTD, elements, attributes,
/// text, the five predefined entities and character references, comments, processing instructions
/// and CDATA. It produces exactly what the `XMLParser` path produces (a test holds the two equal on
/// every sample), several times faster, because it makes a `String` only for names and field values.
///
/// It is a fast path, not a second judge: on anything it does not handle itself or that is not well
/// formed (another encoding, a DOCTYPE, an undeclared prefix or entity, invalid UTF-8, a mismatched
/// tag, …) it returns nil and the caller parses the message with libxml2, which then names the error
/// as before. So it can only ever accept what libxml2 accepts.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct CEBByteScanner {
    struct Result {
        var messageType: String
        var guid: String?
        var records: [CEBRecord]
        var blockCounts: [String: Int]
    }

    private struct Node {
        var qname: Range<Int>
        var name: String
        var line: Int
        /// A leaf's text: one plain run is kept as a range of the input; anything else is copied.
        var textRange: Range<Int>?
        var text: [UInt8]?
        var fields: [(name: String, value: String)] = []
        var groups: [CEBGroup] = []
        var hasChildren = false
        var declaredPrefixes = 0
    }

    private let b: UnsafeBufferPointer<UInt8>
    private var i = 0
    private var line = 1
    private var stack: [Node] = []
    private var prefixes: [[UInt8]] = []
    /// Interned local names by a hash of their qualified name's bytes, checked against those bytes.
    private var names: [UInt64: (qname: [UInt8], local: String, generation: Int)] = [:]
    /// Changes whenever a prefix is declared or goes out of scope: a cached name's prefix is checked again.
    private var prefixGeneration = 0
    private var records: [CEBRecord] = []
    private var blockCounts: [String: Int] = [:]
    private var messageType = ""
    private var guid: String?
    private let source: String
    private let digest: String

    private init(_ b: UnsafeBufferPointer<UInt8>, source: String, digest: String) {
        self.b = b
        self.source = source
        self.digest = digest
    }

    /// Reads one message, or nil to hand the bytes to libxml2.
    static func scan(_ bytes: [UInt8], source: String, digest: String) -> Result? {
        // Invalid UTF-8 anywhere is libxml2's to report.
        guard String(validating: bytes, as: UTF8.self) != nil else { return nil }
        return bytes.withUnsafeBufferPointer { buffer in
            var scanner = CEBByteScanner(buffer, source: source, digest: digest)
            return scanner.document()
        }
    }

    // MARK: Bytes

    @inline(__always) private func at(_ k: Int) -> UInt8 { k < b.count ? b[k] : 0 }
    @inline(__always) private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x09 || c == 0x0D }
    @inline(__always) private static func isNameByte(_ c: UInt8) -> Bool {
        // ASCII name characters, and any byte of a multi-byte UTF-8 character (validated above).
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x3A || c == 0x2D || c == 0x2E || c >= 0x80
    }

    private func starts(_ literal: StaticString, at k: Int) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard k + n <= b.count else { return false }
        let p = literal.utf8Start
        for j in 0..<n where b[k + j] != p[j] { return false }
        return true
    }

    private mutating func skipSpace() {
        while i < b.count, CEBByteScanner.isSpace(b[i]) {
            if b[i] == 0x0A { line += 1 }
            i += 1
        }
    }

    /// A name at `i`; nil when there is none or it starts with a character names cannot start with.
    private mutating func name() -> Range<Int>? {
        let start = i
        guard i < b.count, CEBByteScanner.isNameByte(b[i]), !(b[i] >= 0x30 && b[i] <= 0x39), b[i] != 0x2D, b[i] != 0x2E else { return nil }
        while i < b.count, CEBByteScanner.isNameByte(b[i]) { i += 1 }
        return start..<i
    }

    private mutating func string(_ r: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[r]), as: UTF8.self)
    }

    /// The local part of a qualified name, interned: a message repeats a few dozen names.
    private mutating func localName(_ q: Range<Int>) -> String? {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 // FNV-1a
        for k in q { hash = (hash ^ UInt64(b[k])) &* 0x100_0000_01b3 }
        if let hit = names[hash], hit.generation == prefixGeneration, hit.qname.count == q.count,
           hit.qname.withUnsafeBufferPointer({ memcmp($0.baseAddress!, b.baseAddress! + q.lowerBound, q.count) == 0 }) {
            return hit.local
        }
        var start = q.lowerBound
        var colons = 0
        for k in q where b[k] == 0x3A {
            colons += 1
            start = k + 1
        }
        guard colons <= 1, start < q.upperBound, start > q.lowerBound || colons == 0 else { return nil }
        if colons == 1 {
            // The prefix must be declared (libxml2 reports an undeclared one).
            let prefix = Array(b[q.lowerBound..<(start - 1)])
            guard prefixes.contains(prefix) else { return nil }
        }
        let local = string(start..<q.upperBound)
        names[hash] = (Array(b[q]), local, prefixGeneration)
        return local
    }

    private func sameBytes(_ x: Range<Int>, _ y: Range<Int>) -> Bool {
        x.count == y.count && memcmp(b.baseAddress! + x.lowerBound, b.baseAddress! + y.lowerBound, x.count) == 0
    }

    // MARK: Document

    private mutating func document() -> Result? {
        if starts("\u{FEFF}", at: 0) { i = 3 }
        if starts("<?xml", at: i), CEBByteScanner.isSpace(at(i + 5)) {
            guard declaration() else { return nil }
        }
        guard misc() else { return nil }
        guard at(i) == UInt8(ascii: "<"), element(depth: 0) else { return nil }
        guard misc(), i == b.count else { return nil }
        return Result(messageType: messageType, guid: guid, records: records, blockCounts: blockCounts)
    }

    /// `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`: only UTF-8 (or none) stays here.
    private mutating func declaration() -> Bool {
        i += 5
        var sawVersion = false
        while true {
            skipSpace()
            if starts("?>", at: i) { i += 2; return sawVersion }
            guard let n = name() else { return false }
            skipSpace()
            guard at(i) == UInt8(ascii: "=") else { return false }
            i += 1
            skipSpace()
            let q = at(i)
            guard q == 0x22 || q == 0x27 else { return false }
            let start = i + 1
            guard let end = (start..<b.count).first(where: { b[$0] == q }) else { return false }
            let value = string(start..<end).lowercased()
            switch string(n) {
            case "version": guard value == "1.0" else { return false }; sawVersion = true
            case "encoding": guard sawVersion, value == "utf-8" || value == "utf8" else { return false }
            case "standalone": guard sawVersion, value == "yes" || value == "no" else { return false }
            default: return false
            }
            i = end + 1
            guard CEBByteScanner.isSpace(at(i)) || starts("?>", at: i) else { return false }
        }
    }

    /// White space, comments and processing instructions between the prolog, the root and the end.
    private mutating func misc() -> Bool {
        while true {
            skipSpace()
            if starts("<!--", at: i) { guard comment() else { return false } }
            else if starts("<?", at: i) { guard processingInstruction() else { return false } }
            else { return true }
        }
    }

    private mutating func comment() -> Bool {
        i += 4
        while i + 2 < b.count {
            if b[i] == 0x2D && b[i + 1] == 0x2D {
                guard b[i + 2] == UInt8(ascii: ">") else { return false }
                i += 3
                return true
            }
            if b[i] == 0x0A { line += 1 }
            i += 1
        }
        return false
    }

    private mutating func processingInstruction() -> Bool {
        i += 2
        guard let target = name() else { return false }
        if string(target).lowercased() == "xml" { return false }
        while i + 1 < b.count {
            if b[i] == UInt8(ascii: "?") && b[i + 1] == UInt8(ascii: ">") { i += 2; return true }
            if b[i] == 0x0A { line += 1 }
            i += 1
        }
        return false
    }

    /// One element at `i` (which is `<`), with everything in it.
    private mutating func element(depth: Int) -> Bool {
        i += 1
        guard let qname = name() else { return false }
        // Attributes: declared prefixes come first, as they may qualify the element's own name.
        var attributes: [(Range<Int>, [UInt8])] = []
        var declared = 0
        var selfClosing = false
        while true {
            let hadSpace = i < b.count && CEBByteScanner.isSpace(b[i])
            skipSpace()
            if at(i) == UInt8(ascii: ">") { i += 1; break }
            if starts("/>", at: i) { i += 2; selfClosing = true; break }
            guard hadSpace, let n = name() else { return false }
            skipSpace()
            guard at(i) == UInt8(ascii: "=") else { return false }
            i += 1
            skipSpace()
            guard let value = attributeValue() else { return false }
            let nameBytes = b[n]
            if attributes.contains(where: { b[$0.0].elementsEqual(nameBytes) }) { return false }
            attributes.append((n, value))
            if nameBytes.starts(with: "xmlns:".utf8) {
                prefixes.append(Array(nameBytes.dropFirst(6)))
                prefixGeneration += 1
                declared += 1
            }
        }
        for (n, _) in attributes where b[n].contains(0x3A) && !b[n].starts(with: "xmlns:".utf8) {
            let colon = b[n].firstIndex(of: 0x3A)!
            guard prefixes.contains(Array(b[n.lowerBound..<colon])) else { return false }
        }
        guard let local = localName(qname) else { return false }

        if depth == 0 {
            guard local.hasPrefix("CEB"), local.hasSuffix("Message") else { return false } // DxpMsg and foreign roots: libxml2 path
            messageType = String(local.dropLast("Message".count))
            if let g = attributes.first(where: { string($0.0) == "guid" }) { guid = String(decoding: g.1, as: UTF8.self) }
        } else {
            stack[stack.count - 1].hasChildren = true
            if depth == 1 { blockCounts[local, default: 0] += 1 }
        }
        stack.append(Node(qname: qname, name: local, line: line, declaredPrefixes: declared))
        if !selfClosing {
            guard content() else { return false }
            // `content` stopped at `</`.
            i += 2
            guard let end = name(), sameBytes(end, qname) else { return false }
            skipSpace()
            guard at(i) == UInt8(ascii: ">") else { return false }
            i += 1
        }
        close(depth: depth)
        return true
    }

    private mutating func attributeValue() -> [UInt8]? {
        let q = at(i)
        guard q == 0x22 || q == 0x27 else { return nil }
        i += 1
        var out: [UInt8] = []
        while i < b.count {
            let c = b[i]
            if c == q { i += 1; return out }
            if c == UInt8(ascii: "<") { return nil }
            if c == UInt8(ascii: "&") { guard reference(into: &out) else { return nil }; continue }
            if c < 0x20 {
                guard c == 0x09 || c == 0x0A || c == 0x0D else { return nil }
                if c == 0x0A { line += 1 }
                out.append(0x20) // attribute value normalisation
                i += 1
                continue
            }
            out.append(c)
            i += 1
        }
        return nil
    }

    /// `&…;` at `i`: the five predefined entities and character references.
    private mutating func reference(into out: inout [UInt8]) -> Bool {
        guard let semi = (i + 1..<min(b.count, i + 12)).first(where: { b[$0] == UInt8(ascii: ";") }) else { return false }
        let body = b[(i + 1)..<semi]
        var scalar: UInt32?
        switch String(decoding: body, as: UTF8.self) {
        case "lt": scalar = 0x3C
        case "gt": scalar = 0x3E
        case "amp": scalar = 0x26
        case "apos": scalar = 0x27
        case "quot": scalar = 0x22
        case let ref where ref.hasPrefix("#x"): scalar = UInt32(ref.dropFirst(2), radix: 16)
        case let ref where ref.hasPrefix("#"): scalar = UInt32(ref.dropFirst(), radix: 10)
        default: return false
        }
        guard let v = scalar, let u = Unicode.Scalar(v), v == 0x09 || v == 0x0A || v == 0x0D || (v >= 0x20 && v != 0xFFFE && v != 0xFFFF) else { return false }
        out.append(contentsOf: Character(u).utf8)
        i = semi + 1
        return true
    }

    /// Text and child nodes up to this element's end tag.
    private mutating func content() -> Bool {
        let depth = stack.count
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "<") {
                let n = at(i + 1)
                if n == UInt8(ascii: "/") { return true }
                if n == UInt8(ascii: "!") {
                    if starts("<!--", at: i) { guard comment() else { return false }; continue }
                    if starts("<![CDATA[", at: i) { guard cdata() else { return false }; continue }
                    return false
                }
                if n == UInt8(ascii: "?") { guard processingInstruction() else { return false }; continue }
                guard element(depth: depth) else { return false }
                continue
            }
            // A run of text: kept only while the element has no child elements (a leaf).
            let start = i
            var plain = true
            while i < b.count {
                let t = b[i]
                if t == UInt8(ascii: "<") || t == UInt8(ascii: "&") { break }
                if t < 0x20 {
                    guard t == 0x09 || t == 0x0A || t == 0x0D else { return false }
                    if t == 0x0A { line += 1 } else if t == 0x0D { plain = false }
                } else if t == UInt8(ascii: ">"), i >= 2, b[i - 1] == UInt8(ascii: "]"), b[i - 2] == UInt8(ascii: "]") {
                    return false
                }
                i += 1
            }
            if !stack[stack.count - 1].hasChildren, i > start {
                if plain { appendText(start..<i) } else { appendText(CEBByteScanner.normaliseLineEnds(b[start..<i])) }
            }
            if i < b.count, b[i] == UInt8(ascii: "&") {
                var out: [UInt8] = []
                guard reference(into: &out) else { return false }
                if !stack[stack.count - 1].hasChildren { appendText(out) }
            }
        }
        return false
    }

    private mutating func cdata() -> Bool {
        i += 9
        let start = i
        while i + 2 < b.count {
            if b[i] == UInt8(ascii: "]") && b[i + 1] == UInt8(ascii: "]") && b[i + 2] == UInt8(ascii: ">") {
                if !stack[stack.count - 1].hasChildren { appendText(CEBByteScanner.normaliseLineEnds(b[start..<i])) }
                i += 3
                return true
            }
            let c = b[i]
            if c < 0x20 && c != 0x09 && c != 0x0A && c != 0x0D { return false }
            if c == 0x0A { line += 1 }
            i += 1
        }
        return false
    }

    /// Text of the current element: the first plain run stays a range; a second piece copies.
    private mutating func appendText(_ r: Range<Int>) {
        let top = stack.count - 1
        if stack[top].textRange == nil && stack[top].text == nil {
            stack[top].textRange = r
        } else {
            appendText(Array(b[r]))
        }
    }

    private mutating func appendText(_ bytes: [UInt8]) {
        let top = stack.count - 1
        var text = stack[top].text ?? []
        if let r = stack[top].textRange {
            text += b[r]
            stack[top].textRange = nil
        }
        text += bytes
        stack[top].text = text
    }

    /// XML reads CR LF and a lone CR as LF.
    private static func normaliseLineEnds(_ s: Slice<UnsafeBufferPointer<UInt8>>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var k = s.startIndex
        while k < s.endIndex {
            if s[k] == 0x0D {
                out.append(0x0A)
                if k + 1 < s.endIndex, s[k + 1] == 0x0A { k += 1 }
            } else {
                out.append(s[k])
            }
            k += 1
        }
        return out
    }

    /// Builds fields, groups and records as the XMLParser path does (see `RecordCollector`).
    private mutating func close(depth: Int) {
        let node = stack.removeLast()
        if node.declaredPrefixes > 0 {
            prefixes.removeLast(node.declaredPrefixes)
            prefixGeneration += 1
        }
        if depth == 0 { return }
        if !node.hasChildren {
            let value: String
            if let r = node.textRange { value = trimmed(r) } else if let t = node.text { value = CEBByteScanner.trimmed(t) } else { value = "" }
            stack[stack.count - 1].fields.append((node.name, value))
            return
        }
        if depth == 1 {
            if CEBReader.envelopeBlocks.contains(node.name) { return }
            records.append(CEBRecord.assemble(name: node.name, line: node.line, fields: node.fields, groups: node.groups, source: source,
                                              messageType: messageType, messageGuid: guid, digest: digest))
        } else {
            stack[stack.count - 1].groups.append(CEBGroup(name: node.name, line: node.line, fields: node.fields))
        }
    }

    private func trimmed(_ r: Range<Int>) -> String {
        var lo = r.lowerBound, hi = r.upperBound
        while lo < hi, CEBByteScanner.isSpace(b[lo]) { lo += 1 }
        while hi > lo, CEBByteScanner.isSpace(b[hi - 1]) { hi -= 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: b[lo..<hi]), as: UTF8.self)
    }

    private static func trimmed(_ text: [UInt8]) -> String {
        var lo = 0, hi = text.count
        while lo < hi, isSpace(text[lo]) { lo += 1 }
        while hi > lo, isSpace(text[hi - 1]) { hi -= 1 }
        return String(decoding: text[lo..<hi], as: UTF8.self)
    }
}
