import Foundation
import KuajingDomain
import KuajingTestSupport
import Testing
@testable import TradeData
@testable import Storage

/// Several messages in one transaction store exactly what the same messages store one transaction
/// each: the new records that the ledger holds back to write together (`LedgerWriteSession`) are
/// written before anything that reads or changes stored rows. Random sequences of new inventories,
/// replacements, removals, repeats and receipts (late ones too) over a few keys, on each engine.
enum BatchedIngestChecks {
    static func messages(seed: UInt64, count: Int) throws -> [CEBMessage] {
        var rng = SplitMix64(seed: seed)
        var clock: UInt64 = 20250401000000000
        // A receipt before its inventory (it finds nothing to change), then the inventory.
        var out = try CEBReader.read(data: Synthetic.receipt(copNo: "COPZ", status: "800", time: String(clock)), source: "early receipt")
            + CEBReader.read(data: Synthetic.inventory(copNo: "COPZ"), source: "late inventory")
        for step in 0..<count {
            let cop = "COP\(rng.below(10))"
            let data: Data
            if rng.below(3) == 0 {
                clock += 1000 + rng.below(100_000)
                let time = rng.below(5) == 0 ? clock - 50_000_000 : clock
                data = try Synthetic.receipt(copNo: cop, status: ["800", "899", "120"][Int(rng.below(3))], time: String(time))
            } else {
                data = try Synthetic.inventory(copNo: cop, appType: ["1", "1", "2", "3"][Int(rng.below(4))], price: "\(1 + rng.below(50))",
                                               ieDate: ["20250115", "20250214"][Int(rng.below(2))])
            }
            out += try CEBReader.read(data: data, source: "m\(step)")
        }
        return out
    }

    /// What the ledger holds, as text, in a fixed order (ids left out: only their links matter).
    static func contents(_ store: Store) async throws -> [String] {
        try await store.backend.read { db in
            let records = try db.rows("SELECT message_type, natural_key, digest, line FROM record ORDER BY message_type, natural_key", []).map {
                $0.rawValues.map(\.description).joined(separator: "|")
            }
            let inventories = try db.rows("""
                SELECT i.cop_no, i.ebc_code, i.value_fen, i.customs_status, i.customs_status_time, i.cancelled, i.declared_on, i.invt_no, r.natural_key, r.digest
                FROM inventory i JOIN record r ON r.id = i.record_id ORDER BY i.cop_no, i.ebc_code
                """, []).map { $0.rawValues.map(\.description).joined(separator: "|") }
            let rollups = try db.rows("SELECT * FROM trade_month_district ORDER BY 1, 2, 3, 4, 5, 6", []).map { $0.rawValues.map(\.description).joined(separator: "|") }
            return records + ["--"] + inventories + ["--"] + rollups
        }
    }

    static func oneTransactionEqualsOneEach(engine: TestEngine, seed: UInt64) async throws {
        let validator = try Repository.validator()
        let all = try messages(seed: seed, count: 80).map { ($0, validator.validate($0)) }
        let single = try await engine.store(), batched = try await engine.store()
        var one = IngestCounts(), many = IngestCounts()
        for (m, v) in all { one += try await single.ledger.ingest(m, verdicts: v) }
        // Batches of random sizes, the whole sequence in one of them for seed 1.
        var rng = SplitMix64(seed: seed &* 31)
        var start = 0
        while start < all.count {
            let size = seed == 1 ? all.count : 1 + Int(rng.below(12))
            let end = min(all.count, start + size)
            many += try await batched.ledger.ingest(batch: all[start..<end].map { (message: $0.0, verdicts: $0.1) })
            start = end
        }
        #expect(many == one)
        #expect(try await contents(batched) == contents(single))
        #expect(try await batched.rollups.verify().differences.isEmpty)
        #expect(one.accepted > 0 && one.updated + one.deleted > 0, "seed \(seed): the sequence exercised new, replaced and removed records")
        try await single.close()
        try await batched.close()
    }
}

@Suite struct BatchedIngestOnSQLite {
    @Test(arguments: [1, 2, 3, 4] as [UInt64]) func oneTransactionEqualsOneEach(seed: UInt64) async throws {
        try await BatchedIngestChecks.oneTransactionEqualsOneEach(engine: .sqlite, seed: seed)
    }
}

@Suite(.postgresRequired) struct BatchedIngestOnPostgreSQL {
    @Test(arguments: [1, 2, 3, 4] as [UInt64]) func oneTransactionEqualsOneEach(seed: UInt64) async throws {
        try await BatchedIngestChecks.oneTransactionEqualsOneEach(engine: .postgres, seed: seed)
    }
}
