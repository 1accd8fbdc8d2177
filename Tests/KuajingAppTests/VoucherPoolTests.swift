import Foundation
import KuajingApp
import KuajingDomain
import KuajingTestSupport
import Testing
import Storage

/// 运力券 (杭州 附件（七）) enforced by the database: concurrent requests from many enterprises against
/// a batch smaller than the demand, on each engine; idempotency; the same vouchers as `kuajing calc`.
enum VoucherPoolChecks {
    static let admin = Viewer(name: "admin", displayName: "admin", role: .admin, city: "杭州市")
    /// A valid 统一社会信用代码 standing for a test's short name ("E12", "A").
    static func code(_ key: String) -> String { CashOutChecks.code(key.unicodeScalars.reduce(7) { ($0 * 131 + Int($1.value)) % 9_000_000 }) }
    /// The test enterprises in the registry, in 滨江区 (a voucher is only for an enterprise in the policy's territory).
    static func register(_ store: Store) async throws {
        let names = (0..<60).map { "E\($0)" } + ["A", "B", "C", "D", "K"]
        try await store.registry.upsert(Set(names.map(code)).sorted().map { EnterpriseRow(id: $0, creditCode: $0, name: "运力券测试企业", district: "滨江区") })
    }

    static func enterprise(_ id: String) -> Viewer { Viewer(name: "e-\(id)", displayName: id, role: .enterprise, city: "杭州市", district: "滨江区", enterpriseID: id) }

    static func concurrentRequestsNeverPassTheBatchTheCapOrTheRate(engine: TestEngine) async throws {
        let store = try await engine.store()
        try await register(store)
        let desk = VoucherDesk(try testContext(store: store))
        _ = try await desk.openBatch(admin, .init(policy: "hangzhou-2024", amount: "5000000.00", opensAt: "2025-01-01T09:00:00+08:00", label: "第一批"))
        // 300 requests from 60 enterprises: contracts up to 4000万 (5% = 200万, over the 100万 cap), every
        // tenth request sent twice with its key; demand far above the 500万 batch.
        var rng = SplitMix64(seed: 11)
        var requests: [VoucherDesk.RequestInput] = []
        for n in 0..<300 {
            let id = code("E\(rng.below(60))")
            let yuan = 100_000 + rng.below(40_000_000)
            requests.append(.init(enterpriseID: id, contractNo: "C\(n)", contractAmount: "\(yuan).\(rng.below(100))", provider: "物流", date: "2025-0\(1 + rng.below(9))-15",
                                  idempotencyKey: "key-\(n)"))
        }
        let sent = requests + requests.enumerated().filter { $0.offset % 10 == 0 }.map(\.element)
        let answers = try await withThrowingTaskGroup(of: (VoucherDesk.RequestInput, VoucherDesk.Answer).self) { group in
            for r in sent { group.addTask { (r, try await desk.request(enterprise(r.enterpriseID), r)) } }
            var out: [(VoucherDesk.RequestInput, VoucherDesk.Answer)] = []
            for try await a in group { out.append(a) }
            return out
        }
        var byKey: [String: VoucherRow] = [:]
        for (r, a) in answers {
            guard case let .issued(row, _) = a else { continue }
            if let first = byKey[r.idempotencyKey] { #expect(first == row, "the same key gives the same answer") }
            byKey[r.idempotencyKey] = row
        }
        let vouchers = Array(byKey.values)
        let issued = vouchers.filter { $0.status == .issued }
        #expect(issued.reduce(0) { $0 + $1.amountFen } == 500_000_000, "the batch is given out exactly")
        #expect(vouchers.contains { $0.status == .waitlisted })
        #expect(Set(vouchers.map(\.sequence)) == Set(1...Int64(vouchers.count)), "sequence numbers are dense and unique")
        for v in issued { #expect(v.amountFen * 20 <= v.contractFen + 10, "at most 5% of the contract") }
        let perEnterpriseYear = Dictionary(grouping: issued, by: { "\($0.enterpriseID)-\($0.year)" }).mapValues { $0.reduce(0) { $0 + $1.amountFen } }
        #expect(perEnterpriseYear.values.allSatisfy { $0 <= 100_000_000 }, "no enterprise passes 100万 in a year")
        let stored = try await store.vouchers.vouchers(policy: "hangzhou-2024", reach: .init(), limit: 10_000, offset: 0)
        #expect(stored.count == vouchers.count, "nothing is granted twice")
        let balance = try await desk.balance(policy: "hangzhou-2024")
        #expect(balance.releasedFen == 500_000_000 && balance.reservedFen == 500_000_000 && balance.remainingFen == 0)
        try await store.close()
    }

    /// A cancelled voucher's amount goes to the waitlist in sequence order, within each one's
    /// entitlement and yearly cap, in the same transaction; a second batch serves the rest first.
    static func theWaitlistIsServedInOrder(engine: TestEngine) async throws {
        let store = try await engine.store()
        try await register(store)
        let context = try testContext(store: store)
        let desk = VoucherDesk(context)
        _ = try await desk.openBatch(admin, .init(policy: "hangzhou-2024", amount: "1000.00", opensAt: "2025-01-01T09:00:00+08:00", label: "小批"))
        func ask(_ name: String, _ n: Int, _ contract: String) async throws -> VoucherRow {
            let e = code(name)
            guard case let .issued(row, _) = try await desk.request(enterprise(e), .init(enterpriseID: e, contractNo: "W\(n)", contractAmount: contract, provider: "物流", date: "2025-05-01", idempotencyKey: "w-\(n)")) else {
                throw AppError.conflict(message: "refused")
            }
            return row
        }
        let first = try await ask("A", 1, "20000.00")   // 5% = 1000: the whole batch
        let second = try await ask("B", 2, "8000.00")   // 400, waitlisted
        let third = try await ask("C", 3, "30000.00")   // 1500, waitlisted
        #expect(first.status == .issued && first.amountFen == 100_000)
        #expect(second.status == .waitlisted && third.status == .waitlisted)
        await #expect(throws: AppError.self, "another enterprise cannot cancel it") { _ = try await desk.cancel(enterprise(code("B")), voucher: first.id, reason: "误操作") }
        _ = try await desk.cancel(enterprise(code("A")), voucher: first.id, reason: "合同解除")
        let after = Dictionary(uniqueKeysWithValues: try await store.vouchers.vouchers(policy: "hangzhou-2024", reach: .init(), limit: 10, offset: 0).map { ($0.id, $0) })
        #expect(after[first.id]?.status == .cancelled)
        #expect(after[second.id]?.status == .issued && after[second.id]?.amountFen == 40_000, "the first in line gets its full 400")
        #expect(after[third.id]?.status == .issued && after[third.id]?.amountFen == 60_000, "the next gets what remains, 600")
        let balance = try await desk.balance(policy: "hangzhou-2024")
        #expect(balance.reservedFen == 100_000 && balance.remainingFen == 0)
        // A second batch: nobody is waiting any more, so a new request is served from it (a voucher issued for a remainder is not topped up, as in calc).
        _ = try await desk.openBatch(admin, .init(policy: "hangzhou-2024", amount: "5000.00", opensAt: "2025-01-01T09:00:00+08:00", label: "第二批"))
        let fourth = try await ask("D", 4, "2000.00")
        #expect(fourth.status == .issued && fourth.amountFen == 10_000)
        #expect(try await AuditDesk(context).verify().intact)
        try await store.close()
    }

    /// The same key sent many times at once: one voucher, and every answer is that voucher.
    static func oneKeyAtOnceIsOneVoucher(engine: TestEngine) async throws {
        let store = try await engine.store()
        try await register(store)
        let desk = VoucherDesk(try testContext(store: store))
        _ = try await desk.openBatch(admin, .init(policy: "hangzhou-2024", amount: "100000.00", opensAt: "2025-01-01T09:00:00+08:00", label: "批"))
        let e = code("K")
        let input = VoucherDesk.RequestInput(enterpriseID: e, contractNo: "K-1", contractAmount: "20000.00", provider: "物流", date: "2025-05-01", idempotencyKey: "same-key")
        let answers = try await withThrowingTaskGroup(of: VoucherDesk.Answer.self) { group in
            for _ in 0..<16 { group.addTask { try await desk.request(enterprise(e), input) } }
            var out: [VoucherDesk.Answer] = []
            for try await a in group { out.append(a) }
            return out
        }
        let ids = Set(answers.compactMap { a -> Int64? in if case let .issued(row, _) = a { return row.id } else { return nil } })
        #expect(answers.count == 16 && ids.count == 1, "16 answers, all the one voucher")
        #expect(try await store.vouchers.vouchers(policy: "hangzhou-2024", reach: .init(), limit: 10, offset: 0).count == 1)
        try await store.close()
    }

    static func theDatabaseRefusesWhatTheCodeMustNeverWrite(engine: TestEngine) async throws {
        let store = try await engine.store()
        try await register(store)
        let desk = VoucherDesk(try testContext(store: store))
        _ = try await desk.openBatch(admin, .init(policy: "hangzhou-2024", amount: "100.00", opensAt: "2025-01-01T09:00:00+08:00", label: "小批"))
        // Over the limit: the CHECK constraint holds even against a direct statement.
        await #expect(throws: (any Error).self) {
            try await store.backend.write { db in try db.execute("UPDATE voucher_pool SET reserved_fen = released_fen + 1", []) }
        }
        await #expect(throws: AppError.self) {
            _ = try await desk.openBatch(admin, .init(policy: "hangzhou-2024", amount: "30000000.00", opensAt: "2025-01-01T09:00:00+08:00", label: "超额"))
        }
        try await store.close()
    }
}

@Suite struct VoucherPoolOnSQLite {
    @Test func concurrentRequests() async throws { try await VoucherPoolChecks.concurrentRequestsNeverPassTheBatchTheCapOrTheRate(engine: .sqlite) }
    @Test func constraints() async throws { try await VoucherPoolChecks.theDatabaseRefusesWhatTheCodeMustNeverWrite(engine: .sqlite) }
    @Test func waitlist() async throws { try await VoucherPoolChecks.theWaitlistIsServedInOrder(engine: .sqlite) }
    @Test func oneKeyAtOnce() async throws { try await VoucherPoolChecks.oneKeyAtOnceIsOneVoucher(engine: .sqlite) }
}

@Suite(.postgresRequired) struct VoucherPoolOnPostgreSQL {
    @Test func concurrentRequests() async throws { try await VoucherPoolChecks.concurrentRequestsNeverPassTheBatchTheCapOrTheRate(engine: .postgres) }
    @Test func constraints() async throws { try await VoucherPoolChecks.theDatabaseRefusesWhatTheCodeMustNeverWrite(engine: .postgres) }
    @Test func waitlist() async throws { try await VoucherPoolChecks.theWaitlistIsServedInOrder(engine: .postgres) }
    @Test func oneKeyAtOnce() async throws { try await VoucherPoolChecks.oneKeyAtOnceIsOneVoucher(engine: .postgres) }
}

/// The server's vouchers equal `kuajing calc`'s for the same requests, dated in the server's sequence,
/// with the whole pool released (calc knows no batches).
@Suite struct VoucherPoolAgreesWithCalc {
    @Test func sameVouchersAsTheEngine() async throws {
        let store = try await TestEngine.sqlite.store()
        try await VoucherPoolChecks.register(store)
        let context = try testContext(store: store)
        let desk = VoucherDesk(context)
        _ = try await desk.openBatch(VoucherPoolChecks.admin, .init(policy: "hangzhou-2024", amount: "30000000.00", opensAt: "2025-01-01T09:00:00+08:00", label: "全部"))
        var rng = SplitMix64(seed: 5)
        var lines = ["claim_id,enterprise_id,district,matter,date,amount"]
        var server: [String: (String, Int64)] = [:]
        for n in 0..<120 {
            let id = VoucherPoolChecks.code("E\(rng.below(50))")
            let yuan = "\(5_000_000 + rng.below(35_000_000)).\(rng.below(100))"
            let date = Day(year: 2025, month: 1 + n / 28 % 12, day: 1 + n % 28)!.iso
            let answer = try await desk.request(VoucherPoolChecks.enterprise(id), .init(enterpriseID: id, contractNo: "C\(n)", contractAmount: yuan, provider: "物流", date: date, idempotencyKey: "k\(n)"))
            switch answer {
            case let .issued(row, _): server["c\(n)"] = (row.status.rawValue, row.amountFen)
            case .refused: server["c\(n)"] = ("refused", 0)
            }
            lines.append("c\(n),\(id),滨江区,logistics_voucher,\(date),\(yuan)")
        }
        let file = try Repository.temporaryDirectory("vouchers") + "/claims.csv"
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: file))
        let json = try calculatedJSON(claimsFile: file, policyIDs: ["hangzhou-2024"], context: context)
        let results = try #require((try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["results"] as? [[String: Any]])
        #expect(results.count == 120)
        var waitlisted = 0
        for r in results {
            let id = try #require(r["claim_id"] as? String)
            let award = try #require(r["award"] as? String)
            let (status, fen) = try #require(server[id])
            #expect(Fen(fen).plain == award, "\(id): server \(status) \(fen), calc \(award)")
            if status == "waitlisted" { waitlisted += 1 }
            // A refusal is calc's capped-to-nothing by the yearly cap; a voucher is an award above zero.
            if status == "issued" { #expect(fen > 0) }
        }
        #expect(server.values.contains { $0.0 == "refused" }, "some requests meet the yearly cap")
        #expect(waitlisted > 0, "the pool runs out")
        try await store.close()
    }
}
