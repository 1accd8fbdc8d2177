import KuajingDomain

/// Everything claims consume as they are taken in ledger order: caps per applicant (per year or per
/// policy period), once-only grants, yearly counts, caps shared by several measures, and pools.
struct LimitState {
    let set: PolicySet
    var capCounters: [[ApplicantCounter?]]
    var onceCounters: [ApplicantCounter]
    var yearCounters: [ApplicantCounter]
    var groupAmounts: [ApplicantCounter]
    var groupGrants: [ApplicantCounter]
    var pools: [FundPool]

    init(set: PolicySet, enterprises: Int) {
        self.set = set
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
        let entry = set.entries[e]
        let m = entry.measure
        func ineligible(_ r: IneligibleReason) -> CandidateOutcome {
            CandidateOutcome(entry: e, status: .ineligible, award: 0, raw: raw, reason: r, limits: [])
        }
        if let fail { return ineligible(fail) }
        if m.oncePerEnterprise && onceCounters[e].value(a, y) > 0 { return ineligible(.onceUsed(group: nil)) }
        for g in entry.groups where set.groups[g].group.oncePerEnterprise && groupGrants[g].value(a, y) > 0 {
            return ineligible(.onceUsed(group: g))
        }
        if let max = m.maxClaimsPerYear, yearCounters[e].value(a, y) >= Int64(max) { return ineligible(.yearlyCountUsed) }

        var room = Int64.max
        var limits: [LimitCheck] = []
        var bindingIndex = -1
        func test(_ kind: LimitCheck.Kind, _ label: String, _ scope: String, _ limit: Int64, _ left: Int64, _ clause: String) {
            let left = max(0, left)
            if left < room {
                room = left
                bindingIndex = limits.count
            }
            if details {
                limits.append(LimitCheck(kind: kind, label: label, scope: scope, limit: Fen(limit), room: Fen(left), clause: clause, binding: false))
            } else {
                limits.reserveCapacity(0)
            }
        }
        for (k, cap) in m.caps.enumerated() {
            let used = capCounters[e][k]?.value(a, y) ?? 0
            test(.cap, cap.label, cap.scope.chinese, cap.limit.value, cap.limit.value - used, m.clause)
        }
        for g in entry.groups {
            let group = set.groups[g].group
            guard let limit = group.limit else { continue }
            test(.group, group.name, group.scope.chinese, limit.value, limit.value - groupAmounts[g].value(a, y), group.clause)
        }
        for q in entry.pools {
            let pool = set.pools[q].pool
            test(.pool, pool.name, "全部申请人先到先得", pool.limit.value, pools[q].remaining, pool.clause)
        }
        var award: Int64
        var capped = false
        if room != Int64.max && Rational(room) < raw {
            award = room
            capped = true
            if details { limits[bindingIndex].binding = true }
        } else {
            award = max(0, raw.roundedHalfUp())
        }
        if !details { limits = [] }
        let status: ClaimStatus
        if m.review != nil { status = .needsReview }
        else if capped { status = .capped }
        else if award == 0 { return ineligible(.zeroAward) }
        else { status = .awarded }
        return CandidateOutcome(entry: e, status: status, award: award, raw: raw, reason: nil, limits: limits)
    }

    /// Consumes what an outcome took.
    mutating func commit(entry e: Int, award: Int64, enterprise a: Int, year y: Int32) {
        let entry = set.entries[e]
        for k in capCounters[e].indices where capCounters[e][k] != nil { capCounters[e][k]!.add(a, y, award) }
        if entry.measure.oncePerEnterprise { onceCounters[e].add(a, y, 1) }
        if entry.measure.maxClaimsPerYear != nil { yearCounters[e].add(a, y, 1) }
        for g in entry.groups {
            let group = set.groups[g].group
            if group.limit != nil { groupAmounts[g].add(a, y, award) }
            if group.oncePerEnterprise { groupGrants[g].add(a, y, 1) }
        }
        for q in entry.pools { pools[q].draw(award) }
    }
}
