import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KuajingApp
import KuajingDomain
import KuajingTestSupport
import KuajingWeb
import NIOCore
import Testing
import Storage

/// Two cities in one store, through the web layer (issue 18, item 9): 台州's administrator,
/// analyst and auditor neither see nor change any of 杭州's objects, on the API and on the pages,
/// on both engines. Every refused call is made with a body that 杭州's own user then sends
/// successfully, so a refusal is the city check, never a malformed request.
enum WebCitiesApart {
    static let password = "cities-apart-password-1"
    static let funding = Repository.root + "/Tests/KuajingAppTests/Fixtures/funding-test.yaml"

    static func code(_ n: Int) -> String {
        let first = "91330108MA" + String(format: "%07d", n)
        return first + String(CreditCode.checkCharacter(first)!)
    }

    struct World {
        var store: Store
        var context: AppContext
        var company: String
        var budget: Int64
        var voucher: Int64
        var payee: Int64
        var application: Int64
        var batch: Int64
    }

    /// 杭州's objects: a budget, a 运力券 batch and voucher, a payee account, an approved application
    /// paid out in a batch; and users of both cities.
    static func world(_ engine: TestEngine) async throws -> World {
        let store = try await engine.store()
        let context = try testContext(store: store, clock: .fixed(Date(timeIntervalSince1970: 1_751_248_800)), funding: funding)
        let company = code(301)
        try await store.registry.upsert([EnterpriseRow(id: company, creditCode: company, name: "杭州城市隔离测试公司", district: "滨江区")])
        let accounts = Accounts(context)
        for (name, role, city, district, enterprise) in [("hz-admin", Role.admin, "杭州市", nil, nil), ("hz-analyst", .analyst, "杭州市", nil, nil),
                                                         ("hz-auditor", .auditor, "杭州市", nil, nil), ("hz-enterprise", .enterprise, "杭州市", "滨江区", company),
                                                         ("tz-admin", .admin, "台州市", nil, nil), ("tz-analyst", .analyst, "台州市", nil, nil),
                                                         ("tz-auditor", .auditor, "台州市", nil, nil)] as [(String, Role, String, String?, String?)] {
            _ = try await accounts.addUser(.init(name: name, role: role, city: city, district: district, enterpriseID: enterprise, password: password))
        }
        let admin = Viewer(name: "hz-admin", displayName: "杭州管理员", role: .admin, city: "杭州市")
        let analyst = Viewer(name: "hz-analyst", displayName: "杭州分析员", role: .analyst, city: "杭州市")
        let me = Viewer(name: "hz-enterprise", displayName: "企业", role: .enterprise, city: "杭州市", district: "滨江区", enterpriseID: company)
        var budget: Int64 = 0
        for payer in ["市级", "滨江区"] {
            let b = try await BudgetDesk(context).allocate(admin, .init(policy: "hangzhou-2024", measure: "trademark_registration", year: 2025, payer: payer, amount: "1000000.00"))
            _ = try await BudgetDesk(context).release(admin, id: b.id, amount: "500000.00")
            budget = b.id
        }
        _ = try await VoucherDesk(context).openBatch(admin, .init(policy: "hangzhou-2024", amount: "100000.00", opensAt: "2025-01-01T09:00:00+08:00", label: "第一批"))
        guard case let .issued(voucher, _) = try await VoucherDesk(context).request(me, .init(enterpriseID: company, contractNo: "HZ-1", contractAmount: "2000.00",
                                                                                          provider: "物流", date: "2025-03-01", idempotencyKey: "hz-1")) else {
            throw AppError.conflict(message: "voucher not issued")
        }
        let desk = ApplicationDesk(context)
        let cert = try await desk.uploadEvidence(me, name: "开户许可证.pdf", mediaType: "application/pdf", content: Array("开户许可证".utf8))
        let payee = try await PayoutDesk(context).enterPayee(me, .init(enterpriseID: company, bank: "杭州银行", accountNo: "330104007777", holder: "杭州城市隔离测试公司", evidence: cert))
        _ = try await PayoutDesk(context).confirmPayee(admin, id: payee.id)
        let invoice = try await desk.uploadEvidence(me, name: "发票.pdf", mediaType: "application/pdf", content: Array("商标注册费发票".utf8))
        let paid = try await desk.submit(me, .init(enterpriseID: company, matter: "trademark_registration", date: "2025-03-10", amount: "100000.00", evidence: [invoice]))
        _ = try await desk.review(analyst, id: paid.application.id, .init(decision: .approve, amount: nil, reason: "核准"))
        let batch = try await PayoutDesk(context).export(admin)
        // A second payee account, entered and not yet confirmed (the one 台州 tries to confirm).
        let pending = try await PayoutDesk(context).enterPayee(me, .init(enterpriseID: company, bank: "杭州银行", accountNo: "330104008888", holder: "杭州城市隔离测试公司", evidence: cert))
        return World(store: store, context: context, company: company, budget: budget, voucher: voucher.id, payee: pending.id, application: paid.application.id, batch: batch.batch.id)
    }

    static func json(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)", .contentType: "application/json"] }

    static func run(engine: TestEngine) async throws {
        let w = try await world(engine)
        let accounts = Accounts(w.context)
        var token: [String: String] = [:]
        for name in ["hz-admin", "hz-analyst", "hz-auditor", "tz-admin", "tz-analyst", "tz-auditor"] { token[name] = try await accounts.issueToken(user: name) }
        let tz = try #require(token["tz-admin"]), hz = try #require(token["hz-admin"])
        let tzAuditor = try #require(token["tz-auditor"]), hzAuditor = try #require(token["hz-auditor"]), tzAnalyst = try #require(token["tz-analyst"])
        let app = try await WebServer(context: w.context).application()
        try await app.test(.router) { client in
            /// 台州 refused, then 杭州 accepted with the same request.
            func refusedThenAccepted(_ uri: String, _ method: HTTPRequest.Method = .post, body: String, _ what: String) async throws {
                try await client.execute(uri: uri, method: method, headers: json(tz), body: ByteBuffer(string: body)) { r in
                    #expect([.notFound, .forbidden, .unprocessableContent].contains(r.status), "台州 \(what): \(r.status) \(String(buffer: r.body).prefix(200))")
                }
                try await client.execute(uri: uri, method: method, headers: json(hz), body: ByteBuffer(string: body)) { r in
                    #expect((200..<300).contains(r.status.code), "杭州 \(what): \(r.status) \(String(buffer: r.body).prefix(200))")
                }
            }
            // Reads: nothing of 杭州's in 台州's answers.
            for (uri, marker) in [("/api/v1/budgets", "\"budget_id\":\(w.budget)"), ("/api/v1/applications", w.company), ("/api/v1/audit/entries?limit=200", "application:"),
                                  ("/api/v1/vouchers?policy=hangzhou-2024", "HZ-1")] {
                for (who, t) in [("tz-admin", tz), ("tz-auditor", tzAuditor)] {
                    try await client.execute(uri: uri, method: .get, headers: json(t)) { r in
                        #expect(!String(buffer: r.body).contains(marker), "\(who) GET \(uri) shows 杭州's \(marker)")
                    }
                }
                // The same read as 杭州's auditor (or administrator) shows it: the marker is the object's.
                try await client.execute(uri: uri, method: .get, headers: json(uri.contains("audit") ? hzAuditor : hz)) { r in
                    #expect(String(buffer: r.body).contains(marker), "杭州 GET \(uri) shows \(marker): \(String(buffer: r.body).prefix(300))")
                }
            }
            try await client.execute(uri: "/api/v1/audit/entries?limit=200", method: .get, headers: json(hzAuditor)) { r in
                #expect(String(buffer: r.body).contains("application:\(w.application)"), "杭州's auditor reads 杭州's trail")
            }
            try await client.execute(uri: "/api/v1/applications/\(w.application)", method: .get, headers: json(tzAnalyst)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/voucher-pool?policy=hangzhou-2024", method: .get, headers: json(tzAuditor)) { r in
                #expect(r.status != .ok, "台州 reads 杭州's pool: \(String(buffer: r.body).prefix(200))")
            }
            // Writes: each refused to 台州, then done by 杭州 with the same body.
            try await refusedThenAccepted("/api/v1/budgets/\(w.budget)/releases", body: #"{"amount": "0.01"}"#, "release a budget")
            try await refusedThenAccepted("/api/v1/voucher-batches", body: #"{"policy": "hangzhou-2024", "amount": "100.00", "opens_at": "2025-02-01T09:00:00+08:00", "label": "第二批"}"#, "open a voucher batch")
            try await refusedThenAccepted("/api/v1/payee-accounts/\(w.payee)/confirmation", body: "{}", "confirm a payee account")
            try await refusedThenAccepted("/api/v1/vouchers/\(w.voucher)/cancellation", body: #"{"reason": "合同已解除"}"#, "cancel a voucher")
            try await refusedThenAccepted("/api/v1/payout-batches/\(w.batch)/payment", body: #"{"reference": "GK-2025-001"}"#, "mark a batch paid")
        }
        // Pages, signed in as 台州's administrator and auditor.
        try await app.test(.router) { client in
            let tzAdmin = try await Browser.signIn(client, "tz-admin", password: password)
            let tzAudit = try await Browser.signIn(client, "tz-auditor", password: password)
            for (who, b) in [("tz-admin", tzAdmin), ("tz-auditor", tzAudit)] {
                for (path, marker) in [("/payouts", "330104007777"), ("/payouts", "杭州城市隔离测试公司"), ("/admin/users", "hz-admin"), ("/audit/access-log", "hz-admin"),
                                       ("/audit/trail", "application:\(w.application)"), ("/applications", "杭州城市隔离测试公司")] {
                    try await client.execute(uri: path, method: .get, headers: b.headers) { r in
                        #expect(!String(buffer: r.body).contains(marker), "\(who) \(path) shows 杭州's \(marker) (\(r.status))")
                    }
                }
                try await client.execute(uri: "/applications/\(w.application)", method: .get, headers: b.headers) { #expect($0.status == .notFound, "\(who) opens 杭州's application") }
                try await client.execute(uri: "/payouts/\(w.batch)/file.csv", method: .get, headers: b.headers) { r in
                    #expect(r.status == .notFound || r.status == .forbidden, "\(who) downloads 杭州's payout file: \(r.status)")
                }
            }
            // Taking over a 杭州 name through the form, plainly or as a reset: refused, the 杭州 user untouched.
            for reset in ["0", "1"] {
                let form = "name=hz-admin&role=admin&password=taken-over-pass-1&reset=\(reset)&_csrf=\(tzAdmin.csrf)"
                try await client.execute(uri: "/admin/users", method: .post, headers: tzAdmin.formHeaders(), body: ByteBuffer(string: form)) { r in
                    #expect(r.status == .unprocessableContent, "reset \(reset): \(r.status)")
                }
            }
            let hzAdmin = try await Browser.signIn(client, "hz-admin", password: password)
            for (path, marker) in [("/payouts", "330104007777"), ("/admin/users", "hz-admin"), ("/applications", "杭州城市隔离测试公司"), ("/audit/access-log", "hz-admin")] {
                try await client.execute(uri: path, method: .get, headers: hzAdmin.headers) { r in
                    #expect(String(buffer: r.body).contains(marker), "杭州's \(path) shows \(marker)")
                }
            }
            // A task of 杭州's plan: refused to 台州's administrator.
            let task = "plan=hangzhou-2024&clause=1&status=%E6%9A%82%E7%BC%93&note=%E5%8F%B0%E5%B7%9E&_csrf=\(tzAdmin.csrf)"
            try await client.execute(uri: "/plans/task", method: .post, headers: tzAdmin.formHeaders(), body: ByteBuffer(string: task)) { r in
                #expect(r.status != .seeOther && r.status != .ok, "台州 updates 杭州's task: \(r.status)")
            }
        }
        #expect(try await w.store.accounts.user(named: "hz-admin")?.city == "杭州市")
        #expect(try await AuditDesk(w.context).verify().intact)
        try await w.store.close()
    }
}

@Suite("Cities apart through the web layer") struct WebCitiesApartTests {
    @Test func onSQLite() async throws { try await WebCitiesApart.run(engine: .sqlite) }
    @Test(.postgresRequired) func onPostgreSQL() async throws { try await WebCitiesApart.run(engine: .postgres) }
}
