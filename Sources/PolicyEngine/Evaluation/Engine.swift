import Dispatch
import KuajingDomain

/// The result of evaluating a ledger: one status and award per claim, in ledger order.
public struct Evaluation: Sendable {
    public let ledger: ClaimsLedger
    public let policies: PolicySet
    public var status: [ClaimStatus]
    /// Fen.
    public var award: [Int64]
    /// Entry index of the chosen measure, -1 if none (always filled).
    public var chosenEntry: [Int32]
    public var detailed: Bool

    // Details, filled only when requested, in flat arrays (a million claims cost no allocation each).
    /// The candidate measures of claim r are candidates `candidateStart[r]..<candidateStart[r + 1]`.
    var candidateStart: [Int32] = []
    /// The formula's exact value per candidate, in fen, before limits.
    var candidateRaw: [Rational] = []
    /// What each candidate gave at its claim's turn (`excludedByHigher` for the losers of 就高不重复).
    var outcome: [CompactOutcome] = []
    /// The candidate that pays per claim, -1 for not_applicable.
    var chosenCandidate: [Int32] = []
    /// Messages of formulas that failed on a candidate (rare).
    var failMessages: [Int: String] = [:]
    /// Every limit tested per candidate, kept only for traces (`Engine.evaluate(trace: true)`).
    var limitTrace: [[LimitCheck]] = []
    /// The fixed parts of the explanations of each measure that has candidates (nil for the others),
    /// compiled once per evaluation.
    var templates: [Explainer.MeasureTemplate?] = []

    public var total: Fen { Fen(award.reduce(0, +)) }

    /// The chosen outcome of a claim (nil for not_applicable). Requires details.
    public func chosen(_ row: Int) -> CandidateOutcome? {
        let c = Int(chosenCandidate[row])
        return c < 0 ? nil : candidateOutcome(c)
    }

    /// The other candidates of a claim, which the chosen one beat (就高不重复) or which were ineligible.
    public func alternatives(_ row: Int) -> [CandidateOutcome] {
        let chosen = Int(chosenCandidate[row])
        return (Int(candidateStart[row])..<Int(candidateStart[row + 1])).filter { $0 != chosen }.map(candidateOutcome)
    }

    func candidateOutcome(_ c: Int) -> CandidateOutcome {
        let o = outcome[c]
        let limits: [LimitCheck]
        if !limitTrace.isEmpty { limits = limitTrace[c] }
        else if o.binding >= 0 {
            var check = LimitState.limitDefinitions(policies, entry: Int(o.entry))[Int(o.binding)]
            check.room = Fen(o.room)
            check.binding = true
            limits = [check]
        } else { limits = [] }
        return CandidateOutcome(entry: Int(o.entry), status: o.status, award: o.award, raw: candidateRaw[c],
                                reason: LimitState.reason(o.reason, message: failMessages[c]), limits: limits)
    }
}

/// One candidate's outcome in trivially copyable form (24 bytes).
struct CompactOutcome {
    var award: Int64
    /// Room of the limit that bound (meaningful when `binding >= 0`).
    var room: Int64
    var entry: Int32
    /// `ReasonCode` / `FailCode` of an ineligible outcome, -1 otherwise.
    var reason: Int16
    var status: ClaimStatus
    /// Position of the binding limit in `LimitState.limitDefinitions`, -1 when none bound.
    var binding: Int8
}

/// Evaluates a ledger of claims against a policy set.
///
/// 1. Candidates: for each claim, the measures of its matter whose policy is in force on its date
///    and covers its district.
/// 2. Column-wise: for each measure, its conditions and its formula over all its claims at once.
/// 3. In ledger order (by date, then file order): once-only grants, yearly counts, caps per claim,
///    per applicant per year and per policy period, shared caps and pools are applied; where several
///    measures apply, the highest pays and the others are excluded (就高不重复). Rounding half up to
///    the fen happens once, here, on the award. Claims that share no state with a pool are taken
///    applicant by applicant (each applicant's claims still in ledger order), which gives the same
///    results and reads memory front to back; see "Processing order" below.
public enum Engine {
    /// `details`: keep each candidate's outcome (for explanations); `trace`: keep every limit tested too.
    /// `startingUse`: what the applicants had used of the limits before these claims (the cash-out
    /// store's limit rows; see `LimitUse`), so that a claim is decided where earlier ones left off.
    /// `threads`: the column-wise formulas and, when no claim meets a pool, the limits run on that
    /// many threads for a ledger of more than `parallelAbove` claims; the results are the same.
    public static func evaluate(_ ledger: ClaimsLedger, with set: PolicySet, details: Bool = true, trace: Bool = false,
                                threads: Int = 1, parallelAbove: Int = 100_000, startingUse: [LimitUse] = []) -> Evaluation {
        let n = ledger.count
        let entries = set.entries
        var timer = PhaseTimer()

        // 1. Candidates, in file order (sequential reads). CSR layout: the candidates of row r are
        //    candidate indices candStart[r]..<candStart[r+1]; candEntry gives each one's measure.
        let matterToSet: [Int] = ledger.matterKeys.map { key in set.matterKeys.firstIndex(of: key) ?? -1 }
        let from = set.policies.map { $0.inForce.from.ordinal }
        let to = set.policies.map { $0.inForce.to.ordinal }
        let entryPolicy = entries.map(\.policy)
        let divisionCount = set.divisions.divisions.count
        let covers = set.covers.flatMap { $0 }
        var candStart = [Int32](repeating: 0, count: n + 1)
        var candEntry: [Int32] = []
        candEntry.reserveCapacity(n)
        var rowsOf = [[Int32]](repeating: [], count: entries.count)
        var candidatesOf = [[Int32]](repeating: [], count: entries.count)
        for r in 0..<n {
            let m = matterToSet[Int(ledger.matter[r])]
            if m >= 0 {
                let d = ledger.day[r], dist = Int(ledger.district[r])
                for e in set.byMatter[m] {
                    let p = entryPolicy[e]
                    if d >= from[p] && d <= to[p] && covers[p * divisionCount + dist] {
                        rowsOf[e].append(Int32(r))
                        candidatesOf[e].append(Int32(candEntry.count))
                        candEntry.append(Int32(e))
                    }
                }
            }
            candStart[r + 1] = Int32(candEntry.count)
        }
        timer.mark("candidates")

        // 2. Column-wise conditions and formulas, per measure, scattered back to the candidates.
        var candRaw = [Rational](repeating: .zero, count: candEntry.count)
        var candFail = [Int16](repeating: -1, count: candEntry.count)
        var failMessages: [Int: String] = [:]
        // Measures are independent here: on several threads, each writes only its own candidates.
        let measures = rowsOf.indices.filter { !rowsOf[$0].isEmpty }
        let measureRows = rowsOf, measureSlots = candidatesOf
        var messages = [[Int: String]](repeating: [:], count: measures.count)
        candRaw.withUnsafeMutableBufferPointer { raw in
            candFail.withUnsafeMutableBufferPointer { failed in
                messages.withUnsafeMutableBufferPointer { found in
                    let out = CandidateColumns(raw: raw, fail: failed, messages: found)
                    let work = { @Sendable (k: Int) in
                        let e = measures[k]
                        out.messages[k] = Engine.evaluateMeasure(entries[e], of: set, rows: measureRows[e], slots: measureSlots[e], ledger: ledger,
                                                                 raw: out.raw, fail: out.fail)
                    }
                    if threads > 1 && measures.count > 1 && n > 100_000 {
                        DispatchQueue.concurrentPerform(iterations: measures.count) { work($0) }
                    } else {
                        for k in measures.indices { work(k) }
                    }
                }
            }
        }
        for m in messages { failMessages.merge(m) { a, _ in a } }
        timer.mark("column-wise formulas")

        // 3. Processing order. Ledger order is by date, then file order. A claim's limits depend only on
        //    earlier claims of the same applicant under measures that share counters with its own
        //    (the measure itself, its shared caps, the other candidates of a claim) — except pools,
        //    which all applicants share. So measures are split into components that share no state:
        //    - a ledger already in date order is processed as it stands;
        //    - claims of components with a pool go in full ledger order (a stable sort by date);
        //    - the others go applicant by applicant, each applicant's claims in ledger order: the same
        //      results, read front to back when the file groups applicants.
        var minDay: Int32 = 0
        var yearOfDay: [Int32] = []
        if n > 0 {
            minDay = ledger.day.min()!
            yearOfDay = (minDay...ledger.day.max()!).map { Int32(Day(ordinal: $0).year) }
        }
        let order: [Int32]
        if zip(ledger.day, ledger.day.dropFirst()).allSatisfy({ $0 <= $1 }) {
            order = (0..<Int32(n)).map { $0 }
        } else {
            let needsDateOrder = Engine.poolComponents(set, candStart: candStart, candEntry: candEntry)
            var inPool = [Bool](repeating: false, count: n)
            var anyPool = false
            for r in 0..<n where candStart[r] < candStart[r + 1] && needsDateOrder[Int(candEntry[Int(candStart[r])])] {
                inPool[r] = true
                anyPool = true
            }
            order = anyPool
                ? Engine.dateOrder(ledger, minDay: minDay, include: inPool, value: true)
                    + Engine.applicantOrder(ledger, include: inPool, value: false)
                : Engine.applicantOrder(ledger, include: nil, value: false)
        }
        timer.mark("processing order")

        // 4. Limits, in ledger order; 就高不重复 among the candidates of a claim. Without a pool among
        //    the measures a claim can meet, applicants share no state: each thread takes the claims
        //    of its own applicants, in the same order, and writes only their rows and candidates.
        var state = LimitState(set: set, enterprises: ledger.enterpriseCount)
        state.seed(startingUse, ledger: ledger)
        var result = Evaluation(ledger: ledger, policies: set,
                                status: [ClaimStatus](repeating: .notApplicable, count: n),
                                award: [Int64](repeating: 0, count: n),
                                chosenEntry: [Int32](repeating: -1, count: n), detailed: details)
        let keepTrace = details && trace
        var outcome: [CompactOutcome] = []
        var chosenCandidate: [Int32] = []
        var limitTrace: [[LimitCheck]] = []
        if details {
            outcome = [CompactOutcome](repeating: CompactOutcome(award: 0, room: 0, entry: -1, reason: -1, status: .notApplicable, binding: -1),
                                       count: candEntry.count)
            chosenCandidate = [Int32](repeating: -1, count: n)
            if keepTrace { limitTrace = [[LimitCheck]](repeating: [], count: candEntry.count) }
        }
        let applicantsApart = threads > 1 && n > parallelAbove && measures.allSatisfy { entries[$0].pools.isEmpty }
        let claims = ClaimInputs(candStart: candStart, candEntry: candEntry, candRaw: candRaw, candFail: candFail,
                                 enterprise: ledger.enterprise, day: ledger.day, yearOfDay: yearOfDay, minDay: minDay,
                                 details: details, keepTrace: keepTrace)
        result.status.withUnsafeMutableBufferPointer { status in
            result.award.withUnsafeMutableBufferPointer { award in
                result.chosenEntry.withUnsafeMutableBufferPointer { chosenEntry in
                    outcome.withUnsafeMutableBufferPointer { outcome in
                        chosenCandidate.withUnsafeMutableBufferPointer { chosenCandidate in
                            limitTrace.withUnsafeMutableBufferPointer { limitTrace in
                                let out = LimitOutputs(status: status, award: award, chosenEntry: chosenEntry, outcome: outcome,
                                                       chosenCandidate: chosenCandidate, limitTrace: limitTrace)
                                if applicantsApart {
                                    // Counters are made before the threads start, so none is made twice.
                                    state.counters.prepare(state.counterIndices(entries: measures), touch: true)
                                    let shared = SharedLimitState(state: state)
                                    let parts = min(threads, 16)
                                    DispatchQueue.concurrentPerform(iterations: parts) { k in
                                        var mine = shared.state
                                        Engine.decideClaims(order, claims, &mine, out, applicants: (k, parts))
                                    }
                                } else {
                                    var mine = state
                                    Engine.decideClaims(order, claims, &mine, out)
                                }
                            }
                        }
                    }
                }
            }
        }
        if details {
            result.candidateStart = candStart
            result.candidateRaw = candRaw
            result.outcome = outcome
            result.chosenCandidate = chosenCandidate
            result.failMessages = failMessages
            result.limitTrace = limitTrace
            result.templates = set.entries.indices.map { rowsOf[$0].isEmpty ? nil : Explainer.template(set, entry: $0) }
        }
        timer.mark(applicantsApart ? "limits in ledger order, applicants apart on \(min(threads, 16)) threads" : "limits in ledger order")
        return result
    }
}

/// What the limits phase reads of each claim and candidate.
struct ClaimInputs: @unchecked Sendable {
    let candStart: [Int32], candEntry: [Int32], candRaw: [Rational], candFail: [Int16]
    let enterprise: [Int32], day: [Int32], yearOfDay: [Int32], minDay: Int32
    let details: Bool, keepTrace: Bool
}

/// Where the limits phase writes, shared by the threads (each writes only the rows and candidates
/// of its own applicants). The detail buffers are empty without details.
struct LimitOutputs: @unchecked Sendable {
    let status: UnsafeMutableBufferPointer<ClaimStatus>
    let award: UnsafeMutableBufferPointer<Int64>
    let chosenEntry: UnsafeMutableBufferPointer<Int32>
    let outcome: UnsafeMutableBufferPointer<CompactOutcome>
    let chosenCandidate: UnsafeMutableBufferPointer<Int32>
    let limitTrace: UnsafeMutableBufferPointer<[LimitCheck]>
}

/// A limit state handed to threads that each copy it: the copies share its counters (one object),
/// which the threads touch only for their own applicants.
struct SharedLimitState: @unchecked Sendable { let state: LimitState }

extension Engine {
    /// Decides the claims `rows`, in that order, against `state`, consuming what each takes; with
    /// `applicants` (k, of), only the claims of the applicants of every `of`-th block of 1,024,
    /// starting with block k (blocks, not single applicants, so that two threads seldom write
    /// into one cache line: applicants' counters lie side by side, and so do their rows when the
    /// file groups them).
    static func decideClaims(_ rows: [Int32], _ c: ClaimInputs, _ state: inout LimitState, _ out: LimitOutputs,
                             applicants: (k: Int, of: Int) = (0, 1)) {
        for r32 in rows {
            let r = Int(r32)
            let lo = Int(c.candStart[r]), hi = Int(c.candStart[r + 1])
            if lo == hi { continue }
            let enterprise = Int(c.enterprise[r])
            if applicants.of > 1 && (enterprise >> 10) % applicants.of != applicants.k { continue }
            let year = c.yearOfDay[Int(c.day[r] - c.minDay)]
            // Every candidate decided once, before anything is consumed; the best one pays.
            var best = state.decide(entry: Int(c.candEntry[lo]), raw: c.candRaw[lo], fail: c.candFail[lo], enterprise: enterprise, year: year)
            var bestCandidate = lo
            if c.details { out.outcome[lo] = state.compact(best, enterprise: enterprise, year: year) }
            if hi - lo > 1 {
                for k in (lo + 1)..<hi {
                    let d = state.decide(entry: Int(c.candEntry[k]), raw: c.candRaw[k], fail: c.candFail[k], enterprise: enterprise, year: year)
                    if c.details { out.outcome[k] = state.compact(d, enterprise: enterprise, year: year) }
                    if d.isBetter(than: best) {
                        best = d
                        bestCandidate = k
                    }
                }
            }
            if c.details {
                out.chosenCandidate[r] = Int32(bestCandidate)
                for k in lo..<hi {
                    if c.keepTrace && out.outcome[k].status != .ineligible {
                        out.limitTrace[k] = state.limitChecks(out.outcome[k], enterprise: enterprise, year: year)
                    }
                    if k != bestCandidate && best.status != .ineligible && out.outcome[k].status != .ineligible { out.outcome[k].status = .excludedByHigher }
                }
            }
            if best.status != .ineligible { state.commit(best, enterprise: enterprise, year: year) }
            out.status[r] = best.status
            out.award[r] = best.award
            out.chosenEntry[r] = best.entry
        }
    }
}

/// Where the column-wise phase writes, shared by the threads (each writes only its own candidates).
struct CandidateColumns: @unchecked Sendable {
    let raw: UnsafeMutableBufferPointer<Rational>
    let fail: UnsafeMutableBufferPointer<Int16>
    let messages: UnsafeMutableBufferPointer<[Int: String]>
}

extension Engine {
    /// One measure's eligibility, conditions and formula over all its claims at once, written to its
    /// candidates' slots; returns the messages of formulas that failed on a claim, by candidate.
    static func evaluateMeasure(_ entry: PolicySet.Entry, of set: PolicySet, rows: [Int32], slots: [Int32], ledger: ClaimsLedger,
                                raw: UnsafeMutableBufferPointer<Rational>, fail failOut: UnsafeMutableBufferPointer<Int16>) -> [Int: String] {
        let m = entry.measure
        var failMessages: [Int: String] = [:]
        var evaluator = ColumnEvaluator(ClaimColumns(ledger: ledger, rows: rows,
                                                     inputs: Dictionary(m.inputs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })))
        var fail = [FailCode](repeating: .none, count: rows.count)
        var allowedMask = [Bool](repeating: false, count: ApplicantType.allCases.count)
        for a in m.applicants { allowedMask[ApplicantType.allCases.firstIndex(of: a)!] = true }
        let dishonesty = set.policies[entry.policy].eligibility.excludeSeriousDishonesty
            ? ledger.attributeIndex["serious_dishonesty"] : nil
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
        for (i, message) in evaluator.rowErrors where fail[i] == .none {
            fail[i] = FailCode.evaluation
            failMessages[Int(slots[i])] = message
        }
        for i in 0..<rows.count {
            let c = Int(slots[i])
            raw[c] = award.number(i)
            failOut[c] = fail[i].raw
        }
        return failMessages
    }

    /// Per entry: whether it shares state with a pool (through a pool of its own, a shared cap, or a
    /// claim that has it and a pooled measure among its candidates). Union-find over entries.
    static func poolComponents(_ set: PolicySet, candStart: [Int32], candEntry: [Int32]) -> [Bool] {
        var parent = Array(set.entries.indices)
        func find(_ x: Int) -> Int {
            var x = x
            while parent[x] != x { parent[x] = parent[parent[x]]; x = parent[x] }
            return x
        }
        func union(_ a: Int, _ b: Int) { parent[find(a)] = find(b) }
        var groupMembers = [[Int]](repeating: [], count: set.groups.count)
        for (e, entry) in set.entries.enumerated() { for g in entry.groups { groupMembers[g].append(e) } }
        for members in groupMembers { for m in members.dropFirst() { union(members[0], m) } }
        for r in 0..<(candStart.count - 1) where candStart[r + 1] - candStart[r] > 1 {
            let first = Int(candEntry[Int(candStart[r])])
            for c in Int(candStart[r] + 1)..<Int(candStart[r + 1]) { union(first, Int(candEntry[c])) }
        }
        let pooledRoots = Set(set.entries.indices.filter { !set.entries[$0].pools.isEmpty }.map(find))
        return set.entries.indices.map { pooledRoots.contains(find($0)) }
    }

    /// The rows with `include[r] == value` (all rows when `include` is nil), in ledger order:
    /// a stable counting sort by date.
    static func dateOrder(_ ledger: ClaimsLedger, minDay: Int32, include: [Bool]?, value: Bool) -> [Int32] {
        let n = ledger.count
        guard n > 0 else { return [] }
        var counts = [Int32](repeating: 0, count: Int(ledger.day.max()! - minDay) + 2)
        for r in 0..<n where include.map({ $0[r] == value }) ?? true { counts[Int(ledger.day[r] - minDay) + 1] += 1 }
        for i in 1..<counts.count { counts[i] += counts[i - 1] }
        var order = [Int32](repeating: 0, count: Int(counts[counts.count - 1]))
        for r in 0..<n where include.map({ $0[r] == value }) ?? true {
            let k = Int(ledger.day[r] - minDay)
            order[Int(counts[k])] = Int32(r)
            counts[k] += 1
        }
        return order
    }

    /// The rows with `include[r] == value` (all rows when `include` is nil), grouped by applicant
    /// (in order of first appearance), each applicant's rows in ledger order (by date, then file order).
    static func applicantOrder(_ ledger: ClaimsLedger, include: [Bool]?, value: Bool) -> [Int32] {
        let n = ledger.count
        var start = [Int32](repeating: 0, count: ledger.enterpriseCount + 1)
        for r in 0..<n where include.map({ $0[r] == value }) ?? true { start[Int(ledger.enterprise[r]) + 1] += 1 }
        for i in 1..<start.count { start[i] += start[i - 1] }
        var order = [Int32](repeating: 0, count: Int(start[start.count - 1]))
        var next = start
        for r in 0..<n where include.map({ $0[r] == value }) ?? true {
            let e = Int(ledger.enterprise[r])
            order[Int(next[e])] = Int32(r)
            next[e] += 1
        }
        // Within each applicant, a stable sort by date (groups are small; rows are already in file order).
        order.withUnsafeMutableBufferPointer { o in
            ledger.day.withUnsafeBufferPointer { day in
                for e in 0..<ledger.enterpriseCount {
                    let lo = Int(start[e]), hi = Int(start[e + 1])
                    if hi - lo < 2 { continue }
                    if hi - lo > 64 {
                        let sorted = o[lo..<hi].sorted { day[Int($0)] != day[Int($1)] ? day[Int($0)] < day[Int($1)] : $0 < $1 }
                        for (k, v) in sorted.enumerated() { o[lo + k] = v }
                        continue
                    }
                    for i in (lo + 1)..<hi {
                        let v = o[i]
                        var j = i - 1
                        while j >= lo && day[Int(o[j])] > day[Int(v)] {
                            o[j + 1] = o[j]
                            j -= 1
                        }
                        o[j + 1] = v
                    }
                }
            }
        }
        return order
    }
}

extension Decision {
    /// 就高: an eligible decision beats an ineligible one; then the larger award; ties keep the first.
    func isBetter(than other: Decision) -> Bool {
        let eligible = status != .ineligible, otherEligible = other.status != .ineligible
        if eligible != otherEligible { return eligible }
        return award > other.award
    }
}
