import Foundation
#if canImport(Glibc)
import Glibc
#endif
import KuajingDomain

/// Reads a claims ledger from a CSV file (UTF-8, optional BOM, header row, RFC 4180 quoting) or a
/// JSON array of objects. Either the whole ledger is valid and returned, or `LedgerError` lists
/// the problems with file, line and column and nothing is returned.
public enum LedgerReader {
    public static func read(path: String, matterKeys: [String], divisions: DivisionCatalog = .standard) throws -> ClaimsLedger {
        let bytes = try readFile(path)
        var start = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
        var i = start
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        if i < bytes.count && bytes[i] == UInt8(ascii: "[") || path.lowercased().hasSuffix(".json") {
            return try JSONLedgerReader.read(bytes, source: path, matterKeys: matterKeys, divisions: divisions)
        }
        // Hand the buffer over without a copy: the CSV reader unescapes quoted fields in place.
        return try CSVLedgerReader.read(consume bytes, source: path, matterKeys: matterKeys, divisions: divisions)
    }

    /// A JSON ledger given as bytes (a request body); `source` names it in every problem.
    public static func readJSON(_ bytes: [UInt8], source: String, matterKeys: [String], divisions: DivisionCatalog = .standard) throws -> ClaimsLedger {
        try JSONLedgerReader.read(bytes, source: source, matterKeys: matterKeys, divisions: divisions)
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        // Read straight into one array (no intermediate Data copy): ledgers can be hundreds of MB.
        let fd = Glibc.open(path, O_RDONLY)
        guard fd >= 0 else {
            throw LedgerError(problems: [.init(file: path, line: 0, column: 0, field: "-", message: "无法打开文件")], truncated: false)
        }
        defer { Glibc.close(fd) }
        var info = stat()
        let size = fstat(fd, &info) == 0 ? Int(info.st_size) : 0
        var failed = false
        var bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            var done = 0
            while done < size {
                let n = Glibc.read(fd, buffer.baseAddress! + done, size - done)
                if n <= 0 { failed = n < 0; break }
                done += n
            }
            count = done
        }
        if failed {
            throw LedgerError(problems: [.init(file: path, line: 0, column: 0, field: "-", message: "读取文件失败")], truncated: false)
        }
        // A file that grew while being read (or a pipe) is read to its end.
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return bytes
    }
}

/// The CSV path: one pass over the bytes, fields found by scanning for `,` `"` and newlines.
/// Quoted fields with doubled quotes are unescaped in place (the result is never longer).
enum CSVLedgerReader {
    /// A cursor over the bytes of a CSV file; `next` fills `fields` with the ranges of one record.
    struct Scanner {
        let p: UnsafeMutablePointer<UInt8>
        let n: Int
        var i: Int
        var line = 1
        var fields: UnsafeMutableBufferPointer<ByteRange>
        var count = 0
        var problem: (line: Int, column: Int, message: String)?

        init(_ p: UnsafeMutablePointer<UInt8>, _ n: Int) {
            self.p = p
            self.n = n
            i = (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) ? 3 : 0
            fields = .allocate(capacity: 64)
        }

        func release() { fields.deallocate() }

        mutating func append(_ r: ByteRange) {
            if count == fields.count {
                let bigger = UnsafeMutableBufferPointer<ByteRange>.allocate(capacity: fields.count * 2)
                _ = bigger.initialize(from: fields)
                fields.deallocate()
                fields = bigger
            }
            fields[count] = r
            count += 1
        }

        /// Scans one record; false at the end of the input.
        mutating func next() -> Bool {
            count = 0
            if i >= n { return false }
            while true {
                if p[i] == UInt8(ascii: "\"") {
                    // Quoted field: copy its content down over the opening quote, unescaping "".
                    let startLine = line
                    let start = i
                    var w = i
                    i += 1
                    var closed = false
                    while i < n {
                        let c = p[i]
                        if c == UInt8(ascii: "\"") {
                            if i + 1 < n && p[i + 1] == UInt8(ascii: "\"") { p[w] = c; w += 1; i += 2; continue }
                            i += 1
                            closed = true
                            break
                        }
                        if c == 0x0A { line += 1 }
                        p[w] = c
                        w += 1
                        i += 1
                    }
                    if !closed && problem == nil { problem = (startLine, count + 1, "引号未闭合") }
                    append(ByteRange(offset: start, length: w - start))
                } else {
                    let start = i
                    while i < n {
                        let c = p[i]
                        if c == UInt8(ascii: ",") || c == 0x0A || c == 0x0D { break }
                        i += 1
                    }
                    append(ByteRange(offset: start, length: i - start))
                }
                if i >= n { return true }
                let c = p[i]
                if c == UInt8(ascii: ",") {
                    i += 1
                    if i >= n { append(ByteRange(offset: i, length: 0)); return true }
                    continue
                }
                if c == 0x0D {
                    i += 1
                    if i < n && p[i] == 0x0A { i += 1 }
                } else if c == 0x0A {
                    i += 1
                } else {
                    if problem == nil { problem = (line, count, "引号后出现多余字符") }
                    while i < n && p[i] != 0x0A { i += 1 }
                    if i < n { i += 1 }
                }
                line += 1
                return true
            }
        }
    }

    static func read(_ input: consuming [UInt8], source: String, matterKeys: [String], divisions: DivisionCatalog) throws -> ClaimsLedger {
        var bytes = input
        // Size the tables once: one row per newline.
        let expectedRows = max(16, bytes.withUnsafeBufferPointer { p in
            var lines = 0
            var q = p.baseAddress!
            let end = p.baseAddress! + p.count
            while q < end, let hit = memchr(q, 0x0A, end - q) {
                lines += 1
                q = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) + 1
            }
            return lines
        })
        if bytes.isEmpty { bytes.append(0x0A) }
        var builder: LedgerBuilder?
        var syntax: LedgerError.Problem?
        bytes.withUnsafeMutableBufferPointer { buf in
            var scanner = Scanner(buf.baseAddress!, buf.count)
            defer { scanner.release() }
            guard scanner.next(), !(scanner.count == 1 && scanner.fields[0].isEmpty) else {
                syntax = .init(file: source, line: 1, column: 0, field: "-", message: "文件为空，缺少表头")
                return
            }
            let base = UnsafePointer(buf.baseAddress!)
            let header = (0..<scanner.count).map { k in
                let r = scanner.fields[k]
                return String(decoding: UnsafeBufferPointer(start: base + r.offset, count: r.length), as: UTF8.self).trimmingSpaces
            }
            var b = LedgerBuilder(source: source, header: header, headerLine: 1, matterKeys: matterKeys,
                                  divisions: divisions, expectedRows: expectedRows)
            defer { builder = b }
            guard b.isHeaderValid else { return }
            while true {
                let recordLine = scanner.line
                guard scanner.next() else { break }
                if let p = scanner.problem {
                    syntax = .init(file: source, line: p.line, column: p.column, field: "?", message: p.message)
                    return
                }
                if scanner.count == 1 && scanner.fields[0].isEmpty { continue } // blank line
                if scanner.count != header.count {
                    b.problem(recordLine, scanner.count - 1, "本行有 \(scanner.count) 列，表头有 \(header.count) 列", column: min(scanner.count, header.count))
                } else {
                    b.addRow(base, UnsafeBufferPointer(start: scanner.fields.baseAddress, count: scanner.count), line: recordLine)
                }
                if b.shouldStop { break }
            }
        }
        if let syntax { throw LedgerError(problems: [syntax], truncated: false) }
        return try builder!.finish(storage: bytes)
    }
}
