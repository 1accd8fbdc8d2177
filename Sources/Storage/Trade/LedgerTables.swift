/// The bulk statements of the ledger's tables, the same for ingest and the bare insert loop.
enum LedgerTables {
    static let recordColumns: [(name: String, type: String)] = [
        ("message_type", "text"), ("record_name", "text"), ("natural_key", "text"), ("guid", "text"), ("digest", "text"),
        ("line", "integer"),
    ]

    /// New records; their ids come back by natural key.
    static let newRecords = BulkInsert(table: "record", columns: recordColumns, suffix: "RETURNING message_type, natural_key, id")

    static let inventoryColumns: [(name: String, type: String)] = [
        ("cop_no", "text"), ("ebc_code", "text"), ("direction", "text"), ("supervision_code", "text"), ("enterprise_name", "text"),
        ("customs_code", "text"), ("country", "text"), ("declared_on", "text"), ("currency", "text"), ("value_original", "text"),
        ("value_fen", "bigint"), ("invt_no", "text"), ("order_no", "text"), ("logistics_no", "text"), ("record_id", "bigint"),
        ("hs_chapter", "text"),
    ]

    /// Inventory rows as their records declare them; one declared again replaces the earlier row,
    /// customs status and cancellation included (they come from the receipts that follow).
    static let inventories = BulkInsert(
        table: "inventory", columns: inventoryColumns,
        suffix: "ON CONFLICT (cop_no, ebc_code) DO UPDATE SET "
            + (inventoryColumns.dropFirst(2).map { "\($0.name) = excluded.\($0.name)" } + ["customs_status = NULL", "customs_status_time = NULL", "cancelled = 0"])
            .joined(separator: ", "))

    /// PostgreSQL: a session's staging table for inventories streamed by COPY (`TradeLedger.upsertInventories`).
    static let stagingInventoryTable = "CREATE TEMP TABLE IF NOT EXISTS incoming_inventory (LIKE inventory INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"

    /// The staged inventories into the ledger, as `inventories` would insert them.
    static let inventoriesFromStaging: String = {
        let names = inventoryColumns.map(\.name).joined(separator: ", ")
        return "INSERT INTO inventory (\(names)) SELECT \(names) FROM incoming_inventory " + inventories.suffix
    }()

    /// Declarations (报关单) rows, in the order of the extract.
    static let declarations = BulkInsert(table: "declaration", columns: [
        ("declaration_no", "text"), ("declared_on", "text"), ("direction", "text"), ("supervision_code", "text"), ("enterprise_id", "text"),
        ("enterprise_name", "text"), ("district", "text"), ("customs_code", "text"), ("country", "text"), ("hs_code", "text"),
        ("value_fen", "bigint"), ("currency", "text"), ("value_original", "text"), ("status", "text"), ("digest", "text"), ("line", "integer"),
    ])
}

/// What one write transaction of the ledger keeps from one message to the next: the new records held
/// back to be written together (a handful of statements for the transaction instead of for each
/// message); on PostgreSQL, the record ids taken ahead from the sequence (one statement for the rest
/// of the batch; ids left over are a gap in the sequence, as a rollback leaves) and whether the
/// session's staging table for inventories was made.
final class LedgerWriteSession {
    private var heldBack: [TradeLedger.NewRecord] = []
    private var heldBackKeys: Set<String> = []
    private var heldBackInventories: Set<String> = []
    private var reserved: [Int64] = []
    private var next = 0
    /// Accepted records of the current message and those after it in the transaction.
    var recordsStillToCome = 0
    var stagingReady = false
    /// The import side's events of the transaction's new messages, in order (`ImportTaxLedger`).
    var importEvents: [ImportEvent] = []

    /// The ids stored under the transaction's keys when it began ("type|key" → id; a key looked up
    /// and not found is absent), and the keys a message of the transaction has handled since: those
    /// are looked up again, after what is held back is written.
    private var storedAtStart: [String: Int64] = [:]
    private var lookedUpAtStart: Set<String> = []
    private var handled: Set<String> = []

    /// Looks up, in one statement for the whole transaction rather than one for each message, the
    /// records already stored under the keys of the accepted records of `batch`.
    func lookUpAtStart(_ db: any SQLExecutor, _ batch: [TradeLedger.PreparedMessage]) throws {
        var keysByType: [String: [String]] = [:]
        for m in batch {
            for v in m.verdicts where v.accepted {
                let type = v.record.messageType, key = LedgerMapping.naturalKey(v.record)
                if lookedUpAtStart.insert(type + "|" + key).inserted { keysByType[type, default: []].append(key) }
            }
        }
        for (type, keys) in keysByType.sorted(by: { $0.key < $1.key }) {
            for (key, id) in try TradeLedger.existingRecords(db, type: type, keys: keys) { storedAtStart[type + "|" + key] = id }
        }
    }

    /// The ids stored under these keys now: from the look-up at the start for keys no message of the
    /// transaction has handled, from the tables for the others. What is held back under any of these
    /// keys must have been written first.
    func existing(_ db: any SQLExecutor, type: String, keys: [String]) throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        var again: [String] = []
        for key in keys {
            let k = type + "|" + key
            if lookedUpAtStart.contains(k) && !handled.contains(k) {
                if let id = storedAtStart[k] { out[key] = id }
            } else {
                again.append(key)
            }
        }
        if !again.isEmpty { out.merge(try TradeLedger.existingRecords(db, type: type, keys: again)) { a, _ in a } }
        return out
    }

    /// Records that a message of the transaction has handled these keys (stored, held back,
    /// replaced, removed, or found already there).
    func handled(type: String, keys: [String]) {
        for key in keys { handled.insert(type + "|" + key) }
    }

    /// Whether a record of this type and key is held back (not yet in the tables).
    func holdsBack(type: String, key: String) -> Bool { heldBackKeys.contains(type + "|" + key) }

    /// New records may wait when they carry no receipt (a receipt changes stored inventories now)
    /// and none of their inventories is held back already (one statement cannot upsert a row twice).
    func canHoldBack(_ records: [TradeLedger.NewRecord]) -> Bool {
        var inventories: Set<String> = []
        for n in records {
            if n.record.value("returnStatus") != nil { return false }
            if let key = n.inventoryKey, heldBackInventories.contains(key) || !inventories.insert(key).inserted { return false }
        }
        return true
    }

    func holdBack(_ records: [TradeLedger.NewRecord]) {
        for n in records {
            heldBack.append(n)
            heldBackKeys.insert(n.typeAndKey)
            if let key = n.inventoryKey { heldBackInventories.insert(key) }
        }
    }

    /// Writes the records held back, in the order they came.
    func writeHeldBack(_ db: any SQLExecutor, delta: RollupDelta) throws {
        guard !heldBack.isEmpty else { return }
        let records = heldBack
        heldBack = []
        heldBackKeys = []
        heldBackInventories = []
        try TradeLedger.insertRecords(db, records, delta: delta, session: self)
    }

    /// `count` ids for new records (PostgreSQL): those taken ahead first; when they run out, enough
    /// for the records still to come, in one statement.
    func recordIDs(_ db: any SQLExecutor, count: Int) throws -> [Int64] {
        if reserved.count - next < count {
            reserved = Array(reserved[next...])
            next = 0
            reserved += try Self.take(db, max(count, recordsStillToCome) - reserved.count)
        }
        defer { next += count }
        return Array(reserved[next..<next + count])
    }

    static func take(_ db: any SQLExecutor, _ count: Int) throws -> [Int64] {
        let rows = try db.rows("SELECT nextval(pg_get_serial_sequence('record', 'id')) AS id FROM generate_series(1, ?)", [.integer(Int64(count))])
        guard rows.count == count else { throw StorageError.engine("序列给出 \(rows.count) 个记录编号，应为 \(count) 个") }
        return try rows.map { try $0.int("id") }
    }
}
