import Foundation
import KuajingDomain
import TradeData

/// A value in an audit entry's content: text, an integer (fen, ids, sequences), null, a list or an object.
public indirect enum AuditValue: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case text(String)
    case integer(Int64)
    case null
    case list([AuditValue])
    case object([String: AuditValue])

    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(_ value: String?) { self = value.map(AuditValue.text) ?? .null }
    public init(_ value: Int64?) { self = value.map(AuditValue.integer) ?? .null }

    /// Canonical JSON: keys sorted, no white space, integers in decimal, strings escaped as JSONText
    /// does. The hash covers exactly these bytes, so the stored text is what is verified, never a
    /// re-encoding of it.
    public var canonical: String {
        switch self {
        case let .text(s): return AuditValue.quote(s)
        case let .integer(i): return String(i)
        case .null: return "null"
        case let .list(items): return "[" + items.map(\.canonical).joined(separator: ",") + "]"
        case let .object(map):
            return "{" + map.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
                .map { AuditValue.quote($0) + ":" + map[$0]!.canonical }.joined(separator: ",") + "}"
        }
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}

/// A balance an entry moved (`delta` added to `column` of the row `key` of `table`), or a state it set
/// (`column` of that row becomes `value`). `kuajing audit verify` replays them and compares the rows.
public struct AuditEffect: Sendable, Equatable {
    public enum Change: Sendable, Equatable {
        case add(Int64)
        case set(AuditValue)
    }
    public var table: String
    public var key: String
    public var column: String
    public var change: Change

    public init(table: String, key: String, column: String, change: Change) {
        self.table = table
        self.key = key
        self.column = column
        self.change = change
    }
    public static func add(_ table: String, _ key: String, _ column: String, _ delta: Int64) -> AuditEffect { AuditEffect(table: table, key: key, column: column, change: .add(delta)) }
    public static func set(_ table: String, _ key: String, _ column: String, _ value: AuditValue) -> AuditEffect { AuditEffect(table: table, key: key, column: column, change: .set(value)) }

    var value: AuditValue {
        switch change {
        case let .add(d): return .list([.text(table), .text(key), .text(column), .text("add"), .integer(d)])
        case let .set(v): return .list([.text(table), .text(key), .text(column), .text("set"), v])
        }
    }
}

/// What happened, as the audit records it: who (`actor`, a user name or `system`), what (`action`,
/// e.g. `application.reviewed`), to what (`subject`, e.g. `application:17`), the details, and the
/// effects on balances and states.
public struct AuditEvent: Sendable, Equatable {
    public var actor: String
    public var action: String
    public var subject: String
    public var details: [String: AuditValue]
    public var effects: [AuditEffect]

    public init(actor: String, action: String, subject: String, details: [String: AuditValue] = [:], effects: [AuditEffect] = []) {
        self.actor = actor
        self.action = action
        self.subject = subject
        self.details = details
        self.effects = effects
    }

    /// The content as stored: the details, with the effects under the key `effects`.
    public var content: String {
        var map = details
        map["effects"] = .list(effects.map(\.value))
        return AuditValue.object(map).canonical
    }
}

public struct AuditEntry: Sendable, Equatable {
    public var sequence: Int64
    public var recordedAt: String
    public var actor: String
    public var action: String
    public var subject: String
    public var content: String
    public var previousHash: String
    public var hash: String
}

public struct AuditCheckpoint: Sendable, Equatable {
    public var id: Int64
    public var sequence: Int64
    public var headHash: String
    public var signedAt: String
    public var reason: String
    public var publicKey: String
    public var signature: String

    /// What the key signs: the chain head, stated so that a person can read it.
    public static func message(sequence: Int64, headHash: String, signedAt: String) -> String {
        "kuajing-audit-checkpoint-v1\nsequence=\(sequence)\nhead=\(headHash)\nsigned_at=\(signedAt)"
    }
}

/// The audit chain (tables `audit_entry`, `audit_head`, `audit_checkpoint`). An entry is written by
/// `append` inside the transaction of the change it records, as that transaction's last statement:
/// it locks the head row (FOR UPDATE on PostgreSQL; the write transaction on SQLite), takes the next
/// sequence number, hashes the entry with the head's hash and moves the head, so that the sequence has
/// no gaps and two writers never share a number.
public struct AuditTrail: Sendable {
    public let backend: any StoreBackend
    public init(backend: any StoreBackend) { self.backend = backend }

    public static let genesis = String(repeating: "0", count: 64)

    public static func hash(sequence: Int64, recordedAt: String, actor: String, action: String, subject: String, content: String, previous: String) -> String {
        let text = "kuajing-audit-v1\n\(sequence)\n\(recordedAt)\n\(actor)\n\(action)\n\(subject)\n\(content)\n\(previous)"
        return SHA256Hex.of(text)
    }

    /// The head row, locked for the rest of the transaction (FOR UPDATE on PostgreSQL; SQLite's
    /// write transaction already holds the database).
    static func lockHead(_ db: any SQLExecutor) throws -> (sequence: Int64, hash: String) {
        let lock = "SELECT sequence, hash FROM audit_head WHERE id = 1"
        guard let head = try db.rows(db.dialect == .postgres ? lock + " FOR UPDATE" : lock, []).first else {
            throw StorageError.decoding(column: "audit_head", expected: "its one row", found: "none")
        }
        return (try head.int("sequence"), try head.text("hash"))
    }

    /// What an entry's action means, in the words of the audit-trail page and the access log.
    public static func label(_ action: String) -> String {
        [
            "application.filed": "提交申报", "application.proposed": "免申即享：平台生成建议", "application.confirmed": "企业确认", "application.declined": "企业放弃",
            "application.reviewed": "初审", "application.objected": "提出异议", "application.objection_decided": "异议复核",
            "budget.allocated": "设置预算", "budget.released": "下达预算", "payee.entered": "填报收款账户", "payee.confirmed": "确认收款账户",
            "payout.exported": "导出支付批次", "payout.paid": "登记已支付", "payout.reversed": "退票或追回（冲销）",
            "voucher.batch_opened": "开放运力券批次", "voucher.batches_released": "运力券批次到时开放", "voucher.requested": "申领运力券",
            "voucher.cancelled": "作废运力券", "voucher.promoted": "候补运力券转为发放",
            "user.saved": "添加或重设用户", "token.issued": "签发令牌", "facts.imported": "导入免申即享数据", "credit_facts.imported": "导入信用信息",
        ][action] ?? action
    }

    @discardableResult
    public static func append(_ db: any SQLExecutor, _ event: AuditEvent, at: String) throws -> AuditEntry {
        let head = try lockHead(db)
        let sequence = head.sequence + 1
        let previous = head.hash
        let content = event.content
        let hash = Self.hash(sequence: sequence, recordedAt: at, actor: event.actor, action: event.action, subject: event.subject, content: content, previous: previous)
        try db.execute("INSERT INTO audit_entry (sequence, recorded_at, actor, action, subject, content, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       [.integer(sequence), .text(at), .text(event.actor), .text(event.action), .text(event.subject), .text(content), .text(previous), .text(hash)])
        try db.execute("UPDATE audit_head SET sequence = ?, hash = ? WHERE id = 1", [.integer(sequence), .text(hash)])
        if let origin = db.origin { try AccountStore.logChange(db, origin, at: at, what: "\(Self.label(event.action)) \(event.subject)（审计第 \(sequence) 号）") }
        return AuditEntry(sequence: sequence, recordedAt: at, actor: event.actor, action: event.action, subject: event.subject, content: content, previousHash: previous, hash: hash)
    }

    static func entry(_ r: SQLRow) throws -> AuditEntry {
        AuditEntry(sequence: try r.int("sequence"), recordedAt: try r.text("recorded_at"), actor: try r.text("actor"), action: try r.text("action"),
                   subject: try r.text("subject"), content: try r.text("content"), previousHash: try r.text("previous_hash"), hash: try r.text("hash"))
    }

    static let columns = "sequence, recorded_at, actor, action, subject, content, previous_hash, hash"

    public func head() async throws -> (sequence: Int64, hash: String) {
        try await backend.read { db in
            guard let r = try db.rows("SELECT sequence, hash FROM audit_head WHERE id = 1", []).first else { return (0, Self.genesis) }
            return (try r.int("sequence"), try r.text("hash"))
        }
    }

    /// Entries in sequence order from `after` (exclusive), at most `limit`.
    public func entries(after: Int64, limit: Int) async throws -> [AuditEntry] {
        try await backend.read { db in
            try db.rows("SELECT \(Self.columns) FROM audit_entry WHERE sequence > ? ORDER BY sequence LIMIT ?", [.integer(after), .integer(Int64(limit))]).map(Self.entry)
        }
    }

    /// What of the trail one city may see: the entries whose subject is an object of the city (an
    /// application, voucher or payee of one of its districts' enterprises; a budget, batch or pool of
    /// a policy in force there; a payout batch or line of its applications; one of its users; facts
    /// imported for its enterprises). The chain stays one and `audit verify` checks it whole.
    public struct CityScope: Sendable, Equatable {
        public var city: String
        public var districts: [String]
        public var policies: [String]
        public init(city: String, districts: [String], policies: [String]) {
            self.city = city
            self.districts = districts
            self.policies = policies
        }

        /// The condition on `audit_entry` (unaliased), with its arguments.
        func condition() -> (sql: String, arguments: [SQLValue]) {
            guard !districts.isEmpty else { return ("1 = 0", []) }
            let d = SQLText.placeholders(districts.count), dArgs = districts.map(SQLValue.text)
            let p = policies.isEmpty ? "NULL" : SQLText.placeholders(policies.count), pArgs = policies.map(SQLValue.text)
            // The id after the prefix, cast only where the subject has that prefix (a CASE, so that
            // PostgreSQL never casts another kind's key, whatever order it evaluates the conditions in).
            func id(_ prefix: String) -> String {
                "(CASE WHEN audit_entry.subject LIKE '\(prefix)%' THEN CAST(substr(audit_entry.subject, \(prefix.count + 1)) AS BIGINT) END)"
            }
            let parts: [(String, [SQLValue])] = [
                ("(audit_entry.subject LIKE 'application:%' AND EXISTS (SELECT 1 FROM application x WHERE x.id = \(id("application:")) AND x.district IN (\(d))))", dArgs),
                ("(audit_entry.subject LIKE 'budget:%' AND EXISTS (SELECT 1 FROM budget x WHERE x.id = \(id("budget:")) AND x.policy IN (\(p))))", pArgs),
                ("(audit_entry.subject LIKE 'voucher:%' AND EXISTS (SELECT 1 FROM voucher x JOIN enterprise e ON e.id = x.enterprise_id WHERE x.id = \(id("voucher:")) AND e.district IN (\(d))))", dArgs),
                ("(audit_entry.subject LIKE 'voucher_batch:%' AND EXISTS (SELECT 1 FROM voucher_batch x WHERE x.id = \(id("voucher_batch:")) AND x.policy IN (\(p))))", pArgs),
                ("(audit_entry.subject LIKE 'voucher_pool:%' AND substr(audit_entry.subject, 14) IN (\(p)))", pArgs),
                ("(audit_entry.subject LIKE 'payee_account:%' AND EXISTS (SELECT 1 FROM payee_account x JOIN enterprise e ON e.id = x.enterprise_id WHERE x.id = \(id("payee_account:")) AND e.district IN (\(d))))", dArgs),
                ("(audit_entry.subject LIKE 'payout_batch:%' AND EXISTS (SELECT 1 FROM payout_line l JOIN application x ON x.id = l.application_id WHERE l.batch_id = \(id("payout_batch:")) AND x.district IN (\(d))))", dArgs),
                ("(audit_entry.subject LIKE 'payout_line:%' AND EXISTS (SELECT 1 FROM payout_line l JOIN application x ON x.id = l.application_id WHERE l.id = \(id("payout_line:")) AND x.district IN (\(d))))", dArgs),
                ("(audit_entry.subject LIKE 'app_user:%' AND EXISTS (SELECT 1 FROM app_user u WHERE u.name = substr(audit_entry.subject, 10) AND u.city = ?))", [.text(city)]),
                ("(audit_entry.subject LIKE 'proposal_fact:%' AND EXISTS (SELECT 1 FROM proposal_fact f JOIN enterprise e ON e.id = f.enterprise_id WHERE substr(f.source_sha256, 1, 16) = substr(audit_entry.subject, 15) AND e.district IN (\(d))))", dArgs),
                // A credit-facts import names no row of its own: it is the city of the administrator who imported it.
                ("(audit_entry.subject LIKE 'credit_fact:%' AND EXISTS (SELECT 1 FROM app_user u WHERE u.name = audit_entry.actor AND u.city = ?))", [.text(city)]),
            ]
            return ("(" + parts.map(\.0).joined(separator: " OR ") + ")", parts.flatMap(\.1))
        }
    }

    /// Newest first, optionally of one subject (an application's timeline), within one city's scope.
    public func recent(subject: String? = nil, scope: CityScope? = nil, limit: Int, before: Int64? = nil) async throws -> [AuditEntry] {
        try await backend.read { db in
            var sql = "SELECT \(Self.columns) FROM audit_entry WHERE 1 = 1", args: [SQLValue] = []
            if let scope { let c = scope.condition(); sql += " AND " + c.sql; args += c.arguments }
            if let subject { sql += " AND subject = ?"; args.append(.text(subject)) }
            if let before { sql += " AND sequence < ?"; args.append(.integer(before)) }
            return try db.rows(sql + " ORDER BY sequence DESC LIMIT ?", args + [.integer(Int64(limit))]).map(Self.entry)
        }
    }

    public func checkpoints() async throws -> [AuditCheckpoint] {
        try await backend.read { db in
            try db.rows("SELECT id, sequence, head_hash, signed_at, reason, public_key, signature FROM audit_checkpoint ORDER BY id", []).map(Self.checkpoint)
        }
    }

    /// The newest checkpoint, if any (one indexed row, however many were signed).
    public func latestCheckpoint() async throws -> AuditCheckpoint? {
        try await backend.read { db in
            try db.rows("SELECT id, sequence, head_hash, signed_at, reason, public_key, signature FROM audit_checkpoint ORDER BY id DESC LIMIT 1", []).first.map(Self.checkpoint)
        }
    }

    static func checkpoint(_ r: SQLRow) throws -> AuditCheckpoint {
        AuditCheckpoint(id: try r.int("id"), sequence: try r.int("sequence"), headHash: try r.text("head_hash"), signedAt: try r.text("signed_at"),
                        reason: try r.text("reason"), publicKey: try r.text("public_key"), signature: try r.text("signature"))
    }

    /// Signs the present head with `sign` (outside the database: the key never enters it) and stores
    /// the checkpoint, in one transaction that holds the head.
    public func checkpoint(reason: String, at: String, publicKey: String, sign: @escaping @Sendable (String) throws -> String) async throws -> AuditCheckpoint {
        try await backend.write { db in
            try Self.checkpoint(db, reason: reason, at: at, publicKey: publicKey, sign: sign)
        }
    }

    static func checkpoint(_ db: any SQLExecutor, reason: String, at: String, publicKey: String, sign: (String) throws -> String) throws -> AuditCheckpoint {
        let (sequence, hash) = try lockHead(db)
        let signature = try sign(AuditCheckpoint.message(sequence: sequence, headHash: hash, signedAt: at))
        guard let row = try db.rows("""
            INSERT INTO audit_checkpoint (sequence, head_hash, signed_at, reason, public_key, signature) VALUES (?, ?, ?, ?, ?, ?)
            RETURNING id, sequence, head_hash, signed_at, reason, public_key, signature
            """, [.integer(sequence), .text(hash), .text(at), .text(reason), .text(publicKey), .text(signature)]).first else {
            throw StorageError.decoding(column: "audit_checkpoint", expected: "the inserted row", found: "none")
        }
        return try Self.checkpoint(row)
    }

    /// The present values of the rows that audit effects name, for the replay: `columns` of `table`
    /// keyed by `keyColumn` (as text).
    public func rows(table: String, keyColumn: String, columns: [String]) async throws -> [String: [String: AuditValue]] {
        try await backend.read { db in
            var out: [String: [String: AuditValue]] = [:]
            for r in try db.rows("SELECT CAST(\(keyColumn) AS TEXT) AS audit_key, \(columns.joined(separator: ", ")) FROM \(table)", []) {
                var values: [String: AuditValue] = [:]
                for (i, c) in columns.enumerated() {
                    switch r.rawValues[i + 1] {
                    case .null: values[c] = .null
                    case let .integer(n): values[c] = .integer(n)
                    case let .text(t): values[c] = .text(t)
                    case .blob: values[c] = .text("<blob>")
                    }
                }
                out[try r.text("audit_key")] = values
            }
            return out
        }
    }
}
