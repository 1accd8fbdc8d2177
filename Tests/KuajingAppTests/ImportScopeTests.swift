import Foundation
import KuajingApp
import KuajingDomain
import KuajingTestSupport
import Testing
import Storage

/// Issue 19, item 3: an upload adds or changes only what is the sender's. A 萧山区 user's
/// declarations extract that names a 滨江区 declaration is refused whole, each such line named with
/// its reason, and nothing of it is stored: the 滨江区 figure stays, and the 滨江区 user can upload the
/// same file afterwards (it is no duplicate). The extract has CRLF line endings and a BOM (item 7),
/// as Excel and WPS save it.
enum ImportScopeChecks {
    static let header = "declaration_no,date,direction,supervision_code,enterprise_id,enterprise_name,district,customs_code,country,hs_code,value_cny,currency,value_original,status"

    static func file(_ lines: [String], crlf: Bool) throws -> String {
        let dir = try Repository.temporaryDirectory("scope")
        let path = dir + "/declarations.csv"
        let text = (crlf ? "\u{FEFF}" : "") + ([header] + lines).joined(separator: crlf ? "\r\n" : "\n") + (crlf ? "\r\n" : "\n")
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func refusal(_ body: () async throws -> Void) async -> AppError? {
        do { try await body(); return nil } catch { return error as? AppError }
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
        let mixed = try file([
            "SIM000000000107558,2025-03-05,E,9710,\(binjiang),滨江企业,滨江区,2921,USA,6109100021,1.00,CNY,1.00,放行",
            // Another district's enterprise, the row claiming 萧山区: the registry's district decides.
            "SIM000000000200001,2025-03-06,E,9710,\(binjiang),滨江企业,萧山区,2921,USA,6109100021,5.00,CNY,5.00,放行",
            // 萧山's own enterprise, but the number of a stored 滨江区 declaration.
            "SIM000000000107558,2025-03-05,E,9710,\(xiaoshan),萧山企业,萧山区,2921,USA,6109100021,2.00,CNY,2.00,放行",
            "SIM000000000200002,2025-03-07,E,9710,\(xiaoshan),萧山企业,萧山区,2921,USA,6109100021,700.00,CNY,700.00,放行",
        ], crlf: true)
        let refused = await refusal { _ = try await TradeIngest(context).run(paths: [mixed], as: sender) }
        guard case let .invalidInput(_, _, _, problems)? = refused else { Issue.record("the upload is refused: \(String(describing: refused))"); return }
        #expect(problems.count == 4 && problems[0].contains("整份文件未导入"), "a summary and the three lines: \(problems)")
        #expect(problems.contains { $0.contains("第 2 行") } && problems.contains { $0.contains("第 3 行") && $0.contains("属于滨江区") }
                && problems.contains { $0.contains("第 4 行") && $0.contains("不能由本次上传改写") }, "\(problems)")
        let months = try await store.rollups.enterpriseMonths(binjiang)
        #expect(months.reduce(0) { $0 + $1.fen } == 40_306_222, "滨江区's figure stays 403,062.22")
        #expect(try await store.rollups.enterpriseMonths(xiaoshan).isEmpty, "nothing of the refused upload is stored")
        // The sender's own lines alone are taken.
        let own = try await TradeIngest(context).run(paths: [try file([
            "SIM000000000200002,2025-03-07,E,9710,\(xiaoshan),萧山企业,萧山区,2921,USA,6109100021,700.00,CNY,700.00,放行",
        ], crlf: true)], as: sender)
        #expect(own.counts.accepted == 1)
        try await store.close()
    }

    /// The same for customs messages: an inventory of a 滨江区 enterprise (its ebcCode) sent by the
    /// 萧山区 user is refused whole, its correction (appType 2) too; the 滨江区 user's same file is stored.
    static func customsMessagesStayInScope(engine: TestEngine) async throws {
        let store = try await engine.store()
        let context = try testContext(store: store)
        try await store.registry.upsert([EnterpriseRow(id: "1105910159", creditCode: nil, name: "样例电商企业", district: "滨江区")])
        let dir = try Repository.temporaryDirectory("scope-ceb")
        func file(_ name: String, _ data: Data) throws -> String { let p = dir + "/" + name; try data.write(to: URL(fileURLWithPath: p)); return p }
        let xiaoshan = Viewer(name: "xs", displayName: "萧山区商务局", role: .district, city: "杭州市", district: "萧山区")
        let binjiang = Viewer(name: "bj", displayName: "滨江区商务局", role: .district, city: "杭州市", district: "滨江区")
        let inventory = try Synthetic.inventory(copNo: "SCOPE1")
        let foreign = await refusal { _ = try await TradeIngest(context).run(paths: [try file("a.xml", inventory)], as: xiaoshan) }
        #expect(foreign?.message.contains("不在上传者的范围内") == true, "\(foreign?.message ?? "accepted")")
        let own = try await TradeIngest(context).run(paths: [try file("b.xml", inventory)], as: binjiang)
        #expect(own.counts.accepted == 1, "the same bytes from the right district are stored: \(own.counts)")
        let rewrite = await refusal { _ = try await TradeIngest(context).run(paths: [try file("c.xml", Synthetic.inventory(copNo: "SCOPE1", appType: "2", price: "1"))], as: xiaoshan) }
        #expect(rewrite != nil, "another district's correction is refused")
        let before = try await store.ledger.stats(by: [.code], basis: .anyStatus)
        #expect(before.count == 1 && before[0].inventories == 1)
        // An unregistered enterprise: a city role may send it, a district user may not.
        let other = try Synthetic.inventory(copNo: "SCOPE2").replacingAll("1105910159", with: "3301999999")
        #expect(await refusal { _ = try await TradeIngest(context).run(paths: [try file("d.xml", other)], as: binjiang) } != nil)
        let analyst = Viewer(name: "an", displayName: "分析员", role: .analyst, city: "杭州市")
        _ = try await TradeIngest(context).run(paths: [try file("e.xml", other)], as: analyst)
        // The quarantine per city: a held record of a 台州 enterprise is not 杭州's to list or open.
        try await store.registry.upsert([EnterpriseRow(id: "3310999999", creditCode: nil, name: "台州样例企业", district: "椒江区")])
        let held = try Synthetic.inventory(copNo: "SCOPE3", tradeMode: "0000").replacingAll("1105910159", with: "3310999999")
        let report = try await TradeIngest(context).run(paths: [try file("f.xml", held)])
        #expect(report.counts.quarantined >= 1)
        let all = try await QuarantineCases(context).list()
        let taizhouEntry = try #require(all.first { $0.recordKey.contains("3310999999") })
        #expect(try await !QuarantineCases(context).list(analyst).contains { $0.id == taizhouEntry.id })
        let taizhouAnalyst = Viewer(name: "tz", displayName: "台州分析员", role: .analyst, city: "台州市")
        #expect(try await QuarantineCases(context).list(taizhouAnalyst).contains { $0.id == taizhouEntry.id })
        #expect(await refusal { _ = try await QuarantineCases(context).original(analyst, taizhouEntry.id) } != nil, "another city's original is a 404")
        try await store.close()
    }
}

extension Data {
    func replacingAll(_ a: String, with b: String) -> Data { Data(String(decoding: self, as: UTF8.self).replacingOccurrences(of: a, with: b).utf8) }
}

@Suite struct ImportScopeSQLiteTests {
    @Test func aDistrictRewritesOnlyItsOwn() async throws { try await ImportScopeChecks.aDistrictRewritesOnlyItsOwn(engine: .sqlite) }
    @Test func customsMessagesStayInScope() async throws { try await ImportScopeChecks.customsMessagesStayInScope(engine: .sqlite) }
}

@Suite(.postgresRequired) struct ImportScopePostgresTests {
    @Test func aDistrictRewritesOnlyItsOwn() async throws { try await ImportScopeChecks.aDistrictRewritesOnlyItsOwn(engine: .postgres) }
    @Test func customsMessagesStayInScope() async throws { try await ImportScopeChecks.customsMessagesStayInScope(engine: .postgres) }
}
