import Foundation
import KuajingApp
import KuajingDomain
import KuajingTestSupport
import Testing
import Storage

/// Cash-out from application to payout, each role doing its part, on each engine; every step in
/// the audit chain, which `audit verify` recomputes and which fails on every kind of tampering.
enum CashOutChecks {
    static let funding = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/funding-test.yaml").path
    static let admin = Viewer(name: "admin", displayName: "市级管理员", role: .admin, city: "杭州市")
    static let analyst = Viewer(name: "analyst", displayName: "分析员甲", role: .analyst, city: "杭州市")
    static let analyst2 = Viewer(name: "analyst2", displayName: "分析员乙", role: .analyst, city: "杭州市")
    static let auditor = Viewer(name: "auditor", displayName: "审计员", role: .auditor, city: "杭州市")

    static func code(_ n: Int) -> String {
        let first = "91330108MA" + String(format: "%07d", n)
        return first + String(CreditCode.checkCharacter(first)!)
    }
    static func enterprise(_ id: String) -> Viewer { Viewer(name: "e-\(id)", displayName: id, role: .enterprise, city: "杭州市", district: "滨江区", enterpriseID: id) }

    struct World {
        let store: Store
        let context: AppContext
        let company: String
        let other: String
    }

    static func world(_ engine: TestEngine) async throws -> World {
        let store = try await engine.store()
        // 2025-06-30 in Beijing.
        let context = try testContext(store: store, clock: .fixed(Date(timeIntervalSince1970: 1_751_248_800)), funding: funding)
        let company = code(1), other = code(2)
        try await store.registry.upsert([EnterpriseRow(id: company, creditCode: company, name: "杭州测试跨境有限公司", district: "滨江区"),
                                         EnterpriseRow(id: other, creditCode: other, name: "杭州另一家公司", district: "滨江区")])
        let budgets = BudgetDesk(context)
        for payer in ["市级", "滨江区"] {
            let b = try await budgets.allocate(admin, .init(policy: "hangzhou-2024", measure: "trademark_registration", year: 2025, payer: payer, amount: "1000000.00"))
            _ = try await budgets.release(admin, id: b.id, amount: "500000.00")
        }
        return World(store: store, context: context, company: company, other: other)
    }

    static func evidence(_ w: World, _ viewer: Viewer, _ text: String) async throws -> String {
        try await ApplicationDesk(w.context).uploadEvidence(viewer, name: "发票.pdf", mediaType: "application/pdf", content: Array(text.utf8))
    }

    static func applicationToPayout(engine: TestEngine) async throws {
        let w = try await world(engine)
        let desk = ApplicationDesk(w.context), budgets = BudgetDesk(w.context), payouts = PayoutDesk(w.context)
        let me = enterprise(w.company)
        let invoice = try await evidence(w, me, "商标注册费发票 No.001")
        let filed = try await desk.submit(me, .init(enterpriseID: w.company, matter: "trademark_registration", date: "2025-03-10", amount: "300000.00", evidence: [invoice]))
        // The engine's figure, as calc gives it: 70% of 30万 is 21万, over the 20万 cap.
        #expect(filed.result.award.value == 20_000_000)
        #expect(filed.application.status == .submitted && filed.application.holder == "reviewer")
        #expect(filed.result.explanation.contains("200,000.00"))
        #expect(ApplicationDesk.Flag.parse(filed.application.flags).contains { $0.rule == "no_own_trade" }, "no trade in its own name is flagged")

        // Another enterprise's id, a wrong check character, a refused amount: 4xx, nothing written.
        await #expect(throws: AppError.self) { _ = try await desk.submit(me, .init(enterpriseID: w.other, matter: "trademark_registration", date: "2025-03-10", amount: "1.00", evidence: [invoice])) }
        await #expect(throws: AppError.self) { _ = try await desk.submit(me, .init(enterpriseID: String(w.company.dropLast()) + "0", matter: "trademark_registration", date: "2025-03-10", amount: "1.00", evidence: [invoice])) }
        for bad in ["-1.00", "0.001", "abc", "1e9"] {
            await #expect(throws: AppError.self) { _ = try await desk.submit(me, .init(enterpriseID: w.company, matter: "trademark_registration", date: "2025-03-10", amount: bad, evidence: [invoice])) }
        }
        await #expect(throws: AppError.self, "a date before the policy is in force") {
            _ = try await desk.submit(me, .init(enterpriseID: w.company, matter: "trademark_registration", date: "2023-03-10", amount: "1000.00", evidence: [invoice]))
        }
        await #expect(throws: AppError.self, "no evidence") { _ = try await desk.submit(me, .init(enterpriseID: w.company, matter: "trademark_registration", date: "2025-03-10", amount: "1000.00", evidence: [])) }
        #expect(try await desk.list(admin).count == 1)

        // First review reduces; the reservation is split 60/40 as configured.
        let id = filed.application.id
        await #expect(throws: AppError.self, "a reduction needs an amount below the engine's") { _ = try await desk.review(analyst, id: id, .init(decision: .reduce, amount: "200000.00", reason: "核减")) }
        let reduced = try await desk.review(analyst, id: id, .init(decision: .reduce, amount: "150000.00", reason: "部分发票不符"))
        #expect(reduced.status == .reduced && reduced.cityFen == 9_000_000 && reduced.districtFen == 6_000_000)
        var city = try await budgets.budgets(admin).first { $0.payer == "市级" }!
        #expect(city.reservedFen == 9_000_000 && city.availableFen == 50_000_000 - 9_000_000)

        // 异议 → a second reviewer, never the first.
        let objected = try await desk.object(me, id: id, reason: "发票齐全，请复核")
        #expect(objected.status == .objected && objected.holder == "second_reviewer")
        city = try await budgets.budgets(admin).first { $0.payer == "市级" }!
        #expect(city.reservedFen == 0, "the reservation is released while the objection is heard")
        await #expect(throws: AppError.self) { _ = try await desk.review(analyst, id: id, .init(decision: .approve, amount: nil, reason: "维持")) }
        let approved = try await desk.review(analyst2, id: id, .init(decision: .approve, amount: nil, reason: "复核后全额核准"))
        #expect(approved.status == .approved && approved.decidedFen == 20_000_000)
        await #expect(throws: AppError.self, "no second objection") { _ = try await desk.object(me, id: id, reason: "再次异议") }

        // Payout: no confirmed account, nothing to pay; then the bureau confirms the account.
        await #expect(throws: AppError.self) { _ = try await payouts.export(admin) }
        let cert = try await evidence(w, me, "开户许可证")
        let payee = try await payouts.enterPayee(me, .init(enterpriseID: w.company, bank: "杭州银行滨江支行", accountNo: "3301 0400 1234 5678", holder: "杭州测试跨境有限公司", evidence: cert))
        await #expect(throws: AppError.self, "an enterprise cannot confirm its own account") { _ = try await payouts.confirmPayee(me, id: payee.id) }
        _ = try await payouts.confirmPayee(admin, id: payee.id)
        let exported = try await payouts.export(admin)
        #expect(exported.lines.count == 1 && exported.batch.totalFen == 20_000_000)
        #expect(exported.csv.contains("3301040012345678") && exported.csv.contains("200000.00") && exported.csv.contains(exported.checkpoint.signature))
        #expect(exported.batch.fileSHA256 == PayoutDesk.fileDigest(exported.csv))
        city = try await budgets.budgets(admin).first { $0.payer == "市级" }!
        #expect(city.committedFen == 12_000_000 && city.reservedFen == 0)
        let paid = try await payouts.markPaid(admin, batch: exported.batch.id, reference: "国库支付 2025-0001")
        #expect(paid.status == "paid")
        city = try await budgets.budgets(admin).first { $0.payer == "市级" }!
        #expect(city.paidFen == 12_000_000 && city.committedFen == 0)

        // A bank return: a reversing line, then a re-issue in the next batch; never an edit.
        let reversal = try await payouts.reverse(admin, line: exported.lines[0].id, reason: "户名不符退票")
        #expect(reversal.amountFen == -20_000_000)
        let again = try await payouts.export(admin)
        #expect(again.lines.map(\.kind) == ["reissue"])
        let first = try await payouts.file(admin, batch: exported.batch.id)
        #expect(first.csv == exported.csv, "a frozen file never changes")

        let detail = try await desk.detail(auditor, id: id)
        #expect(detail.timeline.map(\.action).starts(with: ["application.filed", "application.reviewed", "application.objected", "application.objection_decided"]))

        let report = try await AuditDesk(w.context).verify()
        #expect(report.intact, "\(report.problems)")
        #expect(report.entries > 10 && report.checkpoints >= 2)
        try await w.store.close()
    }

    static func budgetsAreNeverExceeded(engine: TestEngine) async throws {
        let w = try await world(engine)
        let desk = ApplicationDesk(w.context)
        var ids: [Int64] = []
        for (n, who) in [w.company, w.other].enumerated() {
            let e = enterprise(who)
            let sha = try await evidence(w, e, "发票 \(n)")
            ids.append(try await desk.submit(e, .init(enterpriseID: who, matter: "trademark_registration", date: "2025-04-0\(n + 1)", amount: "300000.00", evidence: [sha])).application.id)
        }
        // 50万 released per payer; each approval takes 12万 city and 8万 district: two fit.
        // Approve both at once, then a third that no longer fits.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in ids { group.addTask { _ = try await desk.review(analyst, id: id, .init(decision: .approve, amount: nil, reason: "核准")) } }
            try await group.waitForAll()
        }
        let budgets = BudgetDesk(w.context)
        let small = try await budgets.allocate(admin, .init(policy: "hangzhou-2024", measure: "credit_insurance", year: 2025, payer: "市级", amount: "100.00"))
        _ = try await budgets.release(admin, id: small.id, amount: "100.00")
        let districtBudget = try await budgets.allocate(admin, .init(policy: "hangzhou-2024", measure: "credit_insurance", year: 2025, payer: "滨江区", amount: "100.00"))
        _ = try await budgets.release(admin, id: districtBudget.id, amount: "100.00")
        let me = enterprise(w.company)
        let sha = try await evidence(w, me, "保费发票")
        let big = try await desk.submit(me, .init(enterpriseID: w.company, matter: "credit_insurance", date: "2025-05-01", amount: "10000.00", evidence: [sha]))
        do {
            _ = try await desk.review(analyst, id: big.application.id, .init(decision: .approve, amount: nil, reason: "核准"))
            Issue.record("an approval past the released budget must be refused")
        } catch let e as AppError {
            #expect(e.message.contains("预算不足") && e.message.contains("100.00"), "refused with the figures: \(e.message)")
        }
        let row = try await desk.detail(admin, id: big.application.id).application
        #expect(row.status == .submitted, "a refused approval writes nothing")
        // The CHECK constraint stands behind the code.
        await #expect(throws: (any Error).self) {
            try await w.store.backend.write { db in try db.execute("UPDATE budget SET reserved_fen = released_fen + 1", []) }
        }
        #expect(try await AuditDesk(w.context).verify().intact)
        try await w.store.close()
    }

    /// 免申即享: a premium list becomes proposals the enterprise only confirms; a logistics provider's
    /// contracts become 运力券 requests made on one confirmation, once.
    static func proposalsFromImportedFacts(engine: TestEngine) async throws {
        let w = try await world(engine)
        let me = enterprise(w.company)
        let premiums = "enterprise_id,enterprise_name,policy_no,premium,paid_date,insurer\r\n\(w.company),杭州测试跨境有限公司,P-1,12000.00,2025-02-01,中国信保\r\n"
        let report = try await ProposalImport(w.context).run(admin, kind: "credit_insurance_premiums", bytes: Array(premiums.utf8), fileName: "premiums.csv")
        #expect(report.added == 1 && report.proposals.count == 1)
        let again = try await ProposalImport(w.context).run(admin, kind: "credit_insurance_premiums", bytes: Array(premiums.utf8), fileName: "premiums.csv")
        #expect(again.added == 0 && again.alreadyHeld == 1, "a fact already held is not proposed twice")
        let desk = ApplicationDesk(w.context)
        let proposal = try await desk.detail(me, id: report.proposals[0]).application
        #expect(proposal.status == .proposed && proposal.engineAwardFen == 720_000, "60% of the premium, proposed by the platform")
        let confirmed = try await desk.answerProposal(me, id: proposal.id, confirm: true)
        #expect(confirmed.status == .submitted && confirmed.holder == "reviewer")

        let contracts = "enterprise_id,enterprise_name,contract_no,contract_amount,provider,signed_date\n\(w.company),杭州测试跨境有限公司,L-9,400000.00,某物流,2025-03-01\n"
        _ = try await ProposalImport(w.context).run(admin, kind: "logistics_contracts", bytes: Array(contracts.utf8), fileName: "contracts.csv")
        let vouchers = VoucherDesk(w.context)
        _ = try await vouchers.openBatch(admin, .init(policy: "hangzhou-2024", amount: "100000.00", opensAt: "2025-01-01T09:00:00+08:00", label: "第一批"))
        let held = try await vouchers.proposedContracts(me)
        #expect(held.map(\.referenceNo) == ["L-9"])
        guard case let .issued(first, _) = try await vouchers.requestFromFact(me, fact: held[0].id) else { Issue.record("the voucher is issued"); return }
        #expect(first.amountFen == 2_000_000, "5% of 40万")
        #expect(try await vouchers.proposedContracts(me).isEmpty, "a contract is confirmed once")
        await #expect(throws: AppError.self) { _ = try await vouchers.requestFromFact(enterprise(w.other), fact: held[0].id) }
        #expect(try await AuditDesk(w.context).verify().intact)
        try await w.store.close()
    }

    /// Every kind of offline tampering fails verification and names the first bad entry.
    static func tamperingIsFound(engine: TestEngine) async throws {
        let w = try await world(engine)
        let desk = ApplicationDesk(w.context)
        let me = enterprise(w.company)
        for n in 1...3 {
            let sha = try await evidence(w, me, "发票 \(n)")
            _ = try await desk.submit(me, .init(enterpriseID: w.company, matter: "credit_insurance", date: "2025-0\(n)-05", amount: "\(n)0000.00", evidence: [sha]))
        }
        let audit = AuditDesk(w.context)
        try await audit.checkpoint(reason: "测试")
        #expect(try await audit.verify().intact)
        let head = try await w.store.audit.head().sequence
        let dialect = w.store.backend.dialect
        func offline(_ sql: [String]) async throws {
            try await w.store.backend.write { db in
                if dialect == .postgres { try db.execute("SET LOCAL session_replication_role = replica", []) }
                else { for t in ["audit_entry_no_update", "audit_entry_no_delete"] { try db.execute("DROP TRIGGER IF EXISTS \(t)", []) } }
                for s in sql { try db.execute(s, []) }
            }
        }
        // Snapshot the chain to restore between cases.
        let saved = try await w.store.audit.entries(after: 0, limit: 10_000)
        func restore() async throws {
            try await offline(["DELETE FROM audit_entry"])
            try await w.store.backend.write { db in
                if dialect == .postgres { try db.execute("SET LOCAL session_replication_role = replica", []) }
                for e in saved {
                    try db.execute("INSERT INTO audit_entry (sequence, recorded_at, actor, action, subject, content, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                   [.integer(e.sequence), .text(e.recordedAt), .text(e.actor), .text(e.action), .text(e.subject), .text(e.content), .text(e.previousHash), .text(e.hash)])
                }
                try db.execute("UPDATE audit_head SET sequence = ?, hash = ?", [.integer(saved.last!.sequence), .text(saved.last!.hash)])
            }
            #expect(try await audit.verify().intact)
        }
        let target = saved[saved.count / 2].sequence
        // A byte flipped.
        try await offline(["UPDATE audit_entry SET actor = actor || 'x' WHERE sequence = \(target)"])
        #expect(try await audit.verify().firstBad == target)
        try await restore()
        // An entry deleted.
        try await offline(["DELETE FROM audit_entry WHERE sequence = \(target)"])
        #expect(try await audit.verify().firstBad == target)
        try await restore()
        // Two swapped (their contents).
        try await offline(["UPDATE audit_entry SET sequence = 999999 WHERE sequence = \(target)", "UPDATE audit_entry SET sequence = \(target) WHERE sequence = \(target + 1)",
                           "UPDATE audit_entry SET sequence = \(target + 1) WHERE sequence = 999999"])
        #expect(try await audit.verify().firstBad == target)
        try await restore()
        // The tail cut.
        try await offline(["DELETE FROM audit_entry WHERE sequence > \(head - 2)"])
        #expect(try await audit.verify().firstBad == head - 1)
        try await restore()
        // A balance changed.
        try await offline(["UPDATE budget SET released_fen = released_fen - 100 WHERE payer = '市级'"])
        #expect(try await !audit.verify().intact)
        try await offline(["UPDATE budget SET released_fen = released_fen + 100 WHERE payer = '市级'"])
        #expect(try await audit.verify().intact)
        // The whole chain rewritten consistently (an actor renamed, every hash recomputed, the head
        // moved): every link holds, but the signed checkpoint does not.
        var previous = AuditTrail.genesis
        var rewrite: [String] = ["DELETE FROM audit_entry"]
        for e in saved {
            let actor = e.actor == "admin" ? "someone" : e.actor
            let hash = AuditTrail.hash(sequence: e.sequence, recordedAt: e.recordedAt, actor: actor, action: e.action, subject: e.subject, content: e.content, previous: previous)
            let q = { (s: String) in "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
            rewrite.append("INSERT INTO audit_entry (sequence, recorded_at, actor, action, subject, content, previous_hash, hash) VALUES (\(e.sequence), \(q(e.recordedAt)), \(q(actor)), \(q(e.action)), \(q(e.subject)), \(q(e.content)), \(q(previous)), \(q(hash)))")
            previous = hash
        }
        rewrite.append("UPDATE audit_head SET hash = '\(previous)'")
        try await offline(rewrite)
        let rewritten = try await audit.verify()
        #expect(!rewritten.intact && rewritten.problems.contains { $0.message.contains("检查点") }, "\(rewritten.problems)")
        try await w.store.close()
    }

}

@Suite("Cash-out on SQLite") struct CashOutSQLiteTests {
    @Test func applicationToPayout() async throws { try await CashOutChecks.applicationToPayout(engine: .sqlite) }
    @Test func budgets() async throws { try await CashOutChecks.budgetsAreNeverExceeded(engine: .sqlite) }
    @Test func tampering() async throws { try await CashOutChecks.tamperingIsFound(engine: .sqlite) }
    @Test func proposals() async throws { try await CashOutChecks.proposalsFromImportedFacts(engine: .sqlite) }
}

@Suite("Cash-out on PostgreSQL", .postgresRequired) struct CashOutPostgresTests {
    @Test func applicationToPayout() async throws { try await CashOutChecks.applicationToPayout(engine: .postgres) }
    @Test func budgets() async throws { try await CashOutChecks.budgetsAreNeverExceeded(engine: .postgres) }
    @Test func tampering() async throws { try await CashOutChecks.tamperingIsFound(engine: .postgres) }
    @Test func proposals() async throws { try await CashOutChecks.proposalsFromImportedFacts(engine: .postgres) }
}
