import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KuajingApp
import KuajingTestSupport
@testable import KuajingWeb
import NIOCore
import PolicyEngine
import Testing

/// The JSON API: the OpenAPI document (the operation table with the descriptions of
/// `web/openapi.json`) against the router's real routes, 405 for a wrong method, the calculation
/// equal to `kuajing calc --format json`, a malformed claim named.
@Suite struct WebAPITests {
    static func openAPI() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repository.root + "/web/openapi.json"))
        let document = try API.document(template: data)
        return try #require(try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any])
    }

    /// Each JSON request body the API decodes is the one its OpenAPI schema declares: the same
    /// fields, the same required ones.
    @Test func everyRequestBodyIsItsSchema() throws {
        let doc = try Self.openAPI()
        let schemas = try #require((doc["components"] as? [String: Any])?["schemas"] as? [String: Any])
        let bodies: [(APIOperation, any APIRequestBody.Type)] = [
            (.openVoucherBatch, VoucherBatchBody.self), (.requestVoucher, VoucherRequestBody.self), (.cancelVoucher, ReasonBody.self),
            (.objectToApplication, ReasonBody.self), (.reviewApplication, ReviewBody.self), (.confirmProposal, ConfirmationBody.self),
            (.setBudget, BudgetBody.self), (.releaseBudget, ReleaseBody.self), (.enterPayeeAccount, PayeeBody.self), (.markPayoutPaid, PaymentBody.self),
            (.submitApplication, ApplicationBody.self),
        ]
        let paths = try #require(doc["paths"] as? [String: [String: Any]])
        var withJSONBodies: Set<String> = []
        for op in APIOperation.allCases {
            let operation = try #require(paths[op.path]?[op.method.rawValue.lowercased()] as? [String: Any])
            guard let content = (operation["requestBody"] as? [String: Any])?["content"] as? [String: Any], var schema = (content["application/json"] as? [String: Any])?["schema"] as? [String: Any] else { continue }
            if let ref = schema["$ref"] as? String { schema = try #require(schemas[String(ref.split(separator: "/").last ?? "")] as? [String: Any]) }
            guard let properties = schema["properties"] as? [String: Any], !properties.isEmpty else { continue }   // calculateClaims: a claims ledger
            if op == .calculateImportTax {
                // Read by ImportTaxRequest (import-tax.md), which names the order and the field of what it refuses:
                // the schema's orders, lines and returns have exactly the fields it accepts.
                let items = try #require(((properties["orders"] as? [String: Any])?["items"] as? [String: Any])?["oneOf"] as? [[String: Any]])
                let order = try #require(items.first { ($0["properties"] as? [String: Any])?["lines"] != nil })
                let ret = try #require(items.first { ($0["properties"] as? [String: Any])?["return_of"] != nil })
                let line = try #require(((order["properties"] as? [String: Any])?["lines"] as? [String: Any])?["items"] as? [String: Any])
                #expect(Set(properties.keys) == ["orders"])
                #expect(Set((order["properties"] as? [String: Any] ?? [:]).keys) == ImportTaxRequest.orderKeys)
                #expect(Set((ret["properties"] as? [String: Any] ?? [:]).keys) == ImportTaxRequest.returnKeys)
                #expect(Set((line["properties"] as? [String: Any] ?? [:]).keys) == ImportTaxRequest.lineKeys)
                continue
            }
            withJSONBodies.insert(op.rawValue)
            let body = try #require(bodies.first { $0.0 == op }?.1, "\(op.rawValue) decodes a typed body")
            #expect(Set(properties.keys) == Set(body.fields), "\(op.rawValue): schema \(properties.keys.sorted()), type \(body.fields.sorted())")
            #expect(Set(schema["required"] as? [String] ?? []) == body.required, "\(op.rawValue): required")
        }
        #expect(withJSONBodies == Set(bodies.map(\.0.rawValue)), "every typed body belongs to an operation with that schema")
    }

    /// A description of no operation, or an operation without one, is refused when the document is built.
    @Test func theDocumentAndTheTableAgree() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repository.root + "/web/openapi.json"))
        var root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var described = try #require(root["x-operations"] as? [String: Any])
        described["listEnterprises"] = nil
        described["deleteEverything"] = ["summary": "无"]
        root["x-operations"] = described
        let broken = try JSONSerialization.data(withJSONObject: root)
        #expect(throws: AppError.self) { try API.document(template: broken) }
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedOperationIsServedWithItsSecurity() async throws {
        let doc = try Self.openAPI()
        let paths = try #require(doc["paths"] as? [String: [String: Any]])
        var documented: Set<String> = []
        for (path, methods) in paths {
            for (method, operation) in methods {
                documented.insert("\(method.uppercased()) \(path)")
                let op = try #require(operation as? [String: Any])
                let id = try #require(op["operationId"] as? String)
                let responses = try #require(op["responses"] as? [String: Any])
                let security = try #require(op["security"] as? [Any], "\(id) states its security")
                if id != "getOpenAPI" {
                    #expect(!security.isEmpty, "\(id)")
                    #expect(responses["401"] != nil && responses["403"] != nil, "\(id) documents 401 and 403")
                }
            }
        }
        let served = Set(APIOperation.allCases.map { "\($0.method.rawValue) \($0.path)" })
        #expect(documented == served)
        // The router really has each operation (and only 405 answers besides them under /api/v1).
        let world = try await WebWorld.get()
        let site = try await Site(context: world.context)
        let routes = site.router().routes.filter { $0.path.description.hasPrefix("/api/v1") }
        for op in APIOperation.allCases {
            #expect(routes.contains { $0.method == op.method && [op.routerPath, op.path].contains($0.path.description) }, "\(op.rawValue) is routed")
        }
        #expect(routes.count == APIOperation.allCases.count, "no route under /api/v1 is undocumented")
        #expect(API.allowedMethods(for: "/api/v1/enterprises/91330108MA0001393T") == [.get])
        // The fixed operationIds of shared/spec/web-api.md that this platform serves.
        for id in ["listEnterprises", "getEnterprise", "getStatistics", "calculateClaims"] { #expect(APIOperation(rawValue: id) != nil) }
    }

    @Test func aWrongMethodIs405AndTheCalculationIsTheCommandLinesJSON() async throws {
        let world = try await WebWorld.get()
        let token = try await Accounts(world.context).issueToken(user: "demo-analyst")
        let auth: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
        let claims = """
            [{"claim_id": "c1", "enterprise_id": "WHATIF", "district": "滨江区", "matter": "trademark_registration", "date": "2025-03-01", "amount": "300000"},
             {"claim_id": "c2", "enterprise_id": "WHATIF2", "district": "椒江区", "matter": "trademark_registration", "date": "2025-03-01", "amount": 300000}]
            """
        let file = try Repository.temporaryDirectory("calc") + "/claims.json"
        try Data(claims.utf8).write(to: URL(fileURLWithPath: file))
        let expected = try calculatedJSON(claimsFile: file, context: world.context)
        try await world.application().test(.router) { client in
            try await client.execute(uri: "/api/v1/enterprises", method: .delete, headers: auth) { #expect($0.status == .methodNotAllowed) }
            try await client.execute(uri: "/api/v1/calculations", method: .get, headers: auth) { #expect($0.status == .methodNotAllowed) }
            try await client.execute(uri: "/api/v1/calculations", method: .post, headers: auth, body: ByteBuffer(string: claims)) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).replacingOccurrences(of: "请求正文", with: file) == expected || String(buffer: response.body) == expected)
                #expect(String(buffer: response.body).contains("\"200000.00\""))
            }
            try await client.execute(uri: "/api/v1/calculations", method: .post, headers: auth,
                                     body: ByteBuffer(string: #"[{"claim_id": "x1", "enterprise_id": "E", "district": "滨江区", "matter": "trademark_registration", "date": "2025-03-01", "amount": "-5"}]"#)) { response in
                #expect(response.status == .unprocessableContent)
                let body = String(buffer: response.body)
                #expect(body.contains("amount"), "names the field: \(body)")
            }
            try await client.execute(uri: "/api/v1/statistics?by=month&limit=0", method: .get, headers: auth) { response in
                #expect(response.status == .unprocessableContent)
                #expect(String(buffer: response.body).contains("\"field\":\"limit\""))
            }
            try await client.execute(uri: "/api/v1/openapi.json", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func statisticsAnswerFromTheRollupsWithTheirBasisAndMoneyAsYuanStrings() async throws {
        let world = try await WebWorld.get()
        let token = try await Accounts(world.context).issueToken(user: "demo-admin")
        try await world.application().test(.router) { client in
            try await client.execute(uri: "/api/v1/statistics?by=code,direction&from=2025-01&to=2025-12", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                #expect(response.status == .ok)
                let body = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect((body["basis"] as? String)?.hasPrefix("口径") == true)
                let rows = try #require(body["rows"] as? [[String: Any]])
                #expect(!rows.isEmpty)
                for row in rows { #expect((row["amount"] as? String)?.range(of: #"^-?\d+\.\d{2}$"#, options: .regularExpression) != nil) }
            }
        }
    }

    @Test func statisticsByHSChapterAddUpToTheTotal() async throws {
        let world = try await WebWorld.get()
        let token = try await Accounts(world.context).issueToken(user: "demo-analyst")
        try await world.application().test(.router) { client in
            func answer(_ query: String) async throws -> [String: Any] {
                try await client.execute(uri: "/api/v1/statistics" + query, method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                    #expect(response.status == .ok, "\(query)")
                    return try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                }
            }
            let byChapter = try await answer("?by=chapter&limit=10000")
            let total = try await answer("")
            let rows = try #require(byChapter["rows"] as? [[String: Any]])
            #expect(rows.count > 1)
            for row in rows { #expect((row["keys"] as? [String: String])?["chapter"]?.count == 2) }
            #expect(byChapter["total_amount"] as? String == total["total_amount"] as? String)
            let one = try #require((rows.first?["keys"] as? [String: String])?["chapter"])
            let filtered = try await answer("?chapter=\(one)")
            #expect((filtered["rows"] as? [[String: Any]])?.first?["amount"] as? String == rows.first?["amount"] as? String)
            try await client.execute(uri: "/api/v1/statistics?chapter=6", method: .get, headers: [.authorization: "Bearer \(token)"]) { #expect($0.status == .unprocessableContent) }
        }
    }

    @Test func aVoucherRequestIsIdempotentAndScopedToTheCallersEnterprise() async throws {
        let world = try await WebWorld.get()
        let admin = try await Accounts(world.context).issueToken(user: "demo-admin")
        let mine = try await Accounts(world.context).issueToken(user: "demo-enterprise")
        let me = world.users.enterpriseID
        try await world.application().test(.router) { client in
            func post(_ uri: String, _ token: String, _ body: String, key: String? = nil) async throws -> (HTTPResponse.Status, String) {
                var headers: HTTPFields = [.authorization: "Bearer \(token)", .contentType: "application/json"]
                if let key { headers[HTTPField.Name("Idempotency-Key")!] = key }
                return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)) { ($0.status, String(buffer: $0.body)) }
            }
            let batch = try await post("/api/v1/voucher-batches", admin, #"{"policy": "hangzhou-2024", "amount": "1500000.00", "opens_at": "2025-03-01T09:00:00+08:00", "label": "第一批"}"#)
            #expect(batch.0 == .created, "\(batch.1)")
            let body = #"{"enterprise_id": "\#(me)", "contract_no": "WL-001", "contract_amount": "3000000.00", "provider": "某物流", "date": "2026-06-01"}"#
            let first = try await post("/api/v1/vouchers", mine, body, key: "k-1")
            #expect(first.0 == .created)
            #expect(first.1.contains("\"amount\":\"150000.00\""), "5% of 300万: \(first.1)")
            let again = try await post("/api/v1/vouchers", mine, body, key: "k-1")
            #expect(again.0 == .ok && again.1 == first.1, "the same key returns the same answer")
            let changed = try await post("/api/v1/vouchers", mine, body.replacingOccurrences(of: "3000000.00", with: "3000001.00"), key: "k-1")
            #expect(changed.0 == .conflict)
            let noKey = try await post("/api/v1/vouchers", mine, body.replacingOccurrences(of: "WL-001", with: "WL-002"))
            #expect(noKey.0 == .unprocessableContent && noKey.1.contains("Idempotency-Key"))
            let other = try await post("/api/v1/vouchers", mine, body.replacingOccurrences(of: me, with: "91330109MA0000001H"), key: "k-2")
            #expect(other.0 == .forbidden, "another enterprise's id")
            let byAdmin = try await post("/api/v1/vouchers", admin, body, key: "k-3")
            #expect(byAdmin.0 == .forbidden)
            let fractional = try await post("/api/v1/vouchers", mine, body.replacingOccurrences(of: "3000000.00", with: "3000000.001").replacingOccurrences(of: "WL-001", with: "WL-3"), key: "k-4")
            #expect(fractional.0 == .unprocessableContent && fractional.1.contains("contract_amount"))
            let used = try await post("/api/v1/vouchers", mine, body, key: "k-5")
            #expect(used.0 == .unprocessableContent && used.1.contains("contract_used"))
            try await client.execute(uri: "/api/v1/voucher-pool", method: .get, headers: [.authorization: "Bearer \(mine)"]) { response in
                let pool = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(pool["released"] as? String == "1500000.00")
                #expect(pool["reserved"] as? String == "150000.00")
                #expect(pool["remaining"] as? String == "1350000.00")
            }
            // listVouchers: the district user sees its district's enterprise's voucher, the enterprise its own.
            let district = try await Accounts(world.context).issueToken(user: "demo-binjiang")
            for token in [district, mine] {
                try await client.execute(uri: "/api/v1/vouchers", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                    let list = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                    let items = try #require(list["items"] as? [[String: Any]])
                    #expect(items.map { $0["enterprise_id"] as? String } == [me])
                }
            }
            let tooMuch = try await post("/api/v1/voucher-batches", admin, #"{"policy": "hangzhou-2024", "amount": "29000000.00", "opens_at": "2025-03-01T09:00:00+08:00", "label": "超额"}"#)
            #expect(tooMuch.0 == .conflict)
        }
    }
}
