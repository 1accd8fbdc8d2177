import Foundation
import Hummingbird
import KuajingApp

/// 用户管理 (the administrator adds users; the auditor may read the list) and 访问日志 (the auditor
/// and the administrator read who was refused what, and every sign-in).
extension Site {
    // MARK: 用户管理: model (the users of the viewer's city), query, view

    struct UsersModel {
        var users: [Viewer]
        var canAdd: Bool
        var message: String?
    }

    struct UsersView: PageView {
        static let template = "users"
        struct Row: Sendable { var name: String; var display: String; var role: String; var scope: String }
        struct Choice: Sendable { var value: String; var label: String }
        var users: [Row]
        var canAdd: Bool
        var action: String
        var message: String?
        var roles: [Choice]
    }

    func usersQuery(_ viewer: Viewer, message: String?) async throws(AppError) -> UsersModel {
        UsersModel(users: try await accounts.users(for: viewer), canAdd: viewer.administers, message: message)
    }

    static func usersView(_ m: UsersModel) -> UsersView {
        UsersView(users: m.users.map { .init(name: $0.name, display: $0.displayName, role: $0.role.label, scope: $0.role == .enterprise ? ($0.enterpriseID ?? "") : $0.scopeName) },
                  canAdd: m.canAdd, action: Route.users.link, message: m.message?.nilIfEmpty, roles: Role.allCases.map { .init(value: $0.rawValue, label: $0.label) })
    }

    func users(_ request: Request, _ context: WebContext, message: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let model = try await access.run(request, context) { () async throws(AppError) in try await usersQuery(viewer, message: message) }
        return try views.page(Self.usersView(model), title: "用户管理", current: .users, context: context, synthetic: await synthetic(), status: status)
    }

    func addUser(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let form = try await Form.read(request, context: context)
        do {
            guard let role = Role(rawValue: form["role"] ?? "") else { throw AppError.invalidInput(field: "role", location: nil, message: "请选择角色") }
            let added = try await accounts.addUser(Accounts.NewUser(
                name: try form.text("name", label: "用户名", max: 64), displayName: try form.text("display", label: "姓名或单位", max: 60, required: false).nilIfEmpty,
                role: role, city: viewer.city, district: try form.text("district", label: "区县", max: 20, required: false).nilIfEmpty,
                enterpriseID: try form.text("enterprise", label: "企业统一社会信用代码", max: 64, required: false).nilIfEmpty,
                password: form["password"] ?? "", actor: viewer.name, administrator: viewer, reset: form["reset"] == "1"))
            return try await users(request, context, message: "已添加用户 \(added.name)（\(added.role.label)，\(added.role == .enterprise ? (added.enterpriseID ?? "") : added.scopeName)）")
        } catch let error as AppError {
            return try await users(request, context, message: error.message, status: .unprocessableContent)
        }
    }

    // MARK: 访问日志: model (a page of the city's entries), query, view

    struct AccessLogModel {
        var entries: [AccessLogEntry]
        var offset: Int
        static let pageSize = 200
    }

    struct AccessLogView: PageView {
        static let template = "access-log"
        struct Row: Sendable { var at: String; var user: String; var address: String; var method: String; var path: String; var outcome: String; var denied: Bool; var reason: String }
        var entries: [Row]
        var next: String?
    }

    func accessLogQuery(_ viewer: Viewer, offset: Int) async throws(AppError) -> AccessLogModel {
        AccessLogModel(entries: try await accounts.accessLog(for: viewer, limit: AccessLogModel.pageSize, offset: offset), offset: offset)
    }

    static func accessLogView(_ m: AccessLogModel) -> AccessLogView {
        let outcomes = ["denied": "拒绝", "signed_in": "登录", "sign_in_failed": "登录失败", "signed_out": "退出", "changed": "修改"]
        return AccessLogView(
            entries: m.entries.map { .init(at: Show.time($0.at), user: $0.user ?? "（未登录）", address: $0.address, method: $0.method, path: $0.path,
                                           outcome: outcomes[$0.outcome] ?? $0.outcome, denied: $0.outcome == "denied", reason: $0.reason) },
            next: m.entries.count == AccessLogModel.pageSize ? Route.accessLog.link + "?offset=\(m.offset + AccessLogModel.pageSize)" : nil)
    }

    func accessLog(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let offset = max(0, Int(request.uri.queryParameters.get("offset") ?? "0") ?? 0)
        let model = try await access.run(request, context) { () async throws(AppError) in try await accessLogQuery(viewer, offset: offset) }
        return try views.page(Self.accessLogView(model), title: "访问日志", current: .accessLog, context: context, synthetic: await synthetic())
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
