import Foundation
import KuajingDomain
import PolicyEngine

/// The policy jobs of the command line, as plain functions writing to a sink.
public enum PolicyJobs {
    public static func list(directory: String, out: (String) -> Void) throws {
        let set = try PolicySet.load(directory: directory)
        for p in set.policies {
            let review = p.measures.filter { $0.review != nil }.count
            out("\(p.id)\t\(p.docNumber)\t\(p.title)\t有效期 \(p.inForce.from.iso)—\(p.inForce.to.iso)\t措施 \(p.measures.count) 项（需人工审核 \(review) 项）\t\(p.status == "draft" ? "征求意见稿" : "")\n")
        }
    }

    public static func show(id: String, directory: String, out: (String) -> Void) throws {
        let set = try PolicySet.load(directory: directory, only: [id])
        let p = set.policies[0]
        out("\(p.title)\n\(p.document)（\(p.docNumber)，\(p.issuer)\(p.issued.map { "，\($0.chinese)" } ?? "")）\n")
        out("原文：shared/seeds/\(p.seed)\(p.status == "draft" ? "（征求意见稿）" : "")\n")
        out("有效期：\(p.inForce.from.chinese)至\(p.inForce.to.chinese)（\(p.inForce.clause)：\(p.inForce.text)）\(p.inForce.reading.map { "\n  解读：\($0)" } ?? "")\n")
        out("适用范围：\(p.scope.include.joined(separator: "、"))\(p.scope.referenceAreas.isEmpty ? "" : "；参照执行：\(p.scope.referenceAreas.joined(separator: "、"))（\(p.scope.includeReferenceAreas ? "已纳入" : "未纳入")）")（\(p.scope.clause)）\n")
        out("叠加规则：就高不重复\(p.stacking.clause.map { "（\($0)：\(p.stacking.text ?? "")）" } ?? "")\(p.stacking.reading.map { "\n  解读：\($0)" } ?? "")\n")
        out("资金来源：\(p.funding.text ?? p.funding.rule)\(p.funding.clause.map { "（\($0)）" } ?? "")\n")
        for pool in p.pools { out("资金池：\(pool.name) \(pool.limit.grouped) 元（\(pool.clause)：\(pool.text)）\n") }
        for g in p.capGroups {
            out("共享上限：\(g.name)\(g.limit.map { " \($0.grouped) 元（\(g.scope.chinese)）" } ?? "")\(g.oncePerEnterprise ? "，一次性" : "")，涵盖 \(g.measures.joined(separator: "、"))（\(g.clause)：\(g.text)）\n")
        }
        for m in p.measures {
            out("\n■ \(m.clause) \(m.name)  [\(m.id)，事项 \(m.matter)]\n")
            out("  原文：\(m.text)\n")
            out("  申报主体：\(m.applicants.map(\.chinese).joined(separator: "、"))\n")
            for c in m.conditions { out("  条件：\(c.source)（不满足时：\(c.reason)）\n") }
            for par in m.parameters { out("  参数 \(par.name) = \(par.value.display)（\(par.clause)：“\(par.text)”）\n") }
            out("  核定公式：\(m.awardSource)\n")
            for c in m.caps { out("  上限：\(c.label) \(c.limit.grouped) 元（\(c.scope.chinese)）\n") }
            if m.oncePerEnterprise { out("  一次性：每家申请人政策期内限一次\n") }
            if let n = m.maxClaimsPerYear { out("  每年度限 \(n) 项\n") }
            if let r = m.review { out("  需人工审核：\(r)\n") }
            for r in m.readings { out("  解读：\(r)\n") }
        }
        if !p.readings.isEmpty {
            out("\n文本解读（可由主管部门修改的设置）：\n")
            for r in p.readings { out("  [\(r.id)] \(r.clause)：\(r.question)\n    采用：\(r.choice)\n    设置：\(r.setting)\n") }
        }
    }

    /// Loads every policy file (or just `file`), and where the seed texts are at hand, checks that
    /// every quoted text appears in its seed. Returns the number of problems.
    public static func check(file: String?, directory: String, seeds: String?, out: (String) -> Void) -> Int {
        var problems = 0
        let files: [String]
        if let file { files = [file] } else {
            do { files = try PolicySet.policyFiles(in: directory) } catch {
                out("\(directory): \(error)\n")
                return 1
            }
        }
        for f in files {
            do {
                let p = try PolicyLoader.load(path: f)
                var quoted = 0
                if let seeds, let data = FileManager.default.contents(atPath: seeds + "/" + p.seed), let seed = String(data: data, encoding: .utf8) {
                    let haystack = normalize(seed)
                    var texts: [(String, String)] = [("in_force", p.inForce.text), ("scope", p.scope.text)]
                    texts += [p.eligibility.text, p.funding.text, p.stacking.text].compactMap { $0 }.map { ("policy", $0) }
                    texts += p.measures.map { ("\($0.id).text", $0.text) }
                    texts += p.measures.flatMap { m in m.parameters.map { ("\(m.id).\($0.name)", $0.text) } }
                    texts += p.pools.map { ($0.id, $0.text) } + p.capGroups.map { ($0.id, $0.text) }
                    for (what, t) in texts {
                        quoted += 1
                        if !haystack.contains(normalize(t)) {
                            problems += 1
                            out("\(f): \(what)：引文在原文 \(p.seed) 中找不到：“\(t)”\n")
                        }
                    }
                }
                out("\(f): 通过（\(p.measures.count) 项措施\(quoted > 0 ? "，\(quoted) 处引文与原文一致" : "")）\n")
            } catch {
                problems += 1
                out("\(error)\n")
            }
        }
        return problems
    }

    /// Whitespace-insensitive comparison: the seeds break lines and put spaces around numbers.
    static func normalize(_ s: String) -> String {
        String(s.unicodeScalars.filter { !$0.properties.isWhitespace }.map(Character.init))
    }

    public static func test(directory: String, out: (String) -> Void) throws -> (cases: Int, checks: Int, failures: Int) {
        var totals = (0, 0, 0)
        for f in try PolicyTestSuite.testFiles(in: directory) {
            let r = try PolicyTestSuite.run(file: f, policyDirectory: directory)
            for failure in r.failures { out("✗ \(failure)\n") }
            out("\(f): \(r.cases) 个用例，\(r.checks) 项检查，\(r.failures.count) 项失败\n")
            totals.0 += r.cases
            totals.1 += r.checks
            totals.2 += r.failures.count
        }
        return totals
    }
}

/// `kuajing calc`: read a ledger, evaluate, write results. Nothing is written if the ledger is rejected.
public enum CalcJob {
    public static func run(claims: String, policyIDs: [String], directory: String, format: OutputFormat, trace: Bool,
                           fundingFile: String?, out: (String) -> Void) throws {
        // KUAJING_TIMING=1 prints the time of each phase to standard error (for docs/benchmarks.md).
        var timer = PhaseTimer(indent: "")
        func phase(_ name: String) { timer.mark(name) }
        let set = try PolicySet.load(directory: directory, only: policyIDs)
        let funding = try fundingFile.map { try FundingConfiguration.load(path: $0) } ?? FundingConfiguration()
        phase("load policies")
        let ledger = try LedgerReader.read(path: claims, matterKeys: set.matterKeys, divisions: set.divisions)
        phase("read ledger")
        let evaluation = Engine.evaluate(ledger, with: set, details: format != .summary)
        phase("evaluate")
        ResultWriter(evaluation: evaluation, funding: funding, trace: trace).write(format, to: out)
        phase("write")
    }
}
