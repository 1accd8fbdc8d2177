import Foundation
import Yams

/// The regime's test cases (`policies/retail-import/<id>.tests.yaml`): `calculateImportTax` requests
/// and the figures expected of each answer, written from the texts' worked examples.
public enum ImportTaxTestSuite {
    static let expectKeys = ["order_id", "regime", "price", "duty", "consumption_tax", "vat", "total", "quota_before", "quota_after", "explanation_contains"]

    public static func run(file: String, regime: RetailImportRegime) throws -> PolicyTestSuite.Report {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw PolicyFileError(SourceLocation(file: file, line: 0, column: 0), "无法读取测试文件")
        }
        let root = try YAMLNode.parse(text, file: file).map(allowed: ["regime", "cases"])
        let id = try root.string("regime")
        guard id == regime.id else { throw PolicyFileError(root.location, "测试文件针对 \(id)，载入的是 \(regime.id)") }
        let calculator = ImportTaxCalculator(regime: regime)
        var report = PolicyTestSuite.Report(file: file, cases: 0, checks: 0, failures: [])
        for caseNode in try root.require("cases").list() {
            let c = try caseNode.map(allowed: ["name", "request", "expect"])
            let name = try c.string("name")
            report.cases += 1
            let results: [ImportTaxResult]
            do {
                results = try calculator.calculate(try ImportTaxRequest.items(plain(try c.require("request"))))
            } catch let e as ImportTaxProblem {
                report.failures.append(.init(location: c.location, caseName: name, message: "请求被拒绝：\(e.orderID) \(e.field)：\(e.message)"))
                continue
            }
            for expectNode in try c.require("expect").list() {
                let e = try expectNode.map(allowed: expectKeys)
                let orderID = try e.string("order_id")
                guard let r = results.first(where: { $0.orderID == orderID }) else {
                    report.failures.append(.init(location: e.location, caseName: name, message: "答复中没有订单 \(orderID)"))
                    continue
                }
                let answer = ImportTaxRequest.answer(r)
                for (key, _, value) in e.entries where key != "order_id" {
                    report.checks += 1
                    let want = try value.string()
                    if key == "explanation_contains" {
                        if !r.explanation.contains(want) {
                            report.failures.append(.init(location: value.location, caseName: name, message: "\(orderID) 的说明不含“\(want)”：\(r.explanation)"))
                        }
                    } else if "\(answer[key] ?? "")" != want {
                        report.failures.append(.init(location: value.location, caseName: name, message: "\(orderID) 的 \(key) 应为 \(want)，实为 \(answer[key] ?? "")"))
                    }
                }
            }
        }
        return report
    }

    /// A YAML node as the objects JSON gives: plain integers as Int, true/false as Bool, every other
    /// scalar as text (so a date stays "2025-03-01").
    static func plain(_ n: YAMLNode) throws -> Any {
        switch n.node {
        case let .scalar(s):
            if s.style == .plain {
                if s.string == "true" { return true }
                if s.string == "false" { return false }
                if let i = Int(s.string) { return i }
            }
            return s.string
        case let .sequence(seq): return try seq.map { try plain(YAMLNode(node: $0, file: n.file)) }
        case .mapping:
            var out: [String: Any] = [:]
            for (k, _, v) in try n.map(allowed: nil).entries { out[k] = try plain(v) }
            return out
        case .alias:
            throw PolicyFileError(n.location, "测试文件不支持 YAML 别名")
        }
    }
}
