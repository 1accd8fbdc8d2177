import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import KuajingDomain

/// Turns rows of raw fields into a `ClaimsLedger`, validating each field against the claims
/// contract (shared/spec/claims.md). The CSV and the JSON readers both feed it, so both enforce
/// the same rules with the same messages.
struct LedgerBuilder {
    static let requiredColumns = ["claim_id", "enterprise_id", "district", "matter", "date", "amount"]
    static let knownColumns = requiredColumns + ["enterprise_name", "applicant_type"]
    static let maxProblems = 50

    var ledger: ClaimsLedger
    let divisions: DivisionCatalog
    let header: [String]
    let attributeColumns: [(name: String, position: Int)]
    /// Positions of the fixed columns (required ones are present once the header is valid).
    let claimIDColumn, enterpriseColumn, districtColumn, matterColumn, dateColumn, amountColumn: Int
    let nameColumn, applicantColumn: Int?
    var problems: [LedgerError.Problem] = []
    /// Column of each accepted row's claim_id, for records only (a CSV column is the field number).
    private var claimColumns: [Int32] = []
    /// `ByteInterner.hash` of each accepted row's claim_id, taken while its bytes are at hand, for the
    /// duplicate check in `finish`.
    private var claimHashes: [UInt64] = []
    var truncated = false

    private var enterprises: ByteInterner
    /// The applicants of the whole file when parts were joined by `join` (the table then holds only
    /// the first part's); no row is added after a join.
    private var joinedEnterpriseKeys: [ByteRange]?
    /// The previous row's applicant id, to skip the table when rows of one applicant follow each other.
    private var lastEnterprise = ByteRange.empty
    private var lastEnterpriseIndex: Int32 = -1
    private var districtCache = FewValuesInterner()
    private var districtOf: [Int16] = []
    private var matterCache = FewValuesInterner()
    private var matterOf: [Int32] = []
    private var applicantCache = FewValuesInterner()
    private var applicantOf: [Int16] = []
    private let matterIndex: [String: Int32]

    init(source: String, header: [String], headerLine: Int, matterKeys: [String],
         divisions: DivisionCatalog, expectedRows: Int) {
        ledger = ClaimsLedger(source: source, storage: LedgerBytes(copying: []), matterKeys: matterKeys)
        self.divisions = divisions
        self.header = header
        var columns: [String: Int] = [:]
        var attributes: [(String, Int)] = []
        var seen = Set<String>()
        for (i, name) in header.enumerated() {
            if seen.contains(name) {
                problems.append(.init(file: source, line: headerLine, column: i + 1, field: name, message: "表头中列名重复"))
            }
            seen.insert(name)
            if LedgerBuilder.knownColumns.contains(name) { columns[name] = i } else { attributes.append((name, i)) }
        }
        for required in LedgerBuilder.requiredColumns where columns[required] == nil {
            problems.append(.init(file: source, line: headerLine, column: 0, field: required, message: "缺少必填列“\(required)”"))
        }
        claimIDColumn = columns["claim_id"] ?? 0
        enterpriseColumn = columns["enterprise_id"] ?? 0
        districtColumn = columns["district"] ?? 0
        matterColumn = columns["matter"] ?? 0
        dateColumn = columns["date"] ?? 0
        amountColumn = columns["amount"] ?? 0
        nameColumn = columns["enterprise_name"]
        applicantColumn = columns["applicant_type"]
        attributeColumns = attributes
        for (k, (name, _)) in attributes.enumerated() { ledger.attributeIndex[name] = k }
        ledger.attributeRanges = Array(repeating: [], count: attributes.count)
        enterprises = ByteInterner(expected: max(16, expectedRows / 4))
        matterIndex = Dictionary(uniqueKeysWithValues: matterKeys.enumerated().map { ($1, Int32($0)) })
        reserve(expectedRows)
    }

    mutating func reserve(_ n: Int) {
        ledger.claimID.reserveCapacity(n)
        ledger.enterprise.reserveCapacity(n)
        if nameColumn != nil { ledger.enterpriseName.reserveCapacity(n) }
        ledger.district.reserveCapacity(n)
        ledger.applicant.reserveCapacity(n)
        ledger.matter.reserveCapacity(n)
        ledger.day.reserveCapacity(n)
        ledger.amount.reserveCapacity(n)
        ledger.line.reserveCapacity(n)
        claimHashes.reserveCapacity(n)
    }

    var isHeaderValid: Bool { problems.isEmpty }
    var shouldStop: Bool { problems.count >= LedgerBuilder.maxProblems }

    mutating func problem(_ line: Int, _ position: Int, _ message: String, column: Int? = nil) {
        if problems.count >= LedgerBuilder.maxProblems { truncated = true; return }
        let field = position >= 0 && position < header.count ? header[position] : "?"
        problems.append(.init(file: ledger.source, line: line, column: column ?? position + 1, field: field, message: message))
    }

    /// Adds one row. `fields[i]` is the range of header column i; `columns`, when given, maps a header
    /// position to the column to report (a character column for JSON; the field number for CSV).
    mutating func addRow(_ base: UnsafePointer<UInt8>, _ fields: UnsafeBufferPointer<ByteRange>, line: Int, columns: [Int]? = nil) {
        let before = problems.count
        func col(_ p: Int) -> Int? { columns.map { $0[p] } }
        func text(_ r: ByteRange) -> String {
            String(decoding: UnsafeBufferPointer(start: base + r.offset, count: r.length), as: UTF8.self)
        }
        func bytes(_ r: ByteRange) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base + r.offset, count: r.length) }

        // claim_id: present (uniqueness is checked over the whole file in `finish`).
        let cp = claimIDColumn
        let cid = fields[cp]
        if cid.isEmpty { problem(line, cp, "claim_id 不能为空", column: col(cp)) }
        // enterprise_id
        let ep = enterpriseColumn
        let eid = fields[ep]
        var enterpriseIndex: Int32 = 0
        if eid.isEmpty { problem(line, ep, "enterprise_id 不能为空", column: col(ep)) } else if lastEnterpriseIndex >= 0
            && eid.length == lastEnterprise.length && bytesEqual(base + eid.offset, base + lastEnterprise.offset, eid.length) {
            enterpriseIndex = lastEnterpriseIndex
        } else {
            enterpriseIndex = enterprises.intern(base, eid).index
            lastEnterprise = eid
            lastEnterpriseIndex = enterpriseIndex
        }
        // district: a name or a 6-digit code of the division catalog.
        let dp = districtColumn
        let (dKey, dNew) = districtCache.intern(base, fields[dp])
        if dNew {
            let name = text(fields[dp]).trimmingSpaces
            districtOf.append(divisions.lookup(name).map { Int16($0.index) } ?? -1)
        }
        let districtIndex = districtOf[Int(dKey)]
        if districtIndex < 0 {
            let name = text(fields[dp])
            let near = Suggestions.closest(to: name, among: divisions.names)
            problem(line, dp, "未知的行政区划“\(name)”" + (near.isEmpty ? "（应为 divisions.csv 中的名称或 6 位代码）" : "，是否指 \(near.joined(separator: " / "))？"), column: col(dp))
        }
        // matter
        let mp = matterColumn
        let (mKey, mNew) = matterCache.intern(base, fields[mp])
        if mNew { matterOf.append(matterIndex[text(fields[mp]).trimmingSpaces] ?? -1) }
        let matterIdx = matterOf[Int(mKey)]
        if matterIdx < 0 {
            let m = text(fields[mp])
            let near = Suggestions.closest(to: m, among: ledger.matterKeys)
            problem(line, mp, "未知的事项“\(m)”" + (near.isEmpty ? "" : "，最接近的事项：\(near.joined(separator: ", "))"), column: col(mp))
        }
        // applicant_type (optional, default enterprise)
        var applicant: UInt8 = 0
        if let ap = applicantColumn, !fields[ap].isEmpty {
            let (aKey, aNew) = applicantCache.intern(base, fields[ap])
            if aNew {
                let t = ApplicantType(rawValue: text(fields[ap]).trimmingSpaces)
                applicantOf.append(t.map { Int16(ApplicantType.allCases.firstIndex(of: $0)!) } ?? -1)
            }
            let a = applicantOf[Int(aKey)]
            if a < 0 {
                problem(line, ap, "未知的申报主体类型“\(text(fields[ap]))”；可用：\(ApplicantType.allCases.map(\.rawValue).joined(separator: ", "))", column: col(ap))
            } else { applicant = UInt8(a) }
        }
        // date
        let tp = dateColumn
        let day = Day.parse(bytes(fields[tp]))
        if day == nil { problem(line, tp, "日期“\(text(fields[tp]))”无效，应为 YYYY-MM-DD 且为真实存在的日期", column: col(tp)) }
        // amount
        let ap = amountColumn
        let amount = Fen.parseYuan(bytes(fields[ap]))
        if amount == nil {
            let raw = text(fields[ap])
            let why = raw.hasPrefix("-") ? "金额不能为负数" : "金额应为不超过两位小数的非负数（单位：元）"
            problem(line, ap, "“\(raw)”：\(why)", column: col(ap))
        }

        guard problems.count == before else { return }
        ledger.claimID.append(cid)
        claimHashes.append(ByteInterner.hash(base, cid))
        if let columns { claimColumns.append(Int32(columns[cp])) }
        ledger.enterprise.append(enterpriseIndex)
        if let c = nameColumn { ledger.enterpriseName.append(fields[c]) }
        ledger.district.append(districtIndex)
        ledger.applicant.append(applicant)
        ledger.matter.append(matterIdx)
        ledger.day.append(day!.ordinal)
        ledger.amount.append(amount!.value)
        ledger.line.append(Int32(line))
        for (k, a) in attributeColumns.enumerated() { ledger.attributeRanges[k].append(fields[a.position]) }
        ledger.count += 1
    }

    /// Appends the rows and problems of the builder of the next part of the same file. Its lines are
    /// shifted by `lineShift`; its applicants join this builder's table in order of first appearance,
    /// so the indices are those that reading the file front to back gives.
    /// Reading stops at the problem limit as front to back would: the rows after the row of the
    /// limit's last problem are left out.
    mutating func append(_ other: inout LedgerBuilder, lineShift: Int32, base: UnsafePointer<UInt8>) {
        let room = LedgerBuilder.maxProblems - problems.count
        if room > 0 && other.problems.count >= room {
            let lastLine = other.problems[room - 1].line
            if other.problems.count > room && other.problems[room].line == lastLine { other.truncated = true }
            other.problems.removeSubrange(room...)
            other.ledger.keepRows(other.ledger.line.firstIndex { Int($0) > lastLine } ?? other.ledger.count)
            other.claimHashes.removeSubrange(other.ledger.count...)
        }
        // Applicants first seen in the rows kept are a prefix of the part's table.
        let used = Int(other.ledger.enterprise.max().map { $0 + 1 } ?? 0)
        let remap = other.enterprises.keys.prefix(used).map { enterprises.intern(base, $0).index }
        ledger.append(other.ledger, enterprises: remap, lineShift: lineShift)
        claimHashes += other.claimHashes
        for var p in other.problems {
            p.line += Int(lineShift)
            problems.append(p)
        }
        truncated = truncated || other.truncated
    }

    /// Joins the builders of consecutive parts of one CSV file in which no part found a problem: the
    /// rows, lines and applicant indices that `append`, part after part, gives, with the work on every
    /// core. The applicants of each later part are looked up in the tables of the parts before it
    /// (reads only, nothing inserted, so the lookups run side by side), those found nowhere take the
    /// next indices in the order the part met them; the columns are then copied side by side, one
    /// column a task. `parts` is emptied, so that the first part's columns grow without a copy.
    static func join(_ parts: inout [LedgerBuilder], lineShifts: [Int32], base: UnsafePointer<UInt8>, threads: Int) -> LedgerBuilder {
        precondition(parts.allSatisfy { $0.problems.isEmpty && $0.claimColumns.isEmpty } && lineShifts.count == parts.count)
        guard parts.count > 1 else { return parts.removeFirst() }
        var timer = PhaseTimer(indent: "    ")
        let shared = SharedBytes(base: base)
        let tables = parts.map(\.enterprises)
        // maps[k][l]: the whole file's index of part k's applicant l (part 0's are its own).
        var keys = tables[0].keys
        var maps: [[Int32]] = [[]]
        for k in 1..<parts.count {
            let local = tables[k].keys
            let earlier = maps
            var map = [Int32](repeating: -1, count: local.count)
            map.withUnsafeMutableBufferPointer { out in
                let slots = SharedSlots(base: out.baseAddress!)
                let chunks = max(1, min(threads * 4, local.count / 8_192))
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    for l in (local.count * c / chunks)..<(local.count * (c + 1) / chunks) {
                        for j in 0..<k {
                            if let x = tables[j].lookup(shared.base, local[l]) {
                                slots.base[l] = j == 0 ? x : earlier[j][Int(x)]
                                break
                            }
                        }
                    }
                }
            }
            for l in map.indices where map[l] < 0 {
                map[l] = Int32(keys.count)
                keys.append(local[l])
            }
            maps.append(map)
        }
        timer.mark("applicants of the later parts")
        // The columns: the first part's arrays, taken out of it so that each is held once, grow by
        // the other parts' rows.
        var tasks: [@Sendable () -> Void] = []
        func grow<T: Sendable>(_ column: WritableKeyPath<LedgerBuilder, [T]>, _ rest: [[T]], _ transform: (@Sendable (Int, [T]) -> [T])? = nil) -> ColumnBox<T> {
            let box = ColumnBox(parts[0][keyPath: column])
            parts[0][keyPath: column] = []
            tasks.append {
                box.values.reserveCapacity(box.values.count + rest.reduce(0) { $0 + $1.count })
                for (k, r) in rest.enumerated() { box.values += transform.map { $0(k + 1, r) } ?? r }
            }
            return box
        }
        let others = parts.dropFirst()
        let finalMaps = maps
        let claimID = grow(\.ledger.claimID, others.map(\.ledger.claimID))
        let names = grow(\.ledger.enterpriseName, others.map(\.ledger.enterpriseName))
        let attributes = (0..<parts[0].ledger.attributeRanges.count).map { a -> ColumnBox<ByteRange> in
            let box = ColumnBox(parts[0].ledger.attributeRanges[a])
            parts[0].ledger.attributeRanges[a] = []
            let rest = others.map { $0.ledger.attributeRanges[a] }
            tasks.append { for r in rest { box.values += r } }
            return box
        }
        let amount = grow(\.ledger.amount, others.map(\.ledger.amount))
        let hashes = grow(\.claimHashes, others.map(\.claimHashes))
        let enterprise = grow(\.ledger.enterprise, others.map(\.ledger.enterprise)) { k, r in
            finalMaps[k].withUnsafeBufferPointer { m in r.map { m[Int($0)] } }
        }
        let line = grow(\.ledger.line, others.map(\.ledger.line)) { k, r in
            let shift = lineShifts[k]
            return r.map { $0 + shift }
        }
        let day = grow(\.ledger.day, others.map(\.ledger.day))
        let matter = grow(\.ledger.matter, others.map(\.ledger.matter))
        let district = grow(\.ledger.district, others.map(\.ledger.district))
        let applicant = grow(\.ledger.applicant, others.map(\.ledger.applicant))
        let total = parts.reduce(0) { $0 + $1.ledger.count }
        var first = parts.removeFirst()
        parts.removeAll()
        let work = tasks
        DispatchQueue.concurrentPerform(iterations: work.count) { work[$0]() }
        timer.mark("columns")
        first.ledger.claimID = claimID.values
        first.ledger.enterpriseName = names.values
        first.ledger.attributeRanges = attributes.map(\.values)
        first.ledger.amount = amount.values
        first.ledger.enterprise = enterprise.values
        first.ledger.line = line.values
        first.ledger.day = day.values
        first.ledger.matter = matter.values
        first.ledger.district = district.values
        first.ledger.applicant = applicant.values
        first.ledger.count = total
        first.claimHashes = hashes.values
        first.joinedEnterpriseKeys = keys
        return first
    }

    struct SharedBytes: @unchecked Sendable { let base: UnsafePointer<UInt8> }
    struct SharedSlots: @unchecked Sendable { let base: UnsafeMutablePointer<Int32> }

    /// Whether reading front to back would have stopped at the problem limit before `line`.
    func reachedLimit(before line: Int) -> Bool {
        problems.lazy.filter { $0.line < line }.count >= LedgerBuilder.maxProblems
    }

    /// Hands over the bytes the ranges point into; throws every problem found instead of a ledger.
    mutating func finish(storage: LedgerBytes, threads: Int = 1) throws -> ClaimsLedger {
        let duplicates = DuplicateFinder.duplicates(UnsafePointer(storage.base), ledger.claimID, hashes: claimHashes, threads: threads)
        for (first, again) in duplicates {
            problem(Int(ledger.line[again]), claimIDColumn,
                    "claim_id“\(storage.text(ledger.claimID[again]))”在本文件中重复（第 \(ledger.line[first]) 行已出现）",
                    column: claimColumns.isEmpty ? claimIDColumn + 1 : Int(claimColumns[again]))
        }
        if !problems.isEmpty {
            problems.sort { ($0.line, $0.column) < ($1.line, $1.column) }
            throw LedgerError(problems: Array(problems.prefix(LedgerBuilder.maxProblems)), truncated: truncated || problems.count > LedgerBuilder.maxProblems)
        }
        ledger.storage = storage
        ledger.enterpriseKeys = joinedEnterpriseKeys ?? enterprises.keys
        return ledger
    }
}

/// One column of a ledger being joined, held by the one task that grows it.
final class ColumnBox<T>: @unchecked Sendable {
    var values: [T]
    init(_ values: [T]) { self.values = values }
}
