import ArgumentParser
import Foundation
import KuajingDomain
import Monitoring
import PolicyEngine
import TradeData
import TradeStore

/// `kuajing demo seed`: the synthetic world (模拟数据) into a ledger, through the same ingest path as
/// real extracts: registry and credit facts first, then the declarations extract, then the rollups.
public enum DemoSeedJob {
    /// `enterpriseDivisor` shrinks the world for tests (the city totals stay the same).
    public static func run(ledger: TradeLedger, validator: CEBValidator, seed: UInt64, scale: Int, through: Month, directory: String,
                           tiersPath: String = "config/tiers.yaml", plansDirectory: String = "plans", out: (String) -> Void,
                           enterpriseDivisor: Int = 1) throws -> DemoWorld.World {
        let world = DemoWorld.generate(seed: seed, scale: scale, through: through, enterpriseDivisor: enterpriseDivisor)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let csv = directory + "/demo-declarations-seed\(seed)-scale\(scale).csv"
        try Data(world.declarationsCSV.utf8).write(to: URL(fileURLWithPath: csv), options: .atomic)
        let claimsPath = directory + "/demo-claims-seed\(seed)-scale\(scale).csv"
        try Data(world.claimsCSV.utf8).write(to: URL(fileURLWithPath: claimsPath), options: .atomic)
        try ledger.upsertEnterprises(world.enterprises)
        try ledger.addCreditFacts(world.creditFacts)
        out("模拟数据：企业 \(world.enterprises.count) 家（统一社会信用代码均通过校验），信用记录 \(world.creditFacts.count) 条，报关单 \(world.rows) 行 → \(csv)\n")
        out("  扶持申报 \(world.claims) 条 → \(claimsPath)（可先 kuajing claims enrich，再 kuajing calc）\n")
        _ = try IngestJob.run(paths: [csv], ledger: ledger, validator: validator, out: out)
        // Manual indicators get a synthetic entry each (between 40% and 110% of the target), marked as such.
        if FileManager.default.fileExists(atPath: plansDirectory) {
            var rng = SplitMix64(seed: seed &+ 99)
            let asOf = Day(year: through.year, month: through.month, day: Day.daysInMonth(year: through.year, month: through.month))!.iso
            var entered = 0
            for plan in try PlanLoader.loadAll(directory: plansDirectory) {
                for t in plan.targets where t.indicator == .manual {
                    let amount = max(1, t.value.amount * Int64(40 + rng.below(71)) / 100)
                    let value = t.value.kind == .money ? "\(amount / 100)元" : "\(amount)\(t.value.kind == .area ? "平方米" : t.value.unit)"
                    guard PlanQuantity.parse(value)?.kind == t.value.kind else { continue }
                    try ledger.addIndicatorEntry(IndicatorEntry(planID: plan.id, targetID: t.id, value: value, asOf: asOf, enteredBy: "模拟数据",
                                                                evidence: "模拟数据（演示用，非真实填报）", enteredAt: PlanFollowUpJob.now()))
                    entered += 1
                }
            }
            out("  手工指标模拟填报 \(entered) 项（截至 \(asOf)）\n")
        }
        for ladder in try TierConfiguration.load(path: tiersPath) {
            let moves = try TierTracker(ledger: ledger).refresh(ladder)
            if moves > 0 { out("  梯度培育库 \(ladder.city)：记录升降档 \(moves) 次\n") }
        }
        for (city, years) in world.exportsFen.sorted(by: { $0.key < $1.key }) {
            out("  \(city) 出口：" + years.sorted { $0.key < $1.key }.map { "\($0.key)年 \(ReportFormat.yi($0.value)) 亿元" }.joined(separator: "，") + "\n")
        }
        return world
    }
}

/// `kuajing report monthly`: the 运行监测月报 as HTML, .xlsx or CSV (by the file's extension).
public enum MonthlyReportJob {
    public static func run(ledger: TradeLedger, plansDirectory: String, tiersPath: String = "config/tiers.yaml", scope: String, month: Month, outPath: String,
                           codes: CodeTables) throws -> MonthlyReport {
        let plans = try PlanLoader.loadAll(directory: plansDirectory)
        let ladders = try TierConfiguration.load(path: tiersPath)
        // KUAJING_TIMING=1: how long the figures take (all from the rollups) and the rendering.
        let clock = ContinuousClock()
        let start = clock.now
        let synthetic = try ledger.enterpriseIsSynthetic()
        let report = try MonthlyReport.build(scope: scope, month: month, plans: plans, ladders: ladders,
                                             queries: RollupQueries(ledger: ledger), synthetic: synthetic)
        let built = clock.now
        defer { if PhaseTimer.enabled { standardError("report figures: \(built - start), written: \(clock.now - built)\n") } }
        let names = codes.byField["country"]?.codes ?? [:]
        let lower = outPath.lowercased()
        if lower.hasSuffix(".xlsx") {
            var book = Workbook()
            book.sheets = report.tables(countryNames: names)
            try book.write(to: outPath)
        } else if lower.hasSuffix(".csv") {
            try Data(report.csv(countryNames: names).utf8).write(to: URL(fileURLWithPath: outPath), options: .atomic)
        } else {
            try Data(MonthlyReportView(report: report, countryNames: names).html().utf8).write(to: URL(fileURLWithPath: outPath), options: .atomic)
        }
        return report
    }
}

/// `kuajing targets`: every target of the plans with its progress in a month.
public enum TargetsJob {
    public static func run(ledger: TradeLedger, plansDirectory: String, planID: String?, month: Month, out: (String) -> Void) throws {
        let calculator = ProgressCalculator(queries: RollupQueries(ledger: ledger))
        for plan in try PlanLoader.loadAll(directory: plansDirectory) where planID == nil || plan.id == planID {
            out("\(plan.title)（\(plan.docNumber)）　截至 \(month.chinese)\n")
            for t in plan.targets {
                let p = try calculator.progress(of: t, in: plan, asOf: month)
                out("  [\(p.status.chinese)] \(t.scope) \(t.label) 目标 \(t.value.text)\(t.deadline.map { "（\($0.iso)）" } ?? "（每年）")：当前 \(p.text(p.current))（\(p.currentLabel)），完成 \(ReportFormat.percent(p.shareOfTarget))，时间 \(ReportFormat.percent(p.shareOfTime))，预测 \(p.text(p.projection))（\(p.method)）\n")
            }
            out("  \(ProgressCalculator.basis)\n  \(TargetStatus.rule)\n\n")
        }
    }
}

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Synthetic demonstration data (模拟数据).", subcommands: [Seed.self])

    struct Seed: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create the synthetic world: enterprises in 杭州, 台州 and 平湖, their trade, credit facts.")
        @Option(help: "Random seed.") var seed: UInt64 = 1
        @Option(help: "Multiplies the number of enterprises (1 = about 3,350).") var scale: Int = 1
        @Option(help: "Last month of trade (default: the month before today).") var through: String?
        @Option(help: "Where the generated declarations extract is written.") var out: String = "demo"
        @OptionGroup var database: DatabaseOption
        @OptionGroup var reference: ReferenceOptions
        func run() throws {
            let now = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "Asia/Shanghai")!, from: Date())
            guard let last = through.map(Month.init) ?? Month(year: now.year!, month: now.month!).adding(-1) else { throw ValidationError("--through 应为 YYYY-MM") }
            let output = StandardOutput()
            _ = try DemoSeedJob.run(ledger: try LedgerLocation.open(database.db), validator: try reference.validator(), seed: seed, scale: scale,
                                    through: last, directory: out, out: output.write)
            output.flush()
        }
    }
}

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Reports.", subcommands: [Monthly.self])

    struct Monthly: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The monthly monitoring report (运行监测月报): .html, .xlsx or .csv by the file's extension.")
        @Option(help: "City or district (杭州市, 滨江区…).") var scope: String
        @Option(help: "Month, YYYY-MM.") var month: String
        @Option(help: "Output file: .html, .xlsx or .csv.") var out: String
        @OptionGroup var plans: PlanDirectoryOption
        @Option(help: "Tier ladders.") var tiers: String = "config/tiers.yaml"
        @OptionGroup var database: DatabaseOption
        @OptionGroup var reference: ReferenceOptions
        func run() throws {
            guard let m = Month(month) else { throw ValidationError("--month 应为 YYYY-MM，实为“\(month)”") }
            let report = try MonthlyReportJob.run(ledger: try LedgerLocation.open(database.db), plansDirectory: plans.path, tiersPath: tiers, scope: scope, month: m,
                                                  outPath: out, codes: try reference.codeTables())
            print("已写出 \(out)：\(report.scope) \(report.month.chinese)，目标 \(report.targets.count) 项\(report.synthetic ? "（模拟数据）" : "")")
        }
    }
}

struct Targets: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Progress of the plans' targets in a month: value, shares, projection, status.",
                                                    subcommands: [Progress.self, TargetEntry.self], defaultSubcommand: Progress.self)
}

struct Progress: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "progress", abstract: "Every target's value, shares, projection and status in a month.")
    @Option(help: "Month, YYYY-MM.") var month: String
    @Option(help: "Only this plan (e.g. hangzhou-2024).") var plan: String?
    @OptionGroup var plans: PlanDirectoryOption
    @OptionGroup var database: DatabaseOption
    func run() throws {
        guard let m = Month(month) else { throw ValidationError("--month 应为 YYYY-MM，实为“\(month)”") }
        let out = StandardOutput()
        try TargetsJob.run(ledger: try LedgerLocation.open(database.db), plansDirectory: plans.path, planID: plan, month: m, out: out.write)
        out.flush()
    }
}

/// `kuajing tiers`: the 梯度培育库 from the rollups.
public enum TiersJob {
    public static func refresh(ledger: TradeLedger, tiersPath: String, out: (String) -> Void) throws {
        for ladder in try TierConfiguration.load(path: tiersPath) {
            if ladder.tiers.isEmpty { out("\(ladder.city)：未设定门槛（\(ladder.clause)），不计算\n"); continue }
            out("\(ladder.city)：记录升降档 \(try TierTracker(ledger: ledger).refresh(ladder)) 次\n")
        }
    }

    public static func show(ledger: TradeLedger, tiersPath: String, city: String, month: Month, out: (String) -> Void) throws {
        guard let ladder = try TierConfiguration.load(path: tiersPath).first(where: { $0.city == city }) else {
            throw ValidationError("config 中没有 \(city) 的梯度设置")
        }
        let tracker = TierTracker(ledger: ledger)
        let now = try tracker.tiers(ladder, at: month)
        let entered = try tracker.entries(ladder, year: month.year)
        out("\(ladder.city)梯度培育库（近12个月跨境电商交易额，进出口合计），截至 \(month.chinese)；依据 \(ladder.plan) \(ladder.clause)：“\(ladder.text)”\n")
        for (k, tier) in ladder.tiers.enumerated() {
            out("  \(tier.name)（超 \(tier.threshold.text)）：\(now.values.filter { $0 > k }.count) 家；\(month.year)年内新达到 \(entered[k + 1] ?? 0) 家\n")
        }
    }
}

struct Tiers: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "梯度培育库: tiers from trailing twelve-month trade, moves with their months.", subcommands: [Refresh.self, Show.self])

    struct Refresh: ParsableCommand {
        @Option(help: "Tier ladders.") var tiers: String = "config/tiers.yaml"
        @OptionGroup var database: DatabaseOption
        func run() throws {
            let out = StandardOutput()
            try TiersJob.refresh(ledger: try LedgerLocation.open(database.db), tiersPath: tiers, out: out.write)
            out.flush()
        }
    }

    struct Show: ParsableCommand {
        @Option(help: "City (杭州市, 台州市, 平湖市).") var city: String
        @Option(help: "Month, YYYY-MM.") var month: String
        @Option(help: "Tier ladders.") var tiers: String = "config/tiers.yaml"
        @OptionGroup var database: DatabaseOption
        func run() throws {
            guard let m = Month(month) else { throw ValidationError("--month 应为 YYYY-MM，实为“\(month)”") }
            let out = StandardOutput()
            try TiersJob.show(ledger: try LedgerLocation.open(database.db), tiersPath: tiers, city: city, month: m, out: out.write)
            out.flush()
        }
    }
}

struct Claims: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Claims ledgers and the registry.", subcommands: [Enrich.self])

    struct Enrich: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add the registry's credit facts (serious_dishonesty, customs_grade) and 梯度培育库 tiers to a claims CSV before kuajing calc.")
        @Option(help: "Claims CSV (shared/spec/claims.md).") var claims: String
        @Option(help: "Where the enriched CSV is written (written whole, or not at all).") var out: String
        @Option(help: "Tier ladders.") var tiers: String = "config/tiers.yaml"
        @OptionGroup var database: DatabaseOption
        func run() throws {
            guard let data = FileManager.default.contents(atPath: claims), let text = String(data: data, encoding: .utf8) else {
                throw ValidationError("无法以 UTF-8 读取 \(claims)")
            }
            let (csv, summary) = try ClaimEnrichment.enrich(csv: text, ledger: try LedgerLocation.open(database.db),
                                                            ladders: try TierConfiguration.load(path: tiers))
            try Data(csv.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            print("申报 \(summary.claims) 条，其中企业已登记 \(summary.registered) 条：列入严重失信名单 \(summary.dishonest) 条，已入梯度培育库 \(summary.tiered) 条 → \(out)")
        }
    }
}

/// `kuajing targets enter` and `kuajing tasks`: what the responsible units report by hand.
public enum PlanFollowUpJob {
    static func now() -> String { ISO8601DateFormatter().string(from: Date()) }

    public static func enter(ledger: TradeLedger, plansDirectory: String, planID: String, targetID: String, value: String, asOf: String,
                             by: String, evidence: String) throws -> IndicatorEntry {
        guard let plan = try PlanLoader.loadAll(directory: plansDirectory).first(where: { $0.id == planID }) else { throw ValidationError("没有编号为 \(planID) 的计划") }
        guard let target = plan.targets.first(where: { $0.id == targetID }) else { throw ValidationError("计划 \(planID) 中没有目标 \(targetID)") }
        guard target.indicator == .manual else { throw ValidationError("目标 \(targetID) 由账本计算（\(target.indicator.chinese)），不能手工填报") }
        guard let q = PlanQuantity.parse(value), q.kind == target.value.kind else {
            throw ValidationError("填报值“\(value)”无法识别或与目标单位（\(target.value.text)）不符")
        }
        guard Day.parse(asOf) != nil else { throw ValidationError("--as-of 应为 YYYY-MM-DD，实为“\(asOf)”") }
        guard !by.trimmingCharacters(in: .whitespaces).isEmpty, !evidence.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ValidationError("填报须写明填报单位（--by）和证明材料（--evidence）")
        }
        let entry = IndicatorEntry(planID: planID, targetID: targetID, value: value, asOf: asOf, enteredBy: by, evidence: evidence, enteredAt: now())
        try ledger.addIndicatorEntry(entry)
        return entry
    }

    public static func list(ledger: TradeLedger, plansDirectory: String, planID: String?, on day: Day, overdueOnly: Bool, out: (String) -> Void) throws {
        for plan in try PlanLoader.loadAll(directory: plansDirectory) where planID == nil || plan.id == planID {
            out("\(plan.title)　截至 \(day.chinese)\n")
            for t in try TaskStatus.all(plan: plan, ledger: ledger, on: day) where !overdueOnly || !t.overdue.isEmpty {
                let flag = t.overdue.isEmpty ? "" : "　【逾期】" + t.overdue.map { "\($0.what)（\($0.day.chinese)前）" }.joined(separator: "；")
                out("  \(t.clause). \(t.title)　牵头：\(t.owner)　状态：\(t.status)\(t.updates.last.map { "（\($0.updatedBy) \($0.updatedAt.prefix(10))：\($0.note)）" } ?? "")\(flag)\n")
            }
        }
    }
}

struct Tasks: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The plans' tasks: owner, status, updates, overdue flags.", subcommands: [List.self, Update.self],
                                                    defaultSubcommand: List.self)

    struct List: ParsableCommand {
        @Option(help: "Only this plan.") var plan: String?
        @Option(help: "Day to judge overdue by, YYYY-MM-DD (default: today).") var on: String?
        @Flag(help: "Only overdue tasks.") var overdue = false
        @OptionGroup var plans: PlanDirectoryOption
        @OptionGroup var database: DatabaseOption
        func run() throws {
            let today = String(ISO8601DateFormatter().string(from: Date()).prefix(10))
            guard let day = Day.parse(on ?? today) else { throw ValidationError("--on 应为 YYYY-MM-DD") }
            let out = StandardOutput()
            try PlanFollowUpJob.list(ledger: try LedgerLocation.open(database.db), plansDirectory: plans.path, planID: plan, on: day, overdueOnly: overdue, out: out.write)
            out.flush()
        }
    }

    struct Update: ParsableCommand {
        @Option(help: "Plan id.") var plan: String
        @Option(help: "Task clause number (or 重点工作N).") var clause: String
        @Option(help: "未开始, 进行中, 已完成 or 暂缓.") var status: String
        @Option(help: "What was done.") var note: String
        @Option(help: "The unit reporting.") var by: String
        @OptionGroup var plans: PlanDirectoryOption
        @OptionGroup var database: DatabaseOption
        func run() throws {
            guard TaskUpdate.statuses.contains(status) else { throw ValidationError("状态应为 \(TaskUpdate.statuses.joined(separator: "、"))") }
            guard let p = try PlanLoader.loadAll(directory: plans.path).first(where: { $0.id == plan }),
                  p.tasks.contains(where: { $0.clause == clause }) || p.keyWorks.contains(where: { "重点工作\($0.clause)" == clause }) else {
                throw ValidationError("计划 \(plan) 中没有任务 \(clause)")
            }
            try LedgerLocation.open(database.db).addTaskUpdate(TaskUpdate(planID: plan, clause: clause, status: status, note: note, updatedBy: by,
                                                                          updatedAt: PlanFollowUpJob.now()))
            print("已记录：\(plan) 任务 \(clause) → \(status)")
        }
    }
}

struct TargetEntry: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enter", abstract: "Enter a manual indicator's value with who, when and the evidence.")
    @Option(help: "Plan id.") var plan: String
    @Option(help: "Target id (a manual indicator).") var target: String
    @Option(help: "Value with its unit, e.g. 12个.") var value: String
    @Option(name: .customLong("as-of"), help: "Day the value is as of, YYYY-MM-DD.") var asOf: String
    @Option(help: "The unit entering it.") var by: String
    @Option(help: "The evidence (document number, list, link).") var evidence: String
    @OptionGroup var plans: PlanDirectoryOption
    @OptionGroup var database: DatabaseOption
    func run() throws {
        let e = try PlanFollowUpJob.enter(ledger: try LedgerLocation.open(database.db), plansDirectory: plans.path, planID: plan, targetID: target,
                                          value: value, asOf: asOf, by: by, evidence: evidence)
        print("已记录：\(e.planID) \(e.targetID) = \(e.value)（截至 \(e.asOf)，\(e.enteredBy)，依据：\(e.evidence)）")
    }
}
