import Foundation

/// The writer's limit, for docs/benchmarks.md: the rows a ledger holds (messages, records,
/// inventories) read back into memory, then inserted into an empty ledger by a bare loop with the
/// bulk statements and transactions `ingest` uses (one statement per message blob; records and
/// inventories by `copy`: COPY on PostgreSQL, `BulkInsert` on SQLite; about a thousand records per
/// commit) and nothing else:
/// no reading, validating, compressing, key look-ups or mapping. `ingest`'s storing time over this time
/// is how close the writer is to what the database itself costs.
public enum BareInsertLoop {
    public struct Rows: Sendable {
        /// Per message: its blob row, its records, and its records' inventory rows.
        public var messages: [(blob: [SQLValue], records: [[SQLValue]], inventories: [[SQLValue]])] = []
        public var recordCount: Int { messages.reduce(0) { $0 + $1.records.count } }
    }

    /// Records with their ids (kept, so inventories point at them); inventories as they are.
    static let records = BulkInsert(table: "record", columns: [("id", "bigint")] + LedgerTables.recordColumns)
    static let inventories = BulkInsert(table: "inventory", columns: LedgerTables.inventoryColumns)

    public static func load(from store: Store) async throws -> Rows {
        try await store.backend.read { db in
            var byDigest: [String: Int] = [:]
            var rows = Rows()
            for blob in try db.rows("SELECT digest, source, message_type, bytes, compression, original_size, received_at FROM message_blob ORDER BY digest") {
                byDigest[try blob.text("digest")] = rows.messages.count
                rows.messages.append((blob.rawValues, [], []))
            }
            var messageOfRecord: [Int64: Int] = [:]
            for r in try db.rows("SELECT \(records.columns.map(\.name).joined(separator: ", ")) FROM record ORDER BY id") {
                guard let m = byDigest[try r.text("digest")] else { continue }
                rows.messages[m].records.append(r.rawValues)
                messageOfRecord[try r.int("id")] = m
            }
            for inv in try db.rows("SELECT \(inventories.columns.map(\.name).joined(separator: ", ")) FROM inventory") {
                guard let m = messageOfRecord[try inv.int("record_id")] else { continue }
                rows.messages[m].inventories.append(inv.rawValues)
            }
            return rows
        }
    }

    /// Inserts `rows` into `ledger` (migrated, empty) and returns the time it took.
    public static func insert(_ rows: Rows, into store: Store, recordsPerCommit: Int = 1000) async throws -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        var next = 0
        while next < rows.messages.count {
            var end = next, count = 0
            while end < rows.messages.count, count < recordsPerCommit {
                count += rows.messages[end].records.count
                end += 1
            }
            let slice = rows.messages[next..<end]
            try await store.backend.write { db in
                for m in slice {
                    try db.execute("INSERT INTO message_blob (digest, source, message_type, bytes, compression, original_size, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)", m.blob)
                    // As ingest writes them: COPY on PostgreSQL, multi-row inserts on SQLite.
                    try db.copy(into: "record", columns: records.columns.map(\.name), rows: m.records)
                    try db.copy(into: "inventory", columns: inventories.columns.map(\.name), rows: m.inventories)
                }
            }
            next = end
        }
        return clock.now - start
    }
}
