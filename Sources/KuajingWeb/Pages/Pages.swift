import Foundation
import Hummingbird
import KuajingApp
import Monitoring

extension Site {
    // MARK: sign-in

    /// The sign-in form carries a token of its own (there is no session yet): a random value set as
    /// a cookie of this site (HttpOnly, SameSite=Strict) and put in the form; a sign-in whose form
    /// token and cookie differ did not come from this site's form (login CSRF) and signs nobody in.
    static let loginCookie = "kuajing_login"
    /// Cookies only over HTTPS (the `secure_cookies` setting, behind a TLS proxy), for the session and the sign-in form alike.
    var secureCookies: Bool { app.configuration.secureCookies }

    struct LoginView: PageView {
        static let template = "login"
        var message: String?
        var next, action, loginToken: String
    }

    func loginForm(_ request: Request, _ context: WebContext, message: String?, status: HTTPResponse.Status = .ok) throws -> Response {
        let next = Route.safeReturn(request.uri.queryParameters.get("next"))
        let token = Accounts.randomToken()
        var response = try views.page(LoginView(message: message?.nilIfEmpty, next: next, action: Route.login.link, loginToken: token), title: "登录", current: nil,
                                      context: context, status: status)
        response.setCookie(Cookie(name: Self.loginCookie, value: token, maxAge: 3600, path: Route.login.link,
                                  secure: secureCookies, httpOnly: true, sameSite: .strict))
        return response
    }

    func signIn(_ request: Request, _ context: WebContext) async throws -> Response {
        var request = request
        let text = String(buffer: try await request.collectBody(upTo: WebLimits.formBytes))
        let form = Form(fields: Form.parse(text))
        // Another site's form: its Origin (or Referer) names another host, or the form's token is
        // not the one this site set. Nobody is signed in; the attempt is in the access log.
        // (A sign-in without Origin or Referer rests on the token alone.)
        let source = OriginGuard.Source(request)
        let cookieToken = request.cookies[Self.loginCookie]?.value ?? ""
        let crossSite = source.origin != nil && !source.isThisSite
        let tokenOK = !cookieToken.isEmpty && form["_csrf"] == cookieToken
        if crossSite || !tokenOK {
            await accounts.logDenied(nil, address: context.address, method: "POST", path: request.uri.path,
                                     reason: crossSite ? "跨站登录：来源 \(source.origin ?? "（无）") 与本站 \(source.host) 不符" : "登录表单的校验码缺失或不符（未经本站登录页）")
            return try loginForm(request, context, message: crossSite ? "请求来源与本站不符，已拒绝（请从本站登录页登录）" : "登录页已过期，请重新输入用户名和密码",
                                 status: .forbidden)
        }
        let name = (form["username"] ?? "").trimmingCharacters(in: .whitespaces), password = form["password"] ?? ""
        guard !name.isEmpty, !password.isEmpty, name.count <= 64, password.count <= 200 else {
            return try loginForm(request, context, message: "请填写用户名和密码", status: .unprocessableContent)
        }
        do {
            let session = try await accounts.signIn(name: name, password: password, address: context.address)
            var response = Reply.redirect(Route.safeReturn(form["next"]))
            response.setCookie(Cookie(name: ViewerAuthenticator.cookie, value: session.token, maxAge: Int(Accounts.sessionSeconds), path: "/",
                                      secure: secureCookies, httpOnly: true, sameSite: .strict))
            return response
        } catch {
            let status: HTTPResponse.Status = { if case .throttled = error { return .tooManyRequests } else { return .unauthorized } }()
            var response = try loginForm(request, context, message: error.message, status: status)
            if status == .unauthorized { response.headers[.wwwAuthenticate] = "FormBased" }
            return response
        }
    }

    func signOut(_ request: Request, _ context: WebContext) async throws -> Response {
        _ = try await Form.read(request, context: context)
        if let token = context.sessionToken { try await accounts.signOut(token: token, address: context.address) }
        var response = Reply.redirect(Route.login.link)
        response.setCookie(Cookie(name: ViewerAuthenticator.cookie, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict))
        return response
    }

    // MARK: small shared pieces

    /// A month from `?month=YYYY-MM`, else the latest month the rollups hold.
    func month(_ request: Request) async throws -> Month {
        if let text = request.uri.queryParameters.get("month"), !text.isEmpty {
            guard let m = Month(text) else { throw AppError.invalidInput(field: "month", location: nil, message: "月份应为 \(Month.years.lowerBound) 至 \(Month.years.upperBound) 年之间的 YYYY-MM，实为“\(text.prefix(20))”") }
            return m
        }
        if let m = try await TradeMonitor(app).latestMonth() { return m }
        let today = app.clock.today()
        return Month(year: today.year, month: today.components.month).adding(-1)
    }

    func synthetic() async -> Bool { await TradeMonitor(app).holdsSyntheticData() }
}
