import Foundation
import KuajingDomain
import TradeData

/// What one ingest did.
public struct IngestCounts: Sendable, Equatable {
    public var accepted = 0
    public var duplicates = 0
    public var updated = 0
    public var deleted = 0
    public var quarantined = 0
    public var quarantinedByReason: [String: Int] = [:]

    public init() {}

    public static func += (l: inout IngestCounts, r: IngestCounts) {
        l.accepted += r.accepted
        l.duplicates += r.duplicates
        l.updated += r.updated
        l.deleted += r.deleted
        l.quarantined += r.quarantined
        for (k, v) in r.quarantinedByReason { l.quarantinedByReason[k, default: 0] += v }
    }
}

public struct QuarantineEntry: Sendable {
    public var id: Int64
    public var digest: String
    public var source: String
    public var line: Int
    public var messageType: String
    public var recordName: String
    public var recordKey: String
    public var reasons: [String]
    /// JSON array of findings.
    public var findings: String
    public var quarantinedAt: String
    public var resolvedAt: String?
}

/// A statistic's basis (口径): which directions, supervision codes and customs statuses it counts.
public struct StatsBasis: Sendable {
    /// Customs statuses counted; nil counts every accepted inventory whatever its status.
    public var statuses: Set<Int>?
    public var includeCancelled = false

    /// The default: inventories released or cleared (800 放行, 899 结关), not cancelled (return-status.csv).
    public static let released = StatsBasis(statuses: [800, 899])
    public static let anyStatus = StatsBasis(statuses: nil)

    public var description: String {
        let s = statuses.map { "海关状态 \($0.sorted().map(String.init).joined(separator: "/"))" } ?? "全部已接收清单（不限海关状态）"
        return "口径：跨境电商清单（CEB603 出口 / CEB621 进口）与报关单数据（B2B 9710/9810、保税 1210 等），\(s)（报关单“放行/结关”视同 800/899），\(includeCancelled ? "含" : "不含")已撤销清单；金额为人民币：清单为币制 142 的表体总价之和（其他币制单列），报关单为 value_cny"
    }
}

public struct StatsRow: Sendable {
    public var keys: [String]
    public var inventories: Int
    public var valueFen: Int64
    /// Inventories in another currency (not converted: no rate is configured).
    public var otherCurrency: Int
}

/// The trade ledger: messages, records, inventories, declarations and their quarantine; ingest
/// (idempotent, ordered by appType) and statistics. One body of logic over any `StoreBackend`, so
/// SQLite and PostgreSQL behave the same and one test suite checks both. Its tables are its own;
/// the rollups it keeps current are reached through `TradeRollups` (same transaction).
public struct TradeLedger: Sendable {
    public let backend: any StoreBackend
    public let clock: AppClock
    /// The retail-import regime, when import inventories are to be taxed at ingest (the application
    /// layer passes it; without it the import side is not followed).
    public let importTax: (any ImportTaxAssessor)?

    public init(backend: any StoreBackend, clock: AppClock = .system, importTax: (any ImportTaxAssessor)? = nil) {
        self.backend = backend
        self.clock = clock
        self.importTax = importTax
    }

    /// Stores one message and its verdicts in one transaction. The same bytes ingested again change
    /// nothing; a record already present under its natural key is a duplicate (appType 1), replaced
    /// (appType 2) or removed (appType 3); receipts move inventories through their customs statuses.
    public func ingest(_ message: CEBMessage, verdicts: [RecordVerdict]) async throws -> IngestCounts {
        try await ingest(batch: [(message, verdicts)])
    }

    /// A message made ready to store outside the transaction: its verdicts and its original
    /// compressed (the work that needs no database, so a caller can do it while the previous batch
    /// is being written).
    public struct PreparedMessage: Sendable {
        public let message: CEBMessage
        public let verdicts: [RecordVerdict]
        public let original: StoredOriginal

        public init(_ message: CEBMessage, verdicts: [RecordVerdict]) {
            self.message = message
            self.verdicts = verdicts
            original = StoredOriginal.compressing(message.bytes)
        }
    }

    /// Several messages in one transaction, each as `ingest(_:verdicts:)` would store it: all of the
    /// batch is committed, or none of it (`kuajing ingest` commits about a thousand records at a time).
    public func ingest(batch: [(message: CEBMessage, verdicts: [RecordVerdict])]) async throws -> IngestCounts {
        try await ingest(prepared: batch.map { PreparedMessage($0.message, verdicts: $0.verdicts) })
    }

    /// Prepared messages in one transaction (as `ingest(batch:)`).
    public func ingest(prepared batch: [PreparedMessage]) async throws -> IngestCounts {
        let receivedAt = clock.timestamp()
        let importTax = importTax
        return try await backend.write { db in
            var counts = IngestCounts()
            let delta = RollupDelta()
            let session = LedgerWriteSession()
            // Accepted records of this message and the ones after it: how many record ids to take
            // ahead when the first new record needs one.
            var remaining = batch.reduce(0) { $0 + $1.verdicts.count { $0.accepted } }
            try session.lookUpAtStart(db, batch)
            for m in batch {
                session.recordsStillToCome = remaining
                counts += try TradeLedger.store(db, m, receivedAt: receivedAt, delta: delta, session: session)
                remaining -= m.verdicts.count { $0.accepted }
            }
            try session.writeHeldBack(db, delta: delta)
            if let importTax { try ImportTaxLedger.apply(db, session.importEvents, assessor: importTax) }
            try delta.apply(db)
            return counts
        }
    }

    static func store(_ db: any SQLExecutor, _ prepared: PreparedMessage, receivedAt: String, delta: RollupDelta, session: LedgerWriteSession) throws -> IngestCounts {
        let message = prepared.message, verdicts = prepared.verdicts
        var counts = IngestCounts()
        guard try TradeLedger.storeMessage(db, digest: message.digest, source: message.source, type: message.type, original: prepared.original, at: receivedAt) else {
            counts.duplicates = verdicts.count
            return counts
        }
        var accepted: [(record: CEBRecord, key: String)] = []
        for v in verdicts {
            let r = v.record
            let key = LedgerMapping.naturalKey(r)
            if v.accepted {
                accepted.append((r, key))
                if let e = ImportEvent.of(r) { session.importEvents.append(e) }
                continue
            }
            counts.quarantined += 1
            for reason in v.reasons { counts.quarantinedByReason[reason, default: 0] += 1 }
            try quarantine(db, digest: message.digest, source: r.source, line: r.line, type: r.messageType, record: r.name,
                           key: key, reasons: v.reasons, findings: v.findings, at: receivedAt)
        }
        // A message whose records have distinct keys (the usual case) is stored in a few multi-row
        // statements: one look-up of the keys already present, then its new records and their
        // inventories, held back to be written with those of the next messages of the transaction
        // (`LedgerWriteSession`). A key repeated within a message takes the record-by-record path, in
        // order. Whatever reads or changes stored rows (a look-up of a key held back, a duplicate,
        // replacement or removal, a receipt) first writes what is held back, so the result is the
        // one of storing each message on its own, in order.
        let distinct = Set(accepted.map(\.key)).count == accepted.count
        if !distinct || accepted.contains(where: { session.holdsBack(type: message.type, key: $0.key) }) { try session.writeHeldBack(db, delta: delta) }
        let existing = distinct ? try session.existing(db, type: message.type, keys: accepted.map(\.key)) : [:]
        defer { session.handled(type: message.type, keys: accepted.map(\.key)) }
        var fresh: [NewRecord] = []
        for (r, key) in accepted {
            if distinct, existing[key] == nil, r.value("appType") != "3" {
                fresh.append(NewRecord(record: r, key: key, digest: message.digest))
                continue
            }
            try session.writeHeldBack(db, delta: delta)
            let id = distinct ? existing[key] : try session.existing(db, type: r.messageType, keys: [key])[key]
            session.handled(type: r.messageType, keys: [key])
            counts += try storeOne(db, r, key: key, existing: id, digest: message.digest, delta: delta, session: session)
        }
        if session.canHoldBack(fresh) {
            session.holdBack(fresh)
        } else {
            try session.writeHeldBack(db, delta: delta)
            try insertRecords(db, fresh, delta: delta, session: session)
        }
        counts.accepted += fresh.count
        return counts
    }

    /// Ids of the records of one message type already stored under these natural keys.
    static func existingRecords(_ db: any SQLExecutor, type: String, keys: [String]) throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for chunk in keys.chunked(db.dialect == .postgres ? 2_000 : 500) {
            let sql = "SELECT natural_key, id FROM record WHERE message_type = ? AND natural_key IN (\(SQLText.placeholders(chunk.count)))"
            for row in try db.rows(sql, [.text(type)] + chunk.map(SQLValue.text)) { out[try row.text("natural_key")] = try row.int("id") }
        }
        return out
    }

    /// One record against what is stored under its key: a duplicate, a replacement (appType 2), a
    /// removal (appType 3), or new.
    static func storeOne(_ db: any SQLExecutor, _ r: CEBRecord, key: String, existing: Int64?, digest: String, delta: RollupDelta, session: LedgerWriteSession) throws -> IngestCounts {
        var counts = IngestCounts()
        switch r.value("appType") ?? "1" {
        case "3":
            if let id = existing {
                if let inv = LedgerMapping.inventory(r) {
                    try delta.add(TradeRollups.inventoryContributions(db, where: "i.cop_no = ? AND i.ebc_code = ?", [.text(inv.copNo), .text(inv.ebcCode)]), sign: -1)
                }
                try db.execute("DELETE FROM inventory WHERE record_id = ?", .integer(id))
                try db.execute("DELETE FROM record WHERE id = ?", .integer(id))
                counts.deleted += 1
            } else { counts.duplicates += 1 }
            return counts
        case "2":
            if let id = existing {
                try db.execute("UPDATE record SET digest = ?, line = ?, guid = ? WHERE id = ?",
                               .text(digest), .integer(Int64(r.line)), r.value("guid").map(SQLValue.text) ?? .null, .integer(id))
                if let inv = LedgerMapping.inventory(r) {
                    // The replaced row stops counting (its status is reset until a receipt comes).
                    try delta.add(TradeRollups.inventoryContributions(db, where: "i.cop_no = ? AND i.ebc_code = ?", [.text(inv.copNo), .text(inv.ebcCode)]), sign: -1)
                    try upsertInventories(db, [(inv, id)], session: session)
                }
                counts.updated += 1
                return counts
            }
        default:
            if existing != nil { counts.duplicates += 1; return counts }
        }
        try insertRecords(db, [NewRecord(record: r, key: key, digest: digest)], delta: delta, session: session)
        counts.accepted += 1
        return counts
    }

    /// A record to insert: its key not yet stored.
    struct NewRecord {
        let record: CEBRecord
        let key: String
        /// The message it comes from.
        let digest: String
        /// Its inventory row, when it declares one (mapped once: amounts are parsed here).
        let inventory: LedgerMapping.InventoryRow?
        var typeAndKey: String { record.messageType + "|" + key }
        /// The inventory table's key (cop_no, ebc_code) of that row.
        var inventoryKey: String? { inventory.map { $0.copNo + "|" + $0.ebcCode } }

        init(record: CEBRecord, key: String, digest: String) {
            self.record = record
            self.key = key
            self.digest = digest
            inventory = LedgerMapping.inventory(record)
        }
    }

    /// New records (keys not yet stored, distinct) in multi-row inserts (COPY on PostgreSQL), then
    /// their inventories, then the customs statuses the receipts among them carry.
    static func insertRecords(_ db: any SQLExecutor, _ records: [NewRecord], delta: RollupDelta, session: LedgerWriteSession) throws {
        guard !records.isEmpty else { return }
        var values: [[SQLValue]] = []
        values.reserveCapacity(records.count)
        for n in records {
            let r = n.record
            values.append([.text(r.messageType), .text(r.name), .text(n.key), r.value("guid").map(SQLValue.text) ?? .null,
                           .text(n.digest), .integer(Int64(r.line))])
        }
        var ids: [String: Int64] = [:]
        if db.dialect == .postgres {
            // COPY returns nothing: the ids come from the sequence first (taken ahead for the
            // transaction), then the rows are streamed.
            let taken = try session.recordIDs(db, count: records.count)
            var rows: [[SQLValue]] = []
            rows.reserveCapacity(records.count)
            for (k, id) in taken.enumerated() {
                ids[records[k].typeAndKey] = id
                rows.append([.integer(id)] + values[k])
            }
            try db.copy(into: "record", columns: ["id"] + LedgerTables.recordColumns.map(\.name), rows: rows)
        } else {
            for row in try db.insert(LedgerTables.newRecords, rows: values) { ids[try row.text("message_type") + "|" + row.text("natural_key")] = try row.int("id") }
        }
        try upsertInventories(db, records.compactMap { n in n.inventory.map { ($0, ids[n.typeAndKey]!) } }, session: session)
        for n in records { try applyReceipt(db, n.record, delta: delta) }
    }

    /// Inventory rows as their records declare them; one declared again replaces the earlier row,
    /// customs status and cancellation included (they come from receipts that follow), so a new or
    /// replaced row counts in no rollup until its receipt.
    static func upsertInventories(_ db: any SQLExecutor, _ rows: [(LedgerMapping.InventoryRow, Int64)], session: LedgerWriteSession) throws {
        guard !rows.isEmpty else { return }
        func t(_ s: String?) -> SQLValue { s.map(SQLValue.text) ?? .null }
        let values: [[SQLValue]] = rows.map { inv, recordID in
            [.text(inv.copNo), .text(inv.ebcCode), .text(inv.direction), .text(inv.supervisionCode), t(inv.enterpriseName),
             t(inv.customsCode), t(inv.country), .text(inv.declaredOn), t(inv.currency), .text(inv.valueOriginal),
             inv.valueFen.map(SQLValue.integer) ?? .null, t(inv.invtNo), t(inv.orderNo), t(inv.logisticsNo), .integer(recordID), .text(inv.hsChapter)]
        }
        if db.dialect == .postgres {
            // Streamed into a staging table of this session, then upserted from it in one statement.
            if !session.stagingReady {
                try db.execute(LedgerTables.stagingInventoryTable, [])
                session.stagingReady = true
            }
            try db.copy(into: "incoming_inventory", columns: LedgerTables.inventoryColumns.map(\.name), rows: values)
            try db.execute(LedgerTables.inventoriesFromStaging, [])
            try db.execute("DELETE FROM incoming_inventory", [])
        } else {
            _ = try db.insert(LedgerTables.inventories, rows: values)
        }
    }

    /// The natural key of a record, as the ledger and its quarantine name it.
    public static func key(_ r: CEBRecord) -> String { LedgerMapping.naturalKey(r) }

    /// A file that is not a readable message is kept too (its bytes, content-addressed) and
    /// quarantined as `malformed_xml`, so it can be fixed and submitted again. Idempotent.
    public func quarantineUnreadable(source: String, bytes: [UInt8], digest: String, line: Int, message: String) async throws -> IngestCounts {
        let now = clock.timestamp()
        let original = StoredOriginal.compressing(bytes)
        return try await backend.write { db in
            var counts = IngestCounts()
            guard try TradeLedger.storeMessage(db, digest: digest, source: source, type: "?", original: original, at: now) else {
                counts.duplicates = 1
                return counts
            }
            try TradeLedger.quarantine(db, digest: digest, source: source, line: line, type: "?", record: "-", key: "-", reasons: [ReasonCode.malformedXML],
                           findings: [Finding(code: ReasonCode.malformedXML, severity: .error, field: "-", line: line, message: message)], at: now)
            counts.quarantined = 1
            counts.quarantinedByReason[ReasonCode.malformedXML] = 1
            return counts
        }
    }

    /// Stores a declarations extract: the file kept content-addressed, each valid row inserted or,
    /// when the same declaration number comes again with other values, replaced (a later extract
    /// supersedes an earlier one); rows with errors go to quarantine. Idempotent.
    /// The enterprise and district of stored declarations, by number (for a sender's scope check).
    public func declarationOwners(_ numbers: [String]) async throws -> [String: (enterprise: String, district: String?)] {
        guard !numbers.isEmpty else { return [:] }
        return try await backend.read { db in
            var out: [String: (enterprise: String, district: String?)] = [:]
            for chunk in Array(Set(numbers)).sorted().chunked(500) {
                for r in try db.rows("SELECT declaration_no, enterprise_id, district FROM declaration WHERE declaration_no IN (\(SQLText.placeholders(chunk.count)))",
                                     chunk.map(SQLValue.text)) {
                    out[try r.text("declaration_no")] = (try r.text("enterprise_id"), try r.optionalText("district"))
                }
            }
            return out
        }
    }

    public func ingestDeclarations(source: String, bytes: [UInt8], digest: String, result: DeclarationReader.Result) async throws -> IngestCounts {
        let now = clock.timestamp()
        let original = StoredOriginal.compressing(bytes)
        return try await backend.write { db in
            var counts = IngestCounts()
            guard try TradeLedger.storeMessage(db, digest: digest, source: source, type: "DECL", original: original, at: now) else {
                counts.duplicates = result.rows.count + result.problems.count
                return counts
            }
            for p in result.problems {
                let reasons = Array(Set(p.findings.filter { $0.severity == .error }.map(\.code))).sorted()
                counts.quarantined += 1
                for r in reasons { counts.quarantinedByReason[r, default: 0] += 1 }
                try TradeLedger.quarantine(db, digest: digest, source: source, line: p.line, type: "DECL", record: "Declaration",
                               key: "declaration_no=\(p.key)", reasons: reasons, findings: p.findings, at: now)
            }
            // Rows are decided in file order against what is stored (and what earlier rows of the file
            // did): the same values again are duplicates, other values replace the row. The changes are
            // then written in bulk: one look-up per 500 numbers, one delete and multi-row inserts.
            func t(_ s: String?) -> SQLValue { s.map(SQLValue.text) ?? .null }
            let numbers = Array(Set(result.rows.map(\.declarationNo)))
            var stored: [String: [SQLValue]] = [:]
            for chunk in numbers.chunked(500) {
                let sql = """
                    SELECT declaration_no, declared_on, direction, supervision_code, enterprise_id, enterprise_name, district, customs_code, country,
                           hs_code, value_fen, currency, value_original, status FROM declaration WHERE declaration_no IN (\(SQLText.placeholders(chunk.count)))
                    """
                for row in try db.rows(sql, chunk.map(SQLValue.text)) { stored[try row.text("declaration_no")] = Array(row.rawValues.dropFirst()) }
            }
            var current = stored
            var final: [String: [SQLValue]] = [:]
            var order: [String] = []
            for r in result.rows {
                let values: [SQLValue] = [.text(r.date), .text(r.direction), .text(r.supervisionCode), .text(r.enterpriseID), .text(r.enterpriseName),
                                          t(r.district), .text(r.customsCode), .text(r.country), .text(r.hsCode), .integer(r.valueFen),
                                          .text(r.currency), .text(r.valueOriginal), .text(r.status)]
                if let existing = current[r.declarationNo] {
                    if existing == values { counts.duplicates += 1; continue }
                    counts.updated += 1
                } else {
                    counts.accepted += 1
                }
                current[r.declarationNo] = values
                if final[r.declarationNo] == nil { order.append(r.declarationNo) }
                final[r.declarationNo] = [.text(r.declarationNo)] + values + [.text(digest), .integer(Int64(r.line))]
            }
            let replaced = order.filter { stored[$0] != nil }
            let delta = RollupDelta()
            try delta.add(TradeRollups.declarationContributions(db, numbers: replaced), sign: -1)
            for chunk in replaced.chunked(500) {
                try db.execute("DELETE FROM declaration WHERE declaration_no IN (\(SQLText.placeholders(chunk.count)))", chunk.map(SQLValue.text))
            }
            _ = try db.insert(LedgerTables.declarations, rows: order.map { final[$0]! })
            try delta.add(TradeRollups.declarationContributions(db, numbers: order), sign: 1)
            try delta.apply(db)
            return counts
        }
    }

    /// Keeps a file's original under its digest, once; false when it was already there (nothing to do).
    static func storeMessage(_ db: any SQLExecutor, digest: String, source: String, type: String, original: StoredOriginal, at receivedAt: String) throws -> Bool {
        // One statement: the insert that a digest already stored turns into nothing.
        let inserted = try db.rows(
            "INSERT INTO message_blob (digest, source, message_type, bytes, compression, original_size, received_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING RETURNING digest",
            .text(digest), .text(source), .text(type), .blob(original.stored), .text(original.compression.rawValue), .integer(Int64(original.size)), .text(receivedAt))
        return !inserted.isEmpty
    }

    /// Holds a record back, with its findings as JSON (code, severity, field, line, Chinese message).
    static func quarantine(_ db: any SQLExecutor, digest: String, source: String, line: Int, type: String, record: String, key: String,
                    reasons: [String], findings: [Finding], at quarantinedAt: String) throws {
        let json = "[" + findings.map {
            "{\"code\": \(LedgerMapping.quote($0.code)), \"severity\": \"\($0.severity.rawValue)\", \"field\": \(LedgerMapping.quote($0.field)), \"line\": \($0.line), \"message\": \(LedgerMapping.quote($0.message))}"
        }.joined(separator: ", ") + "]"
        try db.execute("""
            INSERT INTO quarantine (digest, source, line, message_type, record_name, record_key, reasons, findings, quarantined_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, .text(digest), .text(source), .integer(Int64(line)), .text(type), .text(record), .text(key),
                       .text(reasons.joined(separator: ",")), .text(json), .text(quarantinedAt))
    }

    /// Inventory receipts (CEB604 export, CEB622 import) set the customs status, the newest receipt
    /// winning; an approved cancellation (撤销, receipts CEB606/CEB624 with status 399 审结) takes the
    /// inventory out of the statistics.
    static func applyReceipt(_ db: any SQLExecutor, _ r: CEBRecord, delta: RollupDelta) throws {
        guard let status = r.value("returnStatus").flatMap({ Int64($0) }) else { return }
        let time = r.value("returnTime") ?? ""
        switch r.messageType {
        case "CEB604", "CEB622":
            guard let cop = r.value("copNo") else { return }
            try delta.add(TradeRollups.inventoryContributions(db, where: "i.cop_no = ?", [.text(cop)]), sign: -1)
            try db.execute("""
                UPDATE inventory SET customs_status = ?, customs_status_time = ?, invt_no = COALESCE(?, invt_no)
                WHERE cop_no = ? AND (customs_status_time IS NULL OR customs_status_time <= ?)
                """, .integer(status), .text(time), r.value("invtNo").map(SQLValue.text) ?? .null, .text(cop), .text(time))
            try delta.add(TradeRollups.inventoryContributions(db, where: "i.cop_no = ?", [.text(cop)]), sign: 1)
        case "CEB606", "CEB624":
            guard status == 399, let invt = r.value("invtNo") else { return }
            try delta.add(TradeRollups.inventoryContributions(db, where: "i.invt_no = ?", [.text(invt)]), sign: -1)
            try db.execute("UPDATE inventory SET cancelled = 1 WHERE invt_no = ?", .text(invt))
        default: return
        }
    }

    public func quarantine(includeResolved: Bool = false, id: Int64? = nil) async throws -> [QuarantineEntry] {
        try await backend.read { db in
            var sql = "SELECT id, digest, source, line, message_type, record_name, record_key, reasons, findings, quarantined_at, resolved_at FROM quarantine"
            var args: [SQLValue] = []
            if let id { sql += " WHERE id = ?"; args.append(.integer(id)) } else if !includeResolved { sql += " WHERE resolved_at IS NULL" }
            return try db.rows(sql + " ORDER BY id", args).map { row in
                QuarantineEntry(id: try row.int("id"), digest: try row.text("digest"), source: try row.text("source"), line: Int(try row.int("line")),
                                messageType: try row.text("message_type"), recordName: try row.text("record_name"), recordKey: try row.text("record_key"),
                                reasons: try row.text("reasons").split(separator: ",").map(String.init), findings: try row.text("findings"),
                                quarantinedAt: try row.text("quarantined_at"), resolvedAt: try row.optionalText("resolved_at"))
            }
        }
    }

    /// The original bytes of a stored file (content-addressed), byte for byte as they came.
    public func messageBytes(digest: String) async throws -> [UInt8]? {
        let stored = try await backend.read { db in
            try db.rows("SELECT bytes, compression, original_size FROM message_blob WHERE digest = ?", .text(digest)).first.map(StoredOriginal.init(row:))
        }
        return try stored?.original(digest: digest)
    }

    /// The records the ledger holds now, read back from their original messages: each record from
    /// the message that stored its current version (a replacement's, not the first), none that was
    /// removed or quarantined. Message types limit what is read (nil: every type).
    public func storedRecords(types: Set<String>? = nil) async throws -> [CEBRecord] {
        let (current, blobs) = try await backend.read { db -> ([String: String], [(String, String, StoredOriginal)]) in
            var current: [String: String] = [:]
            for row in try db.rows("SELECT message_type, natural_key, digest FROM record", []) {
                let type = try row.text("message_type")
                if let types, !types.contains(type) { continue }
                current[type + "|" + (try row.text("natural_key"))] = try row.text("digest")
            }
            let digests = Set(current.values).sorted()
            var blobs: [(String, String, StoredOriginal)] = []
            for chunk in digests.chunked(200) {
                let sql = "SELECT digest, source, bytes, compression, original_size FROM message_blob WHERE digest IN (\(SQLText.placeholders(chunk.count))) ORDER BY digest"
                for row in try db.rows(sql, chunk.map(SQLValue.text)) { blobs.append((try row.text("digest"), try row.text("source"), try StoredOriginal(row: row))) }
            }
            return (current, blobs)
        }
        var out: [CEBRecord] = []
        for (digest, source, stored) in blobs {
            for message in try CEBReader.read(data: Data(try stored.original(digest: digest)), source: source) {
                out += message.records.filter { current[$0.messageType + "|" + LedgerMapping.naturalKey($0)] == digest }
            }
        }
        return out
    }

    /// Marks quarantine entries resolved once their corrected message has been ingested.
    public func resolve(ids: [Int64]) async throws {
        let now = clock.timestamp()
        try await backend.write { db in
            for id in ids { try db.execute("UPDATE quarantine SET resolved_at = ? WHERE id = ?", .text(now), .integer(id)) }
        }
    }

    public enum Dimension: String, CaseIterable, Sendable {
        case code, direction, month, district, country, enterprise
        var column: String {
            switch self {
            case .district: return "COALESCE(e.district, trade.district, '')"
            case .code: return "supervision_code"
            case .direction: return "direction"
            case .month: return "substr(declared_on, 1, 7)"
            case .country: return "COALESCE(country, '')"
            case .enterprise: return "ebc_code"
            }
        }
    }

    /// Inventories and their CNY value, grouped by the dimensions asked for, on the basis given.
    public func stats(by dimensions: [Dimension], basis: StatsBasis = .released) async throws -> [StatsRow] {
        try await backend.read { db in
            let keys = dimensions.isEmpty ? ["'全部'"] : dimensions.map(\.column)
            var conditions: [String] = []
            if !basis.includeCancelled { conditions.append("cancelled = 0") }
            if let s = basis.statuses { conditions.append("customs_status IN (\(s.sorted().map(String.init).joined(separator: ", ")))") }
            // Inventories (CEB) and declarations (报关单) in one shape; a declaration's 放行/结关 counts as 800/899.
            let source = """
                (SELECT supervision_code, direction, declared_on, country, ebc_code, value_fen, cancelled, customs_status, CAST(NULL AS TEXT) AS district
                 FROM inventory
                 UNION ALL
                 SELECT supervision_code, direction, declared_on, country, enterprise_id, value_fen, 0,
                        CASE WHEN status IN ('放行', '800') THEN 800 WHEN status IN ('结关', '899') THEN 899 ELSE NULL END, district
                 FROM declaration) AS trade LEFT JOIN enterprise e ON e.id = trade.ebc_code
                """
            let sql = """
                SELECT \(keys.enumerated().map { "\($0.element) AS k\($0.offset)" }.joined(separator: ", ")),
                       CAST(COUNT(*) AS BIGINT) AS inventories, CAST(COALESCE(SUM(value_fen), 0) AS BIGINT) AS value_fen,
                       CAST(SUM(CASE WHEN value_fen IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS other_currency
                FROM \(source) \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "))
                GROUP BY \(keys.indices.map { "k\($0)" }.joined(separator: ", "))
                ORDER BY \(keys.indices.map { "k\($0)" }.joined(separator: ", "))
                """
            return try db.rows(sql, []).map { row in
                StatsRow(keys: try keys.indices.map { try row.text("k\($0)") }, inventories: Int(try row.int("inventories")),
                         valueFen: try row.int("value_fen"), otherCurrency: Int(try row.int("other_currency")))
            }
        }
    }

    /// Rows per table: what tests and `kuajing stats` use to show the ledger did not move.
    public func counts() async throws -> [String: Int] {
        try await backend.read { db in
            var out: [String: Int] = [:]
            for t in ["message_blob", "record", "inventory", "quarantine", "declaration", "enterprise", "credit_fact",
                      "trade_month_district", "trade_month_enterprise", "rollup_dirty_month", "tier_move", "indicator_entry", "task_update", "task_state"] {
                out[t] = Int(try db.rows("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM \(t)")[0].int("n"))
            }
            return out
        }
    }
}
