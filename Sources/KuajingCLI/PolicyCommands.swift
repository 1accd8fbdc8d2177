import ArgumentParser
import Foundation
import KuajingApp
import KuajingDomain
import PolicyEngine

/// Terminal rendering of a policy or plan check: every problem, then each file's verdict. Returns the number of problems.
enum CheckText {
    static func render(_ checks: [FileCheck], out: (String) -> Void) -> Int {
        var problems = 0
        for c in checks {
            for p in c.problems { out(p + "\n") }
            problems += c.problems.count
            guard let contents = c.contents else { continue }
            out("\(c.file): \(c.problems.isEmpty ? "通过" : "有 \(c.problems.count) 处问题")（\(contents)\(c.quoted > 0 ? "，\(c.quoted) 处引文已与原文比对" : "")）\n")
        }
        return problems
    }
}

/// Terminal rendering of the policy catalogue.
enum PolicyText {
    static func list(_ policies: [Policy], out: (String) -> Void) {
        for p in policies {
            let review = p.measures.filter { $0.review != nil }.count
            out("\(p.id)\t\(p.docNumber)\t\(p.title)\t有效期 \(p.inForce.from.iso)—\(p.inForce.to.iso)\t措施 \(p.measures.count) 项（需人工审核 \(review) 项）\t\(p.status == "draft" ? "征求意见稿" : "")\n")
        }
    }

    static func show(_ p: Policy, out: (String) -> Void) {
        out("\(p.title)\n\(p.document)（\(p.docNumber)，\(p.issuer)\(p.issued.map { "，\($0.chinese)" } ?? "")）\n")
        out("原文：reference/seeds/\(p.seed)\(p.status == "draft" ? "（征求意见稿）" : "")\n")
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
}

struct Policies: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List, show, check and test policy files.",
                                                    subcommands: [List.self, Show.self, Check.self, Test.self])

    struct List: AsyncParsableCommand {
        @OptionGroup var options: AppOptions
        func run() async throws {
            try await runCommand { () throws(AppError) in
                let out = StandardOutput()
                PolicyText.list(try PolicyCatalog(options.context()).policies(), out: out.write)
                out.flush()
            }
        }
    }

    struct Show: AsyncParsableCommand {
        @Argument(help: "Policy id, e.g. hangzhou-2024.") var id: String
        @OptionGroup var options: AppOptions
        func run() async throws {
            try await runCommand { () throws(AppError) in
                let out = StandardOutput()
                PolicyText.show(try PolicyCatalog(options.context()).policy(id), out: out.write)
                out.flush()
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load and type-check the policy files, and check every quotation against its seed text.")
        @Argument(help: "One policy file; all files of the policy directory when omitted.") var file: String?
        @OptionGroup var options: AppOptions
        func run() async throws {
            var problems = 0
            try await runCommand { () throws(AppError) in
                let out = StandardOutput()
                problems = CheckText.render(try PolicyCatalog(options.context()).check(file: file), out: out.write)
                out.flush()
            }
            if problems > 0 { throw ExitCode(1) }
        }
    }

    struct Test: AsyncParsableCommand {
        @OptionGroup var options: AppOptions
        func run() async throws {
            var failed = 0
            try await runCommand { () throws(AppError) in
                let out = StandardOutput()
                var cases = 0, checks = 0
                for r in try PolicyCatalog(options.context()).test() {
                    for failure in r.failures { out.write("✗ \(failure)\n") }
                    out.write("\(r.file): \(r.cases) 个用例，\(r.checks) 项检查，\(r.failures.count) 项失败\n")
                    cases += r.cases
                    checks += r.checks
                    failed += r.failures.count
                }
                out.write("共 \(cases) 个用例，\(checks) 项检查\n")
                out.write("\(checks - failed) passed, \(failed) failed\n")
                out.flush()
            }
            if failed > 0 { throw ExitCode(1) }
        }
    }
}

struct Calc: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Evaluate a claims ledger (CSV or JSON) against the policies.")
    @Option(help: "Claims ledger, CSV or JSON (shared/spec/claims.md).") var claims: String
    @Option(name: .customLong("policy"), help: "Only this policy (repeatable); all policies when omitted.") var policyIDs: [String] = []
    @Option(help: "table, json, csv or summary.") var format: String = "table"
    @Flag(help: "Include the structured steps: parameters with clauses, conditions, every limit tested.") var trace = false
    @Option(help: "Threads that read the ledger and render the results (default: every core this process may use).") var threads: Int?
    @OptionGroup var options: AppOptions

    func run() async throws {
        try await runCommand { () throws(AppError) in
            guard let f = OutputFormat(rawValue: format) else {
                throw .invalidInput(field: "format", location: nil, message: "未知格式 \(format)；可用 table、json、csv、summary")
            }
            var result = try ClaimsCalculation(options.context()).evaluate(claimsFile: claims, policyIDs: policyIDs, details: f != .summary, trace: trace, threads: threads)
            let out = StandardOutput()
            result.write(f, trace: trace, threads: threads, bytes: out.write(raw:))
            result.timer.mark("write")
            out.flush()
        }
    }
}

struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Generate synthetic data (模拟数据).", subcommands: [Claims.self, TradeMessages.self, ImportMessages.self])

    struct TradeMessages: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "trade", abstract: "Synthetic CEB603 export inventories, 100 per message file.")
        @Option(help: "Number of inventory records.") var records: Int = 1000
        @Option(help: "Random seed.") var seed: UInt64 = 1
        @Option(help: "Output directory.") var out: String = "synthetic-trade"
        func run() async throws {
            try await runCommand { () throws(AppError) in
                let files = try TradeGeneration().write(records: records, seed: seed, to: out)
                print("已生成 \(records) 条模拟清单，\(files.count) 个报文文件，位于 \(out)")
            }
        }
    }

    struct ImportMessages: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "imports",
                                                        abstract: "Synthetic retail-import messages: CEB621 申报清单 (100 per file), their CEB622 release receipts, a few CEB625 returns.")
        @Option(help: "Number of import orders.") var orders: Int = 1000
        @Option(help: "Number of distinct buyers.") var buyers: Int = 200
        @Option(help: "Random seed.") var seed: UInt64 = 1
        @Option(help: "Output directory.") var out: String = "synthetic-imports"
        func run() async throws {
            try await runCommand { () throws(AppError) in
                let files = try TradeGeneration().writeImports(orders: orders, buyers: buyers, seed: seed, to: out)
                print("已生成 \(orders) 张模拟进口清单（\(buyers) 名订购人），\(files.count) 个报文文件，位于 \(out)")
            }
        }
    }

    struct Claims: AsyncParsableCommand {
        @Option(help: "Number of enterprises (4 claims each).") var enterprises: Int = 1000
        @Option(help: "Random seed.") var seed: UInt64 = 1
        @Option(help: "Output file (default: standard output).") var out: String?
        func run() async throws {
            if let path = out {
                _ = FileManager.default.createFile(atPath: path, contents: nil)
                guard let h = FileHandle(forWritingAtPath: path) else { throw ValidationError("无法写入 \(path)") }
                ClaimGenerator.generate(enterprises: enterprises, seed: seed) { h.write($0.data(using: .utf8)!) }
                try h.close()
            } else {
                let o = StandardOutput()
                ClaimGenerator.generate(enterprises: enterprises, seed: seed, sink: o.write)
                o.flush()
            }
        }
    }
}
