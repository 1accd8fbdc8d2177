import KuajingDomain

/// Chinese explanations: one sentence per claim with the arithmetic, the limit that bound, and the
/// clause, in words a reviewer can sign.
struct Explainer {
    let evaluation: Evaluation
    var ledger: ClaimsLedger { evaluation.ledger }
    var set: PolicySet { evaluation.policies }

    func citation(_ entry: PolicySet.Entry) -> String {
        let p = set.policies[entry.policy]
        return "依据\(p.docNumber)\(entry.measure.clause)"
    }

    /// Exact yuan of a fen rational: `210,000.00 元`, or `1,234.565 元（四舍五入为 1,234.57 元）`.
    static func yuan(_ r: Rational) -> String {
        if r.isInteger { return Fen(r.numerator).grouped + " 元" }
        let y = (try? r.divided(by: Rational(100)))?.decimalText(maxDecimals: 8) ?? "\(r)"
        return "\(y) 元（四舍五入为 \(Fen(r.roundedHalfUp()).grouped) 元）"
    }

    /// The formula of a measure with this claim's values in place of its names.
    func render(_ e: Expression, row: Int, entry: PolicySet.Entry, top: Bool = true) -> String {
        let m = entry.measure
        switch e.kind {
        case let .literal(v): return v.display
        case let .name(name):
            switch e.binding! {
            case .amount: return "\(m.baseLabel) \(ledger.amount(row).grouped) 元"
            case .claimDate: return "申报日期 \(ledger.date(row).chinese)"
            case let .parameter(v): return v.display
            case .attribute:
                let input = m.inputs.first { $0.name == name }
                let v = value(of: e, row: row, entry: entry)
                return "\(input?.label ?? name) \(v.display)"
            }
        case let .negate(x): return "−" + render(x, row: row, entry: entry, top: false)
        case let .binary(op, l, r):
            let s = "\(render(l, row: row, entry: entry, top: false)) \(op.symbol) \(render(r, row: row, entry: entry, top: false))"
            return top ? s : "（\(s)）"
        case let .call(name, args):
            let inner = args.map { render($0, row: row, entry: entry, top: true) }.joined(separator: "，")
            switch name {
            case "min": return "取较小值（\(inner)）"
            case "max": return "取较大值（\(inner)）"
            default: return "\(name)（\(inner)）"
            }
        case .not, .membership: return "…"
        }
    }

    func value(of e: Expression, row: Int, entry: PolicySet.Entry) -> Value {
        var ev = ColumnEvaluator(ClaimColumns(ledger: ledger, rows: [Int32(row)],
                                              inputs: Dictionary(entry.measure.inputs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })))
        return ev.evaluate(e).value(0, type: e.type)
    }

    func calculation(_ o: CandidateOutcome, row: Int) -> String {
        let entry = set.entries[o.entry]
        if case .name = entry.measure.award.kind, case .parameter? = entry.measure.award.binding {
            return "定额 \(Explainer.yuan(o.raw))"
        }
        return "\(render(entry.measure.award, row: row, entry: entry)) = \(Explainer.yuan(o.raw))"
    }

    func limitPhrase(_ l: LimitCheck) -> String {
        var s = "超过\(l.label) \(l.limit.grouped) 元"
        if l.room < l.limit {
            switch l.kind {
            case .pool: s += "（资金池剩余 \(l.room.grouped) 元）"
            default: s += "（\(l.scope)已核定 \((l.limit - l.room).grouped) 元，剩余 \(l.room.grouped) 元）"
            }
        }
        return s
    }

    func reasonText(_ r: IneligibleReason, entry: PolicySet.Entry, row: Int) -> String {
        let m = entry.measure
        let p = set.policies[entry.policy]
        switch r {
        case .applicantType:
            return "申报主体类型为“\(ledger.applicantType(row).chinese)”，本项仅限\(m.applicants.map(\.chinese).joined(separator: "、"))申报"
        case .seriousDishonesty:
            return "申请人列入严重失信名单\(p.eligibility.clause.map { "（\($0)）" } ?? "")"
        case let .condition(k):
            return "\(m.conditions[k].reason)（条件：\(m.conditions[k].source)）"
        case let .onceUsed(group):
            if let g = group { return "“\(set.groups[g].group.name)”为一次性扶持，该申请人此前已获核定" }
            return "本项为一次性扶持，该申请人此前已获核定"
        case .yearlyCountUsed:
            return "同一申请人每年度限 \(m.maxClaimsPerYear ?? 0) 项，\(ledger.date(row).year) 年度已核定"
        case .zeroAward:
            return "按规则计算的扶持金额为 0"
        case let .evaluation(message):
            return message
        }
    }

    func sentence(_ o: CandidateOutcome, row: Int, winner: CandidateOutcome? = nil) -> String {
        let entry = set.entries[o.entry]
        let cite = citation(entry)
        let binding = o.limits.first { $0.binding }
        switch o.status {
        case .awarded:
            return "\(calculation(o, row: row))，核定 \(Fen(o.award).grouped) 元（\(cite)）"
        case .capped:
            return "\(calculation(o, row: row))，\(binding.map(limitPhrase) ?? "受上限限制")，核定 \(Fen(o.award).grouped) 元（\(cite)）"
        case .needsReview:
            var s = "需人工审核：\(entry.measure.review ?? "")。\(calculation(o, row: row))"
            if let b = binding { s += "，\(limitPhrase(b))" }
            s += o.award > 0 ? "，文本允许的最高金额为 \(Fen(o.award).grouped) 元（\(cite)）" : "，文本未规定金额，暂列 0.00 元（\(cite)）"
            return s
        case .ineligible:
            return "不符合条件：\(o.reason.map { reasonText($0, entry: entry, row: row) } ?? "")（\(cite)）"
        case .excludedByHigher:
            let w = winner.map { set.entries[$0.entry] }
            let by = w.map { "\(set.policies[$0.policy].docNumber)\($0.measure.clause)“\($0.measure.name)”" } ?? "另一项政策"
            return "就高不重复：\(by)核定 \(Fen(winner?.award ?? 0).grouped) 元，高于本项可得的 \(Fen(o.award).grouped) 元，本项不重复享受（\(cite)）"
        case .notApplicable:
            return ""
        }
    }

    func notApplicable(row: Int) -> String {
        let key = ledger.matter(row)
        let name = set.matter(key)?.chinese ?? key
        let date = ledger.date(row)
        let district = set.divisions.divisions[ledger.districtIndex(row)]
        var reasons: [String] = []
        for (pi, p) in set.policies.enumerated() where p.measures.contains(where: { $0.matter == key }) {
            if date < p.inForce.from || date > p.inForce.to {
                reasons.append("\(p.docNumber)有效期为 \(p.inForce.from.chinese) 至 \(p.inForce.to.chinese)，申报日期 \(date.chinese) 不在其内")
            } else if !set.covers[pi][district.index] {
                reasons.append("\(p.docNumber)适用范围为\(p.scope.include.joined(separator: "、"))，不含\(district.name)")
            }
        }
        if reasons.isEmpty { return "无适用政策：已加载的政策均不涵盖事项“\(name)”" }
        return "无适用政策：事项“\(name)”" + reasons.joined(separator: "；")
    }
}
