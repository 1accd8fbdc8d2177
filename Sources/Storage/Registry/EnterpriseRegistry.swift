import Foundation

/// An enterprise as the bureau registers it: the key the ledger knows it by (the customs code on
/// CEB messages, `enterprise_id` on declarations), its 统一社会信用代码, name and district.
public struct EnterpriseRow: Sendable, Equatable {
    public var id: String
    public var creditCode: String?
    public var name: String
    /// A division name of shared/reference/divisions.csv (滨江区, 平湖市, 台州湾新区).
    public var district: String
    public var synthetic: Bool

    public init(id: String, creditCode: String?, name: String, district: String, synthetic: Bool = false) {
        self.id = id
        self.creditCode = creditCode
        self.name = name
        self.district = district
        self.synthetic = synthetic
    }
}

/// A credit fact with where it comes from and as of when: the customs grade (海关信用等级), the
/// provincial public-credit grade, or a listing as seriously dishonest (严重失信主体名单).
public struct CreditFact: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case customsGrade = "customs_grade"
        case publicCreditGrade = "public_credit_grade"
        case seriousDishonesty = "serious_dishonesty"
    }

    public var enterpriseID: String
    public var kind: Kind
    /// The grade as the source writes it (高级认证, 常规, 失信, A…); for serious_dishonesty "是" or "否".
    public var value: String
    public var source: String
    public var asOf: String

    public init(enterpriseID: String, kind: Kind, value: String, source: String, asOf: String) {
        self.enterpriseID = enterpriseID
        self.kind = kind
        self.value = value
        self.source = source
        self.asOf = asOf
    }
}

/// The enterprise registry and its credit facts (tables `enterprise`, `credit_fact`).
public struct EnterpriseRegistry: Sendable {
    public let backend: any StoreBackend

    public init(backend: any StoreBackend) { self.backend = backend }

    /// Adds or replaces enterprises; the months their trade falls in are marked for the rollups
    /// (a district may have changed), in the same transaction.
    public func upsert(_ rows: [EnterpriseRow]) async throws {
        try await backend.write { db in
            for chunk in rows.chunked(200) {
                try TradeRollups.markDirty(db, months: TradeRollups.monthsOfEnterprises(db, chunk.map(\.id)))
                try db.insert(BulkInsert(table: "enterprise", columns: [("id", "text"), ("credit_code", "text"), ("name", "text"), ("district", "text"), ("synthetic", "integer")],
                                             suffix: "ON CONFLICT (id) DO UPDATE SET credit_code = excluded.credit_code, name = excluded.name, district = excluded.district, synthetic = excluded.synthetic"),
                                  rows: chunk.map { [.text($0.id), $0.creditCode.map(SQLValue.text) ?? .null, .text($0.name), .text($0.district), .integer($0.synthetic ? 1 : 0)] })
            }
        }
    }

    /// Whether the registry holds synthetic (模拟数据) enterprises: reports then say so on every page.
    public func holdsSyntheticEnterprises() async throws -> Bool {
        try await backend.read { db in !(try db.rows("SELECT 1 FROM enterprise WHERE synthetic = 1 LIMIT 1", [])).isEmpty }
    }

    public func all() async throws -> [EnterpriseRow] {
        try await backend.read { db in
            try db.rows("SELECT id, credit_code, name, district, synthetic FROM enterprise ORDER BY id", []).map {
                EnterpriseRow(id: try $0.text("id"), creditCode: try $0.optionalText("credit_code"), name: try $0.text("name"), district: try $0.text("district"),
                              synthetic: try $0.bool("synthetic"))
            }
        }
    }

    /// Records credit facts; the same enterprise, kind and date again replaces the value.
    public func addCreditFacts(_ facts: [CreditFact]) async throws {
        _ = try await backend.write { db in
            try db.insert(BulkInsert(table: "credit_fact", columns: [("enterprise_id", "text"), ("kind", "text"), ("value", "text"), ("source", "text"), ("as_of", "text")],
                                         suffix: "ON CONFLICT (enterprise_id, kind, as_of) DO UPDATE SET value = excluded.value, source = excluded.source"),
                              rows: facts.map { [.text($0.enterpriseID), .text($0.kind.rawValue), .text($0.value), .text($0.source), .text($0.asOf)] })
        }
    }

    /// Records credit facts imported from a file (its SHA-256 the evidence) and the import's entry
    /// in the audit trail, in one transaction; the same enterprise, kind and date again replaces the value.
    public func importCreditFacts(_ facts: [CreditFact], sourceSHA256: String, by: String, at now: String) async throws {
        _ = try await backend.write { db in
            for chunk in facts.chunked(200) {
                try db.insert(BulkInsert(table: "credit_fact", columns: [("enterprise_id", "text"), ("kind", "text"), ("value", "text"), ("source", "text"), ("as_of", "text")],
                                         suffix: "ON CONFLICT (enterprise_id, kind, as_of) DO UPDATE SET value = excluded.value, source = excluded.source"),
                              rows: chunk.map { [.text($0.enterpriseID), .text($0.kind.rawValue), .text($0.value), .text($0.source), .text($0.asOf)] })
            }
            try AuditTrail.append(db, AuditEvent(actor: by, action: "credit_facts.imported", subject: "credit_fact:\(sourceSHA256.prefix(16))",
                                                 details: ["source_sha256": .text(sourceSHA256), "rows": .integer(Int64(facts.count)),
                                                           "enterprises": .list(Array(Set(facts.map(\.enterpriseID))).sorted().map(AuditValue.text))]), at: now)
        }
    }

    /// The newest fact of each kind per enterprise as of a day (YYYY-MM-DD).
    public func creditFacts(asOf day: String) async throws -> [String: [CreditFact.Kind: CreditFact]] {
        try await backend.read { db in
            var out: [String: [CreditFact.Kind: CreditFact]] = [:]
            for row in try db.rows("SELECT enterprise_id, kind, value, source, as_of FROM credit_fact WHERE as_of <= ? ORDER BY as_of", [.text(day)]) {
                let kindText = try row.text("kind")
                guard let kind = CreditFact.Kind(rawValue: kindText) else { throw StorageError.decoding(column: "kind", expected: "a credit fact kind", found: kindText) }
                let fact = CreditFact(enterpriseID: try row.text("enterprise_id"), kind: kind, value: try row.text("value"), source: try row.text("source"), asOf: try row.text("as_of"))
                out[fact.enterpriseID, default: [:]][kind] = fact
            }
            return out
        }
    }

    /// The scope a query is limited to, applied in its WHERE clause: nil districts and enterprise =
    /// every enterprise; districts = those districts only; an enterprise = that one only.
    public struct Reach: Sendable, Equatable {
        public var districts: [String]?
        public var enterpriseID: String?
        public init(districts: [String]? = nil, enterpriseID: String? = nil) {
            self.districts = districts
            self.enterpriseID = enterpriseID
        }

        func condition(idColumn: String, districtColumn: String) -> (sql: String, arguments: [SQLValue]) {
            var parts: [String] = [], args: [SQLValue] = []
            if let districts {
                parts.append(districts.isEmpty ? "1 = 0" : "\(districtColumn) IN (\(SQLText.placeholders(districts.count)))")
                args += districts.map(SQLValue.text)
            }
            if let enterpriseID { parts.append("\(idColumn) = ?"); args.append(.text(enterpriseID)) }
            return (parts.isEmpty ? "1 = 1" : parts.joined(separator: " AND "), args)
        }
    }

    static func row(_ r: SQLRow) throws -> EnterpriseRow {
        EnterpriseRow(id: try r.text("id"), creditCode: try r.optionalText("credit_code"), name: try r.text("name"), district: try r.text("district"), synthetic: try r.bool("synthetic"))
    }

    /// Enterprises within reach whose name contains `text` or whose id or 统一社会信用代码 starts with it;
    /// one page of them, by id, and how many there are in all.
    public func search(text: String, district: String?, reach: Reach, limit: Int, offset: Int) async throws -> (rows: [EnterpriseRow], total: Int) {
        try await backend.read { db in
            let scope = reach.condition(idColumn: "id", districtColumn: "district")
            var sql = "FROM enterprise WHERE \(scope.sql)", args = scope.arguments
            if !text.isEmpty {
                sql += " AND (name LIKE ? OR id LIKE ? OR credit_code LIKE ?)"
                let escaped = text.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "_", with: "")
                args += [.text("%" + escaped + "%"), .text(escaped + "%"), .text(escaped + "%")]
            }
            if let district { sql += " AND district = ?"; args.append(.text(district)) }
            let total = try db.rows("SELECT COUNT(*) AS n " + sql, args).first?.int("n") ?? 0
            let rows = try db.rows("SELECT id, credit_code, name, district, synthetic " + sql + " ORDER BY id LIMIT ? OFFSET ?",
                                   args + [.integer(Int64(limit)), .integer(Int64(offset))]).map(Self.row)
            return (rows, Int(total))
        }
    }

    /// One enterprise, when it is within reach (nil otherwise: outside the scope looks like absent).
    /// The registry's district of each of these ids that is registered (one query a 500 ids).
    public func districts(of ids: [String]) async throws -> [String: String] {
        guard !ids.isEmpty else { return [:] }
        return try await backend.read { db in
            var out: [String: String] = [:]
            for chunk in Array(Set(ids)).sorted().chunked(500) {
                for r in try db.rows("SELECT id, district FROM enterprise WHERE id IN (\(SQLText.placeholders(chunk.count)))", chunk.map(SQLValue.text)) {
                    out[try r.text("id")] = try r.text("district")
                }
            }
            return out
        }
    }

    public func enterprise(id: String, reach: Reach) async throws -> EnterpriseRow? {
        try await backend.read { db in
            let scope = reach.condition(idColumn: "id", districtColumn: "district")
            return try db.rows("SELECT id, credit_code, name, district, synthetic FROM enterprise WHERE id = ? AND \(scope.sql)", [.text(id)] + scope.arguments)
                .first.map(Self.row)
        }
    }

    /// Every credit fact of one enterprise, oldest first.
    public func creditFacts(enterprise id: String) async throws -> [CreditFact] {
        try await backend.read { db in
            try db.rows("SELECT enterprise_id, kind, value, source, as_of FROM credit_fact WHERE enterprise_id = ? ORDER BY as_of, kind", [.text(id)]).map { row in
                let kindText = try row.text("kind")
                guard let kind = CreditFact.Kind(rawValue: kindText) else { throw StorageError.decoding(column: "kind", expected: "a credit fact kind", found: kindText) }
                return CreditFact(enterpriseID: id, kind: kind, value: try row.text("value"), source: try row.text("source"), asOf: try row.text("as_of"))
            }
        }
    }
}
