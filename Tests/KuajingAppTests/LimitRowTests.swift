import Foundation
import KuajingApp
import KuajingDomain
import KuajingTestSupport
import Testing
import Storage

/// The limits as rows of the database (migration 13): a reduction gives its headroom back, a
/// first rejection holds until its objection period is over, an objection is re-decided against
/// the rows, the database refuses a use past a bound by itself, a tampered row is found by the
/// audit, and several clients interleaving filing, review, objection and second review never
/// leave an amount the rules replayed in server order would not allow.
enum LimitRowChecks {
    static let start: TimeInterval = 1_751_248_800   // 2025-06-30 in Beijing
    static let analyst = CashOutChecks.analyst, analyst2 = CashOutChecks.analyst2

    /// The cash-out world with budgets for the promotion and rights-protection measures too.
    static func world(_ engine: TestEngine) async throws -> CashOutChecks.World {
        let w = try await CashOutChecks.world(engine)
        let budgets = BudgetDesk(w.context)
        for measure in ["own_brand_promotion", "rights_protection"] {
            for payer in ["市级", "滨江区"] {
                let b = try await budgets.allocate(CashOutChecks.admin, .init(policy: "hangzhou-2024", measure: measure, year: 2025, payer: payer, amount: "50000000.00"))
                _ = try await budgets.release(CashOutChecks.admin, id: b.id, amount: "50000000.00")
            }
        }
        return w
    }

    static func submit(_ context: AppContext, _ me: Viewer, _ company: String, _ matter: String, _ amount: String, date: String = "2025-05-10",
                       attributes: [String: String] = [:], evidence: String) async throws -> ApplicationDesk.Filed {
        try await ApplicationDesk(context).submit(me, .init(enterpriseID: company, matter: matter, date: date, amount: amount, attributes: attributes, evidence: [evidence]))
    }

    static func row(_ w: CashOutChecks.World, _ company: String, key: String) async throws -> LimitRow? {
        try await w.store.applications.limitRows(enterprise: company).first { $0.limitKey == key && $0.owner == company }
    }

    static func reductionGivesHeadroomBack(engine: TestEngine) async throws {
        let w = try await world(engine)
        let me = CashOutChecks.enterprise(w.company)
        let invoice = try await CashOutChecks.evidence(w, me, "推广费发票")
        let a = try await submit(w.context, me, w.company, "own_brand_promotion", "2000000.00", evidence: invoice)
        #expect(a.application.engineAwardFen == 50_000_000)
        let capRow = try #require(try await w.store.applications.limitRows(enterprise: w.company).first { $0.unit == "fen" && $0.bound == 50_000_000 },
                                  "the yearly cap is a row")
        #expect(capRow.used == 50_000_000 && capRow.period == 2025 && capRow.holders.map(\.application) == [a.application.id])
        // The cap is used up: a second filing is refused, naming the first.
        let refused = await LimitChecks.refused { _ = try await submit(w.context, me, w.company, "own_brand_promotion", "2000000.00", evidence: invoice) }
        #expect(refused?.contains("第 \(a.application.id) 号") == true, "\(refused ?? "accepted")")
        // A reduction gives 200,000 back, and a later filing takes it, naming the first.
        _ = try await ApplicationDesk(w.context).review(analyst, id: a.application.id, .init(decision: .reduce, amount: "300000.00", reason: "部分推广费不属于境外推广"))
        #expect(try await row(w, w.company, key: capRow.limitKey)?.used == 30_000_000)
        let c = try await submit(w.context, me, w.company, "own_brand_promotion", "2000000.00", evidence: invoice)
        #expect(c.application.engineAwardFen == 20_000_000, "the freed headroom: \(c.application.explanation)")
        #expect(c.result.explanation.contains("第 \(a.application.id) 号"), "\(c.result.explanation)")
        // The first objects: re-decided against the rows, nothing is left to raise it with.
        _ = try await ApplicationDesk(w.context).object(me, id: a.application.id, reason: "推广费均为境外推广")
        #expect(try await row(w, w.company, key: capRow.limitKey)?.used == 50_000_000)
        let raise = await LimitChecks.refused {
            _ = try await ApplicationDesk(w.context).review(analyst2, id: a.application.id, .init(decision: .approve, amount: "500000.00", reason: "异议成立"))
        }
        #expect(raise?.contains("超过政策限额") == true && raise?.contains("第 \(c.application.id) 号") == true, "\(raise ?? "accepted")")
        _ = try await ApplicationDesk(w.context).review(analyst2, id: a.application.id, .init(decision: .reduce, amount: "300000.00", reason: "维持核减"))
        #expect(try await row(w, w.company, key: capRow.limitKey)?.used == 50_000_000)
        #expect(try await w.store.applications.limitRowsOutOfBalance().isEmpty)
        let verified = try await AuditDesk(w.context).verify()
        #expect(verified.intact, "\(verified.problems)")
        try await w.store.close()
    }

    static func rejectionHoldsUntilTheObjectionPeriodEnds(engine: TestEngine) async throws {
        let w = try await world(engine)
        let me = CashOutChecks.enterprise(w.company)
        let invoice = try await CashOutChecks.evidence(w, me, "商标注册费发票")
        let a = try await submit(w.context, me, w.company, "trademark_registration", "300000.00", date: "2025-03-10", evidence: invoice)
        _ = try await ApplicationDesk(w.context).review(analyst, id: a.application.id, .init(decision: .reject, amount: nil, reason: "材料不全"))
        // While the objection may still come, the once-only grant stays held.
        let early = await LimitChecks.refused { _ = try await submit(w.context, me, w.company, "trademark_registration", "300000.00", date: "2025-04-10", evidence: invoice) }
        #expect(early != nil, "the rejected application still holds the grant during its objection period")
        // After the period (7 days by default), the next filing finds it given back.
        let later = try testContext(store: w.store, clock: .fixed(Date(timeIntervalSince1970: start + 9 * 86_400)), funding: CashOutChecks.funding)
        let b = try await submit(later, me, w.company, "trademark_registration", "300000.00", date: "2025-04-10", evidence: invoice)
        #expect(b.application.engineAwardFen == 20_000_000)
        let rows = try await w.store.applications.limitRows(enterprise: w.company)
        #expect(rows.allSatisfy { $0.holders.map(\.application) == [b.application.id] }, "\(rows.map { ($0.id, $0.holders.map(\.application)) })")
        #expect(try await w.store.applications.limitRowsOutOfBalance().isEmpty)
        #expect(try await AuditDesk(later).verify().intact)
        try await w.store.close()
    }

    static func theDatabaseRefusesAUsePastTheBound(engine: TestEngine) async throws {
        let w = try await world(engine)
        let me = CashOutChecks.enterprise(w.company)
        let invoice = try await CashOutChecks.evidence(w, me, "商标注册费发票")
        _ = try await submit(w.context, me, w.company, "trademark_registration", "300000.00", date: "2025-03-10", evidence: invoice)
        let rows = try await w.store.applications.limitRows(enterprise: w.company)
        #expect(rows.count == 2 && rows.allSatisfy { $0.used == $0.bound }, "\(rows.map { ($0.id, $0.used, $0.bound) })")
        for r in rows {
            await #expect(throws: (any Error).self, "CHECK (used <= bound) on \(r.id)") {
                try await w.store.backend.write { db in try db.execute("UPDATE limit_use SET used = used + 1 WHERE id = ?", [.text(r.id)]) }
            }
        }
        // A row changed behind the audit trail's back is found by `audit verify`.
        let cap = try #require(rows.first { $0.unit == "fen" })
        try await w.store.backend.write { db in try db.execute("UPDATE limit_use SET used = used - 100 WHERE id = ?", [.text(cap.id)]) }
        let verified = try await AuditDesk(w.context).verify()
        #expect(verified.problems.contains { $0.message.contains("limit_use") && $0.message.contains(cap.id) }, "\(verified.problems)")
        #expect(verified.problems.contains { $0.message.contains("限额记录 \(cap.id)") && $0.message.contains("与占用明细不符") }, "\(verified.problems)")
        try await w.store.close()
    }

    static func pick<T>(_ list: [T], _ random: inout SplitMix64) -> T? { list.isEmpty ? nil : list[Int(random.below(UInt64(list.count)))] }

    /// Four clients at once, each a seeded random walk of filings, reviews, objections and second
    /// reviews over two enterprises and three kinds of limit; whatever interleaving the engine's
    /// scheduler makes, every decided amount stays within what the rules replayed in server order
    /// allow (`audit verify`), every row is what its holds add up to, and no bound is passed.
    static func interleavedClientsStayWithinTheRules(engine: TestEngine, seed: UInt64) async throws {
        let w = try await world(engine)
        let companies = [w.company, w.other]
        var evidence: [String: String] = [:]
        for c in companies { evidence[c] = try await CashOutChecks.evidence(w, CashOutChecks.enterprise(c), "发票 \(c)") }
        let files = evidence
        let context = w.context
        let matters: [(String, ClosedRange<Int64>, [String: String])] = [
            ("own_brand_promotion", 10_000_000...250_000_000, [:]),
            ("trademark_registration", 5_000_000...40_000_000, [:]),
            ("rights_protection", 10_000_000...60_000_000, ["outcome": "won"]),
        ]
        await withTaskGroup(of: Void.self) { group in
            for client in 0..<4 {
                group.addTask {
                    var random = SplitMix64(seed: seed &+ UInt64(client) &* 0x9E37_79B9)
                    let desk = ApplicationDesk(context)
                    for step in 0..<10 {
                        let company = companies[Int(random.below(2))]
                        let me = CashOutChecks.enterprise(company)
                        let mine = (try? await desk.list(analyst)) ?? []
                        switch random.below(4) {
                        case 0, 1:
                            let (matter, range, attributes) = matters[Int(random.below(UInt64(matters.count)))]
                            let fen = range.lowerBound + Int64(random.below(UInt64(range.upperBound - range.lowerBound)))
                            _ = try? await submit(context, me, company, matter, Fen(fen).plain, date: "2025-0\(1 + step % 6)-1\(client)", attributes: attributes,
                                                  evidence: files[company] ?? "")
                        case 2:
                            guard let a = pick(mine.filter { $0.status == .submitted || $0.status == .objected }, &random) else { continue }
                            let reviewer = a.status == .objected ? analyst2 : analyst
                            switch random.below(3) {
                            case 0: _ = try? await desk.review(reviewer, id: a.id, .init(decision: .approve, amount: nil, reason: "核准"))
                            case 1:
                                let cut = max(1, a.engineAwardFen * Int64(1 + random.below(9)) / 10)
                                _ = try? await desk.review(reviewer, id: a.id, .init(decision: .reduce, amount: Fen(cut).plain, reason: "核减"))
                            default: _ = try? await desk.review(reviewer, id: a.id, .init(decision: .reject, amount: nil, reason: "不予支持"))
                            }
                        default:
                            guard let a = pick(mine.filter { ($0.status == .reduced || $0.status == .rejected) && $0.holder == "enterprise" }, &random) else { continue }
                            _ = try? await desk.object(CashOutChecks.enterprise(a.enterpriseID), id: a.id, reason: "异议")
                        }
                    }
                }
            }
        }
        let applications = try await ApplicationDesk(context).list(analyst)
        #expect(applications.count >= 2, "the walk filed something")
        #expect(applications.contains { $0.status != .submitted }, "the walk reviewed something: \(applications.map(\.status))")
        #expect(try await w.store.applications.limitRowsOutOfBalance().isEmpty)
        for r in try await w.store.applications.limitRows(enterprise: w.company) + (try await w.store.applications.limitRows(enterprise: w.other)) {
            #expect(r.used <= r.bound && r.used == r.holders.reduce(0) { $0 + $1.amount }, "\(r.id)")
        }
        // Per enterprise and limit kind, what the live applications hold or were decided stays within the text.
        for c in companies {
            let live = applications.filter { $0.enterpriseID == c && ApplicationBook.countsAgainstLimits($0, now: context.clock.timestamp()) }
            let promotion = live.filter { $0.matter == "own_brand_promotion" }.reduce(0) { $0 + ($1.decidedFen ?? $1.heldFen ?? 0) }
            #expect(promotion <= 50_000_000, "\(c): 自主品牌推广 \(Fen(promotion).grouped) 元 within 50 万 a year")
            #expect(live.filter { $0.matter == "trademark_registration" }.count <= 1, "\(c): 境外商标注册 once")
            #expect(live.filter { $0.matter == "rights_protection" }.count <= 1, "\(c): 海外维权 one project a year")
        }
        let verified = try await AuditDesk(context).verify()
        #expect(verified.intact, "seed \(seed): \(verified.problems)")
        try await w.store.close()
    }
}

@Suite("Limit rows on SQLite") struct LimitRowSQLiteTests {
    @Test func reductionGivesHeadroomBack() async throws { try await LimitRowChecks.reductionGivesHeadroomBack(engine: .sqlite) }
    @Test func rejectionHoldsUntilTheObjectionPeriodEnds() async throws { try await LimitRowChecks.rejectionHoldsUntilTheObjectionPeriodEnds(engine: .sqlite) }
    @Test func theDatabaseRefusesAUsePastTheBound() async throws { try await LimitRowChecks.theDatabaseRefusesAUsePastTheBound(engine: .sqlite) }
    @Test(arguments: [1, 2, 3] as [UInt64]) func interleavedClients(seed: UInt64) async throws {
        try await LimitRowChecks.interleavedClientsStayWithinTheRules(engine: .sqlite, seed: seed)
    }
}

@Suite("Limit rows on PostgreSQL", .postgresRequired) struct LimitRowPostgresTests {
    @Test func reductionGivesHeadroomBack() async throws { try await LimitRowChecks.reductionGivesHeadroomBack(engine: .postgres) }
    @Test func rejectionHoldsUntilTheObjectionPeriodEnds() async throws { try await LimitRowChecks.rejectionHoldsUntilTheObjectionPeriodEnds(engine: .postgres) }
    @Test func theDatabaseRefusesAUsePastTheBound() async throws { try await LimitRowChecks.theDatabaseRefusesAUsePastTheBound(engine: .postgres) }
    @Test(arguments: [1, 2, 3] as [UInt64]) func interleavedClients(seed: UInt64) async throws {
        try await LimitRowChecks.interleavedClientsStayWithinTheRules(engine: .postgres, seed: seed)
    }
}
