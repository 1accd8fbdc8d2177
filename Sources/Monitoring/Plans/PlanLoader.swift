import Foundation
import KuajingDomain
import PolicyEngine

/// Reads plans/*.yaml. Unknown keys, a figure that does not parse, a date that is not a day, a task
/// named by a target that does not exist: each is an error at file:line:column, and nothing of the
/// file is used.
public enum PlanLoader {
    static let planKeys = ["id", "title", "doc_number", "issuer", "issued", "seed", "scope", "draft", "lead_unit", "lead_text", "period",
                           "targets", "tasks", "key_works", "tiers", "readings"]
    static let targetKeys = ["id", "indicator", "name", "scope", "value", "threshold", "deadline", "per", "base_year", "task", "clause", "text", "reading"]
    static let taskKeys = ["clause", "section", "title", "text", "lead", "units", "units_note", "milestones"]

    public static func load(path: String) throws -> Plan {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw PolicyFileError(SourceLocation(file: path, line: 0, column: 0), "无法读取计划文件")
        }
        return try parse(text, file: path)
    }

    /// Every `*.yaml` of `directory`, sorted by name.
    public static func loadAll(directory: String) throws -> [Plan] {
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }.sorted()
        return try files.map { try load(path: directory + "/" + $0) }
    }

    static func day(_ node: YAMLNode) throws -> Day? {
        let s = try node.string()
        if s == "~" || s == "null" || s.isEmpty { return nil }
        guard let d = Day.parse(s) else { throw PolicyFileError(node.location, "“\(s)”不是日期（应为 YYYY-MM-DD）") }
        return d
    }

    static func quantity(_ node: YAMLNode) throws -> PlanQuantity {
        let s = try node.string()
        guard let q = PlanQuantity.parse(s) else {
            throw PolicyFileError(node.location, "“\(s)”不是可识别的数量（例：650亿元、16个、20%、1万家、2倍、100万平方米）")
        }
        return q
    }

    public static func parse(_ text: String, file: String) throws -> Plan {
        let root = try YAMLNode.parse(text, file: file).map(allowed: planKeys)
        let period = try root.require("period").map(allowed: ["from", "to", "text", "reading"])
        guard let from = try day(period.require("from")), let to = try day(period.require("to")) else {
            throw PolicyFileError(period.location, "计划期的起止日必填")
        }
        var plan = Plan(id: try root.string("id"), title: try root.string("title"), docNumber: try root.optionalString("doc_number") ?? "",
                        issuer: try root.string("issuer"), issued: try root["issued"].flatMap(day), seed: try root.string("seed"),
                        scope: try root.string("scope"), draft: try root["draft"]?.bool() ?? false, periodFrom: from, periodTo: to,
                        targets: [], tasks: [], keyWorks: [], tiers: nil, readings: [], file: file)
        for node in try root["tasks"]?.list() ?? [] {
            let m = try node.map(allowed: taskKeys)
            let milestones = try (m["milestones"]?.list() ?? []).map { n -> Milestone in
                let mm = try n.map(allowed: ["due", "what", "text"])
                guard let due = try day(mm.require("due")) else { throw PolicyFileError(mm.location, "节点的日期必填") }
                return Milestone(due: due, what: try mm.string("what"), text: try mm.string("text"))
            }
            plan.tasks.append(PlanTask(clause: try m.string("clause"), section: try m.optionalString("section") ?? "", title: try m.string("title"),
                                       text: try m.string("text"), lead: try m.optionalString("lead"), units: try m["units"]?.stringList() ?? [],
                                       unitsNote: try m.optionalString("units_note"), milestones: milestones))
        }
        let taskClauses = Set(plan.tasks.map(\.clause))
        var ids: Set<String> = []
        for node in try root["targets"]?.list() ?? [] {
            let m = try node.map(allowed: targetKeys)
            let idNode = try m.require("id")
            let id = try idNode.string()
            guard ids.insert(id).inserted else { throw PolicyFileError(idNode.location, "目标编号“\(id)”重复") }
            let indicatorNode = try m.require("indicator")
            guard let indicator = Indicator(rawValue: try indicatorNode.string()) else {
                throw PolicyFileError(indicatorNode.location, "未知的指标“\(try indicatorNode.string())”；可用：\(Indicator.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let threshold = try m["threshold"].map(quantity)
            if [.enterprisesOver, .districtsOver].contains(indicator) && threshold == nil {
                throw PolicyFileError(m.location, "指标 \(indicator.rawValue) 须写门槛 threshold")
            }
            if indicator == .manual && m["name"] == nil { throw PolicyFileError(m.location, "手工填报的目标须写 name（计什么）") }
            let per = try m.optionalString("per")
            if let per, per != "year" { throw PolicyFileError(try m.require("per").location, "per 只能是 year") }
            let deadline = try m["deadline"].flatMap(day)
            if deadline == nil && per == nil { throw PolicyFileError(m.location, "目标 \(id) 须有期限 deadline，或为每年目标（per: year）") }
            if indicator == .exportGrowthMultiple && m["base_year"] == nil { throw PolicyFileError(m.location, "倍数目标须写基准年 base_year") }
            if let t = try m.optionalString("task"), !taskClauses.contains(t) {
                throw PolicyFileError(try m.require("task").location, "目标 \(id) 所指的任务 \(t) 不在本文件 tasks 中")
            }
            plan.targets.append(PlanTarget(id: id, indicator: indicator, name: try m.optionalString("name"), scope: try m.string("scope"),
                                           value: try quantity(m.require("value")), threshold: threshold, deadline: deadline, perYear: per == "year",
                                           baseYear: try m["base_year"]?.int(),
                                           task: try m.optionalString("task"), clause: try m.string("clause"), text: try m.string("text"),
                                           reading: try m.optionalString("reading")))
        }
        if let kw = try root["key_works"]?.map(allowed: ["source", "source_note", "items"]) {
            for node in try kw.require("items").list() {
                let m = try node.map(allowed: ["clause", "text", "lead", "units", "due_text", "due"])
                plan.keyWorks.append(KeyWork(clause: try m.string("clause"), text: try m.string("text"), lead: try m.string("lead"),
                                             units: try m.require("units").stringList(), dueText: try m.string("due_text"), due: try m["due"].flatMap(day)))
            }
        }
        if let t = try root["tiers"]?.map(allowed: ["clause", "text", "reading"]) {
            plan.tiers = PlanTiers(clause: try t.string("clause"), text: try t.string("text"), reading: try t.optionalString("reading"))
        }
        for node in try root["readings"]?.list() ?? [] {
            let m = try node.map(allowed: ["id", "question", "choice", "setting"])
            plan.readings.append(PlanReading(id: try m.string("id"), question: try m.string("question"), choice: try m.string("choice"), setting: try m.string("setting")))
        }
        return plan
    }
}
