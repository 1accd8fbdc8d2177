import ArgumentParser
import Foundation
import KuajingApp
import KuajingDomain
import Monitoring

/// Terminal rendering of the plans.
enum PlanText {
    static func list(_ plans: [Plan], out: (String) -> Void) {
        for p in plans {
            out("\(p.id)\t\(p.scope)\t\(p.docNumber)\t目标 \(p.targets.count) 项，任务 \(p.tasks.count) 项\(p.keyWorks.isEmpty ? "" : "，重点工作 \(p.keyWorks.count) 项")\(p.draft ? "（征求意见稿）" : "")\t\(p.title)\n")
        }
    }

    static func show(_ p: Plan, out: (String) -> Void) {
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
}

struct Plans: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The action plans: targets, tasks and key works as data.", subcommands: [List.self, Show.self, Check.self])

    struct List: AsyncParsableCommand {
        @OptionGroup var options: AppOptions
        func run() async throws {
            try await runCommand { () throws(AppError) in
                let out = StandardOutput()
                PlanText.list(try PlanCatalog(options.context()).plans(), out: out.write)
                out.flush()
            }
        }
    }

    struct Show: AsyncParsableCommand {
        @Argument(help: "Plan id, e.g. hangzhou-2024.") var id: String
        @OptionGroup var options: AppOptions
        func run() async throws {
            try await runCommand { () throws(AppError) in
                let out = StandardOutput()
                PlanText.show(try PlanCatalog(options.context()).plan(id), out: out.write)
                out.flush()
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Load every plan; check its quotations against the seed texts and its scopes against the divisions.")
        @OptionGroup var options: AppOptions
        func run() async throws {
            var problems = 0
            try await runCommand { () throws(AppError) in
                let out = StandardOutput()
                problems = CheckText.render(try PlanCatalog(options.context()).check(), out: out.write)
                out.flush()
            }
            if problems > 0 { throw ExitCode(1) }
        }
    }
}
