import Foundation
#if canImport(Glibc)
import Glibc
#endif
import KuajingDomain

/// Reads a claims ledger from a CSV file (UTF-8, optional BOM, header row, RFC 4180 quoting) or a
/// JSON array of objects. Either the whole ledger is valid and returned, or `LedgerError` lists
/// the problems with file, line and column and nothing is returned.
public enum LedgerReader {
    /// `threads`: a CSV ledger of more than a few megabytes is read in that many parts at once;
    /// the result, and every problem reported, is the same as reading it front to back.
    public static func read(path: String, matterKeys: [String], divisions: DivisionCatalog = .standard,
                            threads: Int = UsableCores.count) throws -> ClaimsLedger {
        var timer = PhaseTimer()
        let bytes = try load(path)
        timer.mark("load file")
        let b = bytes.buffer
        var start = 0
        if b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { start = 3 }
        var i = start
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
        if i < b.count && b[i] == UInt8(ascii: "[") || path.lowercased().hasSuffix(".json") {
            return try JSONLedgerReader.read(Array(b), source: path, matterKeys: matterKeys, divisions: divisions)
        }
        return try CSVLedgerReader.read(bytes, source: path, matterKeys: matterKeys, divisions: divisions, threads: threads)
    }

    /// A JSON ledger given as bytes (a request body); `source` names it in every problem.
    public static func readJSON(_ bytes: [UInt8], source: String, matterKeys: [String], divisions: DivisionCatalog = .standard) throws -> ClaimsLedger {
        try JSONLedgerReader.read(bytes, source: source, matterKeys: matterKeys, divisions: divisions)
    }

    /// A regular file is mapped; anything else (a pipe, an empty file) is read into memory.
    static func load(_ path: String) throws -> LedgerBytes {
        let fd = Glibc.open(path, O_RDONLY)
        guard fd >= 0 else {
            throw LedgerError(problems: [.init(file: path, line: 0, column: 0, field: "-", message: "无法打开文件")], truncated: false)
        }
        var info = stat()
        let regular = fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
        let size = regular ? Int(info.st_size) : 0
        let mapped = regular ? LedgerBytes(mapping: fd, size: size) : nil
        Glibc.close(fd)
        if let mapped { return mapped }
        return LedgerBytes(copying: try readFile(path))
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
        /// No record starts at or after `stop` (a part's end); one that starts before it is read whole.
        var stop: Int
        var line = 1
        /// Whether quoted fields with "" may be unescaped in place; when not, such a field sets
        /// `aborted` and ends the scan.
        var writes = true
        var aborted = false
        var fields: UnsafeMutableBufferPointer<ByteRange>
        var count = 0
        var problem: (line: Int, column: Int, message: String)?

        init(_ p: UnsafeMutablePointer<UInt8>, _ n: Int) {
            self.p = p
            self.n = n
            i = (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) ? 3 : 0
            stop = n
            fields = .allocate(capacity: 64)
        }

        /// A scanner over the records that start in `start..<stop`, counting lines from `line`.
        init(_ p: UnsafeMutablePointer<UInt8>, _ n: Int, start: Int, stop: Int, line: Int, writes: Bool) {
            self.init(p, n)
            i = start
            self.stop = stop
            self.line = line
            self.writes = writes
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
            if i >= stop { return false }
            while true {
                if p[i] == UInt8(ascii: "\"") {
                    // Quoted field. Without "" inside, its range is its content where it lies (nothing
                    // written); with "", the content is copied down over the opening quote, unescaped,
                    // unless writing is off (a part read beside others), which stops the scan.
                    let startLine = line
                    let start = i
                    i += 1
                    var closed = false
                    var escaped = false
                    while i < n {
                        let c = p[i]
                        if c == UInt8(ascii: "\"") {
                            if i + 1 < n && p[i + 1] == UInt8(ascii: "\"") { escaped = true; break }
                            closed = true
                            break
                        }
                        if c == 0x0A { line += 1 }
                        i += 1
                    }
                    if escaped {
                        guard writes else {
                            aborted = true
                            return false
                        }
                        i = start + 1
                        line = startLine
                        var w = start
                        while i < n {
                            let c = p[i]
                            if c == UInt8(ascii: "\"") {
                                if i + 1 < n && p[i + 1] == UInt8(ascii: "\"") { p[w] = c; w += 1; i += 2; continue }
                                closed = true
                                break
                            }
                            if c == 0x0A { line += 1 }
                            p[w] = c
                            w += 1
                            i += 1
                        }
                        append(ByteRange(offset: start, length: w - start))
                    } else {
                        append(ByteRange(offset: start + 1, length: i - start - 1))
                    }
                    if closed { i += 1 }
                    if !closed && problem == nil { problem = (startLine, count + 1, "引号未闭合") }
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

    /// One part of the body: the rows of the records that start in it, where its scanner ended, and
    /// its first syntax error. Lines count from `firstLine` (0 for a part read before its start line
    /// is known: its lines are shifted when the parts are joined).
    struct Part {
        var builder: LedgerBuilder
        var end: Int
        var endLine: Int
        var syntax: LedgerError.Problem?
        /// Met a quoted field with "" while not allowed to write: to be read again, alone.
        var aborted = false
    }

    static func readPart(_ base: UnsafeMutablePointer<UInt8>, _ n: Int, start: Int, stop: Int, firstLine: Int, writes: Bool,
                         source: String, header: [String], matterKeys: [String], divisions: DivisionCatalog, expectedRows: Int) -> Part {
        var scanner = Scanner(base, n, start: start, stop: stop, line: firstLine, writes: writes)
        defer { scanner.release() }
        var b = LedgerBuilder(source: source, header: header, headerLine: 1, matterKeys: matterKeys,
                              divisions: divisions, expectedRows: expectedRows)
        let constBase = UnsafePointer(base)
        while true {
            let recordLine = scanner.line
            guard scanner.next() else {
                if scanner.aborted { return Part(builder: b, end: scanner.i, endLine: scanner.line, syntax: nil, aborted: true) }
                break
            }
            if let p = scanner.problem {
                return Part(builder: b, end: scanner.i, endLine: scanner.line,
                            syntax: .init(file: source, line: p.line, column: p.column, field: "?", message: p.message))
            }
            if scanner.count == 1 && scanner.fields[0].isEmpty { continue } // blank line
            if scanner.count != header.count {
                b.problem(recordLine, scanner.count - 1, "本行有 \(scanner.count) 列，表头有 \(header.count) 列", column: min(scanner.count, header.count))
            } else {
                b.addRow(constBase, UnsafeBufferPointer(start: scanner.fields.baseAddress, count: scanner.count), line: recordLine)
            }
            if b.shouldStop { break }
        }
        return Part(builder: b, end: scanner.i, endLine: scanner.line, syntax: nil)
    }

    /// Parts start after a line break near equal shares of the body. A part is read on a guess that a
    /// record starts there; the guess is checked against where the part before it ended (a quoted
    /// field may span the break), and a part guessed wrong is read again from the right place.
    static func read(_ input: LedgerBytes, source: String, matterKeys: [String], divisions: DivisionCatalog, threads: Int,
                     minimumPartBytes: Int = 4 << 20) throws -> ClaimsLedger {
        let bytes = input.count == 0 ? LedgerBytes(copying: [0x0A]) : input
        var timer = PhaseTimer()
        // Size the tables once: one row per newline.
        let expectedRows = max(16, { (p: UnsafeMutableBufferPointer<UInt8>) -> Int in
            var lines = 0
            var q = UnsafePointer(p.baseAddress!)
            let end = q + p.count
            while q < end, let hit = memchr(q, 0x0A, end - q) {
                lines += 1
                q = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) + 1
            }
            return lines
        }(bytes.buffer))
        let buf = bytes.buffer
        let base = buf.baseAddress!, n = buf.count
        var scanner = Scanner(base, n)
        defer { scanner.release() }
        guard scanner.next(), !(scanner.count == 1 && scanner.fields[0].isEmpty) else {
            throw LedgerError(problems: [.init(file: source, line: 1, column: 0, field: "-", message: "文件为空，缺少表头")], truncated: false)
        }
        let header = (0..<scanner.count).map { k in
            let r = scanner.fields[k]
            return String(decoding: UnsafeBufferPointer(start: base + r.offset, count: r.length), as: UTF8.self).trimmingSpaces
        }
        var headerCheck = LedgerBuilder(source: source, header: header, headerLine: 1, matterKeys: matterKeys,
                                        divisions: divisions, expectedRows: 0)
        guard headerCheck.isHeaderValid else { return try headerCheck.finish(storage: bytes) }
        let bodyStart = scanner.i, bodyLine = scanner.line
        // Part boundaries: just after a line break at or past each equal share.
        var guesses = [bodyStart]
        let partCount = max(1, min(threads, (n - bodyStart) / minimumPartBytes))
        for k in 1..<partCount {
            var q = bodyStart + (n - bodyStart) * k / partCount
            while q < n && base[q - 1] != 0x0A { q += 1 }
            if q < n && q > guesses.last! { guesses.append(q) }
        }
        let starts = guesses
        let stops = Array(starts.dropFirst()) + [n]
        let share = expectedRows / starts.count + 16
        let alone = starts.count == 1
        let shared = Pointer(base: base)
        var parts = [Part?](repeating: nil, count: starts.count)
        parts.withUnsafeMutableBufferPointer { slots in
            let slotsPointer = PartSlots(base: slots.baseAddress!)
            // Beside each other, parts only read the bytes (no unescaping in place).
            DispatchQueue.concurrentPerform(iterations: starts.count) { k in
                slotsPointer.base[k] = readPart(shared.base, n, start: starts[k], stop: stops[k], firstLine: k == 0 ? bodyLine : 0, writes: alone,
                                                source: source, header: header, matterKeys: matterKeys, divisions: divisions,
                                                expectedRows: k == 0 ? expectedRows : share)
            }
        }
        timer.mark("parts (\(starts.count))")
        // Take the parts in order, checking each part's start against where the one before it ended;
        // a part that started in the wrong place, or stopped at a "" it could not unescape, is read
        // again. Reading stops after a syntax error or at the problem limit, as front to back would.
        var taken: [(part: Part, shift: Int)] = []
        var end = bodyStart, endLine = bodyLine, problemCount = 0
        for k in 0..<starts.count {
            if let last = taken.last, last.part.syntax != nil || problemCount >= LedgerBuilder.maxProblems { break }
            var part = parts[k]!
            parts[k] = nil
            var shift = k == 0 ? 0 : endLine
            if part.aborted || end != starts[k] {
                part = readPart(base, n, start: end, stop: stops[k], firstLine: endLine, writes: true,
                                source: source, header: header, matterKeys: matterKeys, divisions: divisions,
                                expectedRows: k == 0 ? expectedRows : share)
                shift = 0
            }
            if var s = part.syntax {
                s.line += shift
                part.syntax = s
            }
            end = part.end
            endLine = part.endLine + shift
            problemCount += part.builder.problems.count
            taken.append((part, shift))
        }
        let syntax = taken.last!.part.syntax
        let shifts = taken.map { Int32($0.shift) }
        var builders: [LedgerBuilder] = []
        for t in taken { builders.append(t.part.builder) }
        taken.removeAll() // each part's columns now held once, so they grow without a copy
        var builder: LedgerBuilder
        if syntax == nil && builders.allSatisfy({ $0.problems.isEmpty }) {
            // The common case, a clean file: joined on every core.
            builder = LedgerBuilder.join(&builders, lineShifts: shifts, base: UnsafePointer(base), threads: threads)
        } else {
            // With problems, part after part: the problem limit cuts rows as front to back would.
            builder = builders.removeFirst()
            for k in builders.indices { builder.append(&builders[k], lineShift: shifts[k + 1], base: UnsafePointer(base)) }
        }
        timer.mark("join")
        if let s = syntax, !builder.reachedLimit(before: s.line) { throw LedgerError(problems: [s], truncated: false) }
        defer { timer.mark("duplicate ids") }
        return try builder.finish(storage: bytes, threads: threads)
    }

    /// Addresses shared by the threads that read disjoint parts of one buffer.
    struct Pointer: @unchecked Sendable { let base: UnsafeMutablePointer<UInt8> }
    struct PartSlots: @unchecked Sendable { let base: UnsafeMutablePointer<Part?> }
}
