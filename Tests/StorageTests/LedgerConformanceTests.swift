import Foundation
import KuajingDomain
import KuajingApp
import KuajingTestSupport
import Testing
@testable import TradeData
@testable import Storage

let samples = Repository.samples

@Test func postgresIsThereInCI() {
    if ProcessInfo.processInfo.environment["CI"] == "true" {
        #expect(TestEngine.postgresURL != nil, "CI must run the storage suite on PostgreSQL too: use scripts/test.sh")
    }
}

func ingestFiles(_ store: Store, paths: [String]) async throws -> IngestCounts {
    try await TradeIngest(testContext(store: store)).run(paths: paths).counts
}

enum LedgerConformanceTests {
    static func validator() throws -> CEBValidator { try Repository.validator() }

    static func ingest(_ ledger: TradeLedger, _ data: Data, _ name: String) async throws -> IngestCounts {
        var total = IngestCounts()
        let v = try validator()
        for m in try CEBReader.read(data: data, source: name) { total += try await ledger.ingest(m, verdicts: v.validate(m)) }
        return total
    }



    static func migrationsAreNumberedAndRunOnce(engine: TestEngine) async throws {
        let store = try await engine.store()
        #expect(try await store.migrate().isEmpty)
        #expect(try await Migrator.appliedVersions(store.backend) == Migrations.all.map(\.version))
    }

    static func samplesTwiceChangeNothing(engine: TestEngine) async throws {
        let store = try await engine.store()
        let ledger = store.ledger
        let first = try await ingestFiles(store, paths: [samples])
        let before = try await ledger.counts()
        let second = try await ingestFiles(store, paths: [samples])
        #expect(try await ledger.counts() == before)
        #expect(second.accepted == 0 && second.quarantined == 0 && second.updated == 0)
        #expect(first.quarantined == 66)
        // 17 official samples and the corrected CEB621 copy (customs-samples/corrected, whose 10 records pass).
        #expect(before["message_blob"] == 18)
        #expect(before["quarantine"] == 66)
    }

    static func appTypeUpdatesAndDeletes(engine: TestEngine) async throws {
        let store = try await engine.store()
        let ledger = store.ledger
        #expect(try await ingest(ledger, Synthetic.inventory(copNo: "COPA"), "a1").accepted == 1)
        #expect(try await ingest(ledger, Synthetic.inventory(copNo: "COPA", price: "20.5"), "a1-again").duplicates == 1)
        #expect(try await ingest(ledger, Synthetic.inventory(copNo: "COPA", appType: "2", price: "30"), "a2").updated == 1)
        var rows = try await ledger.stats(by: [.code, .direction, .month], basis: .anyStatus)
        #expect(rows.count == 1 && rows[0].keys == ["9610", "E", "2025-03"] && rows[0].valueFen == 300_000)
        #expect(try await ingest(ledger, Synthetic.inventory(copNo: "COPA", appType: "3"), "a3").deleted == 1)
        rows = try await ledger.stats(by: [.code], basis: .anyStatus)
        #expect(rows.isEmpty)
    }

    static func receiptsDecideWhatIsCounted(engine: TestEngine) async throws {
        let store = try await engine.store()
        let ledger = store.ledger
        _ = try await ingest(ledger, Synthetic.inventory(copNo: "COPB", price: "12.345"), "b")
        _ = try await ingest(ledger, Synthetic.inventory(copNo: "COPC", tradeMode: "9710"), "c")
        #expect(try await ledger.stats(by: [], basis: .released).isEmpty)
        _ = try await ingest(ledger, Synthetic.receipt(copNo: "COPB", status: "800", time: "20250316100000000"), "r1")
        // An older receipt arriving late does not move the status back.
        _ = try await ingest(ledger, Synthetic.receipt(copNo: "COPB", status: "120", time: "20250315100000000"), "r0")
        let released = try await ledger.stats(by: [.code], basis: .released)
        #expect(released.count == 1 && released[0].keys == ["9610"] && released[0].inventories == 1)
        #expect(released[0].valueFen == 123_450) // 100 × 12.345 = 1,234.50 yuan
        #expect(try await ledger.stats(by: [.code], basis: .anyStatus).map(\.keys) == [["9610"], ["9710"]])
    }

    static func malformedFilesAreKeptAndQuarantined(engine: TestEngine) async throws {
        let store = try await engine.store()
        let ledger = store.ledger
        let bytes = Array("<ceb:CEB603Message><ceb:Inventory></ceb:CEB603Message>".utf8)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).xml").path
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let counts = try await ingestFiles(store, paths: [path])
        #expect(counts.quarantinedByReason == ["malformed_xml": 1])
        let entry = try #require(try await ledger.quarantine().first)
        #expect(try await ledger.messageBytes(digest: entry.digest) == bytes)
        #expect(try await ingestFiles(store, paths: [path]).duplicates == 1)
    }

    /// Every original is stored once, compressed, and read back byte for byte; a row stored before
    /// migration 12 (as it came) reads as before; a stored original that no longer matches its
    /// SHA-256 is an error, never other bytes.
    static func originalsAreStoredOnceCompressedAndExact(engine: TestEngine) async throws {
        let store = try await engine.store()
        let ledger = store.ledger
        let dir = try Repository.temporaryDirectory("originals")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try TradeGenerator.write(records: 300, seed: 5, to: dir)
        #expect(try await ingestFiles(store, paths: [dir]).accepted == 300)
        let stored = try await store.backend.read { db in
            try db.rows("SELECT digest, compression, original_size, bytes FROM message_blob ORDER BY digest", []).map {
                (try $0.text("digest"), try $0.text("compression"), Int(try $0.int("original_size")), try $0.bytes("bytes").count)
            }
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(stored.count == files.count)
        for (digest, compression, size, length) in stored {
            #expect(compression == "zlib" && length * 5 < size)
        }
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file)))
            #expect(try await ledger.messageBytes(digest: SHA256Hex.of(Data(bytes))) == bytes)
        }
        // The records' detail comes from the originals: the stored records equal those of the files.
        let fromFiles = try files.flatMap { try CEBReader.read(path: dir + "/" + $0).flatMap(\.records) }.map(LedgerMapping.naturalKey).sorted()
        #expect(try await ledger.storedRecords().map(LedgerMapping.naturalKey).sorted() == fromFiles)

        let old = Array("<as it came before migration 12/>".utf8)
        let oldDigest = SHA256Hex.of(Data(old))
        try await store.backend.write { db in
            try db.execute("INSERT INTO message_blob (digest, source, message_type, bytes, original_size, received_at) VALUES (?, ?, ?, ?, ?, ?)",
                           [.text(oldDigest), .text("old.xml"), .text("?"), .blob(old), .integer(Int64(old.count)), .text("t")])
        }
        #expect(try await ledger.messageBytes(digest: oldDigest) == old)

        let first = try #require(stored.first?.0)
        try await store.backend.write { db in
            try db.execute("UPDATE message_blob SET bytes = ?, compression = 'none' WHERE digest = ?", [.blob(Array("not the original".utf8)), .text(first)])
        }
        await #expect(throws: StorageError.self) { _ = try await ledger.messageBytes(digest: first) }
    }

    /// The bulk statements (multi-row VALUES, 200 rows a statement) store text exactly: quotes, backslashes, braces, commas, Chinese, and NULL apart from "NULL".
    static func bulkInsertKeepsTextExactly(engine: TestEngine) async throws {
        let store = try await engine.store()
        let awkward = ["a\"b", "c\\d", "{e,f}", "模拟 数据", "NULL", "", " lead"]
        let rows = try await store.backend.write { db -> [[SQLValue]] in
            try db.execute("INSERT INTO message_blob (digest, source, message_type, bytes, received_at) VALUES (?, ?, ?, ?, ?)",
                           [.text(String(repeating: "b", count: 64)), .text("s"), .text("CEB603"), .blob([0, 1, 2]), .text("t")])
            let values: [[SQLValue]] = awkward.enumerated().map { i, text in
                [.text("CEB603"), .text("Inventory"), .text(text), i == 4 ? .null : .text(text), .text(String(repeating: "b", count: 64)), .integer(Int64(i))]
            }
            let returned = try db.insert(LedgerTables.newRecords, rows: values)
            #expect(returned.count == awkward.count)
            return try db.rows("SELECT natural_key, guid FROM record ORDER BY line", []).map(\.rawValues)
        }
        #expect(rows.map { $0[0] } == awkward.map(SQLValue.text))
        #expect(rows[4][1] == .null && rows[0][1] == .text("a\"b"))
    }

    /// `copy` (COPY … FROM STDIN on PostgreSQL) stores text exactly too: backslashes, tabs, line
    /// breaks, "\\N" apart from NULL, Chinese; a blob byte for byte; a broken foreign key fails the
    /// transaction as an INSERT would.
    static func copyKeepsValuesExactly(engine: TestEngine) async throws {
        let store = try await engine.store()
        let awkward = ["a\tb", "c\\d", "line\nbreak", "cr\rlf", "\\N", "模拟 数据", "NULL", "", " lead"]
        let digest = String(repeating: "c", count: 64)
        let blob: [UInt8] = [0, 1, 0x5C, 0x09, 0x0A, 255]
        let (rows, stored) = try await store.backend.write { db -> ([[SQLValue]], [UInt8]) in
            try db.copy(into: "message_blob", columns: ["digest", "source", "message_type", "bytes", "received_at"],
                        rows: [[.text(digest), .text("s"), .text("CEB603"), .blob(blob), .text("t")]])
            try db.copy(into: "record", columns: ["id", "message_type", "record_name", "natural_key", "guid", "digest", "line"],
                        rows: awkward.enumerated().map { i, text in
                            [.integer(Int64(100 + i)), .text("CEB603"), .text("Inventory"), .text(text), i == 6 ? .null : .text(text), .text(digest), .integer(Int64(i))]
                        })
            let rows = try db.rows("SELECT natural_key, guid FROM record ORDER BY line", []).map(\.rawValues)
            return (rows, try db.rows("SELECT bytes FROM message_blob", [])[0].bytes("bytes"))
        }
        #expect(rows.map { $0[0] } == awkward.map(SQLValue.text))
        #expect(rows[6][1] == .null && rows[4][1] == .text("\\N"))
        #expect(stored == blob)
        await #expect(throws: StorageError.self) {
            try await store.backend.write { db in
                try db.copy(into: "record", columns: ["id", "message_type", "record_name", "natural_key", "digest", "line"],
                            rows: [[.integer(1), .text("CEB603"), .text("Inventory"), .text("orphan"), .text(String(repeating: "d", count: 64)), .integer(1)]])
            }
        }
        #expect(try await store.ledger.counts()["record"] == awkward.count)
    }

    /// A thousand generated records in batches: the same counts and sums on every engine, and the
    /// same again changes nothing.
    static func generatedBatchesStoreAndRepeatCleanly(engine: TestEngine) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gen-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try TradeGenerator.write(records: 1000, seed: 11, to: dir)
        let store = try await engine.store()
        let ledger = store.ledger
        let first = try await ingestFiles(store, paths: [dir])
        #expect(first.accepted == 1000 && first.quarantined == 0)
        let again = try await ingestFiles(store, paths: [dir])
        #expect(again.duplicates == 1000 && again.accepted == 0)
        let total = try await ledger.stats(by: [], basis: .anyStatus)
        #expect(total.first?.inventories == 1000)
        #expect(try await ledger.counts()["inventory"] == 1000)
        // The stored sum equals the inventories' values computed from the messages again.
        var expected: Int64 = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: dir) {
            for m in try CEBReader.read(path: dir + "/" + file) {
                for r in m.records { expected += try #require(LedgerMapping.inventory(r)?.valueFen) }
            }
        }
        #expect(total.first?.valueFen == expected)
    }

    /// A row is read by column name and type: another type or a missing column is an error, never a default.
    static func rowsAreDecodedByColumnAndType(engine: TestEngine) async throws {
        let store = try await engine.store()
        let row = try #require(try await store.backend.read { db in try db.rows("SELECT 'x' AS word, CAST(7 AS BIGINT) AS n, NULL AS blank", []).first })
        #expect(try row.text("word") == "x" && row.int("n") == 7 && row.optionalText("blank") == nil)
        #expect(throws: StorageError.self) { try row.int("word") }
        #expect(throws: StorageError.self) { try row.text("n") }
        #expect(throws: StorageError.self) { try row.text("blank") }
        #expect(throws: StorageError.self) { try row.text("absent") }
    }

    static func theDatabaseEnforcesItsInvariants(engine: TestEngine) async throws {
        let store = try await engine.store()
        let ledger = store.ledger
        await #expect(throws: StorageError.self) {
            try await store.backend.write { db in
                try db.execute("INSERT INTO message_blob (digest, source, message_type, bytes, received_at) VALUES (?, ?, ?, ?, ?)",
                               [.text(String(repeating: "a", count: 64)), .text("s"), .text("CEB603"), .blob([1]), .text("t")])
                try db.execute("INSERT INTO record (message_type, record_name, natural_key, digest, line) VALUES (?, ?, ?, ?, ?)",
                               [.text("CEB603"), .text("Inventory"), .text("k"), .text(String(repeating: "a", count: 64)), .integer(1)])
                try db.execute("""
                    INSERT INTO inventory (cop_no, ebc_code, direction, supervision_code, declared_on, value_original, record_id)
                    VALUES ('c', 'e', 'X', '9610', '2025-01-01', '1', 1)
                    """, [])
            }
        }
        // Nothing of the failed transaction remains.
        #expect(try await ledger.counts()["message_blob"] == 0)
    }
}

enum DeclarationLedgerTests {
    static let fixtures = Repository.root + "/Tests/TradeDataTests/Fixtures"

    static func declarationsAreIdempotentAndCounted(engine: TestEngine) async throws {
        let store = try await engine.store()
        let ledger = store.ledger
        let first = try await ingestFiles(store, paths: [Self.fixtures + "/declarations-synthetic.csv"])
        #expect(first.accepted == 3 && first.quarantined == 2)
        // The same rows in another encoding are another file: nothing changes but the file kept.
        let second = try await ingestFiles(store, paths: [Self.fixtures + "/declarations-synthetic-gbk.csv"])
        #expect(second.accepted == 0 && second.updated == 0 && second.duplicates == 3)
        let released = try await ledger.stats(by: [.code], basis: .released)
        #expect(released.map(\.keys) == [["9710"], ["9810"]])
        #expect(released.map(\.valueFen) == [12_500_050, 8_000_000])
        #expect(try await ledger.stats(by: [], basis: .anyStatus).first?.inventories == 3)
    }
}

// Each storage test on each engine; the PostgreSQL suites are skipped, with the reason, when no server is there.
@Suite struct LedgerConformanceOnSQLite {
    @Test func migrationsAreNumberedAndRunOnce() async throws { try await LedgerConformanceTests.migrationsAreNumberedAndRunOnce(engine: .sqlite) }
    @Test func samplesTwiceChangeNothing() async throws { try await LedgerConformanceTests.samplesTwiceChangeNothing(engine: .sqlite) }
    @Test func appTypeUpdatesAndDeletes() async throws { try await LedgerConformanceTests.appTypeUpdatesAndDeletes(engine: .sqlite) }
    @Test func receiptsDecideWhatIsCounted() async throws { try await LedgerConformanceTests.receiptsDecideWhatIsCounted(engine: .sqlite) }
    @Test func malformedFilesAreKeptAndQuarantined() async throws { try await LedgerConformanceTests.malformedFilesAreKeptAndQuarantined(engine: .sqlite) }
    @Test func bulkInsertKeepsTextExactly() async throws { try await LedgerConformanceTests.bulkInsertKeepsTextExactly(engine: .sqlite) }
    @Test func generatedBatchesStoreAndRepeatCleanly() async throws { try await LedgerConformanceTests.generatedBatchesStoreAndRepeatCleanly(engine: .sqlite) }
    @Test func theDatabaseEnforcesItsInvariants() async throws { try await LedgerConformanceTests.theDatabaseEnforcesItsInvariants(engine: .sqlite) }
    @Test func rowsAreDecodedByColumnAndType() async throws { try await LedgerConformanceTests.rowsAreDecodedByColumnAndType(engine: .sqlite) }
    @Test func originalsAreStoredOnceCompressedAndExact() async throws { try await LedgerConformanceTests.originalsAreStoredOnceCompressedAndExact(engine: .sqlite) }
    @Test func copyKeepsValuesExactly() async throws { try await LedgerConformanceTests.copyKeepsValuesExactly(engine: .sqlite) }
}

@Suite(.postgresRequired) struct LedgerConformanceOnPostgreSQL {
    @Test func migrationsAreNumberedAndRunOnce() async throws { try await LedgerConformanceTests.migrationsAreNumberedAndRunOnce(engine: .postgres) }
    @Test func samplesTwiceChangeNothing() async throws { try await LedgerConformanceTests.samplesTwiceChangeNothing(engine: .postgres) }
    @Test func appTypeUpdatesAndDeletes() async throws { try await LedgerConformanceTests.appTypeUpdatesAndDeletes(engine: .postgres) }
    @Test func receiptsDecideWhatIsCounted() async throws { try await LedgerConformanceTests.receiptsDecideWhatIsCounted(engine: .postgres) }
    @Test func malformedFilesAreKeptAndQuarantined() async throws { try await LedgerConformanceTests.malformedFilesAreKeptAndQuarantined(engine: .postgres) }
    @Test func bulkInsertKeepsTextExactly() async throws { try await LedgerConformanceTests.bulkInsertKeepsTextExactly(engine: .postgres) }
    @Test func generatedBatchesStoreAndRepeatCleanly() async throws { try await LedgerConformanceTests.generatedBatchesStoreAndRepeatCleanly(engine: .postgres) }
    @Test func theDatabaseEnforcesItsInvariants() async throws { try await LedgerConformanceTests.theDatabaseEnforcesItsInvariants(engine: .postgres) }
    @Test func rowsAreDecodedByColumnAndType() async throws { try await LedgerConformanceTests.rowsAreDecodedByColumnAndType(engine: .postgres) }
    @Test func originalsAreStoredOnceCompressedAndExact() async throws { try await LedgerConformanceTests.originalsAreStoredOnceCompressedAndExact(engine: .postgres) }
    @Test func copyKeepsValuesExactly() async throws { try await LedgerConformanceTests.copyKeepsValuesExactly(engine: .postgres) }
}

@Suite struct DeclarationLedgerOnSQLite {
    @Test func declarationsAreIdempotentAndCounted() async throws { try await DeclarationLedgerTests.declarationsAreIdempotentAndCounted(engine: .sqlite) }
}

@Suite(.postgresRequired) struct DeclarationLedgerOnPostgreSQL {
    @Test func declarationsAreIdempotentAndCounted() async throws { try await DeclarationLedgerTests.declarationsAreIdempotentAndCounted(engine: .postgres) }
}
