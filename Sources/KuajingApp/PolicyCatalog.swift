import Yams
import Foundation
import KuajingDomain
import PolicyEngine

/// One policy or plan file's check: loaded and type-checked, what it holds, how many quotations
/// were compared with the seed text, and every problem (none when it passed).
public struct FileCheck: Sendable {
    public var file: String
    /// What the file holds ("19 项措施", "目标 14 项，任务 22 项"); nil when it did not load.
    public var contents: String?
    public var quoted: Int
    public var problems: [String]
}

/// The policy files: list, show, check (load, type-check, quotations against the seeds), test.
public struct PolicyCatalog: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public func policies() throws(AppError) -> [Policy] { try context.policySet().policies }

    public func policy(_ id: String) throws(AppError) -> Policy {
        guard let p = try policies().first(where: { $0.id == id }) else {
            throw .notFound(message: "没有编号为 \(id) 的政策；可用 kuajing policies list 查看")
        }
        return p
    }

    /// Loads every policy file (or just `file`) and, where the seed texts are at hand, checks that
    /// every quoted text appears in its seed.
    public func check(file: String? = nil) throws(AppError) -> [FileCheck] {
        let directory = context.configuration.policies
        let files: [String]
        if let file { files = [file] } else { files = try AppError.wrappingSync { try PolicySet.policyFiles(in: directory) } }
        let seeds = context.configuration.seeds
        // The retail-import regime beside them (its texts are national rules, not seeds: loaded and type-checked).
        var regime: [FileCheck] = []
        let regimeFile = directory + "/retail-import/retail-import-tax.yaml"
        if file == nil || file == regimeFile, FileManager.default.fileExists(atPath: regimeFile) {
            do {
                let r = try RetailImportRegime.load(path: regimeFile)
                regime = [FileCheck(file: regimeFile, contents: "限值 \(r.limits.count) 段、税率 \(r.vatRates.count) 段、计税公式 3 条、消费税税目 \(r.rateTable.count) 项、解读 \(r.readings.count) 项",
                                    quoted: 0, problems: [])]
            } catch {
                regime = [FileCheck(file: regimeFile, contents: nil, quoted: 0, problems: [AppError(error).message])]
            }
            if file == regimeFile { return regime }
        }
        return regime + files.map { f in
            do {
                let p = try PolicyLoader.load(path: f)
                var quoted = 0
                var problems: [String] = []
                if let data = FileManager.default.contents(atPath: seeds + "/" + p.seed), let seed = String(data: data, encoding: .utf8) {
                    let haystack = Self.normalize(seed)
                    var texts: [(String, String)] = [("in_force", p.inForce.text), ("scope", p.scope.text)]
                    texts += [p.eligibility.text, p.funding.text, p.stacking.text].compactMap { $0 }.map { ("policy", $0) }
                    texts += p.measures.map { ("\($0.id).text", $0.text) }
                    texts += p.measures.flatMap { m in m.parameters.map { ("\(m.id).\($0.name)", $0.text) } }
                    texts += p.pools.map { ($0.id, $0.text) } + p.capGroups.map { ($0.id, $0.text) }
                    for (what, t) in texts {
                        quoted += 1
                        if !haystack.contains(Self.normalize(t)) { problems.append("\(f): \(what)：引文在原文 \(p.seed) 中找不到：“\(t)”") }
                    }
                } else {
                    problems.append("\(f): 找不到原文 \(seeds)/\(p.seed)，无法核对引文")
                }
                return FileCheck(file: f, contents: "\(p.measures.count) 项措施", quoted: quoted, problems: problems)
            } catch {
                return FileCheck(file: f, contents: nil, quoted: 0, problems: [AppError(error).message])
            }
        }
    }

    /// Whitespace-insensitive comparison: the seeds break lines and put spaces around numbers.
    static func normalize(_ s: String) -> String {
        String(s.unicodeScalars.filter { !$0.properties.isWhitespace }.map(Character.init))
    }

    /// Runs every `policies/*.tests.yaml` and the retail-import regime's `policies/retail-import/retail-import-tax.tests.yaml`.
    public func test() throws(AppError) -> [PolicyTestSuite.Report] {
        let directory = context.configuration.policies
        var reports = try AppError.wrappingSync { try PolicyTestSuite.testFiles(in: directory).map { try PolicyTestSuite.run(file: $0, policyDirectory: directory) } }
        // The retail-import regime's worked cases, beside the support measures' cases.
        if let imports = try ImportTaxCalculation(context).test() { reports.append(imports) }
        return reports
    }

    /// A test case of a policy as the 政策库 shows it beside a measure: its name, the claims (matter,
    /// amount) and what is expected.
    public struct TestCase: Sendable {
        public var name: String
        public var matters: [String]
        public var claims: [String]
        public var expectations: [String]
    }

    /// The test cases of `policies/<id>.tests.yaml` (none when there is no such file).
    public func testCases(policyID: String) throws(AppError) -> [TestCase] {
        let path = context.configuration.policies + "/" + policyID + ".tests.yaml"
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else { return [] }
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch { throw .invalidInput(field: nil, location: path, message: "不是有效的 YAML：\(error)") }
        guard let map = root as? [String: Any], let cases = map["cases"] as? [[String: Any]] else { return [] }
        return cases.map { c in
            let claims = (c["claims"] as? [[String: Any]]) ?? []
            let expect = (c["expect"] as? [[String: Any]]) ?? []
            return TestCase(name: "\(c["name"] ?? "")", matters: claims.compactMap { $0["matter"].map { "\($0)" } },
                            claims: claims.map { "\($0["claim_id"] ?? "")：\($0["district"] ?? "") \($0["matter"] ?? "") \($0["date"] ?? "") 金额 \($0["amount"] ?? "") 元" },
                            expectations: expect.map { "\($0["claim_id"] ?? "")：\($0["status"] ?? "") 核定 \($0["award"] ?? "") 元" + ($0["explanation_contains"].map { "；说明含“\($0)”" } ?? "") })
        }
    }
}
