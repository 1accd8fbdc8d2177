import Foundation
import Testing
@testable import KuajingCLI
@testable import TradeData
@testable import TradeStore

let shared = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/reference").standardized.path
let samples = shared + "/customs-samples"
var sharedPresent: Bool { FileManager.default.fileExists(atPath: samples + "/xsd/ceb-export-202205.xsd") }

let postgresURL = ProcessInfo.processInfo.environment["KUAJING_TEST_POSTGRES_URL"]

/// The engines the conformance suite runs against: SQLite always; PostgreSQL when the test command
/// started a server (KUAJING_TEST_POSTGRES_URL), each test in a schema of its own. In CI the
/// server is always started, and a missing one fails the run (see `postgresIsThereInCI`).
enum Engine: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }

    static var available: [Engine] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    func ledger() throws -> TradeLedger {
        let backend: any TradeBackend
        switch self {
        case .sqlite:
            backend = try SQLiteBackend(path: FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString).sqlite").path)
        case .postgres:
            backend = try PostgresBackend(url: postgresURL!, schema: "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())
        }
        let ledger = TradeLedger(backend: backend)
        try ledger.migrate()
        return ledger
    }
}

@Test func postgresIsThereInCI() {
    if ProcessInfo.processInfo.environment["CI"] == "true" {
        #expect(postgresURL != nil, "CI must run the storage suite on PostgreSQL too: use scripts/test.sh")
    }
}

/// Builds valid export messages from the published samples: one inventory, with the sample's quirks
/// corrected (SOURCES.md), under the copNo, appType and value asked for.
enum Synthetic {
    static func inventory(copNo: String, appType: String = "1", price: String = "20", tradeMode: String = "9610", ieDate: String = "20250315") throws -> Data {
        var s = try String(contentsOfFile: samples + "/CEB603Message.gacc2018.xml", encoding: .utf8)
        let first = s.range(of: "</ceb:Inventory>")!
        let transfer = s.range(of: "<ceb:BaseTransfer>")!
        s = String(s[..<first.upperBound]) + "\n\t" + String(s[transfer.lowerBound...])
        s = s.replacingOccurrences(of: "<ceb:ieFlag>a</ceb:ieFlag>", with: "<ceb:ieFlag>E</ceb:ieFlag>")
            .replacingOccurrences(of: "<ceb:tradeMode>0101</ceb:tradeMode>", with: "<ceb:tradeMode>\(tradeMode)</ceb:tradeMode>")
            .replacingOccurrences(of: "<ceb:country>001</ceb:country>", with: "<ceb:country>502</ceb:country>")
            .replacingOccurrences(of: "<ceb:copNo>Cop20180507001</ceb:copNo>", with: "<ceb:copNo>\(copNo)</ceb:copNo>")
            .replacingOccurrences(of: "<ceb:appType>1</ceb:appType>", with: "<ceb:appType>\(appType)</ceb:appType>")
            .replacingOccurrences(of: "<ceb:ieDate>20180508</ceb:ieDate>", with: "<ceb:ieDate>\(ieDate)</ceb:ieDate>")
            .replacingOccurrences(of: "<ceb:price>20</ceb:price>", with: "<ceb:price>\(price)</ceb:price>")
        let total = (Decimal(string: price)! * 100) as NSDecimalNumber
        s = s.replacingOccurrences(of: "<ceb:totalPrice>200</ceb:totalPrice>", with: "<ceb:totalPrice>\(total.stringValue)</ceb:totalPrice>")
        return Data(s.utf8)
    }

    static func receipt(copNo: String, status: String, time: String) throws -> Data {
        var s = try String(contentsOfFile: samples + "/CEB604Message.gacc2018.xml", encoding: .utf8)
        if let first = s.range(of: "</ceb:InventoryReturn>"), let end = s.range(of: "</ceb:CEB604Message>") {
            s = String(s[..<first.upperBound]) + "\n" + String(s[end.lowerBound...])
        }
        s = s.replacingOccurrences(of: "<ceb:statisticsFlag>1</ceb:statisticsFlag>", with: "<ceb:statisticsFlag>A</ceb:statisticsFlag>")
            .replacingOccurrences(of: "<ceb:copNo>Cop20180507001</ceb:copNo>", with: "<ceb:copNo>\(copNo)</ceb:copNo>")
            .replacingOccurrences(of: "<ceb:returnStatus>2</ceb:returnStatus>", with: "<ceb:returnStatus>\(status)</ceb:returnStatus>")
            .replacingOccurrences(of: "<ceb:returnTime>20180507153001001</ceb:returnTime>", with: "<ceb:returnTime>\(time)</ceb:returnTime>")
        return Data(s.utf8)
    }
}

@Suite(.serialized) struct LedgerConformanceTests {
    func validator() throws -> CEBValidator {
        try CEBValidator.load(schemaDirectory: samples + "/xsd", codeDirectory: shared + "/customs-codes")
    }

    func ingest(_ ledger: TradeLedger, _ data: Data, _ name: String) throws -> IngestCounts {
        var total = IngestCounts()
        let v = try validator()
        for m in try CEBReader.read(data: data, source: name) { total += try ledger.ingest(m, verdicts: v.validate(m)) }
        return total
    }

    @Test(arguments: Engine.available)
    func migrationsAreNumberedAndRunOnce(engine: Engine) throws {
        let ledger = try engine.ledger()
        try ledger.migrate()
        let versions = try ledger.backend.transaction { db in try db.rows("SELECT version FROM schema_migrations ORDER BY version").map { $0[0].int } }
        #expect(versions == Migrations.all.map { Int64($0.version) })
    }

    @Test(arguments: Engine.available)
    func samplesTwiceChangeNothing(engine: Engine) throws {
        guard sharedPresent else { return }
        let ledger = try engine.ledger()
        var out = ""
        let first = try IngestJob.run(paths: [samples], ledger: ledger, validator: try validator(), out: { out += $0 })
        let before = try ledger.counts()
        let second = try IngestJob.run(paths: [samples], ledger: ledger, validator: try validator(), out: { out += $0 })
        #expect(try ledger.counts() == before)
        #expect(second.accepted == 0 && second.quarantined == 0 && second.updated == 0)
        #expect(first.quarantined == 66)
        #expect(before["message_blob"] == 17)
        #expect(before["quarantine"] == 66)
    }

    @Test(arguments: Engine.available)
    func appTypeUpdatesAndDeletes(engine: Engine) throws {
        guard sharedPresent else { return }
        let ledger = try engine.ledger()
        #expect(try ingest(ledger, Synthetic.inventory(copNo: "COPA"), "a1").accepted == 1)
        #expect(try ingest(ledger, Synthetic.inventory(copNo: "COPA", price: "20.5"), "a1-again").duplicates == 1)
        #expect(try ingest(ledger, Synthetic.inventory(copNo: "COPA", appType: "2", price: "30"), "a2").updated == 1)
        var rows = try ledger.stats(by: [.code, .direction, .month], basis: .anyStatus)
        #expect(rows.count == 1 && rows[0].keys == ["9610", "E", "2025-03"] && rows[0].valueFen == 300_000)
        #expect(try ingest(ledger, Synthetic.inventory(copNo: "COPA", appType: "3"), "a3").deleted == 1)
        rows = try ledger.stats(by: [.code], basis: .anyStatus)
        #expect(rows.isEmpty)
    }

    @Test(arguments: Engine.available)
    func receiptsDecideWhatIsCounted(engine: Engine) throws {
        guard sharedPresent else { return }
        let ledger = try engine.ledger()
        _ = try ingest(ledger, Synthetic.inventory(copNo: "COPB", price: "12.345"), "b")
        _ = try ingest(ledger, Synthetic.inventory(copNo: "COPC", tradeMode: "9710"), "c")
        #expect(try ledger.stats(by: [], basis: .released).isEmpty)
        _ = try ingest(ledger, Synthetic.receipt(copNo: "COPB", status: "800", time: "20250316100000000"), "r1")
        // An older receipt arriving late does not move the status back.
        _ = try ingest(ledger, Synthetic.receipt(copNo: "COPB", status: "120", time: "20250315100000000"), "r0")
        let released = try ledger.stats(by: [.code], basis: .released)
        #expect(released.count == 1 && released[0].keys == ["9610"] && released[0].inventories == 1)
        #expect(released[0].valueFen == 123_450) // 100 × 12.345 = 1,234.50 yuan
        #expect(try ledger.stats(by: [.code], basis: .anyStatus).map(\.keys) == [["9610"], ["9710"]])
    }

    @Test(arguments: Engine.available)
    func malformedFilesAreKeptAndQuarantined(engine: Engine) throws {
        let ledger = try engine.ledger()
        let bytes = Array("<ceb:CEB603Message><ceb:Inventory></ceb:CEB603Message>".utf8)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).xml").path
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        guard sharedPresent else { return }
        var out = ""
        let counts = try IngestJob.run(paths: [path], ledger: ledger, validator: try validator(), out: { out += $0 })
        #expect(counts.quarantinedByReason == ["malformed_xml": 1])
        let entry = try #require(try ledger.quarantine().first)
        #expect(try ledger.messageBytes(digest: entry.digest) == bytes)
        #expect(try IngestJob.run(paths: [path], ledger: ledger, validator: try validator(), out: { out += $0 }).duplicates == 1)
    }

    /// The bulk statements (multi-row VALUES, 200 rows a statement) store text exactly: quotes, backslashes, braces, commas, Chinese, and NULL apart from "NULL".
    @Test(arguments: Engine.available)
    func bulkInsertKeepsTextExactly(engine: Engine) throws {
        let ledger = try engine.ledger()
        let awkward = ["a\"b", "c\\d", "{e,f}", "模拟 数据", "NULL", "", " lead"]
        let rows = try ledger.backend.transaction { db -> [[SQLValue]] in
            try db.execute("INSERT INTO message_blob (digest, source, message_type, bytes, received_at) VALUES (?, ?, ?, ?, ?)",
                           [.text(String(repeating: "b", count: 64)), .text("s"), .text("CEB603"), .blob([0, 1, 2]), .text("t")])
            let values: [[SQLValue]] = awkward.enumerated().map { i, text in
                [.text("CEB603"), .text("Inventory"), .text("k\(i)"), i == 4 ? .null : .text(text), .text(String(repeating: "b", count: 64)),
                 .integer(Int64(i)), .text(text)]
            }
            let returned = try db.insert(LedgerTables.newRecords, rows: values)
            #expect(returned.count == awkward.count)
            return try db.rows("SELECT natural_key, guid, fields FROM record ORDER BY line", [])
        }
        #expect(rows.map { $0[2].string } == awkward)
        #expect(rows[4][1] == .null && rows[0][1] == .text("a\"b"))
    }

    /// A thousand generated records in batches: the same counts and sums on every engine, and the
    /// same again changes nothing.
    @Test(arguments: Engine.available)
    func generatedBatchesStoreAndRepeatCleanly(engine: Engine) throws {
        guard sharedPresent else { return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gen-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try TradeGenerator.write(records: 1000, seed: 11, to: dir)
        let ledger = try engine.ledger()
        var out = ""
        let first = try IngestJob.run(paths: [dir], ledger: ledger, validator: try validator(), out: { out += $0 })
        #expect(first.accepted == 1000 && first.quarantined == 0)
        let again = try IngestJob.run(paths: [dir], ledger: ledger, validator: try validator(), out: { out += $0 })
        #expect(again.duplicates == 1000 && again.accepted == 0)
        let total = try ledger.stats(by: [], basis: .anyStatus)
        #expect(total.first?.inventories == 1000)
        #expect(try ledger.counts()["inventory"] == 1000)
        // The stored sum equals the inventories' values computed from the messages again.
        var expected: Int64 = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: dir) {
            for m in try CEBReader.read(path: dir + "/" + file) {
                for r in m.records { expected += try #require(LedgerMapping.inventory(r)?.valueFen) }
            }
        }
        #expect(total.first?.valueFen == expected)
    }

    @Test(arguments: Engine.available)
    func theDatabaseEnforcesItsInvariants(engine: Engine) throws {
        let ledger = try engine.ledger()
        #expect(throws: (any Error).self) {
            try ledger.backend.transaction { db in
                try db.execute("INSERT INTO message_blob (digest, source, message_type, bytes, received_at) VALUES (?, ?, ?, ?, ?)",
                               [.text(String(repeating: "a", count: 64)), .text("s"), .text("CEB603"), .blob([1]), .text("t")])
                try db.execute("INSERT INTO record (message_type, record_name, natural_key, digest, line, fields) VALUES (?, ?, ?, ?, ?, ?)",
                               [.text("CEB603"), .text("Inventory"), .text("k"), .text(String(repeating: "a", count: 64)), .integer(1), .text("{}")])
                try db.execute("""
                    INSERT INTO inventory (cop_no, ebc_code, direction, supervision_code, declared_on, value_original, record_id)
                    VALUES ('c', 'e', 'X', '9610', '2025-01-01', '1', 1)
                    """, [])
            }
        }
        // Nothing of the failed transaction remains.
        #expect(try ledger.counts()["message_blob"] == 0)
    }
}

@Suite(.serialized) struct DeclarationLedgerTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../TradeDataTests/Fixtures").standardized.path

    @Test(arguments: Engine.available)
    func declarationsAreIdempotentAndCounted(engine: Engine) throws {
        guard sharedPresent else { return }
        let ledger = try engine.ledger()
        let validator = try CEBValidator.load(schemaDirectory: samples + "/xsd", codeDirectory: shared + "/customs-codes")
        var out = ""
        let first = try IngestJob.run(paths: [Self.fixtures + "/declarations-synthetic.csv"], ledger: ledger, validator: validator, out: { out += $0 })
        #expect(first.accepted == 3 && first.quarantined == 2)
        // The same rows in another encoding are another file: nothing changes but the file kept.
        let second = try IngestJob.run(paths: [Self.fixtures + "/declarations-synthetic-gbk.csv"], ledger: ledger, validator: validator, out: { out += $0 })
        #expect(second.accepted == 0 && second.updated == 0 && second.duplicates == 3)
        let released = try ledger.stats(by: [.code], basis: .released)
        #expect(released.map(\.keys) == [["9710"], ["9810"]])
        #expect(released.map(\.valueFen) == [12_500_050, 8_000_000])
        #expect(try ledger.stats(by: [], basis: .anyStatus).first?.inventories == 3)
    }
}
