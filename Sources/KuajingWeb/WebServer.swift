import Foundation
import Hummingbird
import HummingbirdAuth
import KuajingApp
import Logging
import NIOCore

/// `kuajing serve`: the platform over one shared store. The store is opened and migrated once and
/// kept for the server's life; every request's use case runs on it.
public struct WebServer: Sendable {
    public let context: AppContext
    public let host: String
    public let port: Int

    public init(context: AppContext, host: String = "127.0.0.1", port: Int = 8080) {
        self.context = context
        self.host = host
        self.port = port
    }

    /// The application, for `run` and for in-process route tests.
    public func application(onStarted: (@Sendable (Int) async -> Void)? = nil) async throws -> some ApplicationProtocol {
        let site = try await Site(context: context)
        var logger = Logger(label: "kuajing")
        logger.logLevel = Logger.Level(rawValue: context.configuration.logLevel) ?? .warning
        return Application(router: site.router(), configuration: .init(address: .hostname(host, port: port), serverName: "kuajing"),
                           onServerRunning: { channel in await onStarted?(channel.localAddress?.port ?? 0) }, logger: logger)
    }

    /// Runs until the process is stopped (SIGINT/SIGTERM end it gracefully).
    public func run(onStarted: (@Sendable (Int) async -> Void)? = nil) async throws {
        try await application(onStarted: onStarted).runService()
    }
}

/// Everything a route needs: the application context, the templates, the access checks.
struct Site: Sendable {
    let app: AppContext
    let views: Views
    let accounts: Accounts
    let access: AccessCheck
    let reports = ReportCache()
    /// `/api/v1/openapi.json`: the operation table with the descriptions of `web/openapi.json`.
    let openAPIDocument: String

    init(context: AppContext) async throws {
        app = context
        views = try await Views(directory: context.configuration.home + "/web")
        guard let template = FileManager.default.contents(atPath: views.directory + "/openapi.json") else {
            throw AppError.unavailable(message: "找不到接口说明 \(views.directory)/openapi.json")
        }
        openAPIDocument = try API.document(template: template)
        accounts = Accounts(context)
        access = AccessCheck(accounts: accounts)
    }

    func router() -> Router<WebContext> {
        let router = Router(context: WebContext.self)
        router.add(middleware: SecurityAndErrorsMiddleware(views: views))
        router.add(middleware: ViewerAuthenticator(accounts: accounts))
        router.add(middleware: OriginGuard(accounts: accounts))
        router.get("/favicon.ico") { _, _ in Response(status: .noContent) }
        // For a supervisor (deploy/kuajing-health.service): 200 when the store answers, 503 when not;
        // no data, no sign-in.
        router.get("/healthz") { [app] _, _ in
            do {
                _ = try await app.withStore { try await $0.audit.head() }
                return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
            } catch {
                return Response(status: .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8", .cacheControl: "no-store"],
                                body: .init(byteBuffer: ByteBuffer(string: "store unavailable\n")))
            }
        }
        router.get("/assets/:file") { _, context in try asset(context.parameters.get("file") ?? "") }
        addPages(to: router)
        API(site: self).add(to: router)
        return router
    }

    /// The site's own stylesheet and script, by name from a fixed list (no path from the request reaches the file system).
    static let assets = ["kuajing.css": "text/css; charset=utf-8", "upload.js": "text/javascript; charset=utf-8", "print.js": "text/javascript; charset=utf-8"]

    func asset(_ name: String) throws -> Response {
        guard let type = Self.assets[name], let data = FileManager.default.contents(atPath: views.directory + "/assets/" + name) else { throw HTTPError(.notFound) }
        return Response(status: .ok, headers: [.contentType: type, .cacheControl: "max-age=3600"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
