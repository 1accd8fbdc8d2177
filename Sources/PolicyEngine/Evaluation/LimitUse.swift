import KuajingDomain

/// One limit the engine keeps state for, named so that the state can live outside the engine (the
/// cash-out store's `limit_use` rows): a measure's cap per applicant (per year or per policy
/// period), a once-only grant, a yearly count, a cap or a once-only grant shared by several
/// measures, a pool. Caps per claim keep no state and have no key.
public struct LimitKey: Hashable, Comparable, Sendable {
    public enum Unit: String, Sendable { case fen, grants }
    /// `policy/measure/parameter`, `policy/measure/once`, `policy/measure/per_year`,
    /// `policy/group`, `policy/group/once`, `policy/pool`: stable while the policy file keeps its ids.
    public var id: String
    public var unit: Unit
    /// Counted per calendar year of the claim date; otherwise over the policy period.
    public var yearly: Bool
    /// Per applicant; a pool is shared by all applicants.
    public var perEnterprise: Bool
    /// The most that may be used: fen, or a number of grants.
    public var bound: Int64
    /// How the limit reads in Chinese, with its clause.
    public var label: String
    public var clause: String

    public init(id: String, unit: Unit, yearly: Bool, perEnterprise: Bool, bound: Int64, label: String, clause: String) {
        self.id = id
        self.unit = unit
        self.yearly = yearly
        self.perEnterprise = perEnterprise
        self.bound = bound
        self.label = label
        self.clause = clause
    }

    public static func < (a: LimitKey, b: LimitKey) -> Bool { a.id < b.id }
}

/// What an application uses (or, given to the engine, has already used) of one limit.
public struct LimitUse: Hashable, Sendable {
    /// The enterprise of a pool's use (a pool's state is shared, see `stateOwner`).
    public var key: LimitKey
    public var enterprise: String
    /// The calendar year of a yearly limit, 0 for a limit over the policy period.
    public var period: Int
    /// Fen or grants, as `key.unit` says.
    public var amount: Int64

    public init(key: LimitKey, enterprise: String, period: Int, amount: Int64) {
        self.key = key
        self.enterprise = enterprise
        self.period = period
        self.amount = amount
    }

    /// Whose state it moves: the enterprise, or `*` for a pool that all applicants share.
    public var stateOwner: String { key.perEnterprise ? enterprise : "*" }
}

extension PolicySet {
    /// Every limit the measure of entry `e` keeps state in, in the order `LimitState.commit` moves them.
    func limitKeys(entry e: Int) -> [LimitKey] {
        let entry = entries[e]
        let m = entry.measure
        let p = policies[entry.policy].id
        var keys: [LimitKey] = m.caps.filter { $0.scope != .claim }.map {
            LimitKey(id: "\(p)/\(m.id)/\($0.parameter)", unit: .fen, yearly: $0.scope == .enterpriseYear, perEnterprise: true, bound: $0.limit.value,
                     label: "\(m.name)\($0.label)", clause: m.clause)
        }
        if m.oncePerEnterprise {
            keys.append(LimitKey(id: "\(p)/\(m.id)/once", unit: .grants, yearly: false, perEnterprise: true, bound: 1, label: "\(m.name)（一次性）", clause: m.clause))
        }
        if let most = m.maxClaimsPerYear {
            keys.append(LimitKey(id: "\(p)/\(m.id)/per_year", unit: .grants, yearly: true, perEnterprise: true, bound: Int64(most),
                                 label: "\(m.name)（每年 \(most) 项）", clause: m.clause))
        }
        for g in entry.groups {
            let group = groups[g].group
            let gp = policies[groups[g].policy].id
            if let limit = group.limit {
                keys.append(LimitKey(id: "\(gp)/\(group.id)", unit: .fen, yearly: group.scope == .enterpriseYear, perEnterprise: true, bound: limit.value,
                                     label: group.name, clause: group.clause))
            }
            if group.oncePerEnterprise {
                keys.append(LimitKey(id: "\(gp)/\(group.id)/once", unit: .grants, yearly: false, perEnterprise: true, bound: 1, label: "\(group.name)（一次性）", clause: group.clause))
            }
        }
        for q in entry.pools {
            let pool = pools[q].pool
            keys.append(LimitKey(id: "\(policies[pools[q].policy].id)/\(pool.id)", unit: .fen, yearly: false, perEnterprise: false, bound: pool.limit.value,
                                 label: pool.name, clause: pool.clause))
        }
        return keys
    }

    /// What a claim under entry `e` awarded `award` uses of each limit: the award of every amount
    /// limit, one of every count — the same moves `LimitState.commit` makes.
    func limitUses(entry e: Int, award: Int64, enterprise: String, year: Int) -> [LimitUse] {
        limitKeys(entry: e).map { key in
            LimitUse(key: key, enterprise: enterprise, period: key.yearly ? year : 0, amount: key.unit == .fen ? award : 1)
        }
    }
}

extension Evaluation {
    /// What claim `row` used of every limit that keeps state (nothing when it was not granted).
    /// The uses of all claims, given back to `Engine.evaluate(startingUse:)`, put a later
    /// evaluation where this one left off.
    public func limitUses(_ row: Int) -> [LimitUse] {
        let e = Int(chosenEntry[row])
        guard e >= 0, status[row] == .awarded || status[row] == .capped || status[row] == .needsReview else { return [] }
        return policies.limitUses(entry: e, award: award[row], enterprise: ledger.enterpriseID(row), year: ledger.date(row).year)
    }

    /// The limits the measure chosen for claim `row` keeps state in, whether or not it was granted.
    public func limitKeys(_ row: Int) -> [LimitKey] {
        let e = Int(chosenEntry[row])
        return e >= 0 ? policies.limitKeys(entry: e) : []
    }
}

extension PolicySet {
    /// The limits that claims of `matter` can meet under any measure (what a filing locks before it decides).
    public func limitKeys(matter: String) -> [LimitKey] {
        guard let m = matterKeys.firstIndex(of: matter) else { return [] }
        var seen = Set<String>()
        return byMatter[m].flatMap { limitKeys(entry: $0) }.filter { seen.insert($0.id).inserted }.sorted()
    }
}

extension LimitState {
    /// Puts what was used before into the counters and pools: each use of a key that some measure
    /// of the set keeps state in, for an enterprise of the ledger (pools: any). For a yearly limit
    /// give the year of the claims evaluated; an applicant's counter keeps one year.
    mutating func seed(_ uses: [LimitUse], ledger: ClaimsLedger) {
        guard !uses.isEmpty else { return }
        var applicant: [String: Int] = [:]
        for r in 0..<ledger.count { applicant[ledger.enterpriseID(r)] = ledger.enterpriseIndex(r) }
        var counterOf: [String: Int] = [:]
        var poolOf: [String: Int] = [:]
        for e in set.entries.indices {
            let keys = set.limitKeys(entry: e)
            var k = 0
            // The same order as limitKeys: caps with a counter, once, per year, groups (amount, once), pools.
            for c in Int(capStart[e])..<Int(capStart[e + 1]) where capCounter[c] >= 0 { counterOf[keys[k].id] = Int(capCounter[c]); k += 1 }
            if onceCounter[e] >= 0 { counterOf[keys[k].id] = Int(onceCounter[e]); k += 1 }
            if yearCounter[e] >= 0 { counterOf[keys[k].id] = Int(yearCounter[e]); k += 1 }
            for g in Int(groupStart[e])..<Int(groupStart[e + 1]) {
                let group = Int(groupList[g])
                if groupAmountCounter[group] >= 0 { counterOf[keys[k].id] = Int(groupAmountCounter[group]); k += 1 }
                if groupGrantCounter[group] >= 0 { counterOf[keys[k].id] = Int(groupGrantCounter[group]); k += 1 }
            }
            for q in Int(poolStart[e])..<Int(poolStart[e + 1]) { poolOf[keys[k].id] = Int(poolList[q]); k += 1 }
        }
        for use in uses.sorted(by: { $0.period < $1.period }) where use.amount > 0 {
            if let q = poolOf[use.key.id] {
                pools[q].draw(min(use.amount, pools[q].remaining))
            } else if let c = counterOf[use.key.id], let a = applicant[use.enterprise] {
                counters.add(c, a, Int32(use.period), use.amount)
            }
        }
    }
}

extension PolicySet {
    /// The limits measure `measure` of policy `policy` keeps state in (empty for an unknown measure).
    public func limitKeys(policy: String, measure: String) -> [LimitKey] {
        guard let e = entries.indices.first(where: { policies[entries[$0].policy].id == policy && entries[$0].measure.id == measure }) else { return [] }
        return limitKeys(entry: e)
    }

    /// What a claim of that measure awarded `award` uses of its limits.
    public func limitUses(policy: String, measure: String, award: Int64, enterprise: String, year: Int) -> [LimitUse] {
        guard let e = entries.indices.first(where: { policies[entries[$0].policy].id == policy && entries[$0].measure.id == measure }) else { return [] }
        return limitUses(entry: e, award: award, enterprise: enterprise, year: year)
    }
}
