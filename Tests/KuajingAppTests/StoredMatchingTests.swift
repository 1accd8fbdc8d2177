import Foundation
import KuajingApp
import KuajingTestSupport
import Testing
import TradeData
import Storage

/// 三单对碰 over the stored ledger gives what matching the accepted records of the same messages gives.
enum StoredMatching {
    static func summary(_ orders: [ThreeDocumentMatch.OrderResult], _ unlinked: [(ThreeDocumentMatch.Document, String)]) -> [String] {
        orders.map { "\($0.orderNo)|\($0.ebpCode)|\($0.missing.map(\.rawValue))|\($0.mismatches.map(\.description))" }.sorted()
            + unlinked.map { "unlinked \($0.0.rawValue) \($0.1)" }.sorted()
    }

    static func storedEqualsTheAcceptedRecords(engine: TestEngine) async throws {
        let store = try await engine.store()
        let context = try testContext(store: store)
        _ = try await TradeIngest(context).run(paths: [Repository.samples])
        let stored = try await OrderMatching(context).matchStored()
        // The same messages read again, keeping the records validation accepted.
        let validator = try Repository.validator()
        var accepted: [CEBRecord] = []
        for source in try MessageSource.expand([Repository.samples]) where !source.isDeclarations {
            guard let messages = try? CEBReader.read(data: try source.load(), source: source.name) else { continue }
            for m in messages where OrderMatching.types.contains(m.type) {
                accepted += validator.validate(m).filter(\.accepted).map(\.record)
            }
        }
        let results = ThreeDocumentMatch.match(accepted)
        #expect(!stored.orders.isEmpty || !stored.unlinked.isEmpty)
        #expect(summary(stored.orders, stored.unlinked.map { ($0.document, $0.orderNo) }) == summary(results, ThreeDocumentMatch.unlinked(accepted, results: results)))
        try await store.close()
    }
}

@Suite struct StoredMatchingOnSQLite {
    @Test func storedEqualsTheAcceptedRecords() async throws { try await StoredMatching.storedEqualsTheAcceptedRecords(engine: .sqlite) }
}

@Suite(.postgresRequired) struct StoredMatchingOnPostgreSQL {
    @Test func storedEqualsTheAcceptedRecords() async throws { try await StoredMatching.storedEqualsTheAcceptedRecords(engine: .postgres) }
}
