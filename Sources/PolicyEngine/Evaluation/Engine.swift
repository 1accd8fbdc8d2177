import KuajingDomain

/// The result of evaluating a ledger: one status and award per claim, in ledger order.
public struct Evaluation: Sendable {
    public let ledger: ClaimsLedger
    public let policies: PolicySet
    public var status: [ClaimStatus]
    /// Fen.
    public var award: [Int64]
    /// The chosen outcome per claim (nil for not_applicable), and the others it beat (就高不重复);
    /// filled only when details were requested.
    public var chosen: [CandidateOutcome?]
    public var alternatives: [[CandidateOutcome]]
    /// Entry index of the chosen measure, -1 if none (always filled).
    public var chosenEntry: [Int32]
    public var detailed: Bool

    public var total: Fen { Fen(award.reduce(0, +)) }
}

/// Evaluates a ledger of claims against a policy set.
///
/// 1. Candidates: for each claim, the measures of its matter whose policy is in force on its date
///    and covers its district.
/// 2. Column-wise: for each measure, its conditions and its formula over all its claims at once.
/// 3. In ledger order (by date, then file order): once-only grants, yearly counts, caps per claim,
///    per applicant per year and per policy period, shared caps and pools are applied; where several
///    measures apply, the highest pays and the others are excluded (就高不重复). Rounding half up to
///    the fen happens once, here, on the award.
public enum Engine {
    public static func evaluate(_ ledger: ClaimsLedger, with set: PolicySet, details: Bool = true) -> Evaluation {
        let n = ledger.count
        let entries = set.entries
        var timer = PhaseTimer()

        // Ledger order: a stable counting sort by date. Candidates are laid out in this order so the
        // sequential pass below reads its arrays front to back.
        var order = [Int32](repeating: 0, count: n)
        var minDay: Int32 = 0
        var yearOfDay: [Int32] = []
        if n > 0 {
            minDay = ledger.day.min()!
            let maxDay = ledger.day.max()!
            var counts = [Int32](repeating: 0, count: Int(maxDay - minDay) + 2)
            for d in ledger.day { counts[Int(d - minDay) + 1] += 1 }
            for i in 1..<counts.count { counts[i] += counts[i - 1] }
            for r in 0..<n {
                let k = Int(ledger.day[r] - minDay)
                order[Int(counts[k])] = Int32(r)
                counts[k] += 1
            }
            yearOfDay = (minDay...maxDay).map { Int32(Day(ordinal: $0).year) }
        }

        timer.mark("sort by date")
        // 1. Candidates (CSR layout: candidates of the claim at position i of `order` are
        //    candEntry[candStart[i]..<candStart[i+1]]).
        let matterToSet: [Int] = ledger.matterKeys.map { key in set.matterKeys.firstIndex(of: key) ?? -1 }
        let from = set.policies.map { $0.inForce.from.ordinal }
        let to = set.policies.map { $0.inForce.to.ordinal }
        var candStart = [Int32](repeating: 0, count: n + 1)
        var candEntry: [Int32] = []
        candEntry.reserveCapacity(n)
        var rowsOf = [[Int32]](repeating: [], count: entries.count)
        var slotOf: [Int32] = [] // position of the candidate in rowsOf[entry]
        slotOf.reserveCapacity(n)
        let entryPolicy = entries.map(\.policy)
        let divisionCount = set.divisions.divisions.count
        let covers = set.covers.flatMap { $0 }
        for pos in 0..<n {
            let r = Int(order[pos])
            let m = matterToSet[Int(ledger.matter[r])]
            if m >= 0 {
                let d = ledger.day[r], dist = Int(ledger.district[r])
                for e in set.byMatter[m] {
                    let p = entryPolicy[e]
                    if d >= from[p] && d <= to[p] && covers[p * divisionCount + dist] {
                        candEntry.append(Int32(e))
                        slotOf.append(Int32(rowsOf[e].count))
                        rowsOf[e].append(Int32(r))
                    }
                }
            }
            candStart[pos + 1] = Int32(candEntry.count)
        }

        timer.mark("candidates")
        // 2. Column-wise conditions and formulas, per measure.
        var raws = [[Rational]](repeating: [], count: entries.count)
        // Why a candidate fails, as a small code per candidate (messages of evaluation errors aside).
        var fails = [[FailCode]](repeating: [], count: entries.count)
        var failMessages = [[Int: String]](repeating: [:], count: entries.count)
        for (e, rows) in rowsOf.enumerated() where !rows.isEmpty {
            let entry = entries[e]
            let m = entry.measure
            var evaluator = ColumnEvaluator(ClaimColumns(ledger: ledger, rows: rows,
                                                         inputs: Dictionary(m.inputs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })))
            var fail = [FailCode](repeating: .none, count: rows.count)
            let allowed = Set(m.applicants.compactMap { ApplicantType.allCases.firstIndex(of: $0) }.map(UInt8.init))
            let dishonesty = set.policies[entry.policy].eligibility.excludeSeriousDishonesty
                ? ledger.attributeIndex["serious_dishonesty"] : nil
            var allowedMask = [Bool](repeating: false, count: ApplicantType.allCases.count)
            for a in allowed { allowedMask[Int(a)] = true }
            for i in 0..<rows.count {
                let r = Int(rows[i])
                if !allowedMask[Int(ledger.applicant[r])] { fail[i] = FailCode.applicantType }
                else if let column = dishonesty, Value.parseCell(ledger.text(ledger.attributeRanges[column][r]), as: .bool) == .bool(true) {
                    fail[i] = FailCode.seriousDishonesty
                }
            }
            for (k, c) in m.conditions.enumerated() {
                let col = evaluator.evaluate(c.expression)
                for i in 0..<rows.count where fail[i] == .none && !col.bool(i) { fail[i] = FailCode(condition: k) }
            }
            let award = evaluator.evaluate(m.award)
            var raw = [Rational](repeating: .zero, count: rows.count)
            for i in 0..<rows.count { raw[i] = award.number(i) }
            for (i, message) in evaluator.rowErrors where fail[i] == .none {
                fail[i] = FailCode.evaluation
                failMessages[e][i] = message
            }
            raws[e] = raw
            fails[e] = fail
        }

        timer.mark("column-wise formulas")
        var state = LimitState(set: set, enterprises: ledger.enterpriseCount)
        var result = Evaluation(ledger: ledger, policies: set,
                                status: [ClaimStatus](repeating: .notApplicable, count: n),
                                award: [Int64](repeating: 0, count: n),
                                chosen: details ? [CandidateOutcome?](repeating: nil, count: n) : [],
                                alternatives: details ? [[CandidateOutcome]](repeating: [], count: n) : [],
                                chosenEntry: [Int32](repeating: -1, count: n), detailed: details)
        for pos in 0..<n {
            let lo = Int(candStart[pos]), hi = Int(candStart[pos + 1])
            if lo == hi { continue }
            let r = Int(order[pos])
            let enterprise = Int(ledger.enterprise[r])
            let year = yearOfDay[Int(ledger.day[r] - minDay)]
            var best: CandidateOutcome?
            var others: [CandidateOutcome] = []
            for c in lo..<hi {
                let e = Int(candEntry[c]), s = Int(slotOf[c])
                let code = fails[e][s]
                let reason: IneligibleReason? = code == .none ? nil : code.reason(message: failMessages[e][s])
                let outcome = state.outcome(entry: e, raw: raws[e][s], fail: reason, enterprise: enterprise, year: year, details: details)
                if let b = best {
                    if outcome.isBetter(than: b) {
                        if details { others.append(b) }
                        best = outcome
                    } else if details { others.append(outcome) }
                } else { best = outcome }
            }
            let chosen = best!
            if chosen.status != .ineligible {
                state.commit(entry: chosen.entry, award: chosen.award, enterprise: enterprise, year: year)
            }
            result.status[r] = chosen.status
            result.award[r] = chosen.award
            result.chosenEntry[r] = Int32(chosen.entry)
            if details {
                result.chosen[r] = chosen
                result.alternatives[r] = others.map { o in
                    var o = o
                    if chosen.status != .ineligible && o.status != .ineligible {
                        o.status = .excludedByHigher
                    }
                    return o
                }
            }
        }
        timer.mark("limits in ledger order")
        return result
    }
}

extension CandidateOutcome {
    /// 就高: an eligible outcome beats an ineligible one; then the larger award; ties keep the first.
    func isBetter(than other: CandidateOutcome) -> Bool {
        let eligible = status != .ineligible, otherEligible = other.status != .ineligible
        if eligible != otherEligible { return eligible }
        return award > other.award
    }
}

/// A compact `IneligibleReason` for the column-wise phase: one small integer per candidate.
struct FailCode: Equatable {
    var raw: Int16
    static let none = FailCode(raw: -1)
    static let applicantType = FailCode(raw: 0)
    static let seriousDishonesty = FailCode(raw: 1)
    static let evaluation = FailCode(raw: 2)
    init(raw: Int16) { self.raw = raw }
    init(condition k: Int) { raw = 100 + Int16(k) }

    func reason(message: String?) -> IneligibleReason {
        switch raw {
        case 0: return .applicantType
        case 1: return .seriousDishonesty
        case 2: return .evaluation(message ?? "")
        default: return .condition(Int(raw) - 100)
        }
    }
}
