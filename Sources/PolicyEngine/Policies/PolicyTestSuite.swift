import Foundation
import KuajingDomain

/// Policy test cases in the spirit of OpenFisca's YAML tests: claims in, statuses and awards out.
/// They live beside each policy as `policies/<id>.tests.yaml` and are written from the clause text.
public struct PolicyTestSuite {
    public struct Failure: Sendable, CustomStringConvertible {
        public var location: SourceLocation
        public var caseName: String
        public var message: String
        public var description: String { "\(location): 用例“\(caseName)”：\(message)" }
    }

    public struct Report: Sendable {
        public var file: String
        public var cases: Int
        public var checks: Int
        public var failures: [Failure]
    }

    /// Runs one test file against the policies of `directory`.
    public static func run(file: String, policyDirectory: String, divisions: DivisionCatalog = .standard) throws -> Report {
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw PolicyFileError(SourceLocation(file: file, line: 0, column: 0), "无法读取测试文件")
        }
        let root = try YAMLNode.parse(text, file: file).map(allowed: ["policy", "cases"])
        let policyID = try root.string("policy")
        var all: [Policy] = []
        for f in try PolicySet.policyFiles(in: policyDirectory) { all.append(try PolicyLoader.load(path: f, divisions: divisions)) }
        var report = Report(file: file, cases: 0, checks: 0, failures: [])
        for caseNode in try root.require("cases").list() {
            let c = try caseNode.map(allowed: ["name", "clause", "policies", "funding", "claims", "expect"])
            let name = try c.string("name")
            let ids = try c["policies"]?.stringList() ?? [policyID]
            let chosen = all.filter { ids.contains($0.id) }
            guard chosen.count == ids.count else { throw PolicyFileError(c.location, "用例引用了不存在的政策：\(ids)") }
            let set = try PolicySet(policies: chosen, divisions: divisions)
            var records: [[RecordField]] = []
            var lines: [Int] = []
            for claim in try c.require("claims").list() {
                let m = try claim.map(allowed: nil)
                records.append(try m.entries.map { key, _, value in
                    RecordField(key: key, value: try value.string(), line: value.location.line, column: value.location.column)
                })
                lines.append(claim.location.line)
            }
            let ledger = try RecordLedgerReader.read(records, objectLines: lines, source: file, matterKeys: set.matterKeys, divisions: divisions)
            let evaluation = Engine.evaluate(ledger, with: set)
            var funding = FundingConfiguration()
            if let f = c["funding"] {
                guard case let .mapping(map) = f.node else { throw PolicyFileError(f.location, "funding 应为键值表") }
                for (k, v) in map {
                    let share = try PolicyLoader.literal(YAMLNode(node: v, file: file))
                    guard case let .rate(r) = share else { throw PolicyFileError(f.location, "funding 的值应为比例") }
                    funding.cityShare[try YAMLNode(node: k, file: file).string()] = (r, "测试用例配置")
                }
            }
            report.cases += 1
            for expectNode in try c.require("expect").list() {
                let e = try expectNode.map(allowed: ["claim_id", "status", "award", "policy", "measure", "explanation_contains", "funding_city", "funding_district"])
                let id = try e.string("claim_id")
                guard let row = (0..<ledger.count).first(where: { ledger.claimID($0) == id }) else {
                    report.failures.append(Failure(location: e.location, caseName: name, message: "没有编号为 \(id) 的申报"))
                    continue
                }
                let r = evaluation.result(row, funding: funding, trace: false)
                func check(_ field: String, _ actual: String?) throws {
                    guard let node = e[field] else { return }
                    report.checks += 1
                    let expected = try node.string()
                    let ok = field == "explanation_contains" ? (actual ?? "").contains(expected) : actual == expected
                    if !ok {
                        report.failures.append(Failure(location: node.location, caseName: name,
                                                       message: "\(id) 的 \(field) 应为“\(expected)”，实为“\(actual ?? "null")”；说明：\(r.explanation)"))
                    }
                }
                try check("status", r.status.rawValue)
                try check("award", r.award.plain)
                try check("policy", r.policy)
                try check("measure", r.measure)
                try check("explanation_contains", r.explanation)
                try check("funding_city", r.funding?.city?.plain)
                try check("funding_district", r.funding?.district?.plain)
            }
        }
        return report
    }

    /// Every `*.tests.yaml` of a directory.
    public static func testFiles(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".tests.yaml") }.sorted().map { directory + "/" + $0 }
    }
}
