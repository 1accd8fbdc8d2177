import Foundation
import KuajingDomain
import PolicyEngine
import TradeStore

/// The policy engine replayed over an enterprise's applications in server order (`application.id`,
/// the sequence of filing): what each application may be paid at most under every limit the engine
/// applies (caps per claim, per enterprise and year or policy period, once-only grants, yearly
/// counts, shared caps, 就高不重复). The engine stays the one source of the rules; the replay only
/// feeds it what the database holds.
///
/// An application's bound is what it adds to the engine's total of the live applications filed
/// before it: `T(1…i) − T(1…i−1)`. The bounds of live applications therefore sum to the engine's
/// total for all of them, which no limit lets pass its bound, so paying each at most its bound
/// never pays an enterprise more than a limit allows, whatever the order reviews and payouts come
/// in. A measure whose text names no amount (the engine answers `needs_review` with 0) is bounded
/// by the claimed base, as the reviewer is.
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
        let calculation = ClaimsCalculation(context)
        var rows: [[String: String]] = []
        var before: Int64 = 0
        var out: [Int64: Bound] = [:]
        for a in live {
            rows.append(claimRow(a))
            let total = try calculation.evaluate(claimRows: rows, source: "申报重放").evaluation.total.value
            let adds = max(0, total - before)
            before = total
            let earlier = live.prefix { $0.id < a.id }.filter { $0.policy == a.policy }.map { "第 \($0.id) 号" }
            let order = earlier.isEmpty ? "本企业在先无同一政策的有效申报" : "按受理顺序在先：\(earlier.suffix(10).joined(separator: "、"))"
            if a.engineStatus == ClaimStatus.needsReview.rawValue && a.engineAwardFen == 0 {
                out[a.id] = Bound(application: a.id, fen: a.amountFen, explanation: "政策文本未规定金额，以申报基数 \(Fen(a.amountFen).grouped) 元为限")
            } else {
                out[a.id] = Bound(application: a.id, fen: adds, explanation: "按政策规则依受理顺序重放，本申报至多可核定 \(Fen(adds).grouped) 元（\(order)）")
            }
        }
        return out
    }
}
