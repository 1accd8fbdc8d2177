import Foundation
import KuajingDomain

public enum OutputFormat: String, Sendable, CaseIterable {
    case table, json, csv
    /// Totals only (per policy, measure and status): for budget forecasts over a whole population.
    case summary
}

/// Writes an evaluation in one of the output formats, streaming to a sink in chunks.
public struct ResultWriter {
    public let evaluation: Evaluation
    public let funding: FundingConfiguration
    public let trace: Bool

    public init(evaluation: Evaluation, funding: FundingConfiguration = .init(), trace: Bool = false) {
        self.evaluation = evaluation
        self.funding = funding
        self.trace = trace
    }

    public func write(_ format: OutputFormat, to sink: (String) -> Void) {
        switch format {
        case .json: writeJSON(sink)
        case .csv: writeCSV(sink)
        case .table: writeTable(sink)
        case .summary: writeSummary(sink)
        }
    }

    public func render(_ format: OutputFormat) -> String {
        var s = ""
        write(format) { s += $0 }
        return s
    }

    static func json(_ s: String) -> String { JSONText.quote(s) }

    static func jsonAmount(_ f: Fen?) -> String { f.map { json($0.plain) } ?? "null" }

    func writeJSON(_ sink: (String) -> Void) {
        let j: (String) -> String = ResultWriter.json
        sink("{\n  \"results\": [")
        var buffer = ""
        for row in 0..<evaluation.ledger.count {
            let r = evaluation.result(row, funding: funding, trace: trace)
            var o = (row == 0 ? "\n    {" : ",\n    {")
            o += "\"claim_id\": \(j(r.claimID)), \"status\": \(j(r.status.rawValue)), \"award\": \(j(r.award.plain)), "
            o += "\"policy\": \(r.policy.map(j) ?? "null"), \"measure\": \(r.measure.map(j) ?? "null"), \"clause\": \(r.clause.map(j) ?? "null"), "
            o += "\"explanation\": \(j(r.explanation)), "
            if let f = r.funding {
                o += "\"funding\": {\"city\": \(ResultWriter.jsonAmount(f.city)), \"district\": \(ResultWriter.jsonAmount(f.district)), \"basis\": \(j(f.basis))}"
            } else {
                o += "\"funding\": null"
            }
            if !r.alternatives.isEmpty {
                o += ", \"alternatives\": [" + r.alternatives.map {
                    "{\"policy\": \(j($0.policy)), \"measure\": \(j($0.measure)), \"clause\": \(j($0.clause)), \"status\": \(j($0.status.rawValue)), \"award\": \(j($0.award.plain)), \"explanation\": \(j($0.explanation))}"
                }.joined(separator: ", ") + "]"
            }
            if trace { o += ", \"trace\": " + traceJSON(r.trace) }
            o += "}"
            buffer += o
            if buffer.utf8.count > 1 << 16 { sink(buffer); buffer = "" }
        }
        sink(buffer)
        sink("\n  ],\n  \"total\": \(j(evaluation.total.plain))\n}\n")
    }

    func traceJSON(_ steps: [ClaimResult.TraceStep]) -> String {
        let j: (String) -> String = ResultWriter.json
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

    /// CSV with a BOM so that Excel and WPS read the Chinese correctly.
    func writeCSV(_ sink: (String) -> Void) {
        let f = CSVText.field
        sink("\u{FEFF}claim_id,enterprise_id,matter,status,status_zh,award,policy,measure,clause,funding_city,funding_district,funding_basis,explanation\n")
        var buffer = ""
        for row in 0..<evaluation.ledger.count {
            let r = evaluation.result(row, funding: funding, trace: false)
            buffer += [r.claimID, r.enterpriseID, r.matter, r.status.rawValue, r.status.chinese, r.award.plain, r.policy ?? "", r.measure ?? "",
                       r.clause ?? "", r.funding?.city?.plain ?? "", r.funding?.district?.plain ?? "", r.funding?.basis ?? "", r.explanation]
                .map(f).joined(separator: ",") + "\n"
            if buffer.utf8.count > 1 << 16 { sink(buffer); buffer = "" }
        }
        sink(buffer)
        sink(",,,,合计,\(evaluation.total.plain),,,,,,,\n")
    }

    func writeTable(_ sink: (String) -> Void) {
        for row in 0..<evaluation.ledger.count {
            let r = evaluation.result(row, funding: funding, trace: false)
            sink("【\(r.claimID)】\(r.status.chinese)（\(r.status.rawValue)） 核定 \(r.award.grouped) 元")
            if let p = r.policy, let m = r.measureName, let c = r.clause { sink("  \(p) \(c) \(m)") }
            sink("\n  \(r.explanation)\n")
            if let fu = r.funding {
                sink("  资金来源：市级 \(fu.city?.grouped ?? "未定") 元，区级 \(fu.district?.grouped ?? "未定") 元；\(fu.basis)\n")
            }
            for a in r.alternatives { sink("  · \(a.explanation)\n") }
            if trace { sink("  trace: " + traceJSON(r.trace) + "\n") }
        }
        sink("合计核定 \(evaluation.total.grouped) 元（\(evaluation.ledger.count) 笔申报）\n")
    }

    func writeSummary(_ sink: (String) -> Void) {
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
        sink("policy,measure,clause,status,claims,award\n")
        for k in 0..<slots where count[k] > 0 {
            let entry = k / width - 1
            let (p, m, c): (String, String, String)
            if entry >= 0 {
                let e = evaluation.policies.entries[entry]
                (p, m, c) = (evaluation.policies.policies[e.policy].id, e.measure.id, e.measure.clause)
            } else { (p, m, c) = ("", "", "") }
            sink("\(p),\(m),\(c),\(statuses[k % width].rawValue),\(count[k]),\(Fen(sum[k]).plain)\n")
        }
        sink("total,,,,\(evaluation.ledger.count),\(evaluation.total.plain)\n")
    }
}
