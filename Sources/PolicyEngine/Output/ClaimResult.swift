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
    /// Builds the shown result of claim `row`. Requires an evaluation run with details (and with
    /// `trace: true` for a trace).
    public func result(_ row: Int, funding config: FundingConfiguration, trace: Bool) -> ClaimResult {
        precondition(detailed, "result(_:) needs an evaluation with details")
        precondition(!trace || !limitTrace.isEmpty || outcome.isEmpty, "a trace needs an evaluation run with trace: true")
        let explainer = Explainer(evaluation: self)
        var r = ClaimResult(claimID: ledger.claimID(row), enterpriseID: ledger.enterpriseID(row), matter: ledger.matter(row),
                            status: status[row], award: Fen(award[row]), explanation: "", alternatives: [], trace: [])
        let chosen = Int(chosenCandidate[row])
        guard chosen >= 0 else {
            r.explanation = explainer.notApplicable(row: row)
            return r
        }
        let o = outcome[chosen]
        let entry = policies.entries[Int(o.entry)]
        let policy = policies.policies[entry.policy]
        r.policy = policy.id
        r.measure = entry.measure.id
        r.measureName = entry.measure.name
        r.clause = entry.measure.clause
        r.explanation = explainer.sentence(candidate: chosen, row: row)
        if o.status != .ineligible {
            let district = policies.divisions.divisions[ledger.districtIndex(row)].name
            r.funding = FundingRule(entry: entry, policy: policy, district: district, config: config).split(r.award)
        }
        let candidates = Int(candidateStart[row])..<Int(candidateStart[row + 1])
        for c in candidates where c != chosen {
            let a = outcome[c]
            let e = policies.entries[Int(a.entry)]
            r.alternatives.append(.init(policy: policies.policies[e.policy].id, measure: e.measure.id, clause: e.measure.clause,
                                        status: a.status, award: Fen(a.award),
                                        explanation: explainer.sentence(candidate: c, row: row, winner: chosen)))
        }
        if trace {
            for c in [chosen] + candidates.filter({ $0 != chosen }) {
                let o = candidateOutcome(c)
                let e = policies.entries[o.entry]
                let m = e.measure
                var conditions: [(String, Bool?)] = []
                for (k, cond) in m.conditions.enumerated() {
                    var passed: Bool? = true
                    if case let .condition(failed)? = o.reason { passed = k < failed ? true : (k == failed ? false : nil) }
                    else if o.reason != nil { passed = nil }
                    conditions.append((cond.source, passed))
                }
                r.trace.append(.init(policy: policies.policies[e.policy].id, measure: m.id, clause: m.clause, chosen: c == chosen,
                                     status: o.status,
                                     parameters: m.parameters.map { ($0.name, $0.value.display, $0.clause, $0.text) },
                                     conditions: conditions,
                                     formula: "\(m.awardSource) → \(explainer.calculation(candidate: c, row: row))",
                                     raw: Explainer.yuan(o.raw), limits: o.limits, award: Fen(o.award)))
            }
        }
        return r
    }
}
