import KuajingDomain

/// What one measure gives one claim at its turn, in trivially copyable form (the hot path).
struct Decision {
    var entry: Int32
    var status: ClaimStatus
    /// `ReasonCode` of an ineligible decision, -1 otherwise.
    var reason: Int16
    var award: Int64
    var capped: Bool
    /// The tightest room among the limits tested (Int64.max when none).
    var room: Int64
}

/// Reason codes of the sequential phase, beside `FailCode` from the column-wise phase.
enum ReasonCode {
    static let onceUsed: Int16 = 10
    static let yearlyCountUsed: Int16 = 11
    static let zeroAward: Int16 = 12
    /// + group index.
    static let groupOnceUsed: Int16 = 1000
}

/// Everything claims consume as they are taken in ledger order: caps per applicant (per year or per
/// policy period), once-only grants, yearly counts, caps shared by several measures, and pools.
/// The measures' limits are copied into flat arrays once, so deciding a claim reads integers only.
struct LimitState {
    let set: PolicySet
    let counters: ApplicantCounters

    // Per entry (measure): ranges into the flat lists below.
    let capStart: [Int32], capLimit: [Int64], capCounter: [Int32]
    let groupStart: [Int32], groupList: [Int32]
    let poolStart: [Int32], poolList: [Int32]
    let onceCounter: [Int32], yearCounter: [Int32], maxPerYear: [Int64], review: [Bool]
    // Per group.
    let groupLimit: [Int64], groupAmountCounter: [Int32], groupGrantCounter: [Int32]
    var pools: [FundPool]

    init(set: PolicySet, enterprises: Int) {
        self.set = set
        var kinds: [Bool] = []
        func counter(yearly: Bool) -> Int32 {
            kinds.append(yearly)
            return Int32(kinds.count - 1)
        }
        var capStart: [Int32] = [0], capLimit: [Int64] = [], capCounter: [Int32] = []
        var groupStart: [Int32] = [0], groupList: [Int32] = []
        var poolStart: [Int32] = [0], poolList: [Int32] = []
        var onceCounter: [Int32] = [], yearCounter: [Int32] = [], maxPerYear: [Int64] = [], review: [Bool] = []
        for e in set.entries {
            let m = e.measure
            for cap in m.caps {
                capLimit.append(cap.limit.value)
                capCounter.append(cap.scope == .claim ? -1 : counter(yearly: cap.scope == .enterpriseYear))
            }
            capStart.append(Int32(capLimit.count))
            groupList += e.groups.map(Int32.init)
            groupStart.append(Int32(groupList.count))
            poolList += e.pools.map(Int32.init)
            poolStart.append(Int32(poolList.count))
            onceCounter.append(m.oncePerEnterprise ? counter(yearly: false) : -1)
            yearCounter.append(m.maxClaimsPerYear != nil ? counter(yearly: true) : -1)
            maxPerYear.append(Int64(m.maxClaimsPerYear ?? -1))
            review.append(m.review != nil)
        }
        var groupLimit: [Int64] = [], groupAmountCounter: [Int32] = [], groupGrantCounter: [Int32] = []
        for (_, g) in set.groups {
            groupLimit.append(g.limit?.value ?? -1)
            groupAmountCounter.append(g.limit != nil ? counter(yearly: g.scope == .enterpriseYear) : -1)
            groupGrantCounter.append(g.oncePerEnterprise ? counter(yearly: false) : -1)
        }
        (self.capStart, self.capLimit, self.capCounter) = (capStart, capLimit, capCounter)
        (self.groupStart, self.groupList, self.poolStart, self.poolList) = (groupStart, groupList, poolStart, poolList)
        (self.onceCounter, self.yearCounter, self.maxPerYear, self.review) = (onceCounter, yearCounter, maxPerYear, review)
        (self.groupLimit, self.groupAmountCounter, self.groupGrantCounter) = (groupLimit, groupAmountCounter, groupGrantCounter)
        pools = set.pools.map { FundPool(limit: $0.pool.limit) }
        counters = ApplicantCounters(yearly: kinds, applicants: enterprises)
    }

    /// The counters that claims under these entries (measures) may add to.
    func counterIndices(entries: [Int]) -> [Int] {
        var found = Set<Int>()
        for e in entries {
            for k in Int(capStart[e])..<Int(capStart[e + 1]) where capCounter[k] >= 0 { found.insert(Int(capCounter[k])) }
            if onceCounter[e] >= 0 { found.insert(Int(onceCounter[e])) }
            if yearCounter[e] >= 0 { found.insert(Int(yearCounter[e])) }
            for k in Int(groupStart[e])..<Int(groupStart[e + 1]) {
                let g = Int(groupList[k])
                if groupAmountCounter[g] >= 0 { found.insert(Int(groupAmountCounter[g])) }
                if groupGrantCounter[g] >= 0 { found.insert(Int(groupGrantCounter[g])) }
            }
        }
        return found.sorted()
    }

    /// What the measure of entry `e` would give this claim now, without consuming anything.
    func decide(entry e: Int, raw: Rational, fail: Int16, enterprise a: Int, year y: Int32) -> Decision {
        func ineligible(_ code: Int16) -> Decision {
            Decision(entry: Int32(e), status: .ineligible, reason: code, award: 0, capped: false, room: .max)
        }
        if fail >= 0 { return ineligible(fail) }
        let once = Int(onceCounter[e])
        if once >= 0 && counters.value(once, a, y) > 0 { return ineligible(ReasonCode.onceUsed) }
        let gs = Int(groupStart[e]), ge = Int(groupStart[e + 1])
        for k in gs..<ge {
            let g = Int(groupList[k])
            let grants = Int(groupGrantCounter[g])
            if grants >= 0 && counters.value(grants, a, y) > 0 { return ineligible(ReasonCode.groupOnceUsed + Int16(g)) }
        }
        let yc = Int(yearCounter[e])
        if yc >= 0 && counters.value(yc, a, y) >= maxPerYear[e] { return ineligible(ReasonCode.yearlyCountUsed) }

        // The tightest limit: caps of the measure, shared caps, pools.
        var room = Int64.max
        for k in Int(capStart[e])..<Int(capStart[e + 1]) {
            let c = Int(capCounter[k])
            room = min(room, max(0, capLimit[k] - (c >= 0 ? counters.value(c, a, y) : 0)))
        }
        for k in gs..<ge {
            let g = Int(groupList[k])
            let c = Int(groupAmountCounter[g])
            if c >= 0 { room = min(room, max(0, groupLimit[g] - counters.value(c, a, y))) }
        }
        for k in Int(poolStart[e])..<Int(poolStart[e + 1]) { room = min(room, max(0, pools[Int(poolList[k])].remaining)) }

        var award: Int64
        var capped = false
        if room != Int64.max && Rational(room) < raw {
            award = room
            capped = true
        } else {
            award = max(0, raw.roundedHalfUp())
        }
        let status: ClaimStatus
        if review[e] { status = .needsReview }
        else if capped { status = .capped }
        else if award == 0 { return ineligible(ReasonCode.zeroAward) }
        else { status = .awarded }
        return Decision(entry: Int32(e), status: status, reason: -1, award: award, capped: capped, room: room)
    }

    /// Consumes what a decision took.
    mutating func commit(_ d: Decision, enterprise a: Int, year y: Int32) {
        let e = Int(d.entry)
        for k in Int(capStart[e])..<Int(capStart[e + 1]) where capCounter[k] >= 0 { counters.add(Int(capCounter[k]), a, y, d.award) }
        if onceCounter[e] >= 0 { counters.add(Int(onceCounter[e]), a, y, 1) }
        if yearCounter[e] >= 0 { counters.add(Int(yearCounter[e]), a, y, 1) }
        for k in Int(groupStart[e])..<Int(groupStart[e + 1]) {
            let g = Int(groupList[k])
            if groupAmountCounter[g] >= 0 { counters.add(Int(groupAmountCounter[g]), a, y, d.award) }
            if groupGrantCounter[g] >= 0 { counters.add(Int(groupGrantCounter[g]), a, y, 1) }
        }
        for k in Int(poolStart[e])..<Int(poolStart[e + 1]) { pools[Int(poolList[k])].draw(d.award) }
    }

    /// Every limit the measure of entry `e` tests, in the order traces list them (its caps, shared
    /// caps with an amount, pools), with room = limit and nothing binding.
    static func limitDefinitions(_ set: PolicySet, entry e: Int) -> [LimitCheck] {
        let entry = set.entries[e]
        let m = entry.measure
        var limits: [LimitCheck] = m.caps.map {
            LimitCheck(kind: .cap, label: $0.label, scope: $0.scope.chinese, limit: $0.limit, room: $0.limit, clause: m.clause, binding: false)
        }
        for g in entry.groups {
            let group = set.groups[g].group
            guard let limit = group.limit else { continue }
            limits.append(LimitCheck(kind: .group, label: group.name, scope: group.scope.chinese, limit: limit, room: limit, clause: group.clause, binding: false))
        }
        for q in entry.pools {
            let pool = set.pools[q].pool
            limits.append(LimitCheck(kind: .pool, label: pool.name, scope: "全部申请人先到先得", limit: pool.limit, room: pool.limit, clause: pool.clause, binding: false))
        }
        return limits
    }

    /// What was left of each limit of a decision's measure, in `limitDefinitions` order (no allocation).
    private func forEachRoom(_ e: Int, enterprise a: Int, year y: Int32, _ body: (Int64) -> Bool) {
        for k in Int(capStart[e])..<Int(capStart[e + 1]) {
            let c = Int(capCounter[k])
            if !body(max(0, capLimit[k] - (c >= 0 ? counters.value(c, a, y) : 0))) { return }
        }
        for k in Int(groupStart[e])..<Int(groupStart[e + 1]) {
            let g = Int(groupList[k])
            let c = Int(groupAmountCounter[g])
            if c >= 0, !body(max(0, groupLimit[g] - counters.value(c, a, y))) { return }
        }
        for k in Int(poolStart[e])..<Int(poolStart[e + 1]) where !body(max(0, pools[Int(poolList[k])].remaining)) { return }
    }

    /// A decision as the evaluation keeps it: with the position of the limit that bound, if one did
    /// (the first whose room is the decision's). Call before `commit`.
    func compact(_ d: Decision, enterprise a: Int, year y: Int32) -> CompactOutcome {
        var binding: Int8 = -1
        if d.capped {
            var k: Int8 = 0
            forEachRoom(Int(d.entry), enterprise: a, year: y) { room in
                if room == d.room { binding = k; return false }
                k += 1
                return true
            }
        }
        return CompactOutcome(award: d.award, room: d.room, entry: d.entry, reason: d.reason, status: d.status, binding: binding)
    }

    /// Every limit the measure tested, with what was left of it and which one bound (for traces).
    /// Call before `commit`.
    func limitChecks(_ o: CompactOutcome, enterprise a: Int, year y: Int32) -> [LimitCheck] {
        var limits = LimitState.limitDefinitions(set, entry: Int(o.entry))
        var k = 0
        forEachRoom(Int(o.entry), enterprise: a, year: y) { room in
            limits[k].room = Fen(room)
            k += 1
            return true
        }
        if o.binding >= 0 { limits[Int(o.binding)].binding = true }
        return limits
    }

    /// The reason of an ineligible decision, in the form explanations use.
    static func reason(_ code: Int16, message: String?) -> IneligibleReason? {
        switch code {
        case ..<0: return nil
        case ReasonCode.onceUsed: return .onceUsed(group: nil)
        case ReasonCode.yearlyCountUsed: return .yearlyCountUsed
        case ReasonCode.zeroAward: return .zeroAward
        case ReasonCode.groupOnceUsed...: return .onceUsed(group: Int(code - ReasonCode.groupOnceUsed))
        default: return FailCode(raw: code).reason(message: message)
        }
    }
}
