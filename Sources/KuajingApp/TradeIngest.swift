import Foundation
import KuajingDomain
import PolicyEngine
import TradeData
import Storage

/// Reads, validates and stores CEB messages and declarations extracts: about a thousand records a
/// transaction, unreadable files kept and quarantined, then the rollups of the months touched.
/// Reading, validating and compressing the next batch go on while the batch before it is written
/// (one batch in the writer's hands at a time), so a machine with two cores uses both.
public struct TradeIngest: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    /// Records per transaction.
    public static let batchRecords = 1000

    public struct Report: Sendable {
        public var files: Int
        public var counts: IngestCounts
        public var refreshedMonths: Int
        /// Time reading, validating, compressing the originals, storing and refreshing the rollups
        /// (KUAJING_TIMING). Storing overlaps the others: `waiting` is the part of it that the reader
        /// spent waiting for the writer.
        public var reading: Duration
        public var validating: Duration
        public var compressing: Duration = .zero
        public var storing: Duration
        public var waiting: Duration = .zero
        public var refreshing: Duration
    }

    /// `shownAs`: the name a path is recorded under (an upload's own file name rather than the
    /// server's temporary path); the ledger, the quarantine and the audit then name what the user sent.
    /// `sender`: the platform user who uploads (nil for the operator's command line). The upload
    /// then may hold only records of enterprises in the sender's scope (`checkScope`): any other
    /// refuses it whole, each such line named, before anything is stored.
    public func run(paths: [String], shownAs: [String: String] = [:], as sender: Viewer? = nil, progress: (@Sendable (Int, Int) -> Void)? = nil) async throws(AppError) -> Report {
        let validator = try context.validator()
        let assessor = try context.importTaxAssessor()
        return try await context.withStore { store in
            try await Self.run(paths: paths, shownAs: shownAs, store: store, validator: validator, sender: sender, importTax: assessor, progress: progress)
        }
    }

    static func run(paths: [String], shownAs: [String: String] = [:], store: Store, validator: CEBValidator, sender: Viewer? = nil,
                    importTax: (any ImportTaxAssessor)? = nil, progress: (@Sendable (Int, Int) -> Void)?) async throws -> Report {
        let ledger = TradeLedger(backend: store.backend, clock: store.clock, importTax: importTax)
        let files = try MessageSource.expand(paths)
        if let sender { try await checkScope(files, shownAs: shownAs, sender: sender, store: store, validator: validator) }
        var total = IngestCounts()
        var pending: [TradeLedger.PreparedMessage] = []
        var pendingRecords = 0
        let clock = ContinuousClock()
        var (reading, validating, compressing, storing, waiting) = (Duration.zero, Duration.zero, Duration.zero, Duration.zero, Duration.zero)
        // The batch being written, if any; its counts and time are taken when the next one is handed over.
        var writing: Task<(IngestCounts, Duration), any Error>?
        func settle() async throws {
            guard let batch = writing else { return }
            writing = nil
            let start = clock.now
            let (counts, time) = try await batch.value
            waiting += clock.now - start
            total += counts
            storing += time
        }
        // Hands the pending batch to the writer once the one before it is committed.
        func flush() async throws {
            guard !pending.isEmpty else { return }
            try await settle()
            let batch = pending
            pending = []
            pendingRecords = 0
            writing = Task {
                let start = ContinuousClock.now
                let counts = try await ledger.ingest(prepared: batch)
                return (counts, ContinuousClock.now - start)
            }
        }
        // Everything read so far committed, before a write of another kind (in file order).
        func drain() async throws {
            try await flush()
            try await settle()
        }
        do {
        for (i, source) in files.enumerated() {
            progress?(i, files.count)
            let loadStart = clock.now
            let data = try source.load()
            reading += clock.now - loadStart
            let file = Self.shownName(source, shownAs)
            if source.isDeclarations {
                try await drain()
                let result = try DeclarationReader.read(data, codes: validator.codes)
                total += try await ledger.ingestDeclarations(source: file, bytes: [UInt8](data), digest: SHA256Hex.of(data), result: result)
                continue
            }
            do {
                let start = clock.now
                let messages = try CEBReader.read(data: data, source: file)
                let read = clock.now
                var verdicts: [[RecordVerdict]] = []
                for message in messages { verdicts.append(validator.validate(message)) }
                let validated = clock.now
                for (message, v) in zip(messages, verdicts) {
                    pending.append(TradeLedger.PreparedMessage(message, verdicts: v))
                    pendingRecords += message.records.count
                }
                reading += read - start
                validating += validated - read
                compressing += clock.now - validated
                if pendingRecords >= batchRecords { try await flush() }
            } catch let e as CEBReader.MessageError {
                try await drain()
                total += try await ledger.quarantineUnreadable(source: file, bytes: [UInt8](data), digest: SHA256Hex.of(data), line: e.line, message: e.message)
            }
        }
        try await drain()
        } catch {
            // What was committed before the failure keeps its rollups current; the failing file and
            // the messages read after the last commit are not stored. A batch still being written
            // is waited for first (committed or rolled back, never cut off).
            if let batch = writing { _ = try? await batch.value }
            _ = try? await store.rollups.refresh()
            throw error
        }
        // The months this run touched get their rollups recomputed (TradeRollups).
        let refreshStart = clock.now
        let months = try await store.rollups.refresh()
        progress?(files.count, files.count)
        return Report(files: files.count, counts: total, refreshedMonths: months, reading: reading, validating: validating, compressing: compressing,
                      storing: storing, waiting: waiting, refreshing: clock.now - refreshStart)
    }
}

extension TradeIngest {
    /// The codes that name a record's enterprise, most specific first: the e-commerce enterprise
    /// (the exporter or importer the statistics count it for), then the other parties.
    static let ownerFields = ["ebcCode", "ownerCode", "ebpCode", "agentCode", "logisticsCode", "operatorCode", "declAgentCode"]

    /// The name a source is recorded and reported under: its `shownAs` name (an upload's own file
    /// name); a source inside an archive is named "archive!entry", and the archive's part is renamed.
    static func shownName(_ source: MessageSource, _ shownAs: [String: String]) -> String {
        shownAs.first { source.name == $0.key || source.name.hasPrefix($0.key + "!") }.map { $0.value + source.name.dropFirst($0.key.count) } ?? source.name
    }

    /// A sender's upload touches only its scope, checked before anything is stored: every record of
    /// a customs message (its enterprise: `ebcCode`, else the first party code it has) and every row
    /// of a declarations extract (its enterprise, and the stored declaration it would replace) must
    /// be of an enterprise within the sender's reach, by the registry's district (a declaration of an
    /// unregistered enterprise by the district its row names). A city role may send records of
    /// enterprises not (yet) in the registry; a district user may not, since nothing then says the
    /// enterprise is its district's. Any line outside the scope refuses the whole upload, each such
    /// line named with its reason, and nothing of it is stored (so that the sender whose records they
    /// are can upload the same file later, not find it a duplicate).
    static func checkScope(_ files: [MessageSource], shownAs: [String: String], sender: Viewer, store: Store, validator: CEBValidator) async throws {
        let reach = sender.reach, unregisteredAllowed = sender.role == .admin || sender.role == .analyst
        var problems: [String] = []
        func within(_ code: String?, district: String?) -> String? {
            if let own = reach.enterpriseID { return code == own ? nil : "企业 \(code ?? "（无）") 不是上传者本企业" }
            guard let code, let district else {
                return unregisteredAllowed ? nil : "企业 \(code ?? "（无）") 未在企业库登记为本区县企业，区县用户不能上传其记录"
            }
            return reach.districts.map { $0.contains(district) } ?? true ? nil : "企业 \(code) 属于\(district)，不在上传者的范围内"
        }
        for source in files {
            let data = try source.load()
            let file = shownName(source, shownAs)
            if source.isDeclarations {
                let rows = try DeclarationReader.read(data, codes: validator.codes).rows
                let registered = try await store.registry.districts(of: rows.map(\.enterpriseID))
                let stored = try await store.ledger.declarationOwners(rows.map(\.declarationNo))
                let storedRegistered = try await store.registry.districts(of: stored.values.map(\.enterprise))
                for r in rows {
                    if let why = within(r.enterpriseID, district: registered[r.enterpriseID] ?? r.district) {
                        problems.append("\(file) 第 \(r.line) 行（报关单 \(r.declarationNo)）：\(why)")
                    } else if let old = stored[r.declarationNo], let why = within(old.enterprise, district: storedRegistered[old.enterprise] ?? old.district) {
                        problems.append("\(file) 第 \(r.line) 行：已存的报关单 \(r.declarationNo) 不能由本次上传改写（\(why)）")
                    }
                }
            } else {
                guard let messages = try? CEBReader.read(data: data, source: file) else { continue }   // unreadable: quarantined whole, as for anyone
                let owners = messages.flatMap { $0.records.map { r in (r.line, ownerFields.lazy.compactMap { r.value($0) }.first { !$0.isEmpty }) } }
                let registered = try await store.registry.districts(of: owners.compactMap(\.1))
                for (line, code) in owners {
                    if let why = within(code, district: code.flatMap { registered[$0] }) { problems.append("\(file) 第 \(line) 行：\(why)") }
                }
            }
            if problems.count >= 200 { break }
        }
        guard problems.isEmpty else {
            let summary = "上传中有 \(problems.count >= 200 ? "200 处以上" : "\(problems.count) 处")记录不属于上传者的范围，整份文件未导入（未保存任何记录）："
            throw AppError.invalidInput(field: "file", location: problems.first.map { String($0.prefix(while: { $0 != "：" })) },
                                        message: summary + problems[0], problems: [summary] + Array(problems.prefix(200)))
        }
    }
}

/// Records held back by validation: list, show, the original bytes, resubmit a corrected message.
public struct QuarantineCases: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public func list(includeResolved: Bool = false) async throws(AppError) -> [QuarantineEntry] {
        try await context.withStore { try await $0.ledger.quarantine(includeResolved: includeResolved) }
    }

    /// The entries a platform user may see: those whose enterprise (the `ebcCode` or `owner` of the
    /// record's key) is registered in the user's city, and those that name no registered enterprise
    /// (nothing ties them to a city). Another city's record is not listed, and is a 404 by number.
    public func list(_ viewer: Viewer, includeResolved: Bool = false) async throws(AppError) -> [QuarantineEntry] {
        let all = try await list(includeResolved: includeResolved)
        let districts = try await context.withStore { try await $0.registry.districts(of: all.compactMap { Self.enterprise(ofKey: $0.recordKey) }) }
        let own = Set(viewer.cityDivisions)
        return all.filter { e in Self.enterprise(ofKey: e.recordKey).flatMap { districts[$0] }.map(own.contains) ?? true }
    }

    /// The enterprise code a record key names (`ebcCode=` of an inventory, `owner=` of another record).
    static func enterprise(ofKey key: String) -> String? {
        for part in key.split(separator: "|") {
            for prefix in ["ebcCode=", "owner="] where part.hasPrefix(prefix) {
                let code = String(part.dropFirst(prefix.count))
                if !code.isEmpty { return code }
            }
        }
        return nil
    }

    public func entry(_ id: Int64) async throws(AppError) -> QuarantineEntry {
        let found = try await context.withStore { try await $0.ledger.quarantine(includeResolved: true, id: id).first }
        guard let found else { throw .notFound(message: "没有编号为 \(id) 的隔离记录") }
        return found
    }

    /// One entry, to a platform user of the city it belongs to (see `list(_:)`).
    public func entry(_ viewer: Viewer, _ id: Int64) async throws(AppError) -> QuarantineEntry {
        let e = try await entry(id)
        if let code = Self.enterprise(ofKey: e.recordKey), let district = try await context.withStore({ try await $0.registry.districts(of: [code])[code] }),
           !viewer.cityDivisions.contains(district) {
            throw .notFound(message: "没有编号为 \(id) 的隔离记录")
        }
        return e
    }

    /// The message of an entry the viewer may see, byte for byte as received.
    public func original(_ viewer: Viewer, _ id: Int64) async throws(AppError) -> [UInt8] {
        _ = try await entry(viewer, id)
        return try await original(id)
    }

    /// The message the entry came from, byte for byte as received.
    public func original(_ id: Int64) async throws(AppError) -> [UInt8] {
        let e = try await entry(id)
        let bytes = try await context.withStore { try await $0.ledger.messageBytes(digest: e.digest) }
        guard let bytes else { throw .notFound(message: "隔离记录 \(id) 的原报文（SHA-256 \(e.digest)）不在账本中") }
        return bytes
    }

    public enum ResubmitOutcome: Sendable, Equatable {
        /// The record is now accepted; the entry is resolved.
        case resolved
        /// The corrected message still fails; the entry stays (its own findings are in the new entry).
        case stillHeld
    }

    /// Ingests the corrected message; the entry is resolved when its record is now accepted.
    /// `shownAs`: the name the corrected message is recorded under (an upload's own file name).
    /// `sender`: the platform user who resubmits (the entry must be of its city, and the corrected
    /// message within its scope, as for an upload); nil for the operator's command line.
    public func resubmit(_ id: Int64, file: String, shownAs: String? = nil, as sender: Viewer? = nil) async throws(AppError) -> ResubmitOutcome {
        let entry: QuarantineEntry
        if let sender { entry = try await self.entry(sender, id) } else { entry = try await self.entry(id) }
        let validator = try context.validator()
        let assessor = try context.importTaxAssessor()
        guard FileManager.default.fileExists(atPath: file) else { throw .notFound(message: "找不到更正后的报文 \(file)") }
        return try await context.withStore { store in
            let ledger = TradeLedger(backend: store.backend, clock: store.clock, importTax: assessor)
            if let sender {
                try await TradeIngest.checkScope(try MessageSource.expand([file]), shownAs: shownAs.map { [file: $0] } ?? [:], sender: sender, store: store, validator: validator)
            }
            var stillHeld = false
            let messages = try shownAs.map { try CEBReader.read(data: Data(contentsOf: URL(fileURLWithPath: file)), source: $0) } ?? CEBReader.read(path: file)
            for message in messages {
                let verdicts = validator.validate(message)
                if verdicts.contains(where: { !$0.accepted && TradeLedger.key($0.record) == entry.recordKey }) { stillHeld = true }
                _ = try await ledger.ingest(message, verdicts: verdicts)
            }
            _ = try await store.rollups.refresh()
            if stillHeld { return .stillHeld }
            try await store.ledger.resolve(ids: [id])
            return .resolved
        }
    }
}

/// Statistics from the ledger with their basis (口径); the rollups refreshed and verified.
public struct Statistics: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public struct Table: Sendable {
        public var dimensions: [TradeLedger.Dimension]
        public var basis: StatsBasis
        public var rows: [StatsRow]
    }

    /// `by`: dimension names as the user writes them (code,direction,month,district,country,enterprise).
    public static func dimensions(_ text: String) throws(AppError) -> [TradeLedger.Dimension] {
        var out: [TradeLedger.Dimension] = []
        for s in text.split(separator: ",") {
            guard let d = TradeLedger.Dimension(rawValue: String(s).trimmingCharacters(in: .whitespaces)) else {
                throw .invalidInput(field: "by", location: nil, message: "未知维度 \(s)；可用：\(TradeLedger.Dimension.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            out.append(d)
        }
        return out
    }

    public func table(by dimensions: [TradeLedger.Dimension], basis: StatsBasis = .released) async throws(AppError) -> Table {
        let rows = try await context.withStore { try await $0.ledger.stats(by: dimensions, basis: basis) }
        return Table(dimensions: dimensions, basis: basis, rows: rows)
    }

    /// Recomputes the rollups of every month marked since the last refresh; how many months.
    public func refresh() async throws(AppError) -> Int { try await context.withStore { try await $0.rollups.refresh() } }

    /// Assesses the import 申报清单 the ledger holds without an assessment (stored before the import
    /// side existed): in declaration order, with their receipts and returns. How many it assessed.
    public func assessStoredImports() async throws(AppError) -> Int {
        let assessor = try context.importTaxAssessor()
        return try await context.withStore { try await $0.importTax.assessStored(assessor: assessor, clock: $0.clock) }
    }

    /// Recounts the trade rollups and the import side (each buyer's quota, the import-tax rollup) and names every difference.
    public func verify() async throws(AppError) -> RollupVerification {
        try await context.withStore { store in
            let trade = try await store.rollups.verify(), imports = try await store.importTax.verify()
            return RollupVerification(checkedRows: trade.checkedRows + imports.checkedRows, differences: trade.differences + imports.differences)
        }
    }
}
