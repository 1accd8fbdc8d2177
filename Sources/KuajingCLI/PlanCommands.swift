import ArgumentParser
import Foundation
import KuajingDomain
import Monitoring

/// `kuajing plans list|show|check`: the action plans as data (plans/*.yaml).
public enum PlanJobs {
    public static func list(directory: String, out: (String) -> Void) throws {
        for p in try PlanLoader.loadAll(directory: directory) {
            out("\(p.id)\t\(p.scope)\t\(p.docNumber)\t目标 \(p.targets.count) 项，任务 \(p.tasks.count) 项\(p.keyWorks.isEmpty ? "" : "，重点工作 \(p.keyWorks.count) 项")\(p.draft ? "（征求意见稿）" : "")\t\(p.title)\n")
        }
    }

    public static func show(id: String, directory: String, out: (String) -> Void) throws {
        guard let p = try PlanLoader.loadAll(directory: directory).first(where: { $0.id == id }) else {
            throw ValidationError("没有编号为 \(id) 的计划；可用 kuajing plans list 查看")
        }
        out("\(p.title)\n\(p.docNumber)　\(p.issuer)\(p.issued.map { "　\($0.chinese)" } ?? "")\(p.draft ? "　征求意见稿" : "")\n")
        out("计划期：\(p.periodFrom.chinese) 至 \(p.periodTo.chinese)　原文：\(p.seed)\n\n目标：\n")
        let tasks = Dictionary(p.tasks.map { ($0.clause, $0) }, uniquingKeysWith: { a, _ in a })
        for t in p.targets {
            let due = t.perYear ? "每年" : t.deadline.map { "\($0.chinese)前" } ?? ""
            let units = t.task.flatMap { tasks[$0] }.map { "　责任单位：\($0.units.joined(separator: "、"))" } ?? ""
            out("  [\(t.id)] \(t.scope) \(t.label)\(t.threshold.map { "（门槛 \($0.text)）" } ?? "") ≥ \(t.value.text)，\(due)　\(t.indicator.fromLedger ? "账本计算" : "手工填报")\n")
            out("      \(t.clause)：“\(t.text)”\(units)\n")
            if let r = t.reading { out("      解读：\(r)\n") }
        }
        out("\n任务：\n")
        for t in p.tasks {
            out("  \(t.clause). \(t.title)　牵头：\(t.lead ?? "（未列）")\(t.units.count > 1 ? "　配合：\(t.units.dropFirst().joined(separator: "、"))" : "")\n")
            for m in t.milestones { out("      节点 \(m.due.chinese)：\(m.what)\n") }
        }
        if !p.keyWorks.isEmpty {
            out("\n重点工作清单：\n")
            for k in p.keyWorks { out("  \(k.clause). \(k.text)　牵头：\(k.lead)　完成时间：\(k.dueText)\n") }
        }
        if !p.readings.isEmpty {
            out("\n文本解读（可修改的设置）：\n")
            for r in p.readings { out("  [\(r.id)] \(r.question)\n    采用：\(r.choice)\n    设置：\(r.setting)\n") }
        }
    }

    /// Loads every plan and checks quotations and scopes; returns the number of problems.
    public static func check(directory: String, seeds: String?, out: (String) -> Void) -> Int {
        let files: [String]
        do { files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }.sorted() } catch {
            out("\(directory): \(error)\n")
            return 1
        }
        var problems = 0
        for f in files {
            do {
                let plan = try PlanLoader.load(path: directory + "/" + f)
                let (quoted, found) = PlanCheck.check(plan, seedDirectory: seeds)
                for p in found { out("\(p)\n") }
                problems += found.count
                out("\(plan.file): \(found.isEmpty ? "通过" : "有 \(found.count) 处问题")（目标 \(plan.targets.count) 项，任务 \(plan.tasks.count) 项\(quoted > 0 ? "，\(quoted) 处引文已与原文比对" : "")）\n")
            } catch {
                problems += 1
                out("\(error)\n")
            }
        }
        return problems
    }
}

struct PlanDirectoryOption: ParsableArguments {
    @Option(name: .customLong("plans"), help: "Directory of the plan files.") var path: String = "plans"
}

struct Plans: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The action plans: targets, tasks and key works as data.", subcommands: [List.self, Show.self, Check.self])

    struct List: ParsableCommand {
        @OptionGroup var plans: PlanDirectoryOption
        func run() throws {
            let out = StandardOutput()
            defer { out.flush() }
            try PlanJobs.list(directory: plans.path, out: out.write)
        }
    }

    struct Show: ParsableCommand {
        @Argument(help: "Plan id, e.g. hangzhou-2024.") var id: String
        @OptionGroup var plans: PlanDirectoryOption
        func run() throws {
            let out = StandardOutput()
            defer { out.flush() }
            try PlanJobs.show(id: id, directory: plans.path, out: out.write)
        }
    }

    struct Check: ParsableCommand {
        @OptionGroup var plans: PlanDirectoryOption
        @Option(help: "Directory of the seed texts (default: ../shared/seeds if present).") var seeds: String?
        func run() throws {
            let out = StandardOutput()
            let seedDir = seeds ?? (FileManager.default.fileExists(atPath: "../shared/seeds") ? "../shared/seeds" : nil)
            let problems = PlanJobs.check(directory: plans.path, seeds: seedDir, out: out.write)
            out.flush()
            if problems > 0 { throw ExitCode(1) }
        }
    }
}
