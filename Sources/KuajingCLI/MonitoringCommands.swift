import ArgumentParser
import Foundation
import KuajingApp
import KuajingDomain
import Monitoring

struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Synthetic demonstration data (模拟数据).", subcommands: [Seed.self])

    struct Seed: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create the synthetic world: enterprises in 杭州, 台州 and 平湖, their trade, credit facts.")
        @Option(help: "Random seed.") var seed: UInt64 = 1
        @Option(help: "Multiplies the number of enterprises (1 = about 3,350).") var scale: Int = 1
        @Option(help: "Last month of trade (default: the month before today, Asia/Shanghai).") var through: String?
        @Option(help: "Where the generated declarations extract is written.") var out: String = "demo"
        @OptionGroup var options: AppOptions
        func run() async throws {
            try await runCommand { () async throws(AppError) in
                let month: Month? = try through.map { (s: String) throws(AppError) -> Month in try parseMonth(s, option: "through") }
                let r = try await DemoSeeding(options.context()).seed(.init(seed: seed, scale: scale, through: month, directory: out))
                let w = r.world
                var text = "模拟数据：企业 \(w.enterprises.count) 家（统一社会信用代码均通过校验），信用记录 \(w.creditFacts.count) 条，报关单 \(w.rows) 行 → \(r.declarationsFile)\n"
                text += "  扶持申报 \(w.claims) 条 → \(r.claimsFile)（可先 kuajing claims enrich，再 kuajing calc）\n"
                text += IngestText.summary(r.ingest)
                text += "  手工指标模拟填报 \(r.manualEntries) 项（截至 \(r.manualAsOf)）\n"
                for (city, n) in r.tierMoves { text += "  梯度培育库 \(city)：记录升降档 \(n) 次\n" }
                for (city, years) in w.exportsFen.sorted(by: { $0.key < $1.key }) {
                    text += "  \(city) 出口：" + years.sorted { $0.key < $1.key }.map { "\($0.key)年 \(ReportFormat.yi($0.value)) 亿元" }.joined(separator: "，") + "\n"
                }
                if let u = r.users {
                    text += "  演示用户（密码均为 \(u.password)）：" + u.users.map { "\($0.name)（\($0.role.label)）" }.joined(separator: "、") + "\n"
                    text += "  demo-enterprise 的企业：\(u.enterpriseID) \(u.enterpriseName)\n"
                }
                print(text, terminator: "")
            }
        }
    }
}

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Reports.", subcommands: [Monthly.self])

    struct Monthly: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The monthly monitoring report (运行监测月报): .html, .xlsx or .csv by the file's extension.")
        @Option(help: "City or district (杭州市, 滨江区…).") var scope: String
        @Option(help: "Month, YYYY-MM.") var month: String
        @Option(help: "Output file: .html, .xlsx or .csv.") var out: String
        @OptionGroup var options: AppOptions
        func run() async throws {
            try await runCommand { () async throws(AppError) in
                let report = try await MonthlyReporting(options.context()).write(scope: scope, month: parseMonth(month, option: "month"), to: out)
                print("已写出 \(out)：\(report.scope) \(report.month.chinese)，目标 \(report.targets.count) 项\(report.synthetic ? "（模拟数据）" : "")")
            }
        }
    }
}

struct Targets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Progress of the plans' targets in a month: value, shares, projection, status.",
                                                    subcommands: [Progress.self, TargetEntry.self], defaultSubcommand: Progress.self)
}

struct Progress: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "progress", abstract: "Every target's value, shares, projection and status in a month.")
    @Option(help: "Month, YYYY-MM.") var month: String
    @Option(help: "Only this plan (e.g. hangzhou-2024).") var plan: String?
    @OptionGroup var options: AppOptions
    func run() async throws {
        try await runCommand { () async throws(AppError) in
            let m = try parseMonth(month, option: "month")
            let out = StandardOutput()
            for pp in try await TargetProgressReport(options.context()).progress(month: m, planID: plan) {
                out.write("\(pp.plan.title)（\(pp.plan.docNumber)）　截至 \(m.chinese)\n")
                for p in pp.targets {
                    let t = p.target
                    out.write("  [\(p.status.chinese)] \(t.scope) \(t.label) 目标 \(t.value.text)\(t.deadline.map { "（\($0.iso)）" } ?? "（每年）")：当前 \(p.text(p.current))（\(p.currentLabel)），完成 \(ReportFormat.percent(p.shareOfTarget))，时间 \(ReportFormat.percent(p.shareOfTime))，预测 \(p.text(p.projection))（\(p.method)）\n")
                }
                out.write("  \(ProgressCalculator.basis)\n  \(TargetStatus.rule)\n\n")
            }
            out.flush()
        }
    }
}

struct TargetEntry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enter", abstract: "Enter a manual indicator's value with who, when and the evidence.")
    @Option(help: "Plan id.") var plan: String
    @Option(help: "Target id (a manual indicator).") var target: String
    @Option(help: "Value with its unit, e.g. 12个.") var value: String
    @Option(name: .customLong("as-of"), help: "Day the value is as of, YYYY-MM-DD.") var asOf: String
    @Option(help: "The unit entering it.") var by: String
    @Option(help: "The evidence (document number, list, link).") var evidence: String
    @OptionGroup var options: AppOptions
    func run() async throws {
        try await runCommand { () async throws(AppError) in
            let e = try await PlanFollowUp(options.context()).enter(.init(planID: plan, targetID: target, value: value, asOf: asOf, by: by, evidence: evidence))
            print("已记录：\(e.planID) \(e.targetID) = \(e.value)（截至 \(e.asOf)，\(e.enteredBy)，依据：\(e.evidence)）")
        }
    }
}

struct Tiers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "梯度培育库: tiers from trailing twelve-month trade, moves with their months.", subcommands: [Refresh.self, Show.self])

    struct Refresh: AsyncParsableCommand {
        @OptionGroup var options: AppOptions
        func run() async throws {
            try await runCommand { () async throws(AppError) in
                for r in try await TierRegister(options.context()).refresh() {
                    if let n = r.moves { print("\(r.city)：记录升降档 \(n) 次") } else { print("\(r.city)：未设定门槛（\(r.clause)），不计算") }
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        @Option(help: "City (杭州市, 台州市, 平湖市).") var city: String
        @Option(help: "Month, YYYY-MM.") var month: String
        @OptionGroup var options: AppOptions
        func run() async throws {
            try await runCommand { () async throws(AppError) in
                let t = try await TierRegister(options.context()).show(city: city, month: parseMonth(month, option: "month"))
                let l = t.ladder
                print("\(l.city)梯度培育库（近12个月跨境电商交易额，进出口合计），截至 \(t.month.chinese)；依据 \(l.plan) \(l.clause)：“\(l.text)”")
                for (k, tier) in l.tiers.enumerated() {
                    print("  \(tier.name)（超 \(tier.threshold.text)）：\(t.atOrAbove[k]) 家；\(t.month.year)年内新达到 \(t.enteredThisYear[k + 1] ?? 0) 家")
                }
            }
        }
    }
}

struct Claims: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Claims ledgers and the registry.", subcommands: [Enrich.self])

    struct Enrich: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add the registry's credit facts (serious_dishonesty, customs_grade) and 梯度培育库 tiers to a claims CSV before kuajing calc.")
        @Option(help: "Claims CSV (shared/spec/claims.md).") var claims: String
        @Option(help: "Where the enriched CSV is written (written whole, or not at all).") var out: String
        @OptionGroup var options: AppOptions
        func run() async throws {
            try await runCommand { () async throws(AppError) in
                let s = try await CreditEnrichment(options.context()).enrich(claimsFile: claims, outFile: out)
                print("申报 \(s.claims) 条，其中企业已登记 \(s.registered) 条：列入严重失信名单 \(s.dishonest) 条，已入梯度培育库 \(s.tiered) 条 → \(out)")
            }
        }
    }
}

struct Tasks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The plans' tasks: owner, status, updates, overdue flags.", subcommands: [List.self, Update.self],
                                                    defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        @Option(help: "Only this plan.") var plan: String?
        @Option(help: "Day to judge overdue by, YYYY-MM-DD (default: today in Asia/Shanghai).") var on: String?
        @Flag(help: "Only overdue tasks.") var overdue = false
        @OptionGroup var options: AppOptions
        func run() async throws {
            try await runCommand { () async throws(AppError) in
                var day: Day?
                if let on {
                    guard let d = Day.parse(on) else { throw .invalidInput(field: "on", location: nil, message: "应为 YYYY-MM-DD，实为“\(on)”") }
                    day = d
                }
                let context = try options.context()
                let shown = day ?? context.clock.today()
                let out = StandardOutput()
                for pt in try await PlanFollowUp(context).tasks(planID: plan, on: shown, overdueOnly: overdue) {
                    out.write("\(pt.plan.title)　截至 \(shown.chinese)\n")
                    for t in pt.tasks {
                        let flag = t.overdue.isEmpty ? "" : "　【逾期】" + t.overdue.map { "\($0.what)（\($0.day.chinese)前）" }.joined(separator: "；")
                        out.write("  \(t.clause). \(t.title)　牵头：\(t.owner)　状态：\(t.status)\(t.updates.last.map { "（\($0.updatedBy) \($0.updatedAt.prefix(10))：\($0.note)）" } ?? "")\(flag)\n")
                    }
                }
                out.flush()
            }
        }
    }

    struct Update: AsyncParsableCommand {
        @Option(help: "Plan id.") var plan: String
        @Option(help: "Task clause number (or 重点工作N).") var clause: String
        @Option(help: "未开始, 进行中, 已完成 or 暂缓.") var status: String
        @Option(help: "What was done.") var note: String
        @Option(help: "The unit reporting.") var by: String
        @Option(name: .customLong("expected-version"), help: "The task's version you saw (kuajing tasks shows it); refused if the task moved on since.") var expectedVersion: Int64?
        @OptionGroup var options: AppOptions
        func run() async throws {
            try await runCommand { () async throws(AppError) in
                let u = try await PlanFollowUp(options.context()).update(.init(planID: plan, clause: clause, status: status, note: note, by: by, expectedVersion: expectedVersion))
                print("已记录：\(plan) 任务 \(clause) → \(status)（版本 \(u.version ?? 0)）")
            }
        }
    }
}
