import KuajingDomain

/// One claim's result as shown to people and programs (the `results` items of shared/spec/claims.md).
public struct ClaimResult: Sendable {
    public var claimID: String
    public var enterpriseID: String
    public var matter: String
    public var status: ClaimStatus
    public var award: Fen
    public var policy: String?
    public var measure: String?
    public var measureName: String?
    public var clause: String?
    public var explanation: String
    public var funding: FundingSplit?
    public var alternatives: [Alternative]
    public var trace: [TraceStep]

    public struct Alternative: Sendable {
        public var policy: String
        public var measure: String
        public var clause: String
        public var status: ClaimStatus
        public var award: Fen
        public var explanation: String
    }

    /// One measure examined for the claim, with every parameter, condition and limit it used.
    public struct TraceStep: Sendable {
        public var policy: String
        public var measure: String
        public var clause: String
        public var chosen: Bool
        public var status: ClaimStatus
        public var parameters: [(name: String, value: String, clause: String, text: String)]
        public var conditions: [(when: String, passed: Bool?)]
        public var formula: String
        public var raw: String
        public var limits: [LimitCheck]
        public var award: Fen
    }
}

extension Evaluation {
    /// Builds the shown result of claim `row`. Requires an evaluation run with details.
    public func result(_ row: Int, funding config: FundingConfiguration, trace: Bool) -> ClaimResult {
        precondition(detailed, "result(_:) needs an evaluation with details")
        let explainer = Explainer(evaluation: self)
        var r = ClaimResult(claimID: ledger.claimID(row), enterpriseID: ledger.enterpriseID(row), matter: ledger.matter(row),
                            status: status[row], award: Fen(award[row]), explanation: "", alternatives: [], trace: [])
        guard let chosen = chosen[row] else {
            r.explanation = explainer.notApplicable(row: row)
            return r
        }
        let entry = policies.entries[chosen.entry]
        let policy = policies.policies[entry.policy]
        r.policy = policy.id
        r.measure = entry.measure.id
        r.measureName = entry.measure.name
        r.clause = entry.measure.clause
        r.explanation = explainer.sentence(chosen, row: row)
        if chosen.status != .ineligible {
            let district = policies.divisions.divisions[ledger.districtIndex(row)].name
            r.funding = FundingSplit.compute(award: r.award, entry: entry, policy: policy, district: district, config: config)
        }
        for o in alternatives[row] {
            let e = policies.entries[o.entry]
            r.alternatives.append(.init(policy: policies.policies[e.policy].id, measure: e.measure.id, clause: e.measure.clause,
                                        status: o.status, award: Fen(o.award),
                                        explanation: explainer.sentence(o, row: row, winner: chosen)))
        }
        if trace {
            for (o, isChosen) in [(chosen, true)] + alternatives[row].map({ ($0, false) }) {
                let e = policies.entries[o.entry]
                let m = e.measure
                var conditions: [(String, Bool?)] = []
                for (k, c) in m.conditions.enumerated() {
                    var passed: Bool? = true
                    if case let .condition(failed)? = o.reason { passed = k < failed ? true : (k == failed ? false : nil) }
                    else if o.reason != nil { passed = nil }
                    conditions.append((c.source, passed))
                }
                r.trace.append(.init(policy: policies.policies[e.policy].id, measure: m.id, clause: m.clause, chosen: isChosen,
                                     status: o.status,
                                     parameters: m.parameters.map { ($0.name, $0.value.display, $0.clause, $0.text) },
                                     conditions: conditions,
                                     formula: "\(m.awardSource) → \(explainer.calculation(o, row: row))",
                                     raw: Explainer.yuan(o.raw), limits: o.limits, award: Fen(o.award)))
            }
        }
        return r
    }
}
