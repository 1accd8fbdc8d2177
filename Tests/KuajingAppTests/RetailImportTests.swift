import Foundation
@testable import KuajingApp
import KuajingDomain
import KuajingTestSupport
import PolicyEngine
import Testing
import Storage
import TradeData

typealias ImportGen = ImportTradeGenerator

/// The retail-import side of the ledger on each engine: every stored 申报清单 taxed at ingest, each
/// buyer's yearly quota by delta equal to a recount after random orders, replacements, removals,
/// returns and their receipts; concurrent ingests of one buyer never pass the yearly limit.
enum RetailImportChecks {
    static let regime = try! RetailImportRegime.load(path: Repository.policies + "/retail-import/retail-import-tax.yaml")
    static let validator = try! Repository.validator()

    static func ledger(_ store: Store) -> TradeLedger {
        TradeLedger(backend: store.backend, clock: store.clock, importTax: RegimeAssessor(regime: regime))
    }

    static func ingest(_ ledger: TradeLedger, _ xml: String, _ source: String) async throws {
        for m in try CEBReader.read(data: Data(xml.utf8), source: source) {
            let verdicts = validator.validate(m)
            let refused = verdicts.filter { !$0.accepted }.flatMap(\.reasons)
            #expect(refused.isEmpty, "\(source): \(refused)")
            _ = try await ledger.ingest(m, verdicts: verdicts)
        }
    }

    static func order(_ n: Int, buyer: Int, day: String = "20250310", fen: Int64, qty: Int = 1, hs: String = "6109100022", appType: String = "1", lines: Int = 1) -> ImportGen.Order {
        ImportGen.Order(copNo: String(format: "TIMP%012d", n), invtNo: String(format: "29212025I%09d", n), buyerID: ImportGen.buyerID(buyer), declared: day,
                  lines: (0..<lines).map { _ in ImportGen.Line(hsCode: hs, name: "模拟商品", quantity: qty, priceFen: fen) }, appType: appType)
    }

    /// Known orders: the worked cases as stored 申报清单, then a return in time and one too late.
    static func workedCasesOnTheLedger(engine: TestEngine) async throws {
        let store = try await engine.store()
        let ledger = ledger(store)
        let t1 = order(1, buyer: 1, fen: 82_000)
        let t2 = order(2, buyer: 2, fen: 100_000, hs: "3304990099")
        let over = order(3, buyer: 3, fen: 300_000, lines: 2)
        let oneItem = order(4, buyer: 4, fen: 800_000)
        try await ingest(ledger, ImportGen.inventories([t1, t2, over, oneItem], guid: "w1"), "w1.xml")
        let rows = Dictionary(uniqueKeysWithValues: try await store.importTax.assessments().map { ($0.copNo, $0) })
        #expect(rows[t1.copNo]?.regime == "cbec")
        #expect(rows[t1.copNo]?.taxFen == 7_462)
        #expect(rows[t2.copNo]?.taxFen == Int64(23_059))
        #expect(rows[over.copNo]?.regime == "general_trade")
        #expect(rows[over.copNo]?.quotaFen == 0)
        #expect(rows[oneItem.copNo]?.regime == "cbec_full_rate")
        #expect(rows[oneItem.copNo]?.dutyRateMissing == true)
        #expect(rows[oneItem.copNo]?.regimeVersion == regime.version)
        #expect(rows[t1.copNo]?.quotaBeforeFen == 0)
        // The same message again changes nothing.
        try await ingest(ledger, ImportGen.inventories([t1, t2, over, oneItem], guid: "w1"), "w1-again.xml")
        #expect(try await store.importTax.assessments().count == 4)
        // Released on 2025-03-11; a return applied on day 20 gives back quota and tax, one on day 31 does not.
        try await ingest(ledger, ImportGen.receipts([(t2, "800", "20250311120000"), (t1, "800", "20250311120000")], guid: "r1"), "r1.xml")
        try await ingest(ledger, ImportGen.refund(of: t2, copNo: "RT2", time: "20250331100000", guid: "f1"), "f1.xml")
        try await ingest(ledger, ImportGen.refund(of: t1, copNo: "RT1", time: "20250411100000", guid: "f2"), "f2.xml")
        let after = Dictionary(uniqueKeysWithValues: try await store.importTax.assessments().map { ($0.copNo, $0) })
        #expect(after[t2.copNo]?.returnedQuotaFen == 100_000)
        #expect(after[t2.copNo]?.returnedTaxFen == 23_059)
        #expect(after[t1.copNo]?.returnedQuotaFen == 0)
        let rollup = try await store.importTax.rows(by: [], from: "2025-01", to: "2025-12", reach: nil)
        #expect(rollup.first?.orders == 4)
        // The one item at full rates pays VAT in full; its duty rate is not in the table (0, flagged).
        #expect(rollup.first?.collectedFen == Int64(7_462 + 23_059 + 104_000 - 23_059))
        #expect(rollup.first?.overLimitOrders == 1)
        // The customs refuses the return (CEB626 100): tax and quota come back.
        try await ingest(ledger, ImportGen.refundReceipt(of: t2, copNo: "RT2", status: "100", time: "20250402100000", guid: "g1"), "g1.xml")
        #expect(try await store.importTax.assessments().first { $0.copNo == t2.copNo }?.returnedQuotaFen == 0)
        // A second return applied in time, then removed by its applicant (appType 3): nothing stays given back.
        try await ingest(ledger, ImportGen.refund(of: t2, copNo: "RT2B", time: "20250401100000", guid: "f3"), "f3.xml")
        #expect(try await store.importTax.assessments().first { $0.copNo == t2.copNo }?.returnedQuotaFen == 100_000)
        try await ingest(ledger, ImportGen.refund(of: t2, copNo: "RT2B", time: "20250402100000", appType: "3", guid: "f4"), "f4.xml")
        #expect(try await store.importTax.assessments().first { $0.copNo == t2.copNo }?.returnedQuotaFen == 0)
        let v = try await store.importTax.verify()
        #expect(v.differences.isEmpty, "\(v.differences)")
        try await store.close()
    }

    /// Random orders (new, replaced, removed), receipts, returns and return receipts: after every
    /// step the quotas and the rollup equal a recount of the assessments.
    static func randomSequencesMatchARecount(engine: TestEngine, seed: UInt64, steps: Int = 40) async throws {
        let store = try await engine.store()
        let ledger = ledger(store)
        var rng = SplitMix64(seed: seed)
        var known: [Int: ImportGen.Order] = [:]
        var history: [String] = []
        var most = 0
        for step in 0..<steps {
            let n = Int(rng.below(8))
            let op: String
            switch rng.below(10) {
            case 0...4:
                // One to three orders in one message (a number may come twice: new, then replaced or removed).
                var orders: [ImportGen.Order] = []
                var ops: [String] = []
                for k in 0..<(1 + Int(rng.below(3))) {
                    let m = k == 0 ? n : Int(rng.below(8))
                    let appType = known[m] == nil ? "1" : ["1", "2", "3", "2"][Int(rng.below(4))]
                    let o = order(m, buyer: Int(rng.below(3)), day: "202503\(String(format: "%02d", 1 + rng.below(28)))",
                                  fen: Int64(50_000 + rng.below(1_200_000)), qty: 1 + Int(rng.below(2)), hs: ["6109100022", "3304990099"][Int(rng.below(2))],
                                  appType: appType, lines: 1 + Int(rng.below(2)))
                    if appType == "3" { known[m] = nil } else { known[m] = o }
                    orders.append(o)
                    ops.append("\(m)/\(appType)/b\(o.buyerID.suffix(4))/\(o.lines.count)×\(o.lines[0].priceFen)")
                }
                try await ingest(ledger, ImportGen.inventories(orders, guid: "s\(seed)-\(step)"), "step\(step).xml")
                op = "orders \(ops.joined(separator: ", "))"
            case 5, 6:
                guard let o = known[n] else { continue }
                try await ingest(ledger, ImportGen.receipts([(o, "800", "202503\(String(format: "%02d", 1 + rng.below(28)))120000")], guid: "rc\(seed)-\(step)"), "rc\(step).xml")
                op = "release \(n)"
            case 7, 8:
                guard let o = known[n] else { continue }
                let lines: [(gnum: Int, quantity: Int)] = rng.below(2) == 0 ? [] : [(1, 1)]
                try await ingest(ledger, ImportGen.refund(of: o, copNo: "R\(seed)S\(step)", time: "2025\(["0320", "0415", "0510"][Int(rng.below(3))])100000", lines: lines,
                                                    guid: "rf\(seed)-\(step)"), "rf\(step).xml")
                op = "return \(n) lines \(lines.count)"
            default:
                guard let o = known[n], step > 0 else { continue }
                let back = Int(rng.below(UInt64(step)))
                if rng.below(3) == 0 {
                    // The applicant removes an earlier return (CEB625 appType 3).
                    try await ingest(ledger, ImportGen.refund(of: o, copNo: "R\(seed)S\(back)", time: "20250520100000", appType: "3", guid: "rd\(seed)-\(step)"), "rd\(step).xml")
                    op = "return of step \(back) removed"
                } else {
                    try await ingest(ledger, ImportGen.refundReceipt(of: o, copNo: "R\(seed)S\(back)", status: ["100", "399"][Int(rng.below(2))], time: "20250601100000",
                                                               guid: "rr\(seed)-\(step)"), "rr\(step).xml")
                    op = "return receipt of step \(back)"
                }
            }
            history.append(op)
            let v = try await store.importTax.verify()
            most = max(most, v.checkedRows)
            #expect(v.differences.isEmpty, "seed \(seed), step \(step): \(op)\n\(v.differences.prefix(5).joined(separator: "\n"))\nafter: \(history.suffix(6).joined(separator: "; "))")
            if !v.differences.isEmpty { break }
            for (_, used) in try await store.importTax.quotas(year: 2025) { #expect(used >= 0) }
        }
        #expect(most >= 2, "seed \(seed): the import side never held more than \(most) rows")
        try await store.close()
    }

    /// 申报清单 stored without the regime (before the import side existed) and assessed afterwards
    /// come out as they would have at ingest, when they came in declaration order; twice is once.
    static func assessingStoredEqualsAssessingAtIngest(engine: TestEngine) async throws {
        let world = ImportGen.world(count: 240, buyers: 12, seed: 11, year: 2025, months: 6)
        let orders = world.orders.sorted { ($0.declared, $0.copNo) < ($1.declared, $1.copNo) }
        let messages = stride(from: 0, to: orders.count, by: 60).map { ImportGen.inventories(Array(orders[$0..<min($0 + 60, orders.count)]), guid: "a\($0)") }
        let receipts = stride(from: 0, to: world.receipts.count, by: 100).map { k in
            ImportGen.receipts(world.receipts[k..<min(k + 100, world.receipts.count)].map { ($0.0, $0.1, $0.2) }, guid: "ar\(k)")
        }
        let atIngest = try await engine.store(), later = try await engine.store()
        for (k, m) in messages.enumerated() {
            try await ingest(ledger(atIngest), m, "a\(k).xml")
            try await ingest(later.ledger, m, "a\(k).xml")
        }
        for (k, r) in receipts.enumerated() {
            try await ingest(ledger(atIngest), r, "ar\(k).xml")
            try await ingest(later.ledger, r, "ar\(k).xml")
        }
        #expect(try await later.importTax.assessments(limit: 5_000).isEmpty, "a ledger without the regime assesses nothing")
        #expect(try await later.importTax.assessStored(assessor: RegimeAssessor(regime: regime)) == orders.count)
        #expect(try await later.importTax.assessStored(assessor: RegimeAssessor(regime: regime)) == 0)
        func figures(_ s: Store) async throws -> [String] {
            try await s.importTax.assessments(limit: 5_000).map { "\($0.copNo) \($0.regime) \($0.priceFen) \($0.taxFen) \($0.quotaFen) \($0.quotaBeforeFen)" }.sorted()
        }
        let a = try await figures(atIngest), b = try await figures(later)
        #expect(a == b, "\(zip(a, b).filter { $0 != $1 }.prefix(3))")
        #expect(Set(a.map { $0.split(separator: " ")[1] }).count >= 2, "more than one regime among the orders")
        // Each database names its buyers under its own secret: the totals agree, the keys do not.
        let q1 = try await atIngest.importTax.quotas(year: 2025), q2 = try await later.importTax.quotas(year: 2025)
        #expect(q1.values.sorted() == q2.values.sorted())
        #expect(Set(q1.keys).isDisjoint(with: q2.keys))
        #expect(try await later.importTax.verify().differences.isEmpty)
        try await atIngest.close()
        try await later.close()
    }

    /// Two files ingested at once, each within the limit for one buyer, together over it: the
    /// database keeps the buyer at or under 26,000 元 and the orders that did not fit go to general trade.
    static func concurrentIngestsKeepTheYearlyLimit(engine: TestEngine) async throws {
        let store = try await engine.store()
        let ledger = ledger(store)
        let a = (0..<8).map { order(100 + $0, buyer: 9, fen: 300_000) }
        let b = (0..<8).map { order(200 + $0, buyer: 9, fen: 300_000) }
        let first = ImportGen.inventories(a, guid: "ca"), second = ImportGen.inventories(b, guid: "cb")
        async let x: Void = ingest(ledger, first, "a.xml")
        async let y: Void = ingest(ledger, second, "b.xml")
        _ = try await (x, y)
        let quotas = try await store.importTax.quotas(year: 2025)
        #expect(quotas.count == 1)
        #expect(quotas.values.first == 2_400_000)
        let rows = try await store.importTax.assessments()
        #expect(rows.filter { $0.regime == "cbec" }.count == 8)
        #expect(rows.filter { $0.regime == "general_trade" }.count == 8)
        #expect(try await store.importTax.verify().differences.isEmpty)
        try await store.close()
    }
}

@Suite struct RetailImportOnSQLite {
    @Test func workedCasesOnTheLedger() async throws { try await RetailImportChecks.workedCasesOnTheLedger(engine: .sqlite) }
    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64]) func randomSequencesMatchARecount(seed: UInt64) async throws {
        try await RetailImportChecks.randomSequencesMatchARecount(engine: .sqlite, seed: seed)
    }
    @Test func concurrentIngestsKeepTheYearlyLimit() async throws { try await RetailImportChecks.concurrentIngestsKeepTheYearlyLimit(engine: .sqlite) }
    @Test func assessingStoredEqualsAssessingAtIngest() async throws { try await RetailImportChecks.assessingStoredEqualsAssessingAtIngest(engine: .sqlite) }
}

@Suite(.postgresRequired) struct RetailImportOnPostgreSQL {
    @Test func workedCasesOnTheLedger() async throws { try await RetailImportChecks.workedCasesOnTheLedger(engine: .postgres) }
    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64]) func randomSequencesMatchARecount(seed: UInt64) async throws {
        try await RetailImportChecks.randomSequencesMatchARecount(engine: .postgres, seed: seed)
    }
    @Test func concurrentIngestsKeepTheYearlyLimit() async throws { try await RetailImportChecks.concurrentIngestsKeepTheYearlyLimit(engine: .postgres) }
    @Test func assessingStoredEqualsAssessingAtIngest() async throws { try await RetailImportChecks.assessingStoredEqualsAssessingAtIngest(engine: .postgres) }
}

/// `calculateImportTax` as the use case answers it: the worked cases, a malformed order named.
@Suite struct ImportTaxCalculationTests {
    @Test func workedCasesPass() throws {
        let report = try #require(try ImportTaxCalculation(testContext()).test())
        #expect(report.cases >= 10)
        #expect(report.failures.isEmpty, "\(report.failures)")
    }

    @Test(arguments: [
        (#"{"orders": [{"order_id": "A", "date": "2025-13-01", "buyer_id": "B", "lines": [{"hs_code": "6109100022", "value": "1.00"}]}]}"#, "date"),
        (#"{"orders": [{"order_id": "A", "date": "2025-03-01", "buyer_id": "B", "lines": [{"hs_code": "6109100022", "value": "1.001"}]}]}"#, "lines[0].value"),
        (#"{"orders": [{"order_id": "A", "date": "2025-03-01", "buyer_id": "B", "lines": [{"hs_code": "61", "value": "1.00"}]}]}"#, "lines[0].hs_code"),
        (#"{"orders": [{"order_id": "A", "date": "2025-03-01", "buyer_id": "B", "lines": [{"hs_code": "6109100022", "value": "9000.00"}]}]}"#, "lines[0].duty_rate"),
        (#"{"orders": [{"order_id": "R", "return_of": "X", "applied_day": 1, "arrived_day": 2}]}"#, "return_of"),
        (#"{"orders": [{"order_id": "A", "date": "2015-03-01", "buyer_id": "B", "lines": [{"hs_code": "6109100022", "value": "1.00"}]}]}"#, "date"),
        (#"{"orders": [{"order_id": "A", "date": "2025-03-01", "buyer_id": "B", "lines": [{"hs_code": "6109100022", "value": "1.00", "vat": "13%"}]}]}"#, "lines[0].vat"),
    ]) func malformedOrdersAreNamed(body: String, field: String) throws {
        let calculation = ImportTaxCalculation(try testContext())
        do {
            _ = try calculation.calculate(json: Array(body.utf8), source: "body")
            Issue.record("accepted \(body)")
        } catch {
            guard case let .invalidInput(f, _, message, _) = error else { Issue.record("\(error)"); return }
            #expect(f == field, "\(message)")
        }
    }

    /// The taxes come from the regime file's formulas (the rule language): checked at load, and what they say is what is computed.
    @Test(arguments: [
        (#""price * duty_rate""#, #""price + duty_rate""#, "类型不匹配"),
        (#""price * duty_rate""#, #""prce * duty_rate""#, "未知的名称"),
        (#""(price + duty + consumption_tax) * vat_rate""#, #""(price + duty + consumption_tax) * vat_rate + vat""#, "未知的名称"),
    ]) func aFormulaIsCheckedWhereItIsWritten(original: String, broken: String, message: String) throws {
        let path = Repository.policies + "/retail-import/retail-import-tax.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains(original))
        let changed = text.replacingOccurrences(of: original, with: broken)
        do {
            _ = try RetailImportRegime.parse(changed, file: "changed.yaml")
            Issue.record("\(broken) was accepted")
        } catch let e as PolicyFileError {
            #expect(e.message.contains(message), "\(e)")
            #expect(e.location.line > 1)
        }
    }

    @Test func theFormulasDecideTheFigures() throws {
        let path = Repository.policies + "/retail-import/retail-import-tax.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        // VAT on the price alone (without consumption tax in its base): T2's VAT becomes 1,000 × 13% × 70% = 91.00.
        let changed = text.replacingOccurrences(of: #""(price + duty + consumption_tax) * vat_rate""#, with: #""price * vat_rate""#)
        let regime = try RetailImportRegime.parse(changed, file: "changed.yaml")
        let order = ImportOrder(id: "T2", date: try #require(Day(year: 2025, month: 3, day: 1)), buyer: "B",
                                lines: [ImportOrderLine(hsCode: "3304990099", name: "精华液", quantity: .one, value: Fen(100_000), consumptionTaxRate: Rational(15, 100))])
        let r = try ImportTaxCalculator(regime: regime).assess(order, quotaUsed: .zero)
        #expect(r.vat == Fen(9_100))
        #expect(r.consumptionTax == Fen(12_353))
        #expect(r.explanation.contains("增值税 = 1,000.00 × 13% × 70% = 91.00 元"))
    }

    @Test func ordersOfOneBuyerCountInTheOrderGiven() throws {
        let body = #"{"orders": [{"order_id": "A", "date": "2025-03-01", "buyer_id": "B", "quota_used": "25000.00", "lines": [{"hs_code": "6109100022", "value": "900.00"}]}, {"order_id": "C", "date": "2025-03-02", "buyer_id": "B", "quota_used": "0.00", "lines": [{"hs_code": "6109100022", "value": "200.00", "duty_rate": "10%"}]}]}"#
        let r = try ImportTaxCalculation(testContext()).calculate(json: Array(body.utf8), source: "body")
        #expect(r.map(\.regime) == [.cbec, .generalTrade])
        #expect(r[1].quotaBefore == Fen(2_590_000))
    }
}
