import Foundation
import KuajingTestSupport
import Testing
@testable import TradeData
@testable import Storage

/// The HS chapter of the 运行监测: an inventory is filed under the chapter of its line of largest
/// value; the district rollup carries the chapter, on each engine.
enum HSChapterChecks {
    static func released(_ engine: TestEngine) async throws {
        let store = try await engine.store()
        let validator = try Repository.validator()
        let data = try Synthetic.inventory(copNo: "HS1", price: "30", ieDate: "20250310")
        for m in try CEBReader.read(data: data, source: "hs") { _ = try await store.ledger.ingest(m, verdicts: validator.validate(m)) }
        let receipt = try Synthetic.receipt(copNo: "HS1", status: "800", time: "20250311100000000")
        for m in try CEBReader.read(data: receipt, source: "hs-receipt") { _ = try await store.ledger.ingest(m, verdicts: validator.validate(m)) }
        let rows = try await store.rollups.monitor(by: [.chapter], filter: .init(), reach: nil)
        #expect(rows.map(\.keys) == [["85"]], "the sample's gcode 8541401000")
        var filter = TradeRollups.MonitorFilter()
        filter.chapters = ["61"]
        #expect(try await store.rollups.monitor(by: [], filter: filter, reach: nil).isEmpty)
        #expect(try await store.rollups.verify().differences.isEmpty)
        try await store.close()
    }
}

@Suite struct HSChapterTests {
    @Test(arguments: [("8541401000", "85"), ("6109100021", "61"), ("", ""), ("x1", "")])
    func theChapterIsTheFirstTwoDigitsOfTheGoodsCode(gcode: String, chapter: String) throws {
        let data = String(decoding: try Synthetic.inventory(copNo: "C1"), as: UTF8.self)
            .replacingOccurrences(of: "<ceb:gcode>8541401000</ceb:gcode>", with: gcode.isEmpty ? "" : "<ceb:gcode>\(gcode)</ceb:gcode>")
        let record = try #require(try CEBReader.read(data: Data(data.utf8), source: "t").first?.records.first)
        #expect(LedgerMapping.inventory(record)?.hsChapter == chapter)
    }

    @Test func onSQLite() async throws { try await HSChapterChecks.released(.sqlite) }
}

@Suite(.postgresRequired) struct HSChapterOnPostgreSQL {
    @Test func onPostgreSQL() async throws { try await HSChapterChecks.released(.postgres) }
}
