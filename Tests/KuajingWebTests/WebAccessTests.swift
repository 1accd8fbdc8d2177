import Foundation
import Hummingbird
import HummingbirdTesting
import KuajingApp
import KuajingTestSupport
import NIOCore
import Testing

/// Route tests in process: sign-in, roles and scopes on pages and on the API, CSRF and Origin, headers.
@Suite struct WebAccessTests {
    @Test func everyPageNeedsASignInAndEveryRoleOpensItsPages() async throws {
        let world = try await WebWorld.get()
        try await world.application().test(.router) { client in
            try await client.execute(uri: "/monitor", method: .get) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location]?.hasPrefix("/login?next=") == true)
            }
            try await client.execute(uri: "/api/v1/enterprises", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains("\"code\":\"unauthenticated\""))
            }
            let pages: [(String, [String])] = [
                ("demo-admin", ["/", "/monitor", "/report", "/match", "/plans", "/enterprises", "/policies", "/policies/hangzhou-2024", "/policies-compare", "/calculator", "/imports", "/admin/users", "/audit/access-log"]),
                ("demo-analyst", ["/", "/monitor", "/report", "/match", "/plans", "/enterprises", "/calculator", "/imports"]),
                ("demo-binjiang", ["/", "/monitor", "/report", "/plans", "/enterprises", "/imports"]),
                ("demo-enterprise", ["/monitor", "/enterprises", "/policies", "/calculator"]),
                ("demo-auditor", ["/", "/monitor", "/report", "/match", "/plans", "/enterprises", "/admin/users", "/audit/access-log"]),
            ]
            for (user, paths) in pages {
                let browser = try await Browser.signIn(client, user)
                for path in paths {
                    try await client.execute(uri: path, method: .get, headers: browser.headers) { response in
                        #expect(response.status == .ok, "\(user) \(path): \(response.status) \(String(buffer: response.body).prefix(300))")
                        #expect(response.headers[.contentSecurityPolicy]?.contains("default-src 'self'") == true)
                        #expect(response.headers[.xContentTypeOptions] == "nosniff")
                    }
                }
            }
        }
    }

    @Test func rolesAreRefusedPagesOutsideTheirRoleAndTheRefusalIsLogged() async throws {
        let world = try await WebWorld.get()
        try await world.application().test(.router) { client in
            let enterprise = try await Browser.signIn(client, "demo-enterprise")
            for path in ["/admin/users", "/audit/access-log", "/imports", "/match", "/plans", "/report"] {
                try await client.execute(uri: path, method: .get, headers: enterprise.headers) { response in
                    #expect(response.status == .forbidden, "demo-enterprise \(path): \(response.status)")
                }
            }
            let district = try await Browser.signIn(client, "demo-binjiang")
            try await client.execute(uri: "/admin/users", method: .get, headers: district.headers) { #expect($0.status == .forbidden) }
            let auditor = try await Browser.signIn(client, "demo-auditor")
            try await client.execute(uri: "/audit/access-log", method: .get, headers: auditor.headers) { response in
                let html = String(buffer: response.body)
                #expect(html.contains("demo-enterprise"))
                #expect(html.contains("/admin/users"))
            }
        }
    }

    @Test func aDistrictUserCannotReachAnotherDistrictsEnterpriseByPageOrAPI() async throws {
        let world = try await WebWorld.get()
        let outside = try await world.enterpriseOutsideBinjiang()
        let token = try await Accounts(world.context).issueToken(user: "demo-binjiang")
        try await world.application().test(.router) { client in
            let district = try await Browser.signIn(client, "demo-binjiang")
            try await client.execute(uri: "/enterprises/\(outside)", method: .get, headers: district.headers) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/enterprises/\(outside)", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                #expect(response.status == .notFound)
                #expect(!String(buffer: response.body).contains("萧山区"))
            }
            // Their own district's enterprise is there, and a search finds only 滨江区.
            try await client.execute(uri: "/api/v1/enterprises/\(world.users.enterpriseID)", method: .get, headers: [.authorization: "Bearer \(token)"]) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/enterprises?limit=10000", method: .get, headers: [.authorization: "Bearer \(token)"]) { response in
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let items = try #require(body?["items"] as? [[String: Any]])
                #expect(!items.isEmpty)
                #expect(items.allSatisfy { $0["district"] as? String == "滨江区" })
            }
            // Asking the statistics of another district is refused, not silently emptied.
            try await client.execute(uri: "/api/v1/statistics?district=%E8%90%A7%E5%B1%B1%E5%8C%BA", method: .get, headers: [.authorization: "Bearer \(token)"]) { #expect($0.status == .forbidden) }
            // The enterprise user sees its own enterprise only.
            let mine = try await Accounts(world.context).issueToken(user: "demo-enterprise")
            try await client.execute(uri: "/api/v1/enterprises", method: .get, headers: [.authorization: "Bearer \(mine)"]) { response in
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(body?["total"] as? Int == 1)
            }
        }
    }

    @Test func aFormNeedsItsCSRFTokenAndThisSitesOrigin() async throws {
        let world = try await WebWorld.get()
        try await world.application().test(.router) { client in
            let analyst = try await Browser.signIn(client, "demo-analyst")
            let body = "matter0=trademark_registration&amount0=300000&date0=2025-06-01&district=%E6%BB%A8%E6%B1%9F%E5%8C%BA"
            try await client.execute(uri: "/calculator", method: .post, headers: analyst.formHeaders(), body: ByteBuffer(string: body)) { response in
                #expect(response.status == .forbidden, "no CSRF token")
            }
            try await client.execute(uri: "/calculator", method: .post, headers: analyst.formHeaders(origin: "http://evil.example"), body: ByteBuffer(string: body + "&_csrf=\(analyst.csrf)")) { response in
                #expect(response.status == .forbidden, "foreign origin")
            }
            try await client.execute(uri: "/calculator", method: .post, headers: analyst.formHeaders(), body: ByteBuffer(string: body + "&_csrf=\(analyst.csrf)")) { response in
                #expect(response.status == .ok)
                let html = String(buffer: response.body)
                #expect(html.contains("200,000.00"), "杭州 附件（十二）: 300,000 × 70% capped at 200,000")
            }
        }
    }

    @Test func aMaliciousNextIsNotFollowedAndTheLoginIsThrottled() async throws {
        let world = try await WebWorld.get()
        try await world.application().test(.router) { client in
            let evil = try await Browser.loginPost(client, "username=demo-auditor&password=\(WebWorld.password)&next=//evil.example/x")
            try await client.execute(uri: "/login", method: .post, headers: evil.headers, body: evil.body) { response in
                #expect(response.headers[.location] == "/")
            }
            let name = "demo-throttle"
            try await Accounts(world.context).addUser(.init(name: name, role: .analyst, password: "right-password"))
            for _ in 0..<Accounts.failuresPerUser {
                let wrong = try await Browser.loginPost(client, "username=\(name)&password=wrong-password")
                try await client.execute(uri: "/login", method: .post, headers: wrong.headers, body: wrong.body) { #expect($0.status == .unauthorized) }
            }
            let right = try await Browser.loginPost(client, "username=\(name)&password=right-password")
            try await client.execute(uri: "/login", method: .post, headers: right.headers, body: right.body) { #expect($0.status == .tooManyRequests) }
        }
    }

    /// Login CSRF: another site's form, or a form without this site's token, signs nobody in (403, logged).
    @Test func aSignInFromAnotherSiteSignsNobodyIn() async throws {
        let world = try await WebWorld.get()
        try await world.application().test(.router) { client in
            let fields = "username=demo-analyst&password=\(WebWorld.password)&next=/"
            var foreign = try await Browser.loginPost(client, fields)
            foreign.headers[.origin] = "http://evil.example"
            try await client.execute(uri: "/login", method: .post, headers: foreign.headers, body: foreign.body) { response in
                #expect(response.status == .forbidden)
                #expect(response.headers[.setCookie]?.contains("kuajing_session") != true, "no session cookie")
            }
            var referred = try await Browser.loginPost(client, fields)
            referred.headers[.referer] = "https://evil.example/login.html"
            try await client.execute(uri: "/login", method: .post, headers: referred.headers, body: referred.body) { #expect($0.status == .forbidden) }
            // No token at all (a bare form post), or a token that is not the cookie's.
            try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"], body: ByteBuffer(string: fields)) {
                #expect($0.status == .forbidden)
            }
            let mine = try await Browser.loginForm(client)
            try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: mine.cookie],
                                     body: ByteBuffer(string: fields + "&_csrf=" + String(repeating: "0", count: 64))) { #expect($0.status == .forbidden) }
            // This site's own origin and token: signed in.
            var own = try await Browser.loginPost(client, fields)
            own.headers[.origin] = "http://localhost"
            try await client.execute(uri: "/login", method: .post, headers: own.headers, body: own.body) { #expect($0.status == .seeOther) }
            let log = try await Accounts(world.context).accessLog(for: Viewer(name: "a", displayName: "a", role: .auditor, city: "杭州市"), limit: 50)
            #expect(log.contains { $0.reason.contains("跨站登录") && $0.reason.contains("evil.example") }, "the refused sign-in is in the access log")
        }
    }

    @Test func aScriptInATextFieldIsShownAsText() async throws {
        let world = try await WebWorld.get()
        try await world.application().test(.router) { client in
            let admin = try await Browser.signIn(client, "demo-admin")
            try await client.execute(uri: "/enterprises?q=%3Cscript%3Ealert(1)%3C/script%3E", method: .get, headers: admin.headers) { response in
                let html = String(buffer: response.body)
                #expect(!html.contains("<script>alert(1)</script>"))
                #expect(html.contains("&lt;script&gt;"))
            }
        }
    }

    @Test func theQuarantineIsForCityRolesAndTheEnterpriseFilterKeepsTheScope() async throws {
        let world = try await WebWorld.get()
        let outside = try await world.enterpriseOutsideBinjiang()
        try await world.application().test(.router) { client in
            let analyst = try await Browser.signIn(client, "demo-analyst")
            try await client.execute(uri: "/imports/quarantine/999999", method: .get, headers: analyst.headers) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/monitor?by=month&enterprise=\(outside)", method: .get, headers: analyst.headers) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains("范围：\(outside)"))
            }
            let district = try await Browser.signIn(client, "demo-binjiang")
            try await client.execute(uri: "/imports/quarantine/1", method: .get, headers: district.headers) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/imports", method: .get, headers: district.headers) { response in
                #expect(!String(buffer: response.body).contains("隔离区"))
            }
            try await client.execute(uri: "/monitor?by=month&enterprise=\(outside)", method: .get, headers: district.headers) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/monitor?by=month&enterprise=\(world.users.enterpriseID)", method: .get, headers: district.headers) { #expect($0.status == .ok) }
        }
    }

    @Test func anUploadIsRecordedUnderTheUsersFileNameAndAnEmptyMessageShowsNoBox() async throws {
        let world = try await WebWorld.get()
        let token = try await Accounts(world.context).issueToken(user: "demo-analyst")
        try await world.application().test(.router) { client in
            try await client.execute(uri: "/api/v1/imports?name=broken-upload.xml", method: .post, headers: [.authorization: "Bearer \(token)"],
                                     body: ByteBuffer(string: "<ceb:CEB603Message><unclosed>")) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                #expect(String(buffer: response.body).contains("\"quarantined\":1"))
            }
            let analyst = try await Browser.signIn(client, "demo-analyst")
            try await client.execute(uri: "/imports", method: .get, headers: analyst.headers) { response in
                let html = String(buffer: response.body)
                #expect(html.contains("broken-upload.xml"))
                #expect(!html.contains("kuajing-upload"), "no server path shown")
            }
            try await client.execute(uri: "/calculator", method: .get, headers: analyst.headers) { response in
                #expect(!String(buffer: response.body).contains("class=\"alert\""), "no empty error box")
            }
        }
    }
}
