import Foundation
import Testing
import KuajingDomain
import KuajingTestSupport
@testable import PolicyEngine

/// The per-claim formats are rendered as bytes, in blocks, on several threads. These tests hold them
/// to the claims one by one as `ClaimResult` gives them (what the web and the API show), formatted
/// by the simplest string code: every field, every explanation, every alternative, byte for byte.
/// Serialized: each case keeps a thread busy for seconds in a debug build, and the storage suites
/// running beside it need the cooperative threads to answer their servers in time.
@Suite(.serialized) struct StreamedOutputTests {
    static let districts = ["滨江区", "西湖区", "萧山区", "淳安县", "椒江区", "温岭市", "平湖市", "海宁市", "拱墅区"]

    /// A mixed ledger over every matter of the loaded policies: dates inside and outside the policies'
    /// terms, every applicant type, zero and huge amounts, the measures' extra inputs (some missing),
    /// quotes and commas in claim ids, enterprises with several claims in the year.
    static func ledgerCSV(_ set: PolicySet, claims: Int, seed: UInt64, matters: [String]? = nil) -> String {
        var rng = SplitMix64(seed: seed)
        var inputs: [String: ValueType] = [:]
        for p in set.policies { for m in p.measures { for i in m.inputs { inputs[i.name] = i.type } } }
        let names = inputs.keys.sorted()
        func pick<T>(_ xs: [T]) -> T { xs[Int(rng.below(UInt64(xs.count)))] }
        var csv = "claim_id,enterprise_id,district,matter,date,amount,applicant_type," + names.joined(separator: ",") + "\n"
        for k in 0..<claims {
            let id = k % 7 == 0 ? "\"c,\(k) \"\"q\"\"\"" : "c\(k)"
            let enterprise = "E\(rng.below(UInt64(max(1, claims / 5))))"
            let year = pick([2023, 2024, 2025, 2025, 2025, 2026, 2027])
            let date = "\(year)-\(String(format: "%02d", 1 + rng.below(12)))-\(String(format: "%02d", 1 + rng.below(28)))"
            let fen = pick([0, 1, 50, 99_999, 3_000_000, 123_456_789, 9_000_000_000]) + rng.below(100)
            let amount = "\(fen / 100).\(String(format: "%02d", fen % 100))"
            let applicant = pick(ApplicantType.allCases.map(\.rawValue) + ["", "", ""])
            let values = names.map { name -> String in
                if rng.below(5) == 0 { return "" }
                switch inputs[name]! {
                case .money: return "\(rng.below(50_000_000) / 100).\(rng.below(10))"
                case .rate: return "\(rng.below(100))%"
                case .count: return "\(rng.below(400))"
                case .date: return "2025-0\(1 + rng.below(9))-1\(rng.below(9))"
                case .bool: return pick(["true", "false"])
                case .text: return pick(["甲", "乙", "跨境电商"])
                }
            }
            csv += "\(id),\(enterprise),\(pick(districts)),\(pick(matters ?? set.matterKeys)),\(date),\(amount),\(applicant)," + values.joined(separator: ",") + "\n"
        }
        return csv
    }

    static let funding = FundingConfiguration(cityShare: ["滨江区": (Rational(1, 3), "测试：三分之一"), "西湖区": (Rational(1, 2), "测试：一半")])

    /// CSV from `ClaimResult`s, as the string writer wrote it.
    static func referenceCSV(_ ev: Evaluation) -> String {
        var s = "\u{FEFF}claim_id,enterprise_id,matter,status,status_zh,award,policy,measure,clause,funding_city,funding_district,funding_basis,explanation\n"
        for row in 0..<ev.ledger.count {
            let r = ev.result(row, funding: funding, trace: false)
            s += [r.claimID, r.enterpriseID, r.matter, r.status.rawValue, r.status.chinese, r.award.plain, r.policy ?? "", r.measure ?? "",
                  r.clause ?? "", r.funding?.city?.plain ?? "", r.funding?.district?.plain ?? "", r.funding?.basis ?? "", r.explanation]
                .map(CSVText.field).joined(separator: ",") + "\n"
        }
        return s + ",,,,合计,\(ev.total.plain),,,,,,,\n"
    }

    /// JSON values of the results from `ClaimResult`s.
    static func referenceJSON(_ ev: Evaluation) -> [[String: Any]] {
        (0..<ev.ledger.count).map { row in
            let r = ev.result(row, funding: funding, trace: false)
            var o: [String: Any] = ["claim_id": r.claimID, "status": r.status.rawValue, "award": r.award.plain,
                                    "policy": r.policy ?? NSNull(), "measure": r.measure ?? NSNull(), "clause": r.clause ?? NSNull(),
                                    "explanation": r.explanation]
            if let f = r.funding {
                o["funding"] = ["city": f.city?.plain ?? NSNull(), "district": f.district?.plain ?? NSNull(), "basis": f.basis] as [String: Any]
            } else { o["funding"] = NSNull() }
            if !r.alternatives.isEmpty {
                o["alternatives"] = r.alternatives.map { ["policy": $0.policy, "measure": $0.measure, "clause": $0.clause,
                                                          "status": $0.status.rawValue, "award": $0.award.plain, "explanation": $0.explanation] }
            }
            return o
        }
    }

    @Test(arguments: [(UInt64(1), 400), (UInt64(2), 9_000)])
    func streamedFormatsEqualTheClaimsOneByOne(seed: UInt64, claims: Int) async throws {
        let failures = try await offThePool { try Self.compareStreamedWithOneByOne(seed: seed, claims: claims) }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n").prefix(4_000))")
    }

    /// The failures found (the comparison runs off the cooperative pool, where no test is current).
    static func compareStreamedWithOneByOne(seed: UInt64, claims: Int) throws -> [String] {
        var failures: [String] = []
        func check(_ ok: Bool, _ what: String) { if !ok { failures.append(what) } }
        let set = try loadPolicies()
        let ledger = try LedgerReader.read(path: writeTemp("mixed.csv", Self.ledgerCSV(set, claims: claims, seed: seed)), matterKeys: set.matterKeys)
        let ev = Engine.evaluate(ledger, with: set)
        // Every kind of outcome appears, or the comparison proves less than it says.
        let seen = Set(ev.status)
        check(seen.isSuperset(of: claims >= 9_000 ? [.awarded, .capped, .ineligible, .notApplicable, .needsReview] : [.awarded, .notApplicable]), "every kind of outcome appears: \(seen)")
        let expectedCSV = Self.referenceCSV(ev)
        // 9,000 claims are two blocks: on three threads they are rendered side by side.
        for threads in [1, 3] {
            let writer = ResultWriter(evaluation: ev, funding: Self.funding, threads: threads)
            check(writer.render(.csv) == expectedCSV, "csv, \(threads) threads")
            let json = try JSONSerialization.jsonObject(with: Data(writer.render(.json).utf8)) as! [String: Any]
            check(json["total"] as? String == ev.total.plain, "json total, \(threads) threads")
            let got = json["results"] as! [[String: Any]]
            let want = Self.referenceJSON(ev)
            check(got.count == want.count, "json result count, \(threads) threads")
            for (g, w) in zip(got, want) where !NSDictionary(dictionary: g).isEqual(to: w) {
                failures.append("json differs at \(g["claim_id"] ?? "?"): \(g) against \(w)")
                break
            }
        }
        // The table: one paragraph per claim in ledger order, the same on one thread and on three.
        let table1 = ResultWriter(evaluation: ev, funding: Self.funding, threads: 1).render(.table)
        check(table1 == ResultWriter(evaluation: ev, funding: Self.funding, threads: 3).render(.table), "table on one thread and on three")
        let r0 = ev.result(0, funding: Self.funding, trace: false)
        check(table1.hasPrefix("【\(r0.claimID)】\(r0.status.chinese)（\(r0.status.rawValue)） 核定 \(r0.award.grouped) 元"), "table starts with the first claim")
        check(table1.contains("\n  \(r0.explanation)\n"), "table holds the first explanation")
        check(table1.hasSuffix("合计核定 \(ev.total.grouped) 元（\(ledger.count) 笔申报）\n"), "table ends with the total")
        return failures
    }

    /// Without a pool, applicants share no limit, and the limits phase runs on several threads, each
    /// taking the claims of its own applicants: every status, award, alternative, explanation and
    /// limit trace is what one thread gives.
    @Test(arguments: [UInt64(3), 4])
    func limitsOnSeveralThreadsEqualOneThread(seed: UInt64) async throws {
        let failures = try await offThePool { try Self.compareLimitThreads(seed: seed) }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n").prefix(4_000))")
    }

    static func compareLimitThreads(seed: UInt64) throws -> [String] {
        var failures: [String] = []
        func check(_ ok: Bool, _ what: String) { if !ok { failures.append(what) } }
        let set = try loadPolicies()
        let withoutPool = set.matterKeys.indices.filter { m in set.byMatter[m].allSatisfy { set.entries[$0].pools.isEmpty } }.map { set.matterKeys[$0] }
        check(withoutPool.count >= 5 && withoutPool.count < set.matterKeys.count, "some matters have a pool and most have none: \(withoutPool.count)")
        let ledger = try LedgerReader.read(path: writeTemp("nopool.csv", Self.ledgerCSV(set, claims: 6_000, seed: seed, matters: withoutPool)),
                                           matterKeys: set.matterKeys)
        let one = Engine.evaluate(ledger, with: set, trace: true, threads: 1)
        check(Set(one.status).isSuperset(of: [.awarded, .capped, .ineligible, .needsReview]), "every kind of outcome appears: \(Set(one.status))")
        let several = (0..<ledger.count).filter { one.candidateStart[$0 + 1] - one.candidateStart[$0] > 1 }.count
        let excluded = one.outcome.filter { $0.status == .excludedByHigher }.count
        check(several > 0, "some claim meets several measures (\(several); excluded by a higher one: \(excluded))")
        for threads in [2, 5] {
            let many = Engine.evaluate(ledger, with: set, trace: true, threads: threads, parallelAbove: 0)
            check(many.status == one.status && many.award == one.award && many.chosenEntry == one.chosenEntry, "statuses and awards, \(threads) threads")
            check(many.chosenCandidate == one.chosenCandidate, "chosen candidates, \(threads) threads")
            check("\(many.limitTrace)" == "\(one.limitTrace)", "limit traces, \(threads) threads")
            let a = ResultWriter(evaluation: one, funding: Self.funding, threads: 1), b = ResultWriter(evaluation: many, funding: Self.funding, threads: 1)
            check(a.render(.csv) == b.render(.csv) && a.render(.json) == b.render(.json), "csv and json, \(threads) threads")
        }
        return failures
    }

    @Test func exclusionByHigherIsListedAsAnAlternative() throws {
        let set = try PolicySet.load(directory: "\(fixtures.path)/stacking")
        let csv = "claim_id,enterprise_id,district,matter,date,amount\nc1,E1,滨江区,trademark_registration,2025-03-01,100000\n"
        let ev = Engine.evaluate(try LedgerReader.read(path: writeTemp("s.csv", csv), matterKeys: set.matterKeys), with: set)
        let json = try JSONSerialization.jsonObject(with: Data(ResultWriter(evaluation: ev, funding: Self.funding).render(.json).utf8)) as! [String: Any]
        let first = (json["results"] as! [[String: Any]])[0]
        let alternatives = first["alternatives"] as! [[String: Any]]
        #expect(alternatives.count == 1 && alternatives[0]["status"] as? String == "excluded_by_higher")
        #expect((alternatives[0]["explanation"] as! String).hasPrefix("就高不重复："))
        #expect(NSDictionary(dictionary: first).isEqual(to: Self.referenceJSON(ev)[0]))
    }

    @Test(arguments: [0, 1, 8_191, 8_192, 8_193, 20_000])
    func blocksArriveInOrder(count: Int) {
        var got: [Int] = []
        OrderedBlocks.run(count: count, threads: 3, render: { b, out in out += Array(repeating: UInt8(b % 251), count: 1 + b % 5) },
                          consume: { buffer in got.append(Int(buffer.bytes[0])); #expect(buffer.count >= 1) })
        #expect(got == (0..<count).map { $0 % 251 })
    }
}
