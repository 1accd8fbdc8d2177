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
        return try CSVLedgerReader.read(bytes, source: path, matterKeys: matterKeys, divisions: divisions)
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
    static func read(_ input: [UInt8], source: String, matterKeys: [String], divisions: DivisionCatalog) throws -> ClaimsLedger {
        var bytes = input
        var builder: LedgerBuilder?
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
        var problems: [LedgerError.Problem] = []
        bytes.withUnsafeMutableBufferPointer { buf in
            let p = buf.baseAddress!
            let n = buf.count
            var i = (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) ? 3 : 0
            var line = 1
            var fields: [ByteRange] = []
            fields.reserveCapacity(16)

            /// Scans one record starting at `i`; returns false at end of input.
            func scanRecord() -> Bool {
                fields.removeAll(keepingCapacity: true)
                if i >= n { return false }
                while true {
                    if i < n && p[i] == UInt8(ascii: "\"") {
                        // Quoted field: copy its content down over the opening quote, unescaping "".
                        let startLine = line
                        var w = i
                        let start = i
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
                        if !closed {
                            problems.append(.init(file: source, line: startLine, column: fields.count + 1, field: "?", message: "引号未闭合"))
                        }
                        fields.append(ByteRange(offset: start, length: w - start))
                    } else {
                        let start = i
                        while i < n {
                            let c = p[i]
                            if c == UInt8(ascii: ",") || c == 0x0A || c == 0x0D { break }
                            i += 1
                        }
                        fields.append(ByteRange(offset: start, length: i - start))
                    }
                    if i >= n { return true }
                    let c = p[i]
                    if c == UInt8(ascii: ",") { i += 1; continue }
                    if c == 0x0D { i += 1; if i < n && p[i] == 0x0A { i += 1 } } else if c == 0x0A { i += 1 }
                    else {
                        // Text after a closing quote.
                        problems.append(.init(file: source, line: line, column: fields.count, field: "?", message: "引号后出现多余字符"))
                        while i < n && p[i] != 0x0A { i += 1 }
                        if i < n { i += 1 }
                    }
                    line += 1
                    return true
                }
            }

            guard scanRecord() else {
                problems.append(.init(file: source, line: 1, column: 0, field: "-", message: "文件为空，缺少表头"))
                return
            }
            let header = fields.map { r in
                String(decoding: UnsafeBufferPointer(start: p + r.offset, count: r.length), as: UTF8.self).trimmingSpaces
            }
            var b = LedgerBuilder(source: source, header: header, headerLine: 1, matterKeys: matterKeys,
                                  divisions: divisions, expectedRows: expectedRows)
            guard b.isHeaderValid else { builder = b; return }
            while true {
                let recordLine = line
                guard scanRecord() else { break }
                if fields.count == 1 && fields[0].isEmpty { continue } // blank line
                if fields.count != header.count {
                    b.problem(recordLine, fields.count - 1, "本行有 \(fields.count) 列，表头有 \(header.count) 列", column: min(fields.count, header.count))
                } else {
                    fields.withUnsafeBufferPointer { b.addRow(UnsafePointer(p), $0, line: recordLine) }
                }
                if b.shouldStop || !problems.isEmpty { break }
            }
            builder = b
        }
        if !problems.isEmpty { throw LedgerError(problems: problems, truncated: false) }
        return try builder!.finish(storage: bytes)
    }
}
