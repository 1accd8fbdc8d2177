import HTTPTypes
import Foundation
import Hummingbird
import HummingbirdAuth
import KuajingApp

/// Security headers and a content-security policy on every answer, and errors turned into the
/// Chinese page or the JSON body their kind calls for (never a stack trace, never a 500 for bad input).
struct SecurityAndErrorsMiddleware: RouterMiddleware {
    typealias Context = WebContext
    let views: Views

    static let policy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = answer(error, request: request, context: context)
        }
        response.headers[.contentSecurityPolicy] = Self.policy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        response.headers[HTTPField.Name("Permissions-Policy")!] = "camera=(), microphone=(), geolocation=()"
        response.headers[HTTPField.Name("Cross-Origin-Opener-Policy")!] = "same-origin"
        return response
    }

    /// A request the server could not answer (a fault of the program): a 500 whose message carries an
    /// id, and a log line with the id, the request and the detail (never shown to the user).
    static func unanswered(_ detail: String, request: Request, context: Context) -> WebFailure {
        let id = String(Accounts.randomToken().prefix(12))
        context.logger.error("unanswered request \(id): \(request.method.rawValue) \(request.uri.path.prefix(200)): \(detail)")
        FileHandle.standardError.write(Data("未能处理的请求 \(id)：\(request.method.rawValue) \(request.uri.path.prefix(200))：\(detail.prefix(500))\n".utf8))
        var failure = WebFailure(.internalFailure(detail: detail))
        failure.message = "服务器内部错误，已记录（编号 \(id)）；请稍后再试"
        return failure
    }

    func answer(_ error: any Error, request: Request, context: Context) -> Response {
        let failure: WebFailure
        switch error {
        case let f as WebFailure: failure = f
        case let AppError.internalFailure(detail): failure = Self.unanswered(detail, request: request, context: context)
        case let e as AppError: failure = WebFailure(e)
        case let e as HTTPError where e.status == .notFound && !API.allowedMethods(for: request.uri.path).isEmpty:
            failure = WebFailure(.methodNotAllowed(allowed: API.allowedMethods(for: request.uri.path).map(\.rawValue)))
        case let e as HTTPError:
            // Hummingbird's own refusals, as the AppError of their kind.
            switch e.status.kind {
            case _ where e.status == .notFound: failure = WebFailure(.notFound(message: "没有这个页面：\(request.uri.path.prefix(200))"))
            case _ where e.status == .contentTooLarge: failure = WebFailure(.tooLarge(message: "请求正文超过 \(WebLimits.formBytes >> 20) MiB 的上限"))
            case _ where e.status == .methodNotAllowed: failure = WebFailure(.methodNotAllowed(allowed: []))
            case .clientError: failure = WebFailure(.invalidInput(field: nil, location: nil, message: e.body ?? "请求无法处理"))
            default: failure = Self.unanswered("HTTPError \(e.status.code): \(e.body ?? "")", request: request, context: context)
            }
        default:
            failure = Self.unanswered(String(describing: error), request: request, context: context)
        }
        if request.uri.path.hasPrefix("/api/") { return failure.jsonResponse }
        if failure.status == .unauthorized {
            return Reply.redirect(Route.login.link + "?next=" + Route.encode(request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")))
        }
        let view = ErrorView(message: failure.message, status: "\(failure.status.code)", field: failure.field)
        return (try? views.page(view, title: "无法完成", current: nil, context: context, status: failure.status))
            ?? Reply.html("<p>\(failure.message)</p>", status: failure.status)
    }
}

/// Who is asking: a bearer token (`Authorization: Bearer …`, checked by its SHA-256, no bcrypt) or
/// the session cookie (stored in the database, so sessions survive a restart).
struct ViewerAuthenticator: AuthenticatorMiddleware {
    typealias Context = WebContext
    typealias Identity = Viewer
    let accounts: Accounts

    static let cookie = "kuajing_session"

    func authenticate(request: Request, context: Context) async throws -> Viewer? {
        if let bearer = request.headers.bearer {
            guard let viewer = try await accounts.bearer(token: bearer.token) else {
                await accounts.logDenied(nil, address: context.address, method: request.method.rawValue, path: request.uri.path, reason: "未知的令牌")
                throw WebFailure.unauthenticated
            }
            return viewer
        }
        return nil
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let viewer = try await authenticate(request: request, context: context) {
            context.identity = viewer
        } else if let token = request.cookies[Self.cookie]?.value, let s = try await accounts.session(token: token) {
            context.identity = s.viewer
            context.csrf = s.csrf
            context.viaSession = true
            context.sessionToken = token
        }
        // A signed-in request that may change something: its changes write their access-log entry
        // in their own transaction (`RequestOrigin`), one entry per request.
        if let viewer = context.identity, request.method != .get, request.method != .head {
            let origin = RequestOrigin(id: Accounts.randomToken(), user: viewer.name, address: context.address,
                                       method: request.method.rawValue, path: request.uri.path)
            return try await RequestOrigin.$current.withValue(origin) { try await next(request, context) }
        }
        return try await next(request, context)
    }
}

/// An unsafe request (POST, PUT, PATCH, DELETE) made with a session cookie must come from this
/// site: its Origin (or, failing that, Referer) names this host. Bearer-token requests carry
/// neither and need neither. The CSRF token of each form is checked where the form is read.
struct OriginGuard: RouterMiddleware {
    typealias Context = WebContext
    let accounts: Accounts

    /// Where a request says it comes from: its Origin, else its Referer's scheme://host:port, and
    /// whether that names this site's host (the Host the request was sent to).
    struct Source {
        var host: String
        var origin: String?
        var isThisSite: Bool

        init(_ request: Request) {
            host = request.head.authority ?? request.headers[HTTPField.Name("Host")!] ?? ""
            origin = request.headers[.origin] ?? request.headers[.referer].flatMap { URL(string: $0) }.map { u in "\(u.scheme ?? "")://\(u.host ?? "")\(u.port.map { ":\($0)" } ?? "")" }
            let originHost = origin.flatMap { URL(string: $0) }.map { u in "\(u.host ?? "")\(u.port.map { ":\($0)" } ?? "")" }
            isThisSite = originHost != nil && !host.isEmpty && originHost == host
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let unsafe: Set<HTTPRequest.Method> = [.post, .put, .patch, .delete]
        if unsafe.contains(request.method), request.cookies[ViewerAuthenticator.cookie] != nil, request.headers.bearer == nil {
            let source = Source(request)
            guard source.isThisSite else {
                await accounts.logDenied(context.identity, address: context.address, method: request.method.rawValue, path: request.uri.path,
                                         reason: "跨站请求：来源 \(source.origin ?? "（无）") 与本站 \(source.host) 不符")
                throw AppError.crossSite(message: "请求来源与本站不符，已拒绝（请从本站页面提交）")
            }
        }
        return try await next(request, context)
    }
}

/// The page of a failed request: its message, status and the field it names.
struct ErrorView: PageView {
    static let template = "error"
    var message: String
    var status: String
    var field: String?
}
