import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KuajingApp
import KuajingDomain
import KuajingTestSupport
@testable import KuajingWeb
import NIOCore
import Testing

/// Issue 19, item 1: generated values for every query parameter and form field of every page, as
/// every demo role, each answered with 2xx–4xx (never a 5xx, never a crash), and the server still
/// answers afterwards. Deterministic (SplitMix64, fixed seeds), so that a failure is reproducible.
@Suite struct PageFuzzTests {
    /// Values that broke or could break a parser: out-of-range months and days, huge and negative
    /// numbers, fractions of a fen, other scripts' digits, control and format characters, markup,
    /// SQL, path tricks, a long string.
    static let hostile: [String] = [
        "", " ", "0", "-1", "1e309", "9223372036854775808", "-9223372036854775809", "0.001", "NaN", "∞", "١٢٣", "２０２５-０６",
        "0000-01", "0001-01", "9999-12", "2025-00", "2025-13", "2025-02-30", "0000-00-00", "2025-06", "2024-11-01", "20250630",
        "杭州市", "滨江区", "萧山区", "台州市", "hangzhou-2024", "taizhou-2024", "nonexistent", "../../etc/passwd", "%00", "\u{0}", "\u{202E}abc",
        "<script>alert(1)</script>", "' OR '1'='1", "\"; DROP TABLE application; --", "=HYPERLINK(\"x\")", "true", "false", "null", "[]", "{}",
        "csv", "xlsx", "html", "original", "month,district,code", "month,month", "E", "I", "9610", "61", "USA", String(repeating: "长", count: 3000),
    ]
    static let queryNames = ["month", "offset", "before", "by", "enterprise", "format", "kind", "name", "next", "policy", "scope", "status", "unit", "q",
                             "district", "code", "direction", "country", "chapter", "from", "to", "limit", "matter", "year", "id"]
    static let formNames = ["act", "amount", "applicant_type", "date", "decision", "district", "matter", "measure", "next", "password", "payer", "reason",
                            "reference", "reset", "role", "username", "version", "year", "plan", "clause", "note", "name", "display", "enterprise",
                            "bank", "account_no", "holder", "evidence", "policy", "amount0", "matter0", "date0", "confirm", "label", "opens_at"]
    static let pages = ["/", "/monitor", "/report", "/match", "/plans", "/enterprises", "/enterprises/91330108MA0001394X", "/enterprises/x",
                        "/policies", "/policies/hangzhou-2024", "/policies/x", "/policies-compare", "/calculator", "/imports", "/imports/quarantine/1",
                        "/imports/quarantine/99999999999999999999", "/admin/users", "/audit/access-log", "/applications", "/applications/1",
                        "/applications/-1", "/evidence/abc", "/audit/trail", "/payouts", "/payouts/1/file.csv", "/payouts/1/file.xlsx", "/payouts/x/file.pdf"]
    static let forms = ["/plans/task", "/calculator", "/admin/users", "/applications", "/applications/1", "/payouts", "/payee", "/facts/1/voucher",
                        "/applications-from-tiers"]
    static let users = ["demo-admin", "demo-analyst", "demo-binjiang", "demo-enterprise", "demo-auditor"]

    static func encode(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "" }

    /// One to `atMost` generated `name=value` pairs, percent-encoded: a name of `names`, a hostile value.
    static func pairs(_ rng: inout SplitMix64, names: [String], atMost: UInt64) -> [String] {
        (0..<(1 + Int(rng.below(atMost)))).map { _ in
            encode(names[Int(rng.below(UInt64(names.count)))]) + "=" + encode(hostile[Int(rng.below(UInt64(hostile.count)))])
        }
    }

    @Test(arguments: users) func everyPageAnswersGeneratedQueriesWithoutAServerError(user: String) async throws {
        let world = try await WebWorld.get()
        try await world.application().test(.router) { client in
            let browser = try await Browser.signIn(client, user)
            var rng = SplitMix64(seed: UInt64(user.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) }))
            for page in Self.pages {
                for _ in 0..<6 {
                    let uri = page + "?" + Self.pairs(&rng, names: Self.queryNames, atMost: 4).joined(separator: "&")
                    try await client.execute(uri: uri, method: .get, headers: browser.headers) { response in
                        #expect(response.status.code < 500, "\(user) GET \(uri.prefix(200)): \(response.status) \(String(buffer: response.body).prefix(200))")
                    }
                }
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok, "the server still answers") }
        }
    }

    /// The values that trapped or could trap a parser, each in every query parameter of every page,
    /// as the administrator (who may open every page): exhaustive, not sampled.
    static let critical = ["0000-01", "-1", "9223372036854775808", "2025-02-30"]

    @Test func everyCriticalValueInEveryParameterOfEveryPage() async throws {
        let world = try await WebWorld.get()
        try await world.application().test(.router) { client in
            let browser = try await Browser.signIn(client, "demo-admin")
            for page in Self.pages {
                for name in Self.queryNames {
                    for value in Self.critical {
                        let uri = page + "?" + name + "=" + Self.encode(value)
                        try await client.execute(uri: uri, method: .get, headers: browser.headers) { response in
                            #expect(response.status.code < 500, "GET \(uri.prefix(200)): \(response.status) \(String(buffer: response.body).prefix(200))")
                        }
                    }
                }
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok, "the server still answers") }
        }
    }

    @Test(arguments: users) func everyFormAnswersGeneratedFieldsWithoutAServerError(user: String) async throws {
        let world = try await WebWorld.get()
        try await world.application().test(.router) { client in
            let browser = try await Browser.signIn(client, user)
            var rng = SplitMix64(seed: UInt64(user.utf8.reduce(7) { $0 &* 131 &+ UInt64($1) }))
            for form in Self.forms {
                for _ in 0..<6 {
                    let body = (["_csrf=" + browser.csrf] + Self.pairs(&rng, names: Self.formNames, atMost: 6)).joined(separator: "&")
                    try await client.execute(uri: form, method: .post, headers: browser.formHeaders(), body: ByteBuffer(string: body)) { response in
                        #expect(response.status.code < 500, "\(user) POST \(form) \(body.prefix(200)): \(response.status) \(String(buffer: response.body).prefix(200))")
                    }
                }
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok, "the server still answers") }
        }
    }
}
