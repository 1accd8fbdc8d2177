import Foundation
import Hummingbird
import KuajingApp

/// A submitted form (application/x-www-form-urlencoded, at most `WebLimits.formBytes`), with its
/// CSRF token checked against the session's when the request came with a session cookie.
struct Form {
    var fields: [String: String]

    static func read(_ request: Request, context: WebContext) async throws -> Form {
        var request = request
        let buffer = try await request.collectBody(upTo: WebLimits.formBytes)
        let text = String(buffer: buffer)
        let form = Form(fields: parse(text))
        try requireCSRF(form.fields["_csrf"], context: context)
        return form
    }

    /// The one CSRF check (forms, multipart uploads, script uploads): required when the request came
    /// with a session cookie, compared in constant time; bearer-token requests need none.
    static func requireCSRF(_ sent: String?, context: WebContext,
                            message: String = "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重新提交") throws {
        guard context.viaSession else { return }
        guard let sent, let expected = context.csrf, constantTimeEqual(sent, expected) else {
            throw AppError.crossSite(message: message)
        }
    }

    static func parse(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(kv[0]), value = kv.count > 1 ? decode(kv[1]) : ""
            out[key] = value
        }
        return out
    }

    static func decode(_ s: Substring) -> String {
        s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var d: UInt8 = 0
        for i in x.indices { d |= x[i] ^ y[i] }
        return d == 0
    }

    subscript(_ name: String) -> String? { fields[name] }

    /// A required text field, trimmed, at most `max` characters.
    func text(_ name: String, label: String, max: Int = 200, required: Bool = true) throws(AppError) -> String {
        let v = (fields[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if required && v.isEmpty { throw .invalidInput(field: name, location: nil, message: "请填写“\(label)”") }
        if v.count > max { throw .invalidInput(field: name, location: nil, message: "“\(label)”至多 \(max) 个字符") }
        return v
    }
}

/// Who may open a page: checks the role on the server and logs every refusal.
struct AccessCheck: Sendable {
    let accounts: Accounts

    /// The signed-in viewer, if its role holds `permission` (the one table, `Permission`); refused
    /// and logged otherwise. Scope is then the query's business. The page and operation tables
    /// (`PageAction`, `APIOperation`) ask each action's permission here before its handler; a page
    /// handler then only takes the signed-in viewer.
    func viewer(_ request: Request, _ context: WebContext, permission: Permission = .readDashboard) async throws -> Viewer {
        guard let viewer = context.identity else { throw WebFailure.unauthenticated }
        guard viewer.may(permission) else {
            await accounts.logDenied(viewer, address: context.address, method: request.method.rawValue, path: request.uri.path, reason: "角色“\(viewer.role.label)”无权访问")
            throw AppError.forbidden(message: "你的角色（\(viewer.role.label)）无权访问此页面")
        }
        return viewer
    }

    /// Runs a use case; a refusal (AppError.forbidden) is logged before it is answered.
    func run<T>(_ request: Request, _ context: WebContext, _ body: () async throws(AppError) -> T) async throws -> T {
        do { return try await body() } catch {
            if case .forbidden = error {
                await accounts.logDenied(context.identity, address: context.address, method: request.method.rawValue, path: request.uri.path, reason: error.message)
            }
            throw error
        }
    }
}
