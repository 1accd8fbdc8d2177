import Foundation
import KuajingDomain

/// Checks a plan against its seed text and the division table: every quoted text is found in the
/// seed (compared after NFKC, with white space removed: the seeds break lines, space out numbers and
/// write digits full width), and every scope is a known division.
public enum PlanCheck {
    public struct Problem: Sendable, CustomStringConvertible {
        public var file: String
        public var what: String
        public var message: String
        public var description: String { "\(file): \(what)：\(message)" }
    }

    public static func normalize(_ s: String) -> String {
        String(s.precomposedStringWithCompatibilityMapping.unicodeScalars.filter { !$0.properties.isWhitespace }.map(Character.init))
    }

    /// The quoted texts of a plan, each with what it belongs to.
    public static func quotations(_ plan: Plan) -> [(what: String, text: String)] {
        var out: [(String, String)] = plan.targets.map { ("目标 \($0.id)", $0.text) }
        out += plan.tasks.map { ("任务 \($0.clause)", $0.text) }
        out += plan.tasks.flatMap { t in t.milestones.map { ("任务 \(t.clause) 节点", $0.text) } }
        out += plan.keyWorks.map { ("重点工作 \($0.clause)", $0.text) }
        if let tiers = plan.tiers { out.append(("梯度培育库", tiers.text)) }
        return out
    }

    public static func check(_ plan: Plan, seedDirectory: String?, divisions: DivisionCatalog = .standard) -> (quoted: Int, problems: [Problem]) {
        var problems: [Problem] = []
        func problem(_ what: String, _ message: String) { problems.append(Problem(file: plan.file, what: what, message: message)) }
        for target in plan.targets where divisions.lookup(target.scope) == nil {
            problem("目标 \(target.id)", "范围“\(target.scope)”不在行政区划表中")
        }
        if divisions.lookup(plan.scope) == nil { problem("scope", "范围“\(plan.scope)”不在行政区划表中") }
        var quoted = 0
        if let seedDirectory {
            guard let data = FileManager.default.contents(atPath: seedDirectory + "/" + plan.seed), let seed = String(data: data, encoding: .utf8) else {
                problem("seed", "找不到原文 \(seedDirectory)/\(plan.seed)")
                return (0, problems)
            }
            let haystack = normalize(seed)
            for (what, text) in quotations(plan) {
                quoted += 1
                if !haystack.contains(normalize(text)) { problem(what, "引文在原文 \(plan.seed) 中找不到：“\(text)”") }
            }
        }
        return (quoted, problems)
    }
}
