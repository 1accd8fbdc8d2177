import KuajingDomain

/// Chinese explanations: one sentence per claim with the arithmetic, the limit that bound, and the
/// clause, in words a reviewer can sign. Written as UTF-8 bytes from per-measure templates compiled
/// once, so that a million claims' explanations cost a million appends, not a million string
/// interpolations; `ClaimResult` (the web, the API) and the streamed formats use this one writer.
struct Explainer: Sendable {
    let evaluation: Evaluation
    /// Per entry; present for every measure that some claim has as a candidate.
    let templates: [MeasureTemplate?]
    var ledger: ClaimsLedger { evaluation.ledger }
    var set: PolicySet { evaluation.policies }

    /// The parts of a measure's sentences that do not depend on the claim (a class: one reference
    /// to take per sentence, not one per part).
    final class MeasureTemplate: Sendable {
        /// `（依据杭政办函〔2024〕1号第二条第（一）项）`
        let citation: [UInt8]
        /// The award formula with holes for the claim's values; nil for a fixed amount (`定额`).
        let formula: [Segment]?
        /// `需人工审核：…。`
        let review: [UInt8]
        /// `超过…上限 ` per limit, in `LimitState.limitDefinitions` order, with what the phrase needs.
        let limits: [(label: [UInt8], kind: LimitCheck.Kind, scope: [UInt8], limit: Int64)]
        /// How a winner of 就高不重复 is named: `杭政办函〔2024〕1号第二条“自主品牌推广”`.
        let nameAsWinner: [UInt8]

        init(citation: [UInt8], formula: [Segment]?, review: [UInt8],
             limits: [(label: [UInt8], kind: LimitCheck.Kind, scope: [UInt8], limit: Int64)], nameAsWinner: [UInt8]) {
            self.citation = citation
            self.formula = formula
            self.review = review
            self.limits = limits
            self.nameAsWinner = nameAsWinner
        }
    }

    enum Segment: Sendable {
        case text([UInt8])
        case amount([UInt8])
        case claimDate
        case attribute(Expression, label: [UInt8])
    }

    init(evaluation: Evaluation) {
        self.evaluation = evaluation
        templates = evaluation.templates
    }

    static func template(_ set: PolicySet, entry e: Int) -> MeasureTemplate {
        let entry = set.entries[e]
        let m = entry.measure
        let p = set.policies[entry.policy]
        var formula: [Segment]? = nil
        if case .name = m.award.kind, case .parameter? = m.award.binding {} else {
            var segments: [Segment] = []
            compile(m.award, measure: m, top: true, into: &segments)
            formula = segments
        }
        let limits = LimitState.limitDefinitions(set, entry: e).map {
            (label: Array("超过\($0.label) ".utf8), kind: $0.kind, scope: Array($0.scope.utf8), limit: $0.limit.value)
        }
        return MeasureTemplate(citation: Array("（依据\(p.docNumber)\(m.clause)）".utf8), formula: formula,
                               review: Array("需人工审核：\(m.review ?? "")。".utf8), limits: limits,
                               nameAsWinner: Array("\(p.docNumber)\(m.clause)“\(m.name)”".utf8))
    }

    /// The formula of a measure as text with holes, parenthesised as it reads: `（a + b）× 25%`.
    static func compile(_ e: Expression, measure m: Measure, top: Bool, into out: inout [Segment]) {
        func text(_ s: String) {
            if case let .text(t)? = out.last { out[out.count - 1] = .text(t + Array(s.utf8)) } else { out.append(.text(Array(s.utf8))) }
        }
        switch e.kind {
        case let .literal(v): text(v.display)
        case let .name(name):
            switch e.binding! {
            case .amount: out.append(.amount(Array("\(m.baseLabel) ".utf8)))
            case .claimDate: out.append(.claimDate)
            case let .parameter(v): text(v.display)
            case .attribute:
                let label = m.inputs.first { $0.name == name }?.label ?? name
                out.append(.attribute(e, label: Array("\(label) ".utf8)))
            }
        case let .negate(x):
            text("−")
            compile(x, measure: m, top: false, into: &out)
        case let .binary(op, l, r):
            if !top { text("（") }
            compile(l, measure: m, top: false, into: &out)
            text(" \(op.symbol) ")
            compile(r, measure: m, top: false, into: &out)
            if !top { text("）") }
        case let .call(name, args):
            switch name {
            case "min": text("取较小值（")
            case "max": text("取较大值（")
            default: text("\(name)（")
            }
            for (k, a) in args.enumerated() {
                if k > 0 { text("，") }
                compile(a, measure: m, top: true, into: &out)
            }
            text("）")
        case .not, .membership: text("…")
        }
    }

    // MARK: Sentences

    /// The sentence of candidate `c` (an index into the evaluation's candidates) of claim `row`,
    /// appended to `out`. `winner`: the candidate that beat it (就高不重复).
    func sentence(candidate c: Int, row: Int, winner: Int? = nil, into out: ByteBuffer) {
        let o = evaluation.outcome[c]
        let t = templates[Int(o.entry)]!
        let bound = o.binding >= 0
        func limitPhrase() {
            let k = t.limits[Int(o.binding)]
            out += k.label
            ByteText.grouped(k.limit, into: out)
            out += ByteText.yuanUnit
            if o.room < k.limit {
                if k.kind == .pool {
                    out.literal("（资金池剩余 ")
                } else {
                    out += ByteText.fullOpen
                    out += k.scope
                    out.literal("已核定 ")
                    ByteText.grouped(k.limit - o.room, into: out)
                    out.literal(" 元，剩余 ")
                }
                ByteText.grouped(o.room, into: out)
                out.literal(" 元）")
            }
        }
        func granted() {
            out.literal("，核定 ")
            ByteText.grouped(o.award, into: out)
            out += ByteText.yuanUnit
        }
        switch o.status {
        case .awarded:
            calculation(candidate: c, row: row, into: out)
            granted()
            out += t.citation
        case .capped:
            calculation(candidate: c, row: row, into: out)
            out += ByteText.fullComma
            if bound { limitPhrase() } else { out.literal("受上限限制") }
            granted()
            out += t.citation
        case .needsReview:
            out += t.review
            calculation(candidate: c, row: row, into: out)
            if bound { out += ByteText.fullComma; limitPhrase() }
            if o.award > 0 {
                out.literal("，文本允许的最高金额为 ")
                ByteText.grouped(o.award, into: out)
                out += ByteText.yuanUnit
            } else {
                out.literal("，文本未规定金额，暂列 0.00 元")
            }
            out += t.citation
        case .ineligible:
            out.literal("不符合条件：")
            if let r = LimitState.reason(o.reason, message: evaluation.failMessages[c]) {
                out.append(reasonText(r, entry: set.entries[Int(o.entry)], row: row))
            }
            out += t.citation
        case .excludedByHigher:
            out.literal("就高不重复：")
            let w = winner.map { evaluation.outcome[$0] }
            if let w { out += templates[Int(w.entry)]!.nameAsWinner } else { out.literal("另一项政策") }
            out.literal("核定 ")
            ByteText.grouped(w?.award ?? 0, into: out)
            out.literal(" 元，高于本项可得的 ")
            ByteText.grouped(o.award, into: out)
            out.literal(" 元，本项不重复享受")
            out += t.citation
        case .notApplicable:
            break
        }
    }

    func sentence(candidate c: Int, row: Int, winner: Int? = nil) -> String {
        let out = ByteBuffer(capacity: 512)
        sentence(candidate: c, row: row, winner: winner, into: out)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// `自主品牌推广费用 1,000,000.00 元 × 25% = 250,000.00 元`, or `定额 50,000.00 元`.
    func calculation(candidate c: Int, row: Int, into out: ByteBuffer) {
        let entry = Int(evaluation.outcome[c].entry)
        let raw = evaluation.candidateRaw[c]
        guard let formula = templates[entry]!.formula else {
            out.literal("定额 ")
            Explainer.yuan(raw, into: out)
            return
        }
        for s in formula {
            switch s {
            case let .text(t): out += t
            case let .amount(label):
                out += label
                ByteText.grouped(ledger.amount[row], into: out)
                out += ByteText.yuanUnit
            case .claimDate:
                out.append("申报日期 \(ledger.date(row).chinese)")
            case let .attribute(e, label):
                out += label
                out.append(value(of: e, row: row, entry: set.entries[entry]).display)
            }
        }
        out.literal(" = ")
        Explainer.yuan(raw, into: out)
    }

    func calculation(candidate c: Int, row: Int) -> String {
        let out = ByteBuffer(capacity: 512)
        calculation(candidate: c, row: row, into: out)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    func value(of e: Expression, row: Int, entry: PolicySet.Entry) -> Value {
        var ev = ColumnEvaluator(ClaimColumns(ledger: ledger, rows: [Int32(row)],
                                              inputs: Dictionary(entry.measure.inputs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })))
        return ev.evaluate(e).value(0, type: e.type)
    }

    /// Exact yuan of a fen rational: `210,000.00 元`, or `1,234.565 元（四舍五入为 1,234.57 元）`.
    static func yuan(_ r: Rational, into out: ByteBuffer) {
        if r.isInteger {
            ByteText.grouped(r.numerator, into: out)
            out += ByteText.yuanUnit
            return
        }
        let y = (try? r.divided(by: Rational(100)))?.decimalText(maxDecimals: 8) ?? "\(r)"
        out.append("\(y) 元（四舍五入为 \(Fen(r.roundedHalfUp()).grouped) 元）")
    }

    static func yuan(_ r: Rational) -> String {
        let out = ByteBuffer(capacity: 64)
        yuan(r, into: out)
        return String(decoding: out.bytes, as: UTF8.self)
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

/// Numbers and fixed pieces of output as UTF-8 bytes.
enum ByteText {
    static let yuanUnit = Array(" 元".utf8)
    static let fullComma = Array("，".utf8)
    static let fullOpen = Array("（".utf8)

    /// Yuan with thousands separators and two decimals, as `Fen.grouped`: `1,234,567.89`.
    static func grouped(_ fen: Int64, into out: ByteBuffer) { money(fen, separators: true, into: out) }

    /// Yuan with two decimals and no separators, as `Fen.plain`: `1234567.89`.
    static func plain(_ fen: Int64, into out: ByteBuffer) { money(fen, separators: false, into: out) }

    /// Written backwards into a small buffer on the stack, then appended in one copy.
    static func money(_ fen: Int64, separators: Bool, into out: ByteBuffer) {
        var scratch: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { raw in
            let d = raw.bindMemory(to: UInt8.self)
            var i = d.count
            let m = fen.magnitude
            var yuan = m / 100
            let cents = m % 100
            i -= 1; d[i] = UInt8(truncatingIfNeeded: cents % 10) + 48
            i -= 1; d[i] = UInt8(truncatingIfNeeded: cents / 10) + 48
            i -= 1; d[i] = UInt8(ascii: ".")
            var digits = 0
            repeat {
                if separators && digits > 0 && digits % 3 == 0 { i -= 1; d[i] = UInt8(ascii: ",") }
                i -= 1
                d[i] = UInt8(truncatingIfNeeded: yuan % 10) + 48
                yuan /= 10
                digits += 1
            } while yuan > 0
            if fen < 0 { i -= 1; d[i] = UInt8(ascii: "-") }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: d[i...]))
        }
    }

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    /// Whether any of the 8 bytes of `w` equals `b` (exact, by the zero-byte test on `w ^ b…b`).
    @inline(__always) static func hasByte(_ w: UInt64, _ b: UInt8) -> Bool {
        let x = w ^ (ones &* UInt64(b))
        return (x &- ones) & ~x & highs != 0
    }

    /// The index of the first byte at or after `from` for which `special` holds, testing 8 bytes at
    /// a time with `anyIn` (which must hold for a word containing such a byte).
    @inline(__always) static func firstSpecial(_ p: UnsafeBufferPointer<UInt8>, from: Int, anyIn: (UInt64) -> Bool, special: (UInt8) -> Bool) -> Int {
        var i = from
        let n = p.count
        let raw = UnsafeRawPointer(p.baseAddress!)
        while i + 8 <= n {
            if anyIn(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { break }
            i += 8
        }
        while i < n && !special(p[i]) { i += 1 }
        return i
    }

    /// A CSV field as `CSVText.field` writes it (quoted, inner quotes doubled, when a byte
    /// `CSVText.needsQuotes`). Scanned 8 bytes at a time; runs without a quote are copied whole.
    static func csvField(_ p: UnsafeBufferPointer<UInt8>, into out: ByteBuffer) {
        guard p.count > 0 else { return }
        let first = firstSpecial(p, from: 0, anyIn: { hasByte($0, 0x2C) || hasByte($0, 0x22) || hasByte($0, 0x0A) || hasByte($0, 0x0D) },
                                 special: CSVText.needsQuotes)
        if first >= p.count { out.append(contentsOf: p); return }
        out.append(0x22)
        var start = 0
        var i = 0
        while true {
            i = firstSpecial(p, from: i, anyIn: { hasByte($0, 0x22) }, special: { $0 == 0x22 })
            if i >= p.count { break }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: p[start...i]))
            start = i
            i += 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: p[start...]))
        out.append(0x22)
    }

    static func csvField(_ bytes: ByteBuffer, into out: ByteBuffer) {
        csvField(UnsafeBufferPointer(start: bytes.base, count: bytes.count), into: out)
    }

    /// A JSON string literal, as `JSONText.quote` writes it (the bytes `JSONText.needsEscape` escaped
    /// by `JSONText.escapeSequence`). Scanned 8 bytes at a time; runs that need no escape are copied whole.
    static func jsonString(_ p: UnsafeBufferPointer<UInt8>, into out: ByteBuffer) {
        out.append(0x22)
        guard p.count > 0 else { out.append(0x22); return }
        // A byte below 0x20 has its top three bits clear: (w & 0xE0…E0) has a zero byte.
        let anyIn: (UInt64) -> Bool = { w in
            let top = w & 0xE0E0_E0E0_E0E0_E0E0
            return (top &- ones) & ~top & highs != 0 || hasByte(w, 0x22) || hasByte(w, 0x5C)
        }
        var start = 0
        var i = 0
        while true {
            i = firstSpecial(p, from: i, anyIn: anyIn, special: JSONText.needsEscape)
            if i >= p.count { break }
            if start < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[start..<i])) }
            out.append(contentsOf: JSONText.escapeSequence(p[i]))
            start = i + 1
            i += 1
        }
        if start < p.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: p[start...])) }
        out.append(0x22)
    }

    static func jsonString(_ bytes: ByteBuffer, into out: ByteBuffer) {
        jsonString(UnsafeBufferPointer(start: bytes.base, count: bytes.count), into: out)
    }
}
