import Foundation
import KuajingApp
import KuajingDomain
import KuajingTestSupport
import Testing
import TradeStore

/// Issue 19, item 3: an upload adds or changes only what is the sender's. A 萧山区 user's
/// declarations extract that names a 滨江区 declaration is never an update: the line is quarantined
/// with `out_of_scope` and its reason, the 滨江区 figure stays, and the sender's own lines are stored.
/// The extract has CRLF line endings and a BOM (item 7), as Excel and WPS save it.
enum ImportScopeChecks {
    static let header = "declaration_no,date,direction,supervision_code,enterprise_id,enterprise_name,district,customs_code,country,hs_code,value_cny,currency,value_original,status"

    static func file(_ lines: [String], crlf: Bool) throws -> String {
        let dir = try Repository.temporaryDirectory("scope")
        let path = dir + "/declarations.csv"
        let text = (crlf ? "\u{FEFF}" : "") + ([header] + lines).joined(separator: crlf ? "\r\n" : "\n") + (crlf ? "\r\n" : "\n")
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func aDistrictRewritesOnlyItsOwn(engine: TestEngine) async throws {
        let store = try await engine.store()
        let context = try testContext(store: store)
        let binjiang = CashOutChecks.code(501), xiaoshan = CashOutChecks.code(502)
        try await store.registry.upsert([EnterpriseRow(id: binjiang, creditCode: binjiang, name: "滨江企业", district: "滨江区"),
                                         EnterpriseRow(id: xiaoshan, creditCode: xiaoshan, name: "萧山企业", district: "萧山区")])
        // The bureau's extract (the operator's command line: no sender scope).
        let first = try await TradeIngest(context).run(paths: [try file([
            "SIM000000000107558,2025-03-05,E,9710,\(binjiang),滨江企业,滨江区,2921,USA,6109100021,403062.22,CNY,403062.22,放行",
        ], crlf: false)])
        #expect(first.counts.accepted == 1)
        let sender = Viewer(name: "xs", displayName: "萧山区商务局", role: .district, city: "杭州市", district: "萧山区")
        let second = try await TradeIngest(context).run(paths: [try file([
            "SIM000000000107558,2025-03-05,E,9710,\(binjiang),滨江企业,滨江区,2921,USA,6109100021,1.00,CNY,1.00,放行",
            // Another district's enterprise, the row claiming 萧山区: the registry's district decides.
            "SIM000000000200001,2025-03-06,E,9710,\(binjiang),滨江企业,萧山区,2921,USA,6109100021,5.00,CNY,5.00,放行",
            "SIM000000000200002,2025-03-07,E,9710,\(xiaoshan),萧山企业,萧山区,2921,USA,6109100021,700.00,CNY,700.00,放行",
        ], crlf: true)], as: sender)
        #expect(second.counts.updated == 0, "another district's declaration is never an update")
        #expect(second.counts.accepted == 1 && second.counts.quarantined == 2, "\(second.counts)")
        #expect(second.counts.quarantinedByReason["out_of_scope"] == 2)
        let months = try await store.rollups.enterpriseMonths(binjiang)
        #expect(months.reduce(0) { $0 + $1.fen } == 40_306_222, "滨江区's figure stays 403,062.22")
        let held = try await QuarantineCases(context).list()
        #expect(held.filter { $0.reasons.contains("out_of_scope") }.count == 2)
        #expect(held.filter { $0.reasons.contains("out_of_scope") }.allSatisfy { $0.findings.contains("out_of_scope") && $0.recordKey.hasPrefix("declaration_no=SIM") })
        try await store.close()
    }
}

@Suite struct ImportScopeSQLiteTests {
    @Test func aDistrictRewritesOnlyItsOwn() async throws { try await ImportScopeChecks.aDistrictRewritesOnlyItsOwn(engine: .sqlite) }
}

@Suite(.postgresRequired) struct ImportScopePostgresTests {
    @Test func aDistrictRewritesOnlyItsOwn() async throws { try await ImportScopeChecks.aDistrictRewritesOnlyItsOwn(engine: .postgres) }
}
