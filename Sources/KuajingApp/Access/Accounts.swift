import TradeData
import Foundation
import HummingbirdBcrypt
import KuajingDomain
import Monitoring
import Synchronization
import Storage

/// Users, sign-in, sessions, bearer tokens and the access log. Passwords are hashed with bcrypt on a
/// thread of their own (never on the caller's executor or an event loop); session and bearer tokens
/// are random 256-bit values stored only as their SHA-256, so a stolen database holds no secret
/// that signs anyone in, and a token is checked without bcrypt.
public struct Accounts: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    /// bcrypt's cost (`AppConfiguration.bcryptCost`: 2^12 rounds, about 0.25 s here; tests lower it).
    var bcryptCost: UInt8 { context.configuration.bcryptCost }
    /// A session lasts eight hours (a working day), then signs in again.
    public static let sessionSeconds: TimeInterval = 8 * 3600
    /// Sign-in throttling: within 15 minutes, 5 failures for one user name or 30 from one address.
    public static let throttleWindow: TimeInterval = 15 * 60
    public static let failuresPerUser = 5
    public static let failuresPerAddress = 30
    /// Verified against when the user does not exist, so that both cases cost one bcrypt (made
    /// once per cost and kept).
    private static let absentUserHashes = Mutex<[UInt8: String]>([:])
    var absentUserHash: String {
        let cost = bcryptCost
        if let known = Self.absentUserHashes.withLock({ $0[cost] }) { return known }
        let made = PasswordPolicy.hash(Accounts.randomToken(), cost: cost)
        return Self.absentUserHashes.withLock { hashes in
            if let known = hashes[cost] { return known }
            hashes[cost] = made
            return made
        }
    }

    public struct NewUser: Sendable {
        public var name: String
        public var displayName: String?
        public var role: Role
        public var city: String
        public var district: String?
        public var enterpriseID: String?
        public var password: String
        /// Who adds the user, for the audit trail (a user name, or `命令行` / `演示数据`).
        public var actor: String
        /// The administrator who adds the user through the platform: it adds only users of its own
        /// city, and a name that exists only as an explicit `reset` of a user of its city. Nil for
        /// the operator of the installation (`kuajing users add`, the demo seed), who may replace any.
        public var administrator: Viewer?
        /// Replace the user of that name (its password, sessions and tokens) instead of refusing.
        public var reset: Bool
        public init(name: String, displayName: String? = nil, role: Role, city: String = "杭州市", district: String? = nil, enterpriseID: String? = nil, password: String,
                    actor: String = "命令行", administrator: Viewer? = nil, reset: Bool = false) {
            self.actor = actor
            self.administrator = administrator
            self.reset = reset
            self.name = name
            self.displayName = displayName
            self.role = role
            self.city = city
            self.district = district
            self.enterpriseID = enterpriseID
            self.password = password
        }
    }

    /// Adds a user (or replaces one of that name, ending its sessions and tokens). The district must
    /// be one of the city's, the enterprise one of the registry's within the city.
    @discardableResult
    public func addUser(_ input: NewUser) async throws(AppError) -> Viewer {
        if let admin = input.administrator {
            guard admin.administers else { throw .forbidden(message: "只有市级管理员可以添加用户") }
            guard input.city == admin.city else { throw .forbidden(message: "只能添加本市（\(admin.city)）的用户") }
        }
        guard input.name.range(of: "^[A-Za-z0-9._-]{1,64}$", options: .regularExpression) != nil else {
            throw .invalidInput(field: "name", location: nil, message: "用户名应为 1 到 64 个字母、数字、点、下划线或连字符，实为“\(input.name)”")
        }
        if let problem = PasswordPolicy.problem(input.password) { throw .invalidInput(field: "password", location: nil, message: problem) }
        if let display = input.displayName { try AppError.checkFreeText(display, field: "display") }
        let cityDistricts: [String]
        do { cityDistricts = try Scope(input.city).districts } catch { throw .invalidInput(field: "city", location: nil, message: "“\(input.city)”不在行政区划表中") }
        var district: String? = nil, enterprise: String? = nil
        switch input.role {
        case .district:
            guard let d = input.district, cityDistricts.contains(d), d != input.city else {
                throw .invalidInput(field: "district", location: nil, message: "区县用户须指定\(input.city)下辖的区县，实为“\(input.district ?? "")”")
            }
            district = d
        case .enterprise:
            guard let e = input.enterpriseID, !e.isEmpty else { throw .invalidInput(field: "enterprise", location: nil, message: "企业用户须指定企业的统一社会信用代码") }
            enterprise = e
        default: break
        }
        let password = input.password, cost = bcryptCost
        let hash = await Self.offThread { PasswordPolicy.hash(password, cost: cost) }
        let now = context.clock.timestamp()
        let user = UserRow(name: input.name, displayName: input.displayName ?? input.name, role: input.role.rawValue, city: input.city, district: district,
                           enterpriseID: enterprise, passwordHash: hash, createdAt: now)
        let reach = EnterpriseRegistry.Reach(districts: cityDistricts)
        // An enterprise user's district is its enterprise's, as the registry holds it.
        let stored = try await context.withStore { store in
            var stored = user
            if let enterprise {
                guard let row = try await store.registry.enterprise(id: enterprise, reach: reach) else {
                    throw AppError.invalidInput(field: "enterprise", location: nil, message: "企业库中没有\(input.city)的企业 \(enterprise)")
                }
                stored.district = row.district
            }
            let mode: AccountStore.SaveMode = input.administrator.map { input.reset ? .resetWithinCity($0.city) : .createOnly } ?? .operatorReplace
            do { try await store.accounts.upsert(stored, mode: mode, by: input.actor, at: now) } catch let refusal as AccountStore.SaveRefusal {
                switch refusal {
                case .nameTaken: throw AppError.conflict(message: "用户名 \(input.name) 已存在；如需重置该用户的密码与角色，请勾选“重置已有用户”")
                case .nameTakenElsewhere: throw AppError.conflict(message: "用户名 \(input.name) 已被占用，请换一个用户名")
                }
            }
            return stored
        }
        return try Viewer(stored)
    }

    /// A city's users, to its administrator and auditor; `everyCity` for the operator of the
    /// installation (`kuajing users list`), never reachable from the web.
    public func users(for viewer: Viewer, everyCity: Bool = false) async throws(AppError) -> [Viewer] {
        guard viewer.may(.readUsers) else { throw .forbidden(message: "只有市级管理员和审计员可以查看用户") }
        return try await context.withStore { store in
            var out: [Viewer] = []
            for u in try await store.accounts.users(city: everyCity ? nil : viewer.city) { out.append(try Viewer(u)) }
            return out
        }
    }

    /// The viewer a stored user stands for (the command line's `--as USER`).
    public func viewer(named name: String) async throws(AppError) -> Viewer {
        guard let user = try await context.withStore({ try await $0.accounts.user(named: name) }) else {
            throw .notFound(message: "没有用户 \(name)；可用 kuajing users list 查看")
        }
        return try Viewer(user)
    }

    // MARK: sign-in and sessions

    public struct Session: Sendable {
        /// The cookie's value: the only copy of the secret.
        public var token: String
        public var csrf: String
        public var viewer: Viewer
        public var expiresAt: String
    }

    /// Checks a password, throttled per user name and per address; a new session on success. Every
    /// outcome is in the access log.
    public func signIn(name: String, password: String, address: String) async throws(AppError) -> Session {
        let now = context.clock.now()
        let since = AppClock.timestamp(now.addingTimeInterval(-Self.throttleWindow))
        return try await context.withStore { store in
            let failures = try await store.accounts.loginFailures(user: name, address: address, since: since)
            if failures.user >= Self.failuresPerUser || failures.address >= Self.failuresPerAddress {
                try await store.accounts.log(AccessLogEntry(at: AppClock.timestamp(now), user: name, address: address, method: "POST", path: "/login",
                                                            outcome: "sign_in_failed", reason: "登录失败次数过多，暂停登录"))
                throw AppError.throttled(message: "登录失败次数过多，请 15 分钟后再试")
            }
            let user = try await store.accounts.user(named: name)
            // A missing user costs the same bcrypt work as a wrong password (no user enumeration by timing).
            let stored = user?.passwordHash
            // A password that could never have been set (too short or too long) opens nothing; it still costs one bcrypt.
            let possible = PasswordPolicy.problem(password) == nil || stored.map { !$0.hasPrefix(PasswordPolicy.prehashPrefix) } == true
            let absent = stored == nil ? absentUserHash : ""
            let ok = await Self.offThread { PasswordPolicy.verify(password, hash: stored ?? absent) && stored != nil && possible }
            guard let user, ok else {
                try await store.accounts.recordLoginFailure(user: name, address: address, at: AppClock.timestamp(now))
                try await store.accounts.log(AccessLogEntry(at: AppClock.timestamp(now), user: name, address: address, method: "POST", path: "/login",
                                                            outcome: "sign_in_failed", reason: "用户名或密码错误"))
                throw AppError.forbidden(message: "用户名或密码错误")
            }
            try await store.accounts.clearLoginFailures(user: name)
            let token = Self.randomToken(), csrf = Self.randomToken()
            let expires = AppClock.timestamp(now.addingTimeInterval(Self.sessionSeconds))
            try await store.accounts.createSession(tokenSHA256: Self.sha256(token), user: user.name, csrf: csrf, createdAt: AppClock.timestamp(now), expiresAt: expires)
            try await store.accounts.log(AccessLogEntry(at: AppClock.timestamp(now), user: name, address: address, method: "POST", path: "/login",
                                                        outcome: "signed_in", reason: "登录成功"))
            return Session(token: token, csrf: csrf, viewer: try Viewer(user), expiresAt: expires)
        }
    }

    /// The viewer and CSRF token of a live session; nil for an unknown or expired one.
    public func session(token: String) async throws(AppError) -> (viewer: Viewer, csrf: String)? {
        guard Self.looksLikeToken(token) else { return nil }
        let now = context.clock.timestamp()
        return try await context.withStore { store in
            guard let s = try await store.accounts.session(tokenSHA256: Self.sha256(token), now: now) else { return nil }
            return (try Viewer(s.user), s.csrf)
        }
    }

    public func signOut(token: String, address: String) async throws(AppError) {
        guard Self.looksLikeToken(token) else { return }
        let now = context.clock.timestamp()
        try await context.withStore { store in
            if let s = try await store.accounts.session(tokenSHA256: Self.sha256(token), now: now) {
                try await store.accounts.log(AccessLogEntry(at: now, user: s.user.name, address: address, method: "POST", path: "/logout", outcome: "signed_out", reason: "退出登录"))
            }
            try await store.accounts.deleteSession(tokenSHA256: Self.sha256(token))
        }
    }

    // MARK: bearer tokens

    /// A new bearer token for a user, with the user's role and scope; `enterprise` (demo world only)
    /// narrows it to the role 企业用户 and that one synthetic enterprise.
    public func issueToken(user name: String, enterprise: String? = nil, actor: String = "命令行") async throws(AppError) -> String {
        let token = Self.randomToken()
        let now = context.clock.timestamp()
        try await context.withStore { store in
            guard let user = try await store.accounts.user(named: name) else { throw AppError.notFound(message: "没有用户 \(name)；可用 kuajing users add 添加") }
            var role = user.role, district = user.district, enterpriseID = user.enterpriseID
            if let enterprise {
                guard try await store.registry.holdsSyntheticEnterprises(),
                      let row = try await store.registry.enterprise(id: enterprise, reach: EnterpriseRegistry.Reach()), row.synthetic else {
                    throw AppError.forbidden(message: "--enterprise 只用于模拟数据（演示环境）中的模拟企业；\(enterprise) 不是模拟企业")
                }
                guard user.role == Role.admin.rawValue else { throw AppError.forbidden(message: "只有市级管理员可以签发代表某一模拟企业的令牌") }
                role = Role.enterprise.rawValue
                district = row.district
                enterpriseID = row.id
            }
            try await store.accounts.createToken(tokenSHA256: Self.sha256(token), user: user.name, role: role, district: district, enterpriseID: enterpriseID, createdAt: now, by: actor)
        }
        return token
    }

    /// The viewer a bearer token stands for; nil for an unknown token.
    public func bearer(token: String) async throws(AppError) -> Viewer? {
        guard Self.looksLikeToken(token) else { return nil }
        return try await context.withStore { store in
            guard let g = try await store.accounts.token(sha256: Self.sha256(token)) else { return nil }
            var user = g.user
            user.role = g.role
            user.district = g.district
            user.enterpriseID = g.enterpriseID
            return try Viewer(user)
        }
    }

    // MARK: the access log

    /// Records a denied request (who, what, when, why). Never throws: a failing log must not turn a
    /// 403 into a 500, but it is reported on standard error.
    public func logDenied(_ viewer: Viewer?, address: String, method: String, path: String, reason: String) async {
        let entry = AccessLogEntry(at: context.clock.timestamp(), user: viewer?.name, address: address, method: method, path: String(path.prefix(500)),
                                   outcome: "denied", reason: reason)
        do { try await context.withStore { try await $0.accounts.log(entry) } } catch {
            FileHandle.standardError.write(Data("访问日志写入失败：\(error.message)\n".utf8))
        }
    }

    /// Records a change of a request whose store call did not write its entry in its own
    /// transaction (an upload into the ledger, a quarantine resubmission); where it did (every
    /// change with an audit event, a task update), this adds nothing (one entry per request).
    public func logChange(_ viewer: Viewer, address: String, method: String, path: String, what: String) async throws(AppError) {
        let entry = AccessLogEntry(at: context.clock.timestamp(), user: viewer.name, address: address, method: method, path: String(path.prefix(500)),
                                   outcome: "changed", reason: what)
        let request = RequestOrigin.current?.id
        try await context.withStore { try await $0.accounts.log(entry, requestID: request) }
    }

    public func accessLog(for viewer: Viewer, limit: Int = 200, offset: Int = 0) async throws(AppError) -> [AccessLogEntry] {
        guard viewer.readsAccessLog else { throw .forbidden(message: "只有审计员和市级管理员可以查看访问日志") }
        return try await context.withStore { try await $0.accounts.accessLog(city: viewer.city, limit: min(max(limit, 1), 10_000), offset: max(offset, 0)) }
    }

    // MARK: secrets

    /// 256 random bits (the system's cryptographic generator), as 64 hex digits.
    public static func randomToken() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%016llx", g.next() as UInt64) }.joined()
    }

    static func looksLikeToken(_ s: String) -> Bool { s.utf8.count == 64 && s.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) } }

    static func sha256(_ s: String) -> String { SHA256Hex.of(s) }

    /// Runs CPU-heavy work (bcrypt) on a Dispatch thread, off the cooperative pool and the event loops.
    static func offThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { c in DispatchQueue.global(qos: .userInitiated).async { c.resume(returning: work()) } }
    }
}
