import Foundation
import Testing
@testable import KuajingCLI
@testable import KuajingDomain
@testable import Monitoring
import TradeData
import TradeStore

let shared = URL(fileURLWithPath: repository).appendingPathComponent("../shared/reference").standardized.path
var sharedPresent: Bool { FileManager.default.fileExists(atPath: shared + "/customs-samples/xsd/ceb-export-202205.xsd") }
let postgresURL = ProcessInfo.processInfo.environment["KUAJING_TEST_POSTGRES_URL"]

/// SQLite always; PostgreSQL when the test command started one (each test its own schema).
enum Store: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
    static var available: [Store] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    func ledger() throws -> TradeLedger {
        let backend: any TradeBackend = self == .sqlite
            ? try SQLiteBackend(path: FileManager.default.temporaryDirectory.appendingPathComponent("monitoring-\(UUID().uuidString).sqlite").path)
            : try PostgresBackend(url: postgresURL!, schema: "m_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())
        let ledger = TradeLedger(backend: backend)
        try ledger.migrate()
        return ledger
    }
}

/// A small demo world (a tenth of the enterprises) through the real ingest path, on each engine.
@Suite(.serialized) struct MonitoringLedgerTests {
    func validator() throws -> CEBValidator {
        try CEBValidator.load(schemaDirectory: shared + "/customs-samples/xsd", codeDirectory: shared + "/customs-codes")
    }

    func seeded(_ store: Store) throws -> (TradeLedger, DemoWorld.World) {
        let ledger = try store.ledger()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("demo-\(UUID().uuidString)").path
        var log = ""
        let world = try DemoSeedJob.run(ledger: ledger, validator: try validator(), seed: 7, scale: 1, through: Month(year: 2025, month: 12),
                                        directory: dir, tiersPath: repository + "/config/tiers.yaml", plansDirectory: repository + "/plans",
                                        out: { log += $0 }, enterpriseDivisor: 20)
        return (ledger, world)
    }

    @Test(arguments: Store.available)
    func rollupsEqualARecountAndTheCalibration(store: Store) throws {
        guard sharedPresent else { return }
        let (ledger, world) = try seeded(store)
        let (checked, differences) = try ledger.verifyRollups()
        #expect(differences.isEmpty, "\(differences.prefix(5))")
        #expect(checked > 0)
        // Everything generated is released (放行/结关), so the rollups hold the calibration to the fen.
        let queries = RollupQueries(ledger: ledger)
        let hangzhou = try queries.monthly(try Scope("杭州市"), from: Month(year: 2024, month: 1), to: Month(year: 2024, month: 12))
        let calibrated = try #require(world.exportsFen["杭州市"]?[2024])
        #expect(calibrated == Int64(6_500_000_000_000)) // 650亿元
        #expect(hangzhou.values.reduce(Int64(0)) { $0 + $1.exports } == calibrated)
        // A change to the registry marks months; until refreshed, verify says so; after, it agrees again.
        var moved = world.enterprises[0]
        moved.district = moved.district == "滨江区" ? "西湖区" : "滨江区"
        try ledger.upsertEnterprises([moved])
        #expect(try ledger.verifyRollups().differences.isEmpty == false)
        #expect(try ledger.refreshRollups() > 0)
        #expect(try ledger.verifyRollups().differences.isEmpty)
    }

    @Test(arguments: Store.available)
    func targetsShowValueProjectionAndStatus(store: Store) throws {
        guard sharedPresent else { return }
        let (ledger, _) = try seeded(store)
        let plans = try PlanLoader.loadAll(directory: repository + "/plans")
        let hangzhou = try #require(plans.first { $0.id == "hangzhou-2024" })
        let calculator = ProgressCalculator(queries: RollupQueries(ledger: ledger))
        // 2024 is over by 2025-06: 650亿元 exported exactly, the target met.
        let export2024 = try calculator.progress(of: try #require(hangzhou.targets.first { $0.id == "export-2024" }), in: hangzhou, asOf: Month(year: 2025, month: 6))
        #expect(export2024.current == 650 * 100_000_000 * 100 && export2024.status == .met)
        // 2026's 1400亿元 from mid-2025: a projection with its method, short of the target.
        let export2026 = try calculator.progress(of: try #require(hangzhou.targets.first { $0.id == "export-2026" }), in: hangzhou, asOf: Month(year: 2025, month: 6))
        #expect(export2026.projection != nil && !export2026.method.isEmpty)
        #expect([TargetStatus.red, .amber].contains(export2026.status))
        // Every target of the four plans gets a value, a basis, a projection and a status on the demo world
        // (manual ones from the demo's synthetic entries, dated at its last month).
        for plan in plans {
            for t in plan.targets {
                let p = try calculator.progress(of: t, in: plan, asOf: Month(year: 2025, month: 12))
                #expect(p.current != nil && p.projection != nil && p.status != .unknown, "\(plan.id) \(t.id): \(p.currentLabel) \(p.method)")
                #expect(p.basis.hasPrefix("口径"))
            }
        }
    }

    @Test(arguments: Store.available)
    func monthlyReportForACityAndADistrict(store: Store) throws {
        guard sharedPresent else { return }
        let (ledger, _) = try seeded(store)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (scope, file) in [("杭州市", "hz"), ("滨江区", "bj")] {
            for ext in ["html", "xlsx", "csv"] {
                let report = try MonthlyReportJob.run(ledger: ledger, plansDirectory: repository + "/plans", tiersPath: repository + "/config/tiers.yaml", scope: scope, month: Month(year: 2025, month: 6),
                                                      outPath: "\(dir)/\(file).\(ext)", codes: try validator().codes)
                #expect(report.synthetic)
                #expect(report.trend.count == 6)
            }
            let html = try String(contentsOfFile: "\(dir)/\(file).html", encoding: .utf8)
            #expect(html.contains("\(scope)跨境电商运行监测月报（2025年6月）") && html.contains("<svg") && html.contains("模拟数据"))
            let csv = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(file).csv"))
            #expect(csv.starts(with: [0xEF, 0xBB, 0xBF]))
            let xlsx = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(file).xlsx"))
            #expect(xlsx.starts(with: [0x50, 0x4B])) // a zip, as every .xlsx is
        }
        let hz = try String(contentsOfFile: "\(dir)/hz.html", encoding: .utf8)
        #expect(hz.contains("萧山区") && hz.contains("目标进展"))
    }

    /// The demo's claims go through the registry (credit, tiers) into the policy engine: every claim
    /// gets a result, and a claim by a listed enterprise under 台州 is ineligible.
    @Test func demoClaimsRunThroughTheEngine() throws {
        guard sharedPresent else { return }
        let (ledger, world) = try seeded(.sqlite)
        #expect(world.claims > 0)
        let (enriched, summary) = try ClaimEnrichment.enrich(csv: world.claimsCSV, ledger: ledger,
                                                             ladders: try TierConfiguration.load(path: repository + "/config/tiers.yaml"))
        #expect(summary.claims == world.claims && summary.registered == world.claims)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("demo-claims-\(UUID().uuidString).csv").path
        try Data(enriched.utf8).write(to: URL(fileURLWithPath: path))
        var json = ""
        try CalcJob.run(claims: path, policyIDs: [], directory: repository + "/policies", format: .json, trace: false, fundingFile: nil, out: { json += $0 })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(Set(results.compactMap { $0["claim_id"] as? String }).count == world.claims)
    }

    /// Tiers recorded as dated moves give, month by month, the same counts as the rollups directly.
    @Test(arguments: Store.available)
    func tierMovesAgreeWithTheRollups(store: Store) throws {
        guard sharedPresent else { return }
        let (ledger, _) = try seeded(store)
        let ladder = try #require(try TierConfiguration.load(path: repository + "/config/tiers.yaml").first { $0.city == "杭州市" })
        let tracker = TierTracker(ledger: ledger)
        let queries = RollupQueries(ledger: ledger)
        for month in [Month(year: 2024, month: 6), Month(year: 2025, month: 6), Month(year: 2025, month: 12)] {
            let recorded = try tracker.tiers(ladder, at: month)
            let direct = try queries.trailingTwelve(try Scope("杭州市"), end: month)
            for k in 0..<ladder.tiers.count {
                #expect(recorded.values.filter { $0 > k }.count == direct.filter { ladder.tier(of: $0.fen) > k }.count, "\(month) tier \(k + 1)")
            }
        }
        #expect(try ledger.tierMoves(ladder: "杭州市").allSatisfy { $0.from != $0.to })
    }
}

/// Credit facts from the registry reach the policy engine: a 台州 claim by an enterprise the registry
/// lists as seriously dishonest is ineligible (台州 附件 五、（一）); the same claim before the listing is not.
@Suite struct CreditFeedsThePolicyEngineTests {
    @Test func seriousDishonestyFromTheRegistry() throws {
        guard sharedPresent else { return }
        let ledger = try Store.sqlite.ledger()
        try ledger.upsertEnterprises([EnterpriseRow(id: "91331002MA0000001X", creditCode: nil, name: "模拟数据企业", district: "椒江区", synthetic: true)])
        try ledger.addCreditFacts([CreditFact(enterpriseID: "91331002MA0000001X", kind: .seriousDishonesty, value: "是", source: "模拟数据：严重失信主体名单", asOf: "2025-03-01")])
        let claims = """
            claim_id,enterprise_id,district,matter,date,amount
            before,91331002MA0000001X,椒江区,credit_insurance,2025-02-01,10000
            after,91331002MA0000001X,椒江区,credit_insurance,2025-06-01,10000
            other,91331002MA0000009Z,椒江区,credit_insurance,2025-06-01,10000
            """
        let (enriched, summary) = try ClaimEnrichment.enrich(csv: claims, ledger: ledger, ladders: try TierConfiguration.load(path: repository + "/config/tiers.yaml"))
        #expect(summary.claims == 3 && summary.registered == 2 && summary.dishonest == 1)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("enriched-\(UUID().uuidString).csv").path
        try Data(enriched.utf8).write(to: URL(fileURLWithPath: path))
        var json = ""
        try CalcJob.run(claims: path, policyIDs: ["taizhou-2024"], directory: repository + "/policies", format: .json, trace: false, fundingFile: nil, out: { json += $0 })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let results = try #require(object["results"] as? [[String: Any]])
        func status(_ id: String) -> String? { results.first { $0["claim_id"] as? String == id }?["status"] as? String }
        #expect(status("after") == "ineligible")
        #expect(status("before") != "ineligible")
        #expect(status("other") != "ineligible")
    }
}

/// What units report by hand: manual indicator values with evidence, task updates and overdue flags.
@Suite struct FollowUpTests {
    @Test func manualValuesCarryWhoWhenAndEvidence() throws {
        let ledger = try Store.sqlite.ledger()
        let plans = repository + "/plans"
        #expect(throws: (any Error).self) { // a ledger-computed target cannot be entered by hand
            try PlanFollowUpJob.enter(ledger: ledger, plansDirectory: plans, planID: "hangzhou-2024", targetID: "export-2024", value: "650亿元",
                                      asOf: "2025-05-31", by: "市商务局", evidence: "x")
        }
        #expect(throws: (any Error).self) { // no evidence, no entry
            try PlanFollowUpJob.enter(ledger: ledger, plansDirectory: plans, planID: "hangzhou-2024", targetID: "provincial-brands", value: "60个",
                                      asOf: "2025-05-31", by: "市商务局", evidence: " ")
        }
        _ = try PlanFollowUpJob.enter(ledger: ledger, plansDirectory: plans, planID: "hangzhou-2024", targetID: "provincial-brands", value: "60个",
                                      asOf: "2025-05-31", by: "市商务局", evidence: "省商务厅 2025 年品牌名单")
        let plan = try #require(try PlanLoader.loadAll(directory: plans).first { $0.id == "hangzhou-2024" })
        let target = try #require(plan.targets.first { $0.id == "provincial-brands" })
        let calculator = ProgressCalculator(queries: RollupQueries(ledger: ledger))
        let before = try calculator.progress(of: target, in: plan, asOf: Month(year: 2025, month: 4))
        #expect(before.current == nil && before.status == .unknown)
        let after = try calculator.progress(of: target, in: plan, asOf: Month(year: 2025, month: 6))
        #expect(after.current == 60 && after.shareOfTarget == 4000 && after.status == .red)
        #expect(after.currentLabel.contains("省商务厅 2025 年品牌名单"))
    }

    @Test func tasksPastTheirDatesAreOverdueUntilDone() throws {
        let ledger = try Store.sqlite.ledger()
        let plan = try #require(try PlanLoader.loadAll(directory: repository + "/plans").first { $0.id == "hangzhou-2024" })
        let day = try #require(Day.parse("2025-06-30"))
        var task19 = try #require(try TaskStatus.all(plan: plan, ledger: ledger, on: day).first { $0.clause == "19" })
        #expect(task19.owner == "市商务局" && task19.status == "未开始" && task19.overdue.count == 3) // the fourth is due 2025-12-31
        try ledger.addTaskUpdate(TaskUpdate(planID: plan.id, clause: "19", status: "已完成", note: "方案已上报", updatedBy: "市商务局", updatedAt: "2025-06-01T09:00:00Z"))
        task19 = try #require(try TaskStatus.all(plan: plan, ledger: ledger, on: day).first { $0.clause == "19" })
        #expect(task19.status == "已完成" && task19.overdue.isEmpty)
        let zhejiang = try #require(try PlanLoader.loadAll(directory: repository + "/plans").first { $0.id == "zhejiang-2021" })
        let keyWorks = try TaskStatus.all(plan: zhejiang, ledger: ledger, on: day).filter { $0.clause.hasPrefix("重点工作") }
        #expect(keyWorks.count == 13)
        #expect(keyWorks.filter { !$0.overdue.isEmpty }.count == 11) // two are 长期 (no date)
    }
}

@Suite struct TierLadderTests {
    /// "超 1亿元" is strictly over: exactly 1亿元 is not in the first tier.
    @Test func overIsStrict() throws {
        let ladder = TierLadder(city: "杭州市", plan: "p", clause: "c", text: "t",
                                tiers: [("一", try #require(PlanQuantity.parse("1亿元"))), ("五", try #require(PlanQuantity.parse("5亿元")))])
        #expect(ladder.tier(of: 10_000_000_000) == 0)
        #expect(ladder.tier(of: 10_000_000_001) == 1)
        #expect(ladder.tier(of: 50_000_000_001) == 2)
        #expect(ladder.name(0) == "未入库")
    }
}
