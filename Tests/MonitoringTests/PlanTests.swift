import Foundation
import Testing
@testable import KuajingDomain
@testable import Monitoring

let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path
/// The seed texts travel with the repository (reference/seeds).
let seeds = repository + "/reference/seeds"

@Suite struct PlanTests {
    func plans() throws -> [Plan] { try PlanLoader.loadAll(directory: repository + "/plans") }

    @Test func everyQuotationIsInItsSeedAndEveryScopeIsADivision() throws {
        var quoted = 0
        for plan in try plans() {
            let (n, problems) = PlanCheck.check(plan, seedDirectory: seeds)
            #expect(problems.isEmpty, "\(problems)")
            quoted += n
        }
        #expect(quoted >= 160)
    }

    /// The four documents, their numbered tasks and the 浙江 key-work list, all there.
    @Test func theFourDocumentsAreComplete() throws {
        let byID = Dictionary(uniqueKeysWithValues: try plans().map { ($0.id, $0) })
        #expect(byID.keys.sorted() == ["hangzhou-2024", "pinghu-2024", "taizhou-2024", "zhejiang-2021"])
        #expect(byID["hangzhou-2024"]?.tasks.count == 24)
        #expect(byID["taizhou-2024"]?.tasks.count == 22)
        #expect(byID["pinghu-2024"]?.tasks.count == 16)
        #expect(byID["zhejiang-2021"]?.tasks.count == 22)
        #expect(byID["zhejiang-2021"]?.keyWorks.count == 13)
        for plan in byID.values {
            #expect(plan.tasks.map(\.clause) == plan.tasks.indices.map { String($0 + 1) }, "\(plan.id): tasks numbered 1…n")
            // Every task names its units, or says why not (浙江 22 lists none).
            #expect(plan.tasks.allSatisfy { ($0.lead != nil && !$0.units.isEmpty) || $0.unitsNote != nil }, "\(plan.id): every task has its units")
        }
    }

    /// The headline figures, read exactly.
    @Test(arguments: [
        ("hangzhou-2024", "export-2024", Int64(65_000_000_000_00), "2024-12-31"),
        ("hangzhou-2024", "export-2026", 140_000_000_000_00, "2026-12-31"),
        ("hangzhou-2024", "export-binjiang", 10_000_000_000_00, "2027-12-31"),
        ("hangzhou-2024", "import-2027", 30_000_000_000_00, "2027-12-31"),
        ("taizhou-2024", "export-2027", 22_000_000_000_00, "2027-12-31"),
        ("pinghu-2024", "export-2027", 3_000_000_000_00, "2027-12-31"),
        ("zhejiang-2021", "trade-2023", 500_000_000_000_00, "2023-12-31"),
    ])
    func headlineTargets(plan: String, target: String, fen: Int64, deadline: String) throws {
        let p = try #require(try plans().first { $0.id == plan })
        let t = try #require(p.targets.first { $0.id == target })
        #expect(t.value.kind == .money && t.value.amount == fen)
        #expect(t.deadline?.iso == deadline)
    }

    @Test(arguments: [("650亿元", PlanQuantity.Kind.money, Int64(6_500_000_000_000)), ("1.5亿元", .money, 15_000_000_000), ("16个", .count, 16),
                      ("1万家", .count, 10_000), ("20%", .percent, 2000), ("2倍", .multiple, 200), ("100万平方米", .area, 1_000_000), ("10万人次", .count, 100_000)])
    func quantities(text: String, kind: PlanQuantity.Kind, amount: Int64) throws {
        let q = try #require(PlanQuantity.parse(text))
        #expect(q.kind == kind && q.amount == amount)
    }

    @Test(arguments: ["650", "亿元", "1.5个", "12斤"])
    func notQuantities(text: String) { #expect(PlanQuantity.parse(text) == nil) }

    @Test func badFilesNameTheLine() {
        let yaml = """
            id: x
            title: t
            issuer: i
            seed: s
            scope: 杭州市
            period: {from: 2024-01-01, to: 2024-12-31}
            targets:
              - {id: a, indicator: export_value, scope: 杭州市, value: 650亿, deadline: 2024-12-31, clause: c, text: t}
            """
        #expect(throws: (any Error).self) { try PlanLoader.parse(yaml, file: "x.yaml") }
        do { _ = try PlanLoader.parse(yaml, file: "x.yaml") } catch { #expect("\(error)".contains("x.yaml:8")) }
    }
}

/// Each indicator's figures are written in their own unit: growth targets as percentages (basis
/// points), a multiple of an earlier year's exports as money, counts as counts.
@Suite struct FigureTextTests {
    @Test func everyIndicatorWritesItsFiguresInItsUnit() throws {
        let plans = try PlanLoader.loadAll(directory: repository + "/plans")
        func progress(_ plan: String, _ id: String) throws -> TargetProgress {
            let t = try #require(plans.first { $0.id == plan }?.targets.first { $0.id == id })
            return TargetProgress(plan: plan, target: t, asOf: Month(year: 2025, month: 6), current: 2345, currentLabel: "", shareOfTarget: nil,
                                  shareOfTime: nil, projection: nil, method: "", status: .unknown, basis: "")
        }
        #expect(try progress("zhejiang-2021", "trade-growth").text(2345) == "23.5%")
        #expect(try progress("hangzhou-2024", "export-growth-2024").text(2345) == "23.5%")
        #expect(try progress("pinghu-2024", "export-2030-double").text(650_000_000_000) == "65.00 亿元")
        #expect(try progress("taizhou-2024", "sellers-2027").text(20) == "20")
        #expect(try progress("hangzhou-2024", "provincial-brands").text(60) == "60")
        #expect(try progress("hangzhou-2024", "export-2024").text(nil) == "—")
    }
}
