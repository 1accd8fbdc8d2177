import KuajingDomain

/// Everything claims consume as they are taken in ledger order: caps per applicant (per year or per
/// policy period), once-only grants, yearly counts, caps shared by several measures, and pools.
struct LimitState {
    let set: PolicySet
    /// What the hot path needs of each measure, copied out of `set` so that evaluating a claim
    /// touches flat arrays only (no copies of measures, no reference counting).
    struct Compiled {
        var capLimits: [Int64]
        var groups: [Int]
        var pools: [Int]
        var once: Bool
        var maxPerYear: Int64?
        var review: Bool
    }
    let compiled: [Compiled]
    let groupLimit: [Int64?]
    let groupOnce: [Bool]
    var capCounters: [[ApplicantCounter?]]
    var onceCounters: [ApplicantCounter]
    var yearCounters: [ApplicantCounter]
    var groupAmounts: [ApplicantCounter]
    var groupGrants: [ApplicantCounter]
    var pools: [FundPool]

    init(set: PolicySet, enterprises: Int) {
        self.set = set
        compiled = set.entries.map { e in
            Compiled(capLimits: e.measure.caps.map(\.limit.value), groups: e.groups, pools: e.pools, once: e.measure.oncePerEnterprise,
                     maxPerYear: e.measure.maxClaimsPerYear.map(Int64.init), review: e.measure.review != nil)
        }
        groupLimit = set.groups.map { $0.group.limit?.value }
        groupOnce = set.groups.map { $0.group.oncePerEnterprise }
        capCounters = set.entries.map { entry in
            entry.measure.caps.map { cap in
                cap.scope == .claim ? nil : ApplicantCounter(yearly: cap.scope == .enterpriseYear, applicants: enterprises)
            }
        }
        onceCounters = set.entries.map { _ in ApplicantCounter(yearly: false, applicants: enterprises) }
        yearCounters = set.entries.map { _ in ApplicantCounter(yearly: true, applicants: enterprises) }
        groupAmounts = set.groups.map { ApplicantCounter(yearly: $0.group.scope == .enterpriseYear, applicants: enterprises) }
        groupGrants = set.groups.map { _ in ApplicantCounter(yearly: false, applicants: enterprises) }
        pools = set.pools.map { FundPool(limit: $0.pool.limit) }
    }

    /// What the measure of `entry` would give this claim now, without consuming anything.
    func outcome(entry e: Int, raw: Rational, fail: IneligibleReason?, enterprise a: Int, year y: Int32, details: Bool) -> CandidateOutcome {
        let c = compiled[e]
        if let fail { return CandidateOutcome(entry: e, status: .ineligible, award: 0, raw: raw, reason: fail, limits: []) }
        if c.once && onceCounters[e].value(a, y) > 0 {
            return CandidateOutcome(entry: e, status: .ineligible, award: 0, raw: raw, reason: .onceUsed(group: nil), limits: [])
        }
        for g in c.groups where groupOnce[g] && groupGrants[g].value(a, y) > 0 {
            return CandidateOutcome(entry: e, status: .ineligible, award: 0, raw: raw, reason: .onceUsed(group: g), limits: [])
        }
        if let max = c.maxPerYear, yearCounters[e].value(a, y) >= max {
            return CandidateOutcome(entry: e, status: .ineligible, award: 0, raw: raw, reason: .yearlyCountUsed, limits: [])
        }

        // The tightest limit: caps of the measure, shared caps, pools.
        var room = Int64.max
        for (k, limit) in c.capLimits.enumerated() {
            room = min(room, max(0, limit - (capCounters[e][k]?.value(a, y) ?? 0)))
        }
        for g in c.groups {
            if let limit = groupLimit[g] { room = min(room, max(0, limit - groupAmounts[g].value(a, y))) }
        }
        for q in c.pools { room = min(room, max(0, pools[q].remaining)) }

        var award: Int64
        var capped = false
        if room != Int64.max && Rational(room) < raw {
            award = room
            capped = true
        } else {
            award = max(0, raw.roundedHalfUp())
        }
        let status: ClaimStatus
        if c.review { status = .needsReview }
        else if capped { status = .capped }
        else if award == 0 { return CandidateOutcome(entry: e, status: .ineligible, award: 0, raw: raw, reason: .zeroAward, limits: []) }
        else { status = .awarded }
        return CandidateOutcome(entry: e, status: status, award: award, raw: raw, reason: nil,
                                limits: details ? limitChecks(entry: e, enterprise: a, year: y, capped: capped, room: room) : [])
    }

    /// Every limit the measure tested, with what was left of it and which one bound (for explanations and traces).
    func limitChecks(entry e: Int, enterprise a: Int, year y: Int32, capped: Bool, room: Int64) -> [LimitCheck] {
        let entry = set.entries[e]
        let m = entry.measure
        var limits: [LimitCheck] = []
        for (k, cap) in m.caps.enumerated() {
            let left = max(0, cap.limit.value - (capCounters[e][k]?.value(a, y) ?? 0))
            limits.append(LimitCheck(kind: .cap, label: cap.label, scope: cap.scope.chinese, limit: cap.limit, room: Fen(left), clause: m.clause, binding: false))
        }
        for g in entry.groups {
            let group = set.groups[g].group
            guard let limit = group.limit else { continue }
            let left = max(0, limit.value - groupAmounts[g].value(a, y))
            limits.append(LimitCheck(kind: .group, label: group.name, scope: group.scope.chinese, limit: limit, room: Fen(left), clause: group.clause, binding: false))
        }
        for q in entry.pools {
            let pool = set.pools[q].pool
            limits.append(LimitCheck(kind: .pool, label: pool.name, scope: "全部申请人先到先得", limit: pool.limit, room: Fen(max(0, pools[q].remaining)), clause: pool.clause, binding: false))
        }
        if capped, let i = limits.firstIndex(where: { $0.room.value == room }) { limits[i].binding = true }
        return limits
    }

    /// Consumes what an outcome took.
    mutating func commit(entry e: Int, award: Int64, enterprise a: Int, year y: Int32) {
        let c = compiled[e]
        for k in capCounters[e].indices where capCounters[e][k] != nil { capCounters[e][k]!.add(a, y, award) }
        if c.once { onceCounters[e].add(a, y, 1) }
        if c.maxPerYear != nil { yearCounters[e].add(a, y, 1) }
        for g in c.groups {
            if groupLimit[g] != nil { groupAmounts[g].add(a, y, award) }
            if groupOnce[g] { groupGrants[g].add(a, y, 1) }
        }
        for q in c.pools { pools[q].draw(award) }
    }
}
