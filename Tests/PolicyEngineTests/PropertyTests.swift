import Foundation
import PropertyBased
import Testing
@testable import PolicyEngine
@testable import KuajingDomain

/// Invariants of the engine over random ledgers of 杭州 claims.
@Suite struct PropertyTests {
    static let set = try! loadPolicies()
    static let matters = ["own_brand_promotion", "platform_promotion", "credit_insurance", "trademark_registration", "logistics_voucher"]

    struct Claim: Sendable { var enterprise: Int; var matter: String; var month: Int; var year: Int; var fen: Int64 }

    static func ledger(_ claims: [Claim]) throws -> ClaimsLedger {
        var csv = "claim_id,enterprise_id,district,matter,date,amount\n"
        for (i, c) in claims.enumerated() {
            csv += "c\(i),E\(c.enterprise),滨江区,\(c.matter),\(c.year)-\(c.month < 10 ? "0" : "")\(c.month)-01,\(Fen(c.fen).plain)\n"
        }
        return try LedgerReader.read(path: writeTemp("p.csv", csv), matterKeys: set.matterKeys)
    }

    static let claimGen = zip(Gen.int(in: 0...5), Gen.int(in: 0...4), Gen.int(in: 1...12), Gen.int(in: 2025...2026), Gen.int64(in: 0...4_000_000_000))
        .map { e, m, month, year, fen in Claim(enterprise: e, matter: matters[m], month: month, year: year, fen: fen) }

    @Test func awardsNeverExceedCapsAndYearlyCapsHold() async {
        await propertyCheck(count: 60, input: Self.claimGen.array(of: 1...40)) { claims in
            let ledger = try! Self.ledger(claims)
            let ev = Engine.evaluate(ledger, with: Self.set)
            var perEnterpriseYear: [String: Int64] = [:]
            for row in 0..<ledger.count {
                guard let o = ev.chosen(row) else { continue }
                let m = Self.set.entries[o.entry].measure
                for cap in m.caps { #expect(ev.award[row] <= cap.limit.value) }
                #expect(ev.award[row] >= 0)
                #expect(ev.award[row] <= max(0, o.raw.roundedHalfUp()) || o.status == .needsReview)
                if let yearly = m.caps.first(where: { $0.scope == .enterpriseYear }) {
                    let key = "\(ledger.enterpriseID(row))|\(m.id)|\(ledger.date(row).year)"
                    perEnterpriseYear[key, default: 0] += ev.award[row]
                    #expect(perEnterpriseYear[key]! <= yearly.limit.value)
                }
            }
        }
    }

    @Test func poolIsNeverOverspent() async {
        // Large logistics contracts from many enterprises against the 3000万 pool.
        let gen = Gen.int64(in: 100_000_000...2_000_000_000).array(of: 20...80)
        await propertyCheck(count: 20, input: gen) { amounts in
            let claims = amounts.enumerated().map { Claim(enterprise: $0.offset, matter: "logistics_voucher", month: 3, year: 2025, fen: $0.element) }
            let ledger = try! Self.ledger(claims)
            let ev = Engine.evaluate(ledger, with: Self.set)
            #expect(ev.total.value <= 3_000_000_000)
        }
    }

    @Test func reorderingEnterprisesKeepsTheirResults() async {
        let gen = zip(Self.claimGen.array(of: 1...40), Gen.int(in: 0...1000)).map { claims, seed in (claims.filter { $0.matter != "logistics_voucher" }, seed) }
        await propertyCheck(count: 40, input: gen) { pair in
            let (claims, seed) = pair
            // Move whole enterprises around while keeping each enterprise's own order.
            var groups = Dictionary(grouping: claims.enumerated(), by: { $0.element.enterprise }).values.map { $0 }
            groups.sort { ($0[0].element.enterprise * 7919 + seed) % 13 < ($1[0].element.enterprise * 7919 + seed) % 13 }
            let shuffled = groups.flatMap { $0 }
            let a = Engine.evaluate(try! Self.ledger(claims), with: Self.set)
            let b = Engine.evaluate(try! Self.ledger(shuffled.map(\.element)), with: Self.set)
            for (newRow, item) in shuffled.enumerated() {
                #expect(a.award[item.offset] == b.award[newRow])
                #expect(a.status[item.offset] == b.status[newRow])
            }
        }
    }
}
