import Foundation
import KuajingDomain

public enum OutputFormat: String, Sendable, CaseIterable {
    case table, json, csv
    /// Totals only (per policy, measure and status): for budget forecasts over a whole population.
    case summary
}

/// Writes an evaluation in one of the output formats. The per-claim formats are rendered as UTF-8
/// bytes in blocks of claims, on `threads` threads, and handed to the sink in ledger order: memory
/// stays bounded by a few blocks whatever the size of the output (`OrderedBlocks`).
public struct ResultWriter: Sendable {
    public let evaluation: Evaluation
    public let funding: FundingConfiguration
    public let trace: Bool
    /// Threads that render blocks (1: the calling thread alone).
    public let threads: Int
    /// Claims per block.
    static let blockSize = 8_192

    public init(evaluation: Evaluation, funding: FundingConfiguration = .init(), trace: Bool = false,
                threads: Int = UsableCores.count) {
        self.evaluation = evaluation
        self.funding = funding
        self.trace = trace
        self.threads = max(1, threads)
    }

    /// Streams the output as UTF-8 bytes; each buffer is valid only during the call.
    public func write(_ format: OutputFormat, bytes sink: (UnsafeRawBufferPointer) -> Void) {
        func emit(_ s: String) {
            var s = s
            s.withUTF8 { sink(UnsafeRawBufferPointer($0)) }
        }
        switch format {
        case .summary:
            emit(summary())
            return
        case .json: emit("{\n  \"results\": [")
        case .csv: emit("\u{FEFF}claim_id,enterprise_id,matter,status,status_zh,award,policy,measure,clause,funding_city,funding_district,funding_basis,explanation\n")
        case .table: break
        }
        let n = evaluation.ledger.count
        let blocks = (n + Self.blockSize - 1) / Self.blockSize
        let texts = RowTexts(self)
        OrderedBlocks.run(count: blocks, threads: threads, render: { b, out in
            var rows = RowRenderer(texts)
            for row in (b * Self.blockSize)..<min(n, (b + 1) * Self.blockSize) {
                switch format {
                case .csv: rows.csv(row, into: out)
                case .json: rows.json(row, into: out)
                case .table: rows.table(row, into: out)
                case .summary: break
                }
            }
        }, consume: { buffer in sink(buffer.bytes) })
        switch format {
        case .json: emit("\n  ],\n  \"total\": \(JSONText.quote(evaluation.total.plain))\n}\n")
        case .csv: emit(",,,,合计,\(evaluation.total.plain),,,,,,,\n")
        case .table: emit("合计核定 \(evaluation.total.grouped) 元（\(n) 笔申报）\n")
        case .summary: break
        }
    }

    /// The same output as text chunks (for small outputs: a request's answer, a test).
    public func write(_ format: OutputFormat, to sink: (String) -> Void) {
        write(format, bytes: { sink(String(decoding: $0, as: UTF8.self)) })
    }

    public func render(_ format: OutputFormat) -> String {
        var bytes: [UInt8] = []
        write(format, bytes: { bytes.append(contentsOf: $0) })
        return String(decoding: bytes, as: UTF8.self)
    }

    static func traceJSON(_ steps: [ClaimResult.TraceStep]) -> String {
        let j: (String) -> String = JSONText.quote
        return "[" + steps.map { s in
            var o = "{\"policy\": \(j(s.policy)), \"measure\": \(j(s.measure)), \"clause\": \(j(s.clause)), \"chosen\": \(s.chosen), \"status\": \(j(s.status.rawValue)), "
            o += "\"parameters\": [" + s.parameters.map { "{\"name\": \(j($0.name)), \"value\": \(j($0.value)), \"clause\": \(j($0.clause)), \"text\": \(j($0.text))}" }.joined(separator: ", ") + "], "
            o += "\"conditions\": [" + s.conditions.map { "{\"when\": \(j($0.when)), \"passed\": \($0.passed.map { String($0) } ?? "null")}" }.joined(separator: ", ") + "], "
            o += "\"formula\": \(j(s.formula)), \"raw\": \(j(s.raw)), "
            o += "\"limits\": [" + s.limits.map { "{\"kind\": \(j($0.kind.rawValue)), \"label\": \(j($0.label)), \"scope\": \(j($0.scope)), \"limit\": \(j($0.limit.plain)), \"room\": \(j($0.room.plain)), \"clause\": \(j($0.clause)), \"binding\": \($0.binding)}" }.joined(separator: ", ") + "], "
            o += "\"award\": \(j(s.award.plain))}"
            return o
        }.joined(separator: ", ") + "]"
    }

    func summary() -> String {
        // Counts and sums in flat arrays indexed by (chosen measure + 1, status): no hashing per claim.
        let statuses = ClaimStatus.allCases
        let width = statuses.count
        let slots = (evaluation.policies.entries.count + 1) * width
        var count = [Int](repeating: 0, count: slots)
        var sum = [Int64](repeating: 0, count: slots)
        for row in 0..<evaluation.ledger.count {
            let k = (Int(evaluation.chosenEntry[row]) + 1) * width + evaluation.status[row].index
            count[k] += 1
            sum[k] += evaluation.award[row]
        }
        var s = "policy,measure,clause,status,claims,award\n"
        for k in 0..<slots where count[k] > 0 {
            let entry = k / width - 1
            let (p, m, c): (String, String, String)
            if entry >= 0 {
                let e = evaluation.policies.entries[entry]
                (p, m, c) = (evaluation.policies.policies[e.policy].id, e.measure.id, e.measure.clause)
            } else { (p, m, c) = ("", "", "") }
            s += "\(p),\(m),\(c),\(statuses[k % width].rawValue),\(count[k]),\(Fen(sum[k]).plain)\n"
        }
        s += "total,,,,\(evaluation.ledger.count),\(evaluation.total.plain)\n"
        return s
    }
}

/// What every claim's line is made of and does not change from claim to claim: built once per output,
/// shared by the rendering threads.
final class RowTexts: Sendable {
    let evaluation: Evaluation
    let explainer: Explainer
    let config: FundingConfiguration
    let trace: Bool
    let divisions: Int
    /// Per entry: `policy,measure,clause` as CSV, and each as a JSON string.
    let csvNames: [[UInt8]]
    let jsonNames: [(policy: [UInt8], measure: [UInt8], clause: [UInt8])]
    let matterCSV: [[UInt8]]
    let statusCSV: [[UInt8]]
    let statusJSON: [[UInt8]]

    init(_ w: ResultWriter) {
        evaluation = w.evaluation
        explainer = Explainer(evaluation: w.evaluation)
        config = w.funding
        trace = w.trace
        let set = w.evaluation.policies
        divisions = set.divisions.divisions.count
        func json(_ s: String) -> [UInt8] { Array(JSONText.quote(s).utf8) }
        csvNames = set.entries.map { e in
            Array([set.policies[e.policy].id, e.measure.id, e.measure.clause].map(CSVText.field).joined(separator: ",").utf8)
        }
        jsonNames = set.entries.map { (json(set.policies[$0.policy].id), json($0.measure.id), json($0.measure.clause)) }
        matterCSV = w.evaluation.ledger.matterKeys.map { Array(CSVText.field($0).utf8) }
        statusCSV = ClaimStatus.allCases.map { Array("\($0.rawValue),\(CSVText.field($0.chinese))".utf8) }
        statusJSON = ClaimStatus.allCases.map(\.rawValue).map(json)
    }
}

/// One claim's line (csv), object (json) or paragraph (table) as bytes; one per block of claims,
/// with its own cache of the funding rule per (measure, district).
struct RowRenderer {
    let texts: RowTexts
    // Copied from `texts` once per block: read per claim, they must not go through the class.
    let evaluation: Evaluation
    let explainer: Explainer
    let trace: Bool
    /// Funding rules by entry × district, worked out when first needed, with the basis as text, CSV and JSON.
    var rules: [FundingBasis?]

    final class FundingBasis {
        let rule: FundingRule
        let text: [UInt8], csv: [UInt8], json: [UInt8]
        init(_ rule: FundingRule) {
            self.rule = rule
            text = Array(rule.basis.utf8)
            csv = Array(CSVText.field(rule.basis).utf8)
            json = Array(JSONText.quote(rule.basis).utf8)
        }
    }
    let sentence = ByteBuffer(capacity: 4096)

    init(_ texts: RowTexts) {
        self.texts = texts
        evaluation = texts.evaluation
        explainer = texts.explainer
        trace = texts.trace
        rules = [FundingBasis?](repeating: nil, count: texts.evaluation.policies.entries.count * texts.divisions)
    }

    var ledger: ClaimsLedger { evaluation.ledger }

    /// The funding of claim `row` in fen, with its basis (nil when its measure is ineligible or none applies).
    mutating func funding(_ row: Int) -> (city: Int64?, district: Int64?, basis: FundingBasis)? {
        let c = Int(evaluation.chosenCandidate[row])
        guard c >= 0 else { return nil }
        let o = evaluation.outcome[c]
        guard o.status != .ineligible else { return nil }
        let d = ledger.districtIndex(row)
        let k = Int(o.entry) * texts.divisions + d
        let basis: FundingBasis
        if let known = rules[k] { basis = known } else {
            let set = evaluation.policies
            let entry = set.entries[Int(o.entry)]
            basis = FundingBasis(FundingRule(entry: entry, policy: set.policies[entry.policy], district: set.divisions.divisions[d].name, config: texts.config))
            rules[k] = basis
        }
        let parts = basis.rule.parts(evaluation.award[row])
        return (parts.city, parts.district, basis)
    }

    /// The chosen candidate's sentence (or the not-applicable one) into `sentence`.
    mutating func explain(_ row: Int) {
        sentence.removeAll()
        let c = Int(evaluation.chosenCandidate[row])
        if c >= 0 { explainer.sentence(candidate: c, row: row, into: sentence) }
        else { sentence.append(explainer.notApplicable(row: row)) }
    }

    mutating func csv(_ row: Int, into out: ByteBuffer) {
        let comma = UInt8(ascii: ",")
        ByteText.csvField(ledger.bytes(ledger.claimID[row]), into: out)
        out.append(comma)
        ByteText.csvField(ledger.bytes(ledger.enterpriseKeys[Int(ledger.enterprise[row])]), into: out)
        out.append(comma)
        out += texts.matterCSV[Int(ledger.matter[row])]
        out.append(comma)
        out += texts.statusCSV[evaluation.status[row].index]
        out.append(comma)
        ByteText.plain(evaluation.award[row], into: out)
        out.append(comma)
        let entry = Int(evaluation.chosenEntry[row])
        if entry >= 0 { out += texts.csvNames[entry] } else { out.append(comma, comma) }
        out.append(comma)
        if let (city, district, basis) = funding(row) {
            if let city { ByteText.plain(city, into: out) }
            out.append(comma)
            if let district { ByteText.plain(district, into: out) }
            out.append(comma)
            out += basis.csv
        } else { out.append(comma, comma) }
        out.append(comma)
        explain(row)
        ByteText.csvField(sentence, into: out)
        out.append(0x0A)
    }

    mutating func json(_ row: Int, into out: ByteBuffer) {
        if row == 0 { out.literal("\n    {\"claim_id\": ") } else { out.literal(",\n    {\"claim_id\": ") }
        ByteText.jsonString(ledger.bytes(ledger.claimID[row]), into: out)
        out.literal(", \"status\": ")
        out += texts.statusJSON[evaluation.status[row].index]
        out.literal(", \"award\": \"")
        ByteText.plain(evaluation.award[row], into: out)
        out.literal("\", ")
        let entry = Int(evaluation.chosenEntry[row])
        if entry >= 0 {
            let names = texts.jsonNames[entry]
            out.literal("\"policy\": ")
            out += names.policy
            out.literal(", \"measure\": ")
            out += names.measure
            out.literal(", \"clause\": ")
            out += names.clause
        } else {
            out.literal("\"policy\": null, \"measure\": null, \"clause\": null")
        }
        out.literal(", \"explanation\": ")
        explain(row)
        ByteText.jsonString(sentence, into: out)
        out.literal(", \"funding\": ")
        if let (city, district, basis) = funding(row) {
            func amount(_ a: Int64?) {
                guard let a else { out.literal("null"); return }
                out.append(0x22)
                ByteText.plain(a, into: out)
                out.append(0x22)
            }
            out.literal("{\"city\": ")
            amount(city)
            out.literal(", \"district\": ")
            amount(district)
            out.literal(", \"basis\": ")
            out += basis.json
            out.append(0x7D)
        } else {
            out.literal("null")
        }
        let chosen = Int(evaluation.chosenCandidate[row])
        let lo = Int(evaluation.candidateStart[row]), hi = Int(evaluation.candidateStart[row + 1])
        if hi - lo > 1 {
            out.literal(", \"alternatives\": [")
            var first = true
            for c in lo..<hi where c != chosen {
                let o = evaluation.outcome[c]
                let names = texts.jsonNames[Int(o.entry)]
                if first { out.literal("{\"policy\": ") } else { out.literal(", {\"policy\": ") }
                first = false
                out += names.policy
                out.literal(", \"measure\": ")
                out += names.measure
                out.literal(", \"clause\": ")
                out += names.clause
                out.literal(", \"status\": ")
                out += texts.statusJSON[o.status.index]
                out.literal(", \"award\": \"")
                ByteText.plain(o.award, into: out)
                out.literal("\", \"explanation\": ")
                sentence.removeAll()
                explainer.sentence(candidate: c, row: row, winner: chosen, into: sentence)
                ByteText.jsonString(sentence, into: out)
                out.append(0x7D)
            }
            out.append(0x5D)
        }
        if trace {
            out.literal(", \"trace\": ")
            out.append(ResultWriter.traceJSON(evaluation.result(row, funding: texts.config, trace: true).trace))
        }
        out.append(0x7D)
    }

    mutating func table(_ row: Int, into out: ByteBuffer) {
        let status = evaluation.status[row]
        out.literal("【")
        out.append(contentsOf: ledger.bytes(ledger.claimID[row]))
        out.append("】\(status.chinese)（\(status.rawValue)） 核定 ")
        ByteText.grouped(evaluation.award[row], into: out)
        out += ByteText.yuanUnit
        let c = Int(evaluation.chosenCandidate[row])
        if c >= 0 {
            let e = evaluation.policies.entries[Int(evaluation.outcome[c].entry)]
            out.append("  \(evaluation.policies.policies[e.policy].id) \(e.measure.clause) \(e.measure.name)")
        }
        out.literal("\n  ")
        explain(row)
        out.append(contentsOf: sentence)
        out.append(0x0A)
        if let (city, district, basis) = funding(row) {
            out.literal("  资金来源：市级 ")
            if let city { ByteText.grouped(city, into: out) } else { out.literal("未定") }
            out.literal(" 元，区级 ")
            if let district { ByteText.grouped(district, into: out) } else { out.literal("未定") }
            out.literal(" 元；")
            out += basis.text
            out.append(0x0A)
        }
        let lo = Int(evaluation.candidateStart[row]), hi = Int(evaluation.candidateStart[row + 1])
        for a in lo..<hi where a != c {
            out.literal("  · ")
            explainer.sentence(candidate: a, row: row, winner: c, into: out)
            out.append(0x0A)
        }
        if trace {
            out.append("  trace: \(ResultWriter.traceJSON(evaluation.result(row, funding: texts.config, trace: true).trace))\n")
        }
    }
}

/// Renders blocks 0..<count on up to `threads` threads, at most a few blocks ahead of the consumer,
/// and hands them to `consume` in order on the calling thread: the output keeps its order and
/// memory holds only the blocks in flight. Buffers are reused (fresh pages cost the kernel a clear).
enum OrderedBlocks {
    private final class Shared: @unchecked Sendable {
        let condition = NSCondition()
        var next = 0
        var consumed = 0
        var ready: [Int: ByteBuffer] = [:]
        var spare: [ByteBuffer] = []
    }

    static func run(count: Int, threads: Int, render: @escaping @Sendable (Int, ByteBuffer) -> Void, consume: (ByteBuffer) -> Void) {
        if threads <= 1 || count <= 1 {
            let buffer = ByteBuffer(capacity: 1 << 20)
            for b in 0..<count {
                buffer.removeAll()
                render(b, buffer)
                consume(buffer)
            }
            return
        }
        let window = threads * 2
        let shared = Shared()
        let group = DispatchGroup()
        for _ in 0..<threads {
            DispatchQueue.global().async(group: group) {
                while true {
                    shared.condition.lock()
                    while shared.next < count && shared.next >= shared.consumed + window { shared.condition.wait() }
                    if shared.next >= count {
                        shared.condition.unlock()
                        return
                    }
                    let b = shared.next
                    shared.next += 1
                    let buffer = shared.spare.popLast() ?? ByteBuffer(capacity: 1 << 20)
                    shared.condition.unlock()
                    buffer.removeAll()
                    render(b, buffer)
                    shared.condition.lock()
                    shared.ready[b] = buffer
                    shared.condition.broadcast()
                    shared.condition.unlock()
                }
            }
        }
        for b in 0..<count {
            shared.condition.lock()
            while shared.ready[b] == nil { shared.condition.wait() }
            let buffer = shared.ready.removeValue(forKey: b)!
            shared.condition.unlock()
            consume(buffer)
            shared.condition.lock()
            shared.spare.append(buffer)
            shared.consumed = b + 1
            shared.condition.broadcast()
            shared.condition.unlock()
        }
        group.wait()
    }
}
