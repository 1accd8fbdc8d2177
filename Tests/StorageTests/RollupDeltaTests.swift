import Foundation
import KuajingApp
import KuajingDomain
import KuajingTestSupport
import Testing
@testable import TradeData
@testable import Storage

/// The rollups are kept by delta: random sequences of new inventories, replacements (appType 2),
/// removals (appType 3), receipts, declarations (new, replaced, duplicated) and registry changes,
/// and after every step the rollups equal a full recount (`verify`), on each engine.
enum RollupDeltaChecks {
    static let enterprise = "1105910159" // the ebcCode of the published sample
    static let months = ["20250115", "20250214", "20250305"]

    static func randomSequencesMatchARecount(engine: TestEngine, seed: UInt64, steps: Int = 60) async throws {
        let store = try await engine.store()
        let ledger = store.ledger
        let validator = try Repository.validator()
        var rng = SplitMix64(seed: seed)
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.below(UInt64(xs.count)))] }
        var clock: UInt64 = 20250401000000000
        var history: [String] = []
        var mostRows = 0
        for step in 0..<steps {
            let kind = rng.below(10)
            var op: String
            switch kind {
            case 0...2, 3:
                let cop = "COP\(rng.below(3))"
                let appType = kind == 3 ? "2" : pick(["1", "1", "2", "3"])
                let price = "\(1 + rng.below(500)).\(rng.below(10))"
                let data = try Synthetic.inventory(copNo: cop, appType: appType, price: price, tradeMode: pick(["9610", "9710", "1210"]), ieDate: pick(months))
                for m in try CEBReader.read(data: data, source: "step\(step)") { _ = try await ledger.ingest(m, verdicts: validator.validate(m)) }
                op = "inventory \(cop) appType \(appType) price \(price)"
            case 4, 5, 6:
                let cop = "COP\(rng.below(3))"
                clock += 1000 + rng.below(100_000)
                // Now and then a late receipt (older than the one applied): it must change nothing.
                let time = rng.below(5) == 0 ? clock - 50_000_000 : clock
                let status = pick(["800", "899", "800", "120"])
                let data = try Synthetic.receipt(copNo: cop, status: status, time: String(time))
                for m in try CEBReader.read(data: data, source: "receipt\(step)") { _ = try await ledger.ingest(m, verdicts: validator.validate(m)) }
                op = "receipt \(cop) \(status) at \(time)"
            case 7, 8:
                var csv = "declaration_no,date,direction,supervision_code,enterprise_id,enterprise_name,district,customs_code,country,hs_code,value_cny,currency,value_original,status\n"
                for _ in 0..<(1 + rng.below(3)) {
                    let value = "\(100 + rng.below(90_000)).\(rng.below(100))"
                    csv += "29212025000000000\(rng.below(4)),\(pick(["2025-01-20", "2025-02-11", "2025-03-30"])),\(pick(["E", "I"])),\(pick(["9710", "9810", "1210"])),"
                    csv += "\(pick([enterprise, "91330100MA2H3KLE6C"])),模拟数据企业,\(pick(["滨江区", "西湖区", ""])),2921,USA,6109100021,\(value),CNY,\(value),\(pick(["放行", "结关", "查验"]))\n"
                }
                let data = Data(csv.utf8)
                let result = try DeclarationReader.read(data, codes: validator.codes)
                _ = try await ledger.ingestDeclarations(source: "decl\(step)", bytes: [UInt8](data), digest: SHA256Hex.of(data), result: result)
                op = "declarations \(result.rows.map { "\($0.declarationNo) \($0.status) \($0.valueFen)" })"
            default:
                let district = pick(["滨江区", "西湖区", "萧山区"])
                try await store.registry.upsert([EnterpriseRow(id: pick([enterprise, "91330100MA2H3KLE6C"]), creditCode: nil, name: "模拟数据企业", district: district, synthetic: true)])
                _ = try await store.rollups.refresh()
                op = "registry → \(district)"
            }
            history.append(op)
            let v = try await store.rollups.verify()
            mostRows = max(mostRows, v.checkedRows)
            #expect(v.differences.isEmpty, "seed \(seed), step \(step): \(op)\n\(v.differences.prefix(5).joined(separator: "\n"))\nafter: \(history.suffix(6).joined(separator: "; "))")
            if !v.differences.isEmpty { break }
        }
        // The sequence exercised the rollups: rows counted at some point.
        #expect(mostRows >= 2, "seed \(seed): the rollups never held more than \(mostRows) rows")
        try await store.close()
    }
}

@Suite struct RollupDeltaOnSQLite {
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64]) func randomSequencesMatchARecount(seed: UInt64) async throws {
        try await RollupDeltaChecks.randomSequencesMatchARecount(engine: .sqlite, seed: seed)
    }
}

@Suite(.postgresRequired) struct RollupDeltaOnPostgreSQL {
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64]) func randomSequencesMatchARecount(seed: UInt64) async throws {
        try await RollupDeltaChecks.randomSequencesMatchARecount(engine: .postgres, seed: seed)
    }
}
