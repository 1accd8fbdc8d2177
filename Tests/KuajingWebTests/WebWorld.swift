import Foundation
import Hummingbird
import HummingbirdTesting
import KuajingApp
import KuajingTestSupport
import KuajingWeb
import Monitoring
import NIOCore
import Testing

/// One small demo world (a twentieth of the enterprises) on a SQLite store of its own, with the
/// demo users, shared by the web tests (they only read it, or write what no other test reads).
struct WebWorld: Sendable {
    let context: AppContext
    let users: DemoUsers.Created
    static let password = "demo-password-1"

    static let shared = Task { () throws -> WebWorld in
        let store = try await TestEngine.sqlite.store()
        let context = try testContext(store: store, demoPassword: password)
        let dir = try Repository.temporaryDirectory("web")
        let report = try await DemoSeeding(context).seed(.init(seed: 7, scale: 1, through: Month(year: 2025, month: 12), directory: dir, enterpriseDivisor: 20))
        guard let users = report.users else { throw AppError.unavailable(message: "no demo users") }
        return WebWorld(context: context, users: users)
    }

    static func get() async throws -> WebWorld { try await shared.value }

    func application() async throws -> some ApplicationProtocol { try await WebServer(context: context).application() }

    /// An enterprise of another district than 滨江区.
    func enterpriseOutsideBinjiang() async throws -> String {
        let admin = Viewer(name: "t", displayName: "t", role: .admin, city: "杭州市")
        let page = try await EnterpriseDirectory(context).search(admin, district: "萧山区", limit: 1)
        return try #require(page.items.first).id
    }
}

/// A signed-in browser: the session cookie and the CSRF token of its pages.
struct Browser {
    var cookie: String
    var csrf: String

    /// What the sign-in page hands a browser before it signs in: its cookie and the form's token.
    static func loginForm(_ client: some TestClientProtocol) async throws -> (cookie: String, token: String) {
        try await client.execute(uri: "/login", method: .get) { response -> (String, String) in
            let setCookie = try #require(response.headers[.setCookie])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
            let html = String(buffer: response.body)
            let marker = "name=\"_csrf\" value=\""
            let start = try #require(html.range(of: marker)).upperBound
            return (String(setCookie.split(separator: ";")[0]), String(html[start...].prefix { $0 != "\"" }))
        }
    }

    /// The headers and body of a sign-in from this site's own form (`fields` without the token).
    static func loginPost(_ client: some TestClientProtocol, _ fields: String) async throws -> (headers: HTTPFields, body: ByteBuffer) {
        let form = try await loginForm(client)
        return ([.contentType: "application/x-www-form-urlencoded", .cookie: form.cookie], ByteBuffer(string: fields + "&_csrf=" + form.token))
    }

    static func signIn(_ client: some TestClientProtocol, _ name: String, password: String = WebWorld.password) async throws -> Browser {
        let login = try await loginPost(client, "username=\(name)&password=\(password)&next=/")
        let cookie = try await client.execute(uri: "/login", method: .post, headers: login.headers, body: login.body) { response -> String in
            #expect(response.status == .seeOther, "sign-in of \(name): \(response.status)")
            let setCookie = try #require(response.headers[.setCookie])
            #expect(setCookie.contains("HttpOnly"))
            #expect(setCookie.contains("SameSite=Strict"))
            return String(setCookie.split(separator: ";")[0])
        }
        let csrf = try await client.execute(uri: "/policies", method: .get, headers: [.cookie: cookie]) { response -> String in
            let html = String(buffer: response.body)
            let marker = "name=\"_csrf\" value=\""
            let start = try #require(html.range(of: marker)).upperBound
            return String(html[start...].prefix { $0 != "\"" })
        }
        return Browser(cookie: cookie, csrf: csrf)
    }

    var headers: HTTPFields { [.cookie: cookie] }

    /// A form post as the browser sends it: the session cookie, this site's Origin, the CSRF token.
    func formHeaders(origin: String = "http://localhost") -> HTTPFields {
        [.cookie: cookie, .origin: origin, .contentType: "application/x-www-form-urlencoded"]
    }
}
