import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KuajingApp
import KuajingTestSupport
import KuajingWeb
import NIOCore
import Storage
import Testing

/// calculateImportTax and 运行监测 · 零售进口 through the server: the worked figures, refusals that
/// name order and field, each role's scope in the figures, buyers in aggregate for the bureau only.
@Suite struct RetailImportWebTests {
    static let example = #"""
        {"orders": [{"order_id": "O1", "date": "2025-03-01", "buyer_id": "330106199001011234", "quota_used": "23000.00", "freight": "20.00", "insured_fee": "0.00",
          "lines": [{"hs_code": "3304990099", "name": "精华液", "qty": 1, "value": "800.00", "consumption_tax_rate": "15%", "duty_rate": "10%", "vat_rate": "13%", "indivisible": false}]},
          {"order_id": "R1", "return_of": "O1", "applied_day": 20, "arrived_day": 40}]}
        """#

    @Test func theCalculationAnswersAsTheCommandLineDoes() async throws {
        let world = try await WebWorld.get()
        let token = try await Accounts(world.context).issueToken(user: "demo-enterprise")
        let auth: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
        let expected = String(decoding: try ImportTaxCalculation(world.context).answer(json: Array(Self.example.utf8), source: "请求体"), as: UTF8.self)
        try await world.application().test(.router) { client in
            try await client.execute(uri: "/api/v1/import-tax", method: .post, headers: auth, body: ByteBuffer(string: Self.example)) { response in
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                #expect(body == expected)
                let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
                let orders = try #require(json["orders"] as? [[String: Any]])
                #expect(orders.map { $0["regime"] as? String } == ["cbec", "refunded"])
                #expect(orders[0]["consumption_tax"] as? String == "101.29")
                #expect(orders[0]["vat"] as? String == "87.79")
                #expect(orders[0]["quota_after"] as? String == "23820.00")
                #expect(orders[1]["quota_after"] as? String == "23000.00")
            }
            let bad = #"{"orders": [{"order_id": "X9", "date": "2025-03-01", "buyer_id": "B", "lines": [{"hs_code": "3304990099", "value": "-1"}]}]}"#
            try await client.execute(uri: "/api/v1/import-tax", method: .post, headers: auth, body: ByteBuffer(string: bad)) { response in
                #expect(response.status == .unprocessableContent)
                let body = String(buffer: response.body)
                #expect(body.contains("lines[0].value") && body.contains("X9"), "names the order and the field: \(body)")
            }
            try await client.execute(uri: "/api/v1/import-tax", method: .post, headers: auth, body: ByteBuffer(string: "{\"orders\": [")) { #expect($0.status == .unprocessableContent) }
            try await client.execute(uri: "/api/v1/import-tax", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: Self.example)) {
                #expect($0.status == .unauthorized)
            }
        }
    }

    /// The figures of each role: the city's bureau sees every district and the buyers in aggregate;
    /// a district only its own district and no buyers; an enterprise only its own rows.
    @Test func eachRoleSeesItsOwnScope() async throws {
        let world = try await WebWorld.get()
        func statistics(_ user: String) async throws -> [String: Any] {
            let token = try await Accounts(world.context).issueToken(user: user)
            return try await world.application().test(.router) { client in
                try await client.execute(uri: "/api/v1/import-statistics?year=2025", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                    #expect(response.status == .ok)
                    return try #require(try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any])
                }
            }
        }
        let admin = try await statistics("demo-admin")
        let total = try #require(admin["total"] as? [String: Any])
        #expect((total["orders"] as? Int ?? 0) > 0)
        #expect(admin["buyers"] is [String: Any])
        let districts = Set((admin["by_district"] as? [[String: Any]] ?? []).compactMap { $0["key"] as? String })
        #expect(!districts.isEmpty && districts.isSubset(of: ["萧山区", "钱塘区"]), "\(districts)")
        let district = try await statistics("demo-binjiang")
        #expect(district["buyers"] == nil || district["buyers"] is NSNull)
        #expect(Set((district["by_district"] as? [[String: Any]] ?? []).compactMap { $0["key"] as? String }).isSubset(of: ["滨江区"]))
        let enterprise = try await statistics("demo-enterprise")
        #expect(enterprise["buyers"] == nil || enterprise["buyers"] is NSNull)
        #expect((enterprise["by_month"] as? [Any] ?? []).isEmpty, "the demo enterprise of 滨江区 imports nothing")
        // The sums by month, code, district and platform are the same figures.
        for key in ["by_month", "by_code", "by_district", "by_platform"] {
            let rows = admin[key] as? [[String: Any]] ?? []
            #expect(rows.reduce(0) { $0 + ($1["orders"] as? Int ?? 0) } == total["orders"] as? Int, "\(key)")
        }
    }

    /// An importing enterprise sees its own 申报清单 as assessed, and no other enterprise's.
    @Test func anImporterSeesItsOwnOrdersOnly() async throws {
        let world = try await WebWorld.get()
        let all = try await world.context.withStore { try await $0.importTax.assessments(limit: 5_000) }
        let importers = Array(Set(all.map(\.ebcCode))).sorted()
        try #require(importers.count >= 2, "the demo world has several importers")
        let own = importers[0]
        let token = try await Accounts(world.context).issueToken(user: "demo-admin", enterprise: own)
        try await world.application().test(.router) { client in
            try await client.execute(uri: "/monitor/imports?year=2025", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                #expect(html.contains("id=\"import-orders\""))
                #expect(!html.contains("订购人年度额度"))
                let mine = Set(all.filter { $0.ebcCode == own }.map(\.copNo)), others = all.filter { $0.ebcCode != own }.map(\.copNo)
                #expect(mine.contains { html.contains($0) })
                #expect(!others.contains { html.contains(">" + $0 + "<") }, "another enterprise's order is on the page")
            }
        }
    }

    @Test func thePagesShowNoIDNumberAndRefuseABadYear() async throws {
        let world = try await WebWorld.get()
        try await world.application().test(.router) { client in
            let admin = try await Browser.signIn(client, "demo-admin")
            try await client.execute(uri: "/monitor/imports?year=2025", method: .get, headers: admin.headers) { response in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                #expect(html.contains("订购人年度额度"))
                #expect(html.contains("import-by-month"))
                #expect(html.range(of: #"[1-9][0-9]{16}[0-9X]"#, options: .regularExpression) == nil, "no 身份证号码 on the page")
            }
            try await client.execute(uri: "/monitor/imports?year=abc", method: .get, headers: admin.headers) { #expect($0.status == .unprocessableContent) }
            try await client.execute(uri: "/monitor/imports?year=2025&format=csv", method: .get, headers: admin.headers) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).hasPrefix("\u{FEFF}月份,订单数"))
            }
            let district = try await Browser.signIn(client, "demo-binjiang")
            try await client.execute(uri: "/monitor/imports?year=2025", method: .get, headers: district.headers) { response in
                #expect(response.status == .ok)
                #expect(!String(buffer: response.body).contains("订购人年度额度"))
            }
            let enterprise = try await Browser.signIn(client, "demo-enterprise")
            let form = "date=2025-03-01&quota_used=25000.00&freight=0&hs_code0=6109100022&qty0=1&value0=2000.00&duty0=10&_csrf=\(enterprise.csrf)"
            try await client.execute(uri: "/import-tax", method: .post, headers: enterprise.formHeaders(), body: ByteBuffer(string: form)) { response in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                #expect(html.contains("按一般贸易全额征税"), "25,000 + 2,000 passes 26,000")
                #expect(html.contains("剩余额度 1,000.00 元"))
            }
            let wrong = "date=2025-03-01&hs_code0=6109100022&value0=12.345&_csrf=\(enterprise.csrf)"
            try await client.execute(uri: "/import-tax", method: .post, headers: enterprise.formHeaders(), body: ByteBuffer(string: wrong)) { response in
                #expect(response.status == .unprocessableContent)
                #expect(String(buffer: response.body).contains("lines[0].value"))
            }
        }
    }
}
