import KuajingDomain

/// A ledger of claims (申报台账) as columns: one array per field, one index per claim, in file order.
/// Strings (claim ids, names, extra columns) stay as ranges into the file's bytes until shown.
public struct ClaimsLedger: @unchecked Sendable {
    public let source: String
    var storage: LedgerBytes
    public internal(set) var count = 0
    var claimID: [ByteRange] = []
    /// Dense applicant index per claim; `enterpriseKeys[i]` is applicant i's id.
    var enterprise: [Int32] = []
    var enterpriseKeys: [ByteRange] = []
    /// Empty when the ledger has no `enterprise_name` column.
    var enterpriseName: [ByteRange] = []
    /// Index into `DivisionCatalog.divisions`.
    var district: [Int16] = []
    var applicant: [UInt8] = []
    /// Index into `matterKeys`.
    var matter: [Int32] = []
    public let matterKeys: [String]
    var day: [Int32] = []
    /// Fen.
    var amount: [Int64] = []
    /// 1-based source line of each claim.
    var line: [Int32] = []
    var attributeIndex: [String: Int] = [:]
    var attributeRanges: [[ByteRange]] = []

    /// Keeps the first `n` rows (every column).
    mutating func keepRows(_ n: Int) {
        count = n
        claimID.removeSubrange(n...)
        enterprise.removeSubrange(n...)
        if !enterpriseName.isEmpty { enterpriseName.removeSubrange(n...) }
        district.removeSubrange(n...)
        applicant.removeSubrange(n...)
        matter.removeSubrange(n...)
        day.removeSubrange(n...)
        amount.removeSubrange(n...)
        line.removeSubrange(n...)
        for k in attributeRanges.indices { attributeRanges[k].removeSubrange(n...) }
    }

    /// Appends the rows of a ledger read from a later part of the same bytes (every column), its
    /// applicant indices mapped through `enterprises` and its lines shifted by `lineShift`.
    mutating func append(_ other: ClaimsLedger, enterprises map: [Int32], lineShift: Int32) {
        claimID += other.claimID
        enterprise.reserveCapacity(enterprise.count + other.count)
        for e in other.enterprise { enterprise.append(map[Int(e)]) }
        enterpriseName += other.enterpriseName
        district += other.district
        applicant += other.applicant
        matter += other.matter
        day += other.day
        amount += other.amount
        line.reserveCapacity(line.count + other.count)
        for l in other.line { line.append(l + lineShift) }
        for k in attributeRanges.indices { attributeRanges[k] += other.attributeRanges[k] }
        count += other.count
    }

    init(source: String, storage: LedgerBytes, matterKeys: [String]) {
        self.source = source
        self.storage = storage
        self.matterKeys = matterKeys
    }

    func text(_ r: ByteRange) -> String {
        r.isEmpty ? "" : storage.text(r)
    }

    /// The bytes of a string of the ledger (valid while the ledger lives).
    func bytes(_ r: ByteRange) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: storage.base + r.offset, count: r.length)
    }

    public var enterpriseCount: Int { enterpriseKeys.count }
    public func claimID(_ row: Int) -> String { text(claimID[row]) }
    public func enterpriseID(_ row: Int) -> String { text(enterpriseKeys[Int(enterprise[row])]) }
    public func enterpriseIndex(_ row: Int) -> Int { Int(enterprise[row]) }
    public func enterpriseName(_ row: Int) -> String { enterpriseName.isEmpty ? "" : text(enterpriseName[row]) }
    public func districtIndex(_ row: Int) -> Int { Int(district[row]) }
    public func applicantType(_ row: Int) -> ApplicantType { ApplicantType.allCases[Int(applicant[row])] }
    public func matter(_ row: Int) -> String { matterKeys[Int(matter[row])] }
    public func date(_ row: Int) -> Day { Day(ordinal: day[row]) }
    public func amount(_ row: Int) -> Fen { Fen(amount[row]) }
    public func line(_ row: Int) -> Int { Int(line[row]) }
    public var attributeNames: [String] { attributeIndex.sorted { $0.value < $1.value }.map(\.key) }

    /// The raw text of an extra column for a claim, nil when the ledger has no such column.
    public func attribute(_ name: String, row: Int) -> String? {
        guard let i = attributeIndex[name] else { return nil }
        return text(attributeRanges[i][row])
    }
}

/// Why a ledger was rejected: every problem found, each with file, line, column and field.
public struct LedgerError: Error, Sendable, CustomStringConvertible {
    public struct Problem: Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var column: Int
        public var field: String
        public var message: String
        public var description: String { "\(file):\(line):\(column): 字段 \(field)：\(message)" }
    }

    public var problems: [Problem]
    /// True when reading stopped at the problem limit and more may follow.
    public var truncated: Bool

    public var description: String {
        problems.map(\.description).joined(separator: "\n")
            + (truncated ? "\n……错误过多，仅列出前 \(problems.count) 条" : "")
            + "\n台账被拒绝：共发现 \(problems.count)\(truncated ? "+" : "") 处错误，未输出任何结果。"
    }
}
