import Foundation
import Testing
@testable import PolicyEngine
@testable import KuajingDomain

@Suite struct LedgerErrorTests {
    func read(_ csv: String) throws -> ClaimsLedger {
        let set = try loadPolicies()
        return try LedgerReader.read(path: writeTemp("claims.csv", csv), matterKeys: set.matterKeys)
    }

    func problems(_ csv: String) -> [LedgerError.Problem] {
        do {
            _ = try read(csv)
            return []
        } catch let e as LedgerError {
            return e.problems
        } catch {
            return [.init(file: "", line: 0, column: 0, field: "", message: "\(error)")]
        }
    }

    static let header = "claim_id,enterprise_id,district,matter,date,amount\n"

    @Test func unknownMatterSuggestsClosestKeys() {
        let p = problems(Self.header + "c1,E1,滨江区,trademark_registraton,2025-03-01,100\n")
        #expect(p.count == 1)
        #expect(p[0].line == 2 && p[0].column == 4 && p[0].field == "matter")
        #expect(p[0].message.contains("trademark_registration"))
    }

    @Test(arguments: [
        ("c1,E1,滨江区,patent,2025-02-30,100\n", 5, "date"),
        ("c1,E1,滨江区,patent,2025-03-01,abc\n", 6, "amount"),
        ("c1,E1,滨江区,patent,2025-03-01,-5\n", 6, "amount"),
        ("c1,E1,滨江区,patent,2025-03-01,1.234\n", 6, "amount"),
        ("c1,E1,滨河区,patent,2025-03-01,1\n", 3, "district"),
    ] as [(String, Int, String)])
    func badFieldNamesLineColumnAndField(row: String, column: Int, field: String) {
        let p = problems(Self.header + row)
        #expect(p.count == 1)
        #expect(p.first?.line == 2)
        #expect(p.first?.column == column)
        #expect(p.first?.field == field)
    }

    @Test func duplicateClaimIDIsRejected() {
        let p = problems(Self.header + "c1,E1,滨江区,patent,2025-03-01,1\nc1,E2,滨江区,patent,2025-03-01,1\n")
        #expect(p.count == 1 && p[0].line == 3 && p[0].message.contains("重复"))
    }

    @Test func duplicatesAreFoundAcrossALargeFile() {
        var csv = Self.header
        for i in 0..<5000 { csv += "c\(i),E\(i % 700),滨江区,patent,2025-03-01,1\n" }
        csv += "c17,E1,滨江区,patent,2025-03-01,1\nc4999,E1,滨江区,patent,2025-03-01,1\n"
        let p = problems(csv)
        #expect(p.map(\.line) == [5002, 5003])
        #expect(p.first?.message.contains("第 19 行已出现") == true)
    }

    @Test func quotedFieldsWithEscapesAndNewlines() throws {
        let l = try read(Self.header.replacingOccurrences(of: "\n", with: ",note\n")
            + "c1,E1,滨江区,patent,2025-03-01,1,\"说明，含\"\"引号\"\"\n和换行\"\nc2,E1,滨江区,patent,2025-03-01,1,x\n")
        #expect(l.count == 2)
        #expect(l.attribute("note", row: 0) == "说明，含\"引号\"\n和换行")
        #expect(l.line(1) == 4)
    }

    @Test func bomQuotesAndCodesAreAccepted() throws {
        let l = try read("\u{FEFF}" + Self.header + "\"c,1\",E1,330108,patent,2025-03-01,\"1,0\"\n".replacingOccurrences(of: "\"1,0\"", with: "10"))
        #expect(l.count == 1 && l.claimID(0) == "c,1")
    }

    @Test func jsonLedgerErrorsCarryLineAndColumn() throws {
        let set = try loadPolicies()
        let json = """
        [
          {"claim_id": "c1", "enterprise_id": "E1", "district": "滨江区", "matter": "patent", "date": "2025-03-01", "amount": 100},
          {"claim_id": "c2", "enterprise_id": "E1", "district": "滨江区", "matter": "patent", "date": "2025-13-01", "amount": 100}
        ]
        """
        do {
            _ = try LedgerReader.read(path: writeTemp("c.json", json), matterKeys: set.matterKeys)
            Issue.record("should have failed")
        } catch let e as LedgerError {
            #expect(e.problems.count == 1)
            #expect(e.problems[0].line == 3 && e.problems[0].field == "date")
            #expect(e.problems[0].column > 80)
        }
    }
}

@Suite struct LanguageTests {
    func load(_ measureYAML: String) throws -> Policy {
        let base = try String(contentsOfFile: "\(fixtures.path)/stacking/binjiang-test.yaml", encoding: .utf8)
        let head = base.components(separatedBy: "measures:")[0]
        return try PolicyLoader.parse(head + "measures:\n" + measureYAML, file: "p.yaml")
    }

    @Test(arguments: [
        ("    award: amount + 1\n", "类型不匹配"),
        ("    award: rate\n", "应为金额"),
        ("    award: amount * rat\n", "未知的名称"),
        ("    award: amount * rate\n    conditions:\n      - {when: \"amount > 5\", reason: x}\n", "类型不匹配"),
    ] as [(String, String)])
    func typeErrorsAreReportedWithLocation(award: String, message: String) {
        let yaml = """
          - id: m
            name: m
            matter: patent
            clause: c
            text: t
            parameters:
              rate: {value: 50%, text: t}

        """ + award
        do {
            _ = try load(yaml)
            Issue.record("should fail: \(award)")
        } catch let e as PolicyFileError {
            #expect(e.message.contains(message), "\(e)")
            #expect(e.location.file == "p.yaml" && e.location.line > 10 && e.location.column > 1)
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func unknownFieldIsReported() {
        #expect(throws: PolicyFileError.self) {
            try load("  - id: m\n    name: m\n    matter: patent\n    clause: c\n    text: t\n    awrd: amount\n")
        }
    }
}

@Suite struct StackingTests {
    @Test func highestPaysAndOthersAreExcluded() throws {
        let set = try PolicySet.load(directory: "\(fixtures.path)/stacking")
        let csv = "claim_id,enterprise_id,district,matter,date,amount\n"
            + "c1,E1,滨江区,trademark_registration,2025-03-01,100000\n"  // 杭州 70% = 70000; 区 80% capped 50000
            + "c2,E2,滨江区,trademark_registration,2025-03-01,20000\n"   // 杭州 14000; 区 16000
            + "c3,E3,西湖区,trademark_registration,2025-03-01,20000\n"   // 区 policy does not cover 西湖区
        let ledger = try LedgerReader.read(path: writeTemp("c.csv", csv), matterKeys: set.matterKeys)
        let ev = Engine.evaluate(ledger, with: set, trace: true)
        let r1 = ev.result(0, funding: .init(), trace: true)
        #expect(r1.policy == "hangzhou-2024" && r1.award == Fen(7_000_000))
        #expect(r1.alternatives.count == 1 && r1.alternatives[0].status == .excludedByHigher && r1.alternatives[0].award == Fen(5_000_000))
        #expect(r1.alternatives[0].explanation.contains("就高不重复"))
        let r2 = ev.result(1, funding: .init(), trace: false)
        #expect(r2.policy == "binjiang-test" && r2.award == Fen(1_600_000))
        #expect(ev.result(2, funding: .init(), trace: false).alternatives.isEmpty)
        #expect(r1.trace.count == 2 && r1.trace[0].limits.first?.binding == false)
    }
}

@Suite struct ProcessingOrderTests {
    func run(_ rows: String) throws -> Evaluation {
        let set = try PolicySet.load(directory: "\(fixtures.path)/pool")
        let csv = "claim_id,enterprise_id,district,matter,date,amount\n" + rows
        let ledger = try LedgerReader.read(path: writeTemp("c.csv", csv), matterKeys: set.matterKeys)
        return Engine.evaluate(ledger, with: set, details: false)
    }

    @Test func poolIsDrawnInDateOrderNotFileOrder() throws {
        let ev = try run("c1,E1,滨江区,logistics_voucher,2025-03-02,60\nc2,E2,滨江区,logistics_voucher,2025-03-01,60\nc3,E3,滨江区,logistics_voucher,2025-03-02,60\n")
        #expect(ev.award == [4000, 6000, 0]) // c2 first (earlier date), then c1 gets the 40 left, c3 nothing
        #expect(ev.status == [.capped, .awarded, .capped])
    }

    @Test func yearlyCapFollowsDateOrderWithinAnApplicant() throws {
        // Without a pool the engine groups by applicant; each applicant's claims still go by date.
        let set = try loadPolicies()
        let csv = "claim_id,enterprise_id,district,matter,date,amount\n"
            + "a,E1,滨江区,own_brand_promotion,2025-09-01,1000000\n"
            + "b,E2,滨江区,own_brand_promotion,2025-01-01,1000\n"
            + "c,E1,滨江区,own_brand_promotion,2025-02-01,1800000\n"
        let ledger = try LedgerReader.read(path: writeTemp("c.csv", csv), matterKeys: set.matterKeys)
        let ev = Engine.evaluate(ledger, with: set, details: false)
        #expect(ev.award == [5_000_000, 25_000, 45_000_000]) // c (Feb) takes 450,000; a (Sep) gets the 50,000 left
        #expect(ev.status == [.capped, .awarded, .awarded])
    }
}

@Suite struct MixedOrderTests {
    @Test func pooledAndUnpooledClaimsTogether() throws {
        let set = try PolicySet(policies: [
            try PolicyLoader.load(path: "\(fixtures.path)/pool/pool-test.yaml"),
            try PolicyLoader.load(path: "\(fixtures.path)/stacking/binjiang-test.yaml"),
        ])
        let csv = "claim_id,enterprise_id,district,matter,date,amount\n"
            + "t1,E1,滨江区,trademark_registration,2025-05-01,50000\n"   // 80% = 40,000, capped at 50,000 over the period
            + "v1,E1,滨江区,logistics_voucher,2025-03-02,60\n"
            + "t2,E1,滨江区,trademark_registration,2025-02-01,50000\n"
            + "v2,E2,滨江区,logistics_voucher,2025-03-01,60\n"
        let ledger = try LedgerReader.read(path: writeTemp("c.csv", csv), matterKeys: set.matterKeys)
        let ev = Engine.evaluate(ledger, with: set, details: false)
        #expect(ev.award == [1_000_000, 4000, 4_000_000, 6000])
        #expect(ev.status == [.capped, .capped, .awarded, .awarded])
    }
}
