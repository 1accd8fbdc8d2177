import Testing
@testable import PolicyEngine
import KuajingApp
import KuajingTestSupport

/// Runs every policy test case (policies/*.tests.yaml) inside the test suite.
@Suite struct PolicyCaseTests {
    @Test(arguments: ["hangzhou-2024", "taizhou-2024", "pinghu-2024"])
    func policyCasesPass(id: String) throws {
        let report = try PolicyTestSuite.run(file: "\(policyDirectory)/\(id).tests.yaml", policyDirectory: policyDirectory)
        #expect(report.cases >= 9)
        #expect(report.failures.isEmpty, "\(report.failures.map(\.description).joined(separator: "\n"))")
    }

    /// Every quotation is in its seed text (the seeds travel with the repository, reference/seeds).
    @Test func quotationsMatchTheSeeds() throws {
        let all = try PolicyCatalog(testContext()).check()
        // The retail-import regime is checked too (loaded, its formulas type-checked); its texts are national rules, not seeds.
        let regime = all.filter { $0.file.hasSuffix("retail-import/retail-import-tax.yaml") }
        #expect(regime.count == 1 && regime[0].problems.isEmpty && regime[0].contents != nil, "\(regime)")
        let checks = all.filter { !$0.file.contains("retail-import/") }
        #expect(checks.count == 3)
        #expect(checks.allSatisfy { $0.quoted > 40 })
        #expect(all.flatMap(\.problems).isEmpty, "\(all.flatMap(\.problems))")
    }

    @Test func everyQuantitativeMeasureHasAtLeastTwoChecks() throws {
        // A measure is quantitative when its formula names a rate or its caps name an amount.
        let set = try loadPolicies()
        for p in set.policies {
            let tests = try String(contentsOfFile: "\(policyDirectory)/\(p.id).tests.yaml", encoding: .utf8)
            for m in p.measures where m.review == nil {
                let mentions = tests.components(separatedBy: "matter: \(m.matter),").count - 1
                #expect(mentions >= 2, "\(p.id) \(m.id) has \(mentions) test claims")
            }
        }
    }
}
