import Foundation

/// A user of the web platform as stored: a role and the scope it reaches (a district, an enterprise).
public struct UserRow: Sendable, Equatable {
    public var name: String
    public var displayName: String
    public var role: String
    public var city: String
    public var district: String?
    public var enterpriseID: String?
    public var passwordHash: String
    public var createdAt: String

    public init(name: String, displayName: String, role: String, city: String, district: String?, enterpriseID: String?, passwordHash: String, createdAt: String) {
        self.name = name
        self.displayName = displayName
        self.role = role
        self.city = city
        self.district = district
        self.enterpriseID = enterpriseID
        self.passwordHash = passwordHash
        self.createdAt = createdAt
    }
}

/// A bearer token's grant: the user's role and scope, or (demo world) a narrower enterprise scope.
public struct TokenGrant: Sendable, Equatable {
    public var user: UserRow
    public var role: String
    public var district: String?
    public var enterpriseID: String?
}

/// One line of the access log: who did what, when, and what came of it.
public struct AccessLogEntry: Sendable, Equatable {
    public var id: Int64
    public var at: String
    public var user: String?
    public var address: String
    public var method: String
    public var path: String
    public var outcome: String
    public var reason: String

    public init(id: Int64 = 0, at: String, user: String?, address: String, method: String, path: String, outcome: String, reason: String) {
        self.id = id
        self.at = at
        self.user = user
        self.address = address
        self.method = method
        self.path = path
        self.outcome = outcome
        self.reason = reason
    }
}

/// The accounts context: users, sessions, bearer tokens, login failures and the access log
/// (tables `app_user`, `web_session`, `api_token`, `login_failure`, `access_log`). Secrets come in
/// already hashed; timestamps are the clock's ISO text with +08:00, so they compare as text.
public struct AccountStore: Sendable {
    public let backend: any StoreBackend

    public init(backend: any StoreBackend) { self.backend = backend }

    static let userColumns = "u.name, u.display_name, u.role, u.city, u.district, u.enterprise_id, u.password_hash, u.created_at"

    static func user(_ row: SQLRow) throws -> UserRow {
        UserRow(name: try row.text("name"), displayName: try row.text("display_name"), role: try row.text("role"), city: try row.text("city"),
                district: try row.optionalText("district"), enterpriseID: try row.optionalText("enterprise_id"),
                passwordHash: try row.text("password_hash"), createdAt: try row.text("created_at"))
    }

    /// Adds a user, or replaces one of the same name (its sessions and tokens end with the change).
    /// What saving a user may do to one that exists under the same name.
    public enum SaveMode: Sendable, Equatable {
        /// Only a new name (the web's 添加用户).
        case createOnly
        /// An explicit reset, allowed only for a user of this city (the web's 重置).
        case resetWithinCity(String)
        /// The operator of the installation (`kuajing users add`, the demo seed): any user.
        case operatorReplace
    }

    /// Why a save was refused, decided in its transaction.
    public enum SaveRefusal: Error, Sendable, Equatable {
        /// The name is taken (by a user of the city, when no reset was asked).
        case nameTaken
        /// The name is taken by a user of another city, which this city may not touch.
        case nameTakenElsewhere
    }

    /// Saves a user; a user of that name is replaced (its sessions and tokens end) only as `mode`
    /// allows, decided from the row as it stands in this transaction.
    public func upsert(_ user: UserRow, mode: SaveMode = .operatorReplace, by actor: String, at now: String) async throws {
        try await backend.write { db in
            let existing = try db.rows("SELECT city FROM app_user WHERE name = ?\(db.dialect == .postgres ? " FOR UPDATE" : "")", [.text(user.name)]).first
            if let existing {
                let city = try existing.text("city")
                switch mode {
                case .createOnly: throw city == user.city ? SaveRefusal.nameTaken : SaveRefusal.nameTakenElsewhere
                case let .resetWithinCity(own): if city != own || user.city != own { throw SaveRefusal.nameTakenElsewhere }
                case .operatorReplace: break
                }
            }
            try db.execute("DELETE FROM web_session WHERE user_name = ?", [.text(user.name)])
            try db.execute("DELETE FROM api_token WHERE user_name = ?", [.text(user.name)])
            try db.execute("DELETE FROM app_user WHERE name = ?", [.text(user.name)])
            try db.execute("""
                INSERT INTO app_user (name, display_name, role, city, district, enterprise_id, password_hash, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(user.name), .text(user.displayName), .text(user.role), .text(user.city), user.district.map(SQLValue.text) ?? .null,
                      user.enterpriseID.map(SQLValue.text) ?? .null, .text(user.passwordHash), .text(user.createdAt)])
            try AuditTrail.append(db, AuditEvent(
                actor: actor, action: "user.saved", subject: "app_user:\(user.name)",
                details: ["name": .text(user.name), "display_name": .text(user.displayName), "city": .text(user.city)],
                effects: [.set("app_user", user.name, "role", .text(user.role)), .set("app_user", user.name, "district", AuditValue(user.district)),
                          .set("app_user", user.name, "enterprise_id", AuditValue(user.enterpriseID))]), at: now)
        }
    }

    public func user(named name: String) async throws -> UserRow? {
        try await backend.read { db in
            try db.rows("SELECT \(Self.userColumns) FROM app_user u WHERE u.name = ?", [.text(name)]).first.map(Self.user)
        }
    }

    /// Every user, or those of one city.
    public func users(city: String? = nil) async throws -> [UserRow] {
        try await backend.read { db in
            if let city { return try db.rows("SELECT \(Self.userColumns) FROM app_user u WHERE u.city = ? ORDER BY u.name", [.text(city)]).map(Self.user) }
            return try db.rows("SELECT \(Self.userColumns) FROM app_user u ORDER BY u.name", []).map(Self.user)
        }
    }

    // MARK: sessions

    public func createSession(tokenSHA256: String, user: String, csrf: String, createdAt: String, expiresAt: String) async throws {
        try await backend.write { db in
            try db.execute("INSERT INTO web_session (token_sha256, user_name, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                           [.text(tokenSHA256), .text(user), .text(csrf), .text(createdAt), .text(expiresAt)])
        }
    }

    /// The session's user and CSRF token, when the session exists and has not expired at `now`.
    public func session(tokenSHA256: String, now: String) async throws -> (user: UserRow, csrf: String)? {
        try await backend.read { db in
            guard let row = try db.rows("""
                SELECT \(Self.userColumns), s.csrf FROM web_session s JOIN app_user u ON u.name = s.user_name
                WHERE s.token_sha256 = ? AND s.expires_at > ?
                """, [.text(tokenSHA256), .text(now)]).first else { return nil }
            return (try Self.user(row), try row.text("csrf"))
        }
    }

    public func deleteSession(tokenSHA256: String) async throws {
        try await backend.write { db in try db.execute("DELETE FROM web_session WHERE token_sha256 = ?", [.text(tokenSHA256)]) }
    }

    // MARK: bearer tokens

    public func createToken(tokenSHA256: String, user: String, role: String, district: String?, enterpriseID: String?, createdAt: String, by actor: String) async throws {
        try await backend.write { db in
            try db.execute("INSERT INTO api_token (token_sha256, user_name, role, district, enterprise_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                           [.text(tokenSHA256), .text(user), .text(role), district.map(SQLValue.text) ?? .null, enterpriseID.map(SQLValue.text) ?? .null, .text(createdAt)])
            // The token's hash is not recorded: the trail is read by auditors, and a hash of a secret is still a lead.
            try AuditTrail.append(db, AuditEvent(
                actor: actor, action: "token.issued", subject: "app_user:\(user)",
                details: ["role": .text(role), "district": AuditValue(district), "enterprise_id": AuditValue(enterpriseID)]), at: createdAt)
        }
    }

    public func token(sha256: String) async throws -> TokenGrant? {
        try await backend.read { db in
            guard let row = try db.rows("""
                SELECT \(Self.userColumns), t.role AS grant_role, t.district AS grant_district, t.enterprise_id AS grant_enterprise
                FROM api_token t JOIN app_user u ON u.name = t.user_name WHERE t.token_sha256 = ?
                """, [.text(sha256)]).first else { return nil }
            return TokenGrant(user: try Self.user(row), role: try row.text("grant_role"), district: try row.optionalText("grant_district"),
                              enterpriseID: try row.optionalText("grant_enterprise"))
        }
    }

    // MARK: login throttling

    public func recordLoginFailure(user: String, address: String, at: String) async throws {
        try await backend.write { db in
            try db.execute("INSERT INTO login_failure (user_name, address, at) VALUES (?, ?, ?)", [.text(user), .text(address), .text(at)])
        }
    }

    /// Failed sign-ins since `since`, for this user name and for this address.
    public func loginFailures(user: String, address: String, since: String) async throws -> (user: Int, address: Int) {
        try await backend.read { db in
            let u = try db.rows("SELECT COUNT(*) AS n FROM login_failure WHERE user_name = ? AND at > ?", [.text(user), .text(since)]).first?.int("n") ?? 0
            let a = try db.rows("SELECT COUNT(*) AS n FROM login_failure WHERE address = ? AND at > ?", [.text(address), .text(since)]).first?.int("n") ?? 0
            return (Int(u), Int(a))
        }
    }

    public func clearLoginFailures(user: String) async throws {
        try await backend.write { db in try db.execute("DELETE FROM login_failure WHERE user_name = ?", [.text(user)]) }
    }

    // MARK: access log

    /// Appends an entry. With `requestID`, at most one entry per request: nothing is added when the
    /// request's change already wrote its entry in its own transaction (`logChange(_:_:at:what:)`).
    public func log(_ entry: AccessLogEntry, requestID: String? = nil) async throws {
        try await backend.write { db in
            try db.execute("""
                INSERT INTO access_log (at, user_name, address, method, path, outcome, reason, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (request_id) WHERE request_id IS NOT NULL DO NOTHING
                """, [.text(entry.at), entry.user.map(SQLValue.text) ?? .null, .text(entry.address), .text(entry.method), .text(entry.path),
                      .text(entry.outcome), .text(entry.reason), requestID.map(SQLValue.text) ?? .null])
        }
    }

    /// The access-log entry of a change, in the change's transaction: one per request (the first
    /// change names it; a later one in the same request adds nothing, `access_log_request`).
    static func logChange(_ db: any SQLExecutor, _ origin: RequestOrigin, at: String, what: String) throws {
        try db.execute("""
            INSERT INTO access_log (at, user_name, address, method, path, outcome, reason, request_id) VALUES (?, ?, ?, ?, ?, 'changed', ?, ?)
            ON CONFLICT (request_id) WHERE request_id IS NOT NULL DO NOTHING
            """, [.text(at), .text(origin.user), .text(origin.address), .text(origin.method), .text(origin.path), .text(what), .text(origin.id)])
    }

    /// The access log, newest first; with `city`, without the entries of other cities' users (an
    /// anonymous request, or a sign-in under a name no user has, belongs to no city and is shown).
    public func accessLog(city: String? = nil, limit: Int, offset: Int) async throws -> [AccessLogEntry] {
        try await backend.read { db in
            let scope = city == nil ? "" : " WHERE l.user_name IS NULL OR l.user_name NOT IN (SELECT name FROM app_user WHERE city <> ?)"
            return try db.rows("SELECT l.id, l.at, l.user_name, l.address, l.method, l.path, l.outcome, l.reason FROM access_log l\(scope) ORDER BY l.id DESC LIMIT ? OFFSET ?",
                               (city.map { [SQLValue.text($0)] } ?? []) + [.integer(Int64(limit)), .integer(Int64(offset))]).map {
                AccessLogEntry(id: try $0.int("id"), at: try $0.text("at"), user: try $0.optionalText("user_name"), address: try $0.text("address"),
                               method: try $0.text("method"), path: try $0.text("path"), outcome: try $0.text("outcome"), reason: try $0.text("reason"))
            }
        }
    }
}
