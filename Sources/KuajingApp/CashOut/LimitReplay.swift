import Foundation
import KuajingDomain
import PolicyEngine
import Storage

/// The policy engine deciding applications from the limit rows, and replayed over an enterprise's
/// applications in server order (`application.id`, the sequence of filing).
///
/// Filing: the engine takes the claim with its counters and pools where the locked limit rows
/// (`LimitBook`) leave them (`Engine.evaluate(startingUse:)`), and what it awards is held of every
/// row in the same transaction. The rows are the state; the rules stay the engine's.
///
/// Replay (payout and audit): the same, one application after the other from nothing, each
/// earlier application using what it holds (its decided amount once reviewed). What the engine
/// then gives an application is its bound: whatever order reviews and payouts came in, the rows
/// never let the applications of one limit hold more than its bound together, so an application
/// decided within its rows is within its replayed bound, and one that is not was decided past a
/// limit. A measure whose text names no amount (the engine answers `needs_review` with 0) is
/// bounded by the claimed base and the room its limits leave, as the reviewer is.
enum LimitReplay {
    struct Bound: Sendable, Equatable {
        var application: Int64
        var fen: Int64
        /// Why, in Chinese, for the refusal or the audit finding.
        var explanation: String
    }

    /// The claims-ledger row of an application, as filing evaluated it.
    static func claimRow(id: String, enterprise: String, district: String, matter: String, date: String, amount: String,
                         attributes: [String: String]) -> [String: String] {
        var r = attributes
        r["claim_id"] = id
        r["enterprise_id"] = enterprise
        r["district"] = district
        r["matter"] = matter
        r["date"] = date
        r["amount"] = amount
        return r
    }

    static func claimRow(_ a: ApplicationRow) -> [String: String] {
        var attrs: [String: String] = [:]
        if let object = try? JSONSerialization.jsonObject(with: Data(a.attributes.utf8)) as? [String: String] { attrs = object }
        return claimRow(id: "A\(a.id)", enterprise: a.enterpriseID, district: a.district, matter: a.matter, date: a.claimDate, amount: Fen(a.amountFen).plain, attributes: attrs)
    }

    // MARK: rows and uses

    /// A use as the store holds it.
    static func hold(_ u: LimitUse) -> LimitHold {
        LimitHold(limitKey: u.key.id, owner: u.stateOwner, period: Int64(u.period), unit: u.key.unit.rawValue, amount: u.amount, bound: u.key.bound,
                  label: u.key.label, clause: u.key.clause)
    }

    /// What the locked rows say was used, as the engine takes it (`enterprise` stands for a pool's owner).
    static func uses(_ rows: [LimitRow], enterprise: String) -> [LimitUse] {
        rows.map { r in
            LimitUse(key: LimitKey(id: r.limitKey, unit: r.unit == "grants" ? .grants : .fen, yearly: r.period != 0, perEnterprise: r.owner != "*", bound: r.bound,
                                   label: r.label, clause: r.clause),
                     enterprise: r.owner == "*" ? enterprise : r.owner, period: Int(r.period), amount: r.used)
        }
    }

    /// What was used before, summed per row.
    struct Usage {
        private(set) var used: [String: LimitUse] = [:]

        init(_ uses: [LimitUse] = []) { for u in uses { add(u) } }

        static func id(_ u: LimitUse) -> String { "\(u.key.id)|\(u.stateOwner)|\(u.period)" }

        mutating func add(_ u: LimitUse) {
            let k = Self.id(u)
            if var old = used[k] { old.amount += u.amount; used[k] = old } else { used[k] = u }
        }

        func usedOf(_ key: LimitKey, enterprise: String, period: Int) -> Int64 {
            used[Self.id(LimitUse(key: key, enterprise: enterprise, period: period, amount: 0))]?.amount ?? 0
        }

        /// The uses a claim of `year` is decided from: the policy period's and that year's.
        func starting(year: Int) -> [LimitUse] { used.values.filter { $0.period == 0 || $0.period == year }.sorted { Self.id($0) < Self.id($1) } }

        /// The uses of an application of `measure` holding `fen`, cut to what the rows leave: the
        /// amount to the tightest room, a grant dropped where the count is full.
        func fitting(_ keys: [LimitKey], fen: Int64, enterprise: String, year: Int) -> [LimitUse] {
            var amount = fen
            for k in keys where k.unit == .fen { amount = min(amount, max(0, k.bound - usedOf(k, enterprise: enterprise, period: k.yearly ? year : 0))) }
            return keys.compactMap { k in
                let period = k.yearly ? year : 0
                if k.unit == .grants { return usedOf(k, enterprise: enterprise, period: period) + 1 <= k.bound ? LimitUse(key: k, enterprise: enterprise, period: period, amount: 1) : nil }
                return LimitUse(key: k, enterprise: enterprise, period: period, amount: amount)
            }
        }
    }

    /// What an application holds, or would hold: its amount (the decided one once reviewed; the
    /// engine's while it waits) under its measure's limits.
    static func heldFen(_ a: ApplicationRow) -> Int64 {
        if a.limitsHeld, let held = a.heldFen { return held }
        return a.decidedFen ?? a.engineAwardFen
    }

    // MARK: deciding

    /// The engine's decision for one claim from what was used before.
    static func decide(claimRow: [String: String], starting: [LimitUse], context: AppContext, source: String) throws(AppError) -> (result: ClaimResult, uses: [LimitUse], keys: [LimitKey]) {
        let calculation = ClaimsCalculation(context)
        let evaluated = try calculation.evaluate(claimRows: [claimRow], source: source, startingUse: starting)
        let evaluation = evaluated.evaluation
        guard evaluation.ledger.count == 1 else { throw AppError.internalFailure(detail: "一条申报的计算结果不是一条") }
        return (evaluation.result(0, funding: evaluated.funding, trace: false), evaluation.limitUses(0), evaluation.limitKeys(0))
    }

    // MARK: replay

    /// The bounds of the applications of several enterprises (any order), each enterprise replayed on its own.
    static func bounds(ofEnterprises applications: [ApplicationRow], now: String, context: AppContext) throws(AppError) -> [Int64: Bound] {
        var out: [Int64: Bound] = [:]
        for group in Dictionary(grouping: applications, by: \.enterpriseID).values {
            out.merge(try bounds(group, now: now, context: context)) { first, _ in first }
        }
        return out
    }

    /// The bound of every application among `applications` (one enterprise's, any order) that counts against the limits.
    /// `now` decides which first rejections still count (their objection period open).
    static func bounds(_ applications: [ApplicationRow], now: String, context: AppContext) throws(AppError) -> [Int64: Bound] {
        let live = applications.filter { ApplicationBook.countsAgainstLimits($0, now: now) }.sorted { $0.id < $1.id }
        guard !live.isEmpty else { return [:] }
        let set = try context.policySet()
        var usage = Usage()
        var out: [Int64: Bound] = [:]
        for (i, a) in live.enumerated() {
            let year = Int(a.year)
            let decided = try decide(claimRow: claimRow(a), starting: usage.starting(year: year), context: context, source: "申报重放")
            let keys = a.policy.flatMap { p in a.measure.map { set.limitKeys(policy: p, measure: $0) } } ?? decided.keys
            let earlier = live.prefix(i).filter { $0.policy == a.policy }.map { "第 \($0.id) 号" }
            let order = earlier.isEmpty ? "本企业在先无同一政策的有效申报" : "按受理顺序在先：\(earlier.suffix(10).joined(separator: "、"))"
            let bound: Bound
            if a.engineStatus == ClaimStatus.needsReview.rawValue && a.engineAwardFen == 0 {
                let room = usage.fitting(keys, fen: a.amountFen, enterprise: a.enterpriseID, year: year).first { $0.key.unit == .fen }?.amount ?? a.amountFen
                bound = Bound(application: a.id, fen: room, explanation: "政策文本未规定金额，以申报基数 \(Fen(a.amountFen).grouped) 元及限额余量为限，至多 \(Fen(room).grouped) 元（\(order)）")
            } else {
                bound = Bound(application: a.id, fen: decided.result.award.value,
                              explanation: "按政策规则依受理顺序重放，本申报至多可核定 \(decided.result.award.grouped) 元（\(order)）")
            }
            out[a.id] = bound
            for u in usage.fitting(keys, fen: min(bound.fen, heldFen(a)), enterprise: a.enterpriseID, year: year) { usage.add(u) }
        }
        return out
    }
}
