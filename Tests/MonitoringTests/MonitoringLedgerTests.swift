import Foundation
import KuajingApp
import KuajingTestSupport
import Testing
@testable import KuajingDomain
@testable import Monitoring
import TradeData
import Storage

/// A small demo world (a tenth of the enterprises) through the real ingest path, on each engine.
enum MonitoringLedgerTests {
    static func seeded(_ engine: TestEngine) async throws -> (Store, DemoWorld.World) {
        let store = try await engine.store()
        let dir = try Repository.temporaryDirectory("demo")
        let report = try await DemoSeeding(testContext(store: store)).seed(.init(seed: 7, scale: 1, through: Month(year: 2025, month: 12), directory: dir,
                                                                                  enterpriseDivisor: 20))
        return (store, report.world)
    }

    static func rollupsEqualARecountAndTheCalibration(engine: TestEngine) async throws {
        let (store, world) = try await seeded(engine)
        let verification = try await store.rollups.verify()
        let (checked, differences) = (verification.checkedRows, verification.differences)
        #expect(differences.isEmpty, "\(differences.prefix(5))")
        #expect(checked > 0)
        // Everything generated is released (放行/结关), so the rollups hold the calibration to the fen.
        let queries = RollupQueries(store: store)
        let hangzhou = try await queries.monthly(try Scope("杭州市"), from: Month(year: 2024, month: 1), to: Month(year: 2024, month: 12))
        let calibrated = try #require(world.exportsFen["杭州市"]?[2024])
        #expect(calibrated == Int64(6_500_000_000_000)) // 650亿元
        #expect(hangzhou.values.reduce(Int64(0)) { $0 + $1.exports } == calibrated)
        // A change to the registry marks months; until refreshed, verify says so; after, it agrees again.
        var moved = world.enterprises[0]
        moved.district = moved.district == "滨江区" ? "西湖区" : "滨江区"
        try await store.registry.upsert([moved])
        #expect(try await store.rollups.verify().differences.isEmpty == false)
        #expect(try await store.rollups.refresh() > 0)
        #expect(try await store.rollups.verify().differences.isEmpty)
    }

    static func targetsShowValueProjectionAndStatus(engine: TestEngine) async throws {
        let (store, _) = try await seeded(engine)
        let plans = try PlanLoader.loadAll(directory: Repository.plans)
        let hangzhou = try #require(plans.first { $0.id == "hangzhou-2024" })
        let calculator = ProgressCalculator(queries: RollupQueries(store: store))
        // 2024 is over by 2025-06: 650亿元 exported exactly, the target met.
        let export2024 = try await calculator.progress(of: try #require(hangzhou.targets.first { $0.id == "export-2024" }), in: hangzhou, asOf: Month(year: 2025, month: 6))
        #expect(export2024.current == 650 * 100_000_000 * 100 && export2024.status == .met)
        // 2026's 1400亿元 from mid-2025: a projection with its method, short of the target.
        let export2026 = try await calculator.progress(of: try #require(hangzhou.targets.first { $0.id == "export-2026" }), in: hangzhou, asOf: Month(year: 2025, month: 6))
        #expect(export2026.projection != nil && !export2026.method.isEmpty)
        #expect([TargetStatus.red, .amber].contains(export2026.status))
        // Every target of the four plans gets a value, a basis, a projection and a status on the demo world
        // (manual ones from the demo's synthetic entries, dated at its last month).
        for plan in plans {
            for t in plan.targets {
                let p = try await calculator.progress(of: t, in: plan, asOf: Month(year: 2025, month: 12))
                #expect(p.current != nil && p.projection != nil && p.status != .unknown, "\(plan.id) \(t.id): \(p.currentLabel) \(p.method)")
                #expect(p.basis.hasPrefix("口径"))
            }
        }
    }

    static func monthlyReportForACityAndADistrict(engine: TestEngine) async throws {
        let (store, _) = try await seeded(engine)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (scope, file) in [("杭州市", "hz"), ("滨江区", "bj")] {
            for ext in ["html", "xlsx", "csv"] {
                let report = try await MonthlyReporting(testContext(store: store)).write(scope: scope, month: Month(year: 2025, month: 6), to: "\(dir)/\(file).\(ext)")
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
    static func demoClaimsRunThroughTheEngine() async throws {
        let (store, world) = try await seeded(.sqlite)
        #expect(world.claims > 0)
        let (enriched, summary) = try await ClaimEnrichment.enrich(csv: world.claimsCSV, store: store,
                                                             ladders: try TierConfiguration.load(path: Repository.tiers))
        #expect(summary.claims == world.claims && summary.registered == world.claims)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("demo-claims-\(UUID().uuidString).csv").path
        try Data(enriched.utf8).write(to: URL(fileURLWithPath: path))
        let json = try calculatedJSON(claimsFile: path)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(Set(results.compactMap { $0["claim_id"] as? String }).count == world.claims)
    }

    /// Tiers recorded as dated moves give, month by month, the same counts as the rollups directly.
    static func tierMovesAgreeWithTheRollups(engine: TestEngine) async throws {
        let (store, _) = try await seeded(engine)
        let ladder = try #require(try TierConfiguration.load(path: Repository.tiers).first { $0.city == "杭州市" })
        let tracker = TierTracker(store: store)
        let queries = RollupQueries(store: store)
        for month in [Month(year: 2024, month: 6), Month(year: 2025, month: 6), Month(year: 2025, month: 12)] {
            let recorded = try await tracker.tiers(ladder, at: month)
            let direct = try await queries.trailingTwelve(try Scope("杭州市"), end: month)
            for k in 0..<ladder.tiers.count {
                #expect(recorded.values.filter { $0 > k }.count == direct.filter { ladder.tier(of: $0.fen) > k }.count, "\(month) tier \(k + 1)")
            }
        }
        #expect(try await store.rollups.tierMoves(ladder: "杭州市").allSatisfy { $0.from != $0.to })
    }
}

/// Credit facts from the registry reach the policy engine: a 台州 claim by an enterprise the registry
/// lists as seriously dishonest is ineligible (台州 附件 五、（一）); the same claim before the listing is not.
@Suite struct CreditFeedsThePolicyEngineTests {
    @Test func seriousDishonestyFromTheRegistry() async throws {
        let store = try await TestEngine.sqlite.store()
        try await store.registry.upsert([EnterpriseRow(id: "91331002MA0000001X", creditCode: nil, name: "模拟数据企业", district: "椒江区", synthetic: true)])
        try await store.registry.addCreditFacts([CreditFact(enterpriseID: "91331002MA0000001X", kind: .seriousDishonesty, value: "是", source: "模拟数据：严重失信主体名单", asOf: "2025-03-01")])
        let claims = """
            claim_id,enterprise_id,district,matter,date,amount
            before,91331002MA0000001X,椒江区,credit_insurance,2025-02-01,10000
            after,91331002MA0000001X,椒江区,credit_insurance,2025-06-01,10000
            other,91331002MA0000009Z,椒江区,credit_insurance,2025-06-01,10000
            """
        let (enriched, summary) = try await ClaimEnrichment.enrich(csv: claims, store: store, ladders: try TierConfiguration.load(path: Repository.tiers))
        #expect(summary.claims == 3 && summary.registered == 2 && summary.dishonest == 1)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("enriched-\(UUID().uuidString).csv").path
        try Data(enriched.utf8).write(to: URL(fileURLWithPath: path))
        let json = try calculatedJSON(claimsFile: path, policyIDs: ["taizhou-2024"])
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
    @Test func manualValuesCarryWhoWhenAndEvidence() async throws {
        let store = try await TestEngine.sqlite.store()
        let plans = Repository.plans
        let followUp = PlanFollowUp(try testContext(store: store))
        await #expect { // a ledger-computed target cannot be entered by hand
            try await followUp.enter(.init(planID: "hangzhou-2024", targetID: "export-2024", value: "650亿元", asOf: "2025-05-31", by: "市商务局", evidence: "x"))
        } throws: { ($0 as? AppError).map { if case .invalidInput(field: "target", _, _, _) = $0 { true } else { false } } ?? false }
        await #expect { // no evidence, no entry
            try await followUp.enter(.init(planID: "hangzhou-2024", targetID: "provincial-brands", value: "60个", asOf: "2025-05-31", by: "市商务局", evidence: " "))
        } throws: { ($0 as? AppError).map { if case .invalidInput(field: "evidence", _, _, _) = $0 { true } else { false } } ?? false }
        #expect(try await store.planRecords.indicatorEntries(asOf: "2025-12-31").isEmpty)
        _ = try await followUp.enter(.init(planID: "hangzhou-2024", targetID: "provincial-brands", value: "60个", asOf: "2025-05-31", by: "市商务局",
                                           evidence: "省商务厅 2025 年品牌名单"))
        let plan = try #require(try PlanLoader.loadAll(directory: plans).first { $0.id == "hangzhou-2024" })
        let target = try #require(plan.targets.first { $0.id == "provincial-brands" })
        let calculator = ProgressCalculator(queries: RollupQueries(store: store))
        let before = try await calculator.progress(of: target, in: plan, asOf: Month(year: 2025, month: 4))
        #expect(before.current == nil && before.status == .unknown)
        let after = try await calculator.progress(of: target, in: plan, asOf: Month(year: 2025, month: 6))
        #expect(after.current == 60 && after.shareOfTarget == 4000 && after.status == .red)
        #expect(after.currentLabel.contains("省商务厅 2025 年品牌名单"))
    }

    @Test func tasksPastTheirDatesAreOverdueUntilDone() async throws {
        let store = try await TestEngine.sqlite.store()
        let plan = try #require(try PlanLoader.loadAll(directory: Repository.plans).first { $0.id == "hangzhou-2024" })
        let day = try #require(Day.parse("2025-06-30"))
        var task19 = try #require(try await TaskStatus.all(plan: plan, records: store.planRecords, on: day).first { $0.clause == "19" })
        #expect(task19.owner == "市商务局" && task19.status == "未开始" && task19.overdue.count == 3) // the fourth is due 2025-12-31
        _ = try await store.planRecords.addTaskUpdate(TaskUpdate(planID: plan.id, clause: "19", status: "已完成", note: "方案已上报", updatedBy: "市商务局",
                                                                 updatedAt: "2025-06-01T09:00:00+08:00"), expectedVersion: 0)
        task19 = try #require(try await TaskStatus.all(plan: plan, records: store.planRecords, on: day).first { $0.clause == "19" })
        #expect(task19.status == "已完成" && task19.overdue.isEmpty)
        let zhejiang = try #require(try PlanLoader.loadAll(directory: Repository.plans).first { $0.id == "zhejiang-2021" })
        let keyWorks = try await TaskStatus.all(plan: zhejiang, records: store.planRecords, on: day).filter { $0.clause.hasPrefix("重点工作") }
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

// Each storage test on each engine; the PostgreSQL suites are skipped, with the reason, when no server is there.
@Suite struct MonitoringLedgerOnSQLite {
    @Test func demoClaimsRunThroughTheEngine() async throws { try await MonitoringLedgerTests.demoClaimsRunThroughTheEngine() }
    @Test func rollupsEqualARecountAndTheCalibration() async throws { try await MonitoringLedgerTests.rollupsEqualARecountAndTheCalibration(engine: .sqlite) }
    @Test func targetsShowValueProjectionAndStatus() async throws { try await MonitoringLedgerTests.targetsShowValueProjectionAndStatus(engine: .sqlite) }
    @Test func monthlyReportForACityAndADistrict() async throws { try await MonitoringLedgerTests.monthlyReportForACityAndADistrict(engine: .sqlite) }
    @Test func tierMovesAgreeWithTheRollups() async throws { try await MonitoringLedgerTests.tierMovesAgreeWithTheRollups(engine: .sqlite) }
}

@Suite(.postgresRequired) struct MonitoringLedgerOnPostgreSQL {
    @Test func rollupsEqualARecountAndTheCalibration() async throws { try await MonitoringLedgerTests.rollupsEqualARecountAndTheCalibration(engine: .postgres) }
    @Test func targetsShowValueProjectionAndStatus() async throws { try await MonitoringLedgerTests.targetsShowValueProjectionAndStatus(engine: .postgres) }
    @Test func monthlyReportForACityAndADistrict() async throws { try await MonitoringLedgerTests.monthlyReportForACityAndADistrict(engine: .postgres) }
    @Test func tierMovesAgreeWithTheRollups() async throws { try await MonitoringLedgerTests.tierMovesAgreeWithTheRollups(engine: .postgres) }
}
