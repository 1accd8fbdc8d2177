import Foundation
import KuajingDomain

/// One application (申报) or 免申即享 proposal, as stored.
public struct ApplicationRow: Sendable, Equatable {
    public var id: Int64
    public var enterpriseID: String
    public var enterpriseName: String
    public var district: String
    public var matter: String
    public var claimDate: String
    public var amountFen: Int64
    /// Canonical JSON of the claim's other attributes.
    public var attributes: String
    public var origin: String
    public var factID: Int64?
    public var status: ApplicationStatus
    public var engineStatus: String
    public var engineAwardFen: Int64
    public var policy: String?
    public var measure: String?
    public var clause: String?
    public var year: Int64
    public var explanation: String
    public var decidedFen: Int64?
    public var cityFen: Int64?
    public var districtFen: Int64?
    public var fundingBasis: String?
    /// JSON list of the abuse checks that fired: `[{"rule", "message", "evidence"}]`.
    public var flags: String
    public var holder: String
    public var holderSince: String
    public var dueAt: String?
    public var firstReviewer: String?
    public var secondReviewer: String?
    public var filedBy: String
    public var filedAt: String
    /// Whether its holds of the limit rows were taken (false for a proposal and for an application
    /// filed before migration 13, until its enterprise files again).
    public var limitsHeld: Bool
    /// What it holds of its amount limits (nil when it holds none).
    public var heldFen: Int64?
}

/// What a list of applications shows: the narrowings (each nil or empty when not asked) and the order.
public struct ApplicationFilter: Sendable, Equatable {
    public enum Sort: String, Sendable, CaseIterable {
        case newest, oldest, due, amount, award

        /// The ORDER BY of this order; the id last, so that every order is total.
        var orderBy: String {
            switch self {
            case .newest: return "a.id DESC"
            case .oldest: return "a.id"
            // Deadlines first, the nearest (the overdue) at the top; those without one after.
            case .due: return "CASE WHEN a.due_at IS NULL THEN 1 ELSE 0 END, a.due_at, a.id"
            case .amount: return "a.amount_fen DESC, a.id DESC"
            case .award: return "COALESCE(a.decided_fen, a.engine_award_fen) DESC, a.id DESC"
            }
        }
    }

    public var statuses: [String]
    public var holders: [String]
    public var enterprise: String?
    public var district: String?
    public var matter: String?
    /// Only those with a deadline at or before this time (ISO 8601, as stored).
    public var dueBefore: String?
    public var sort: Sort

    public init(statuses: [String] = [], holders: [String] = [], enterprise: String? = nil, district: String? = nil, matter: String? = nil, dueBefore: String? = nil,
                sort: Sort = .newest) {
        self.statuses = statuses
        self.holders = holders
        self.enterprise = enterprise
        self.district = district
        self.matter = matter
        self.dueBefore = dueBefore
        self.sort = sort
    }
}

/// What an application is filed with: the claim, the engine's result for it, the checks that fired.
public struct NewApplication: Sendable {
    public var enterpriseID: String
    public var district: String
    public var matter: String
    public var claimDate: String
    public var amountFen: Int64
    public var attributes: String
    public var origin: String
    public var factID: Int64?
    public var engineStatus: String
    public var engineAwardFen: Int64
    public var policy: String?
    public var measure: String?
    public var clause: String?
    public var year: Int64
    public var explanation: String
    public var fundingCityFen: Int64?
    public var fundingDistrictFen: Int64?
    public var fundingBasis: String?
    public var flags: String
    public var evidence: [String]
    public var filedBy: String
    public var dueAt: String?

    public init(enterpriseID: String, district: String, matter: String, claimDate: String, amountFen: Int64, attributes: String, origin: String, factID: Int64?,
                engineStatus: String, engineAwardFen: Int64, policy: String?, measure: String?, clause: String?, year: Int64, explanation: String,
                fundingCityFen: Int64?, fundingDistrictFen: Int64?, fundingBasis: String?, flags: String, evidence: [String], filedBy: String, dueAt: String?) {
        self.enterpriseID = enterpriseID
        self.district = district
        self.matter = matter
        self.claimDate = claimDate
        self.amountFen = amountFen
        self.attributes = attributes
        self.origin = origin
        self.factID = factID
        self.engineStatus = engineStatus
        self.engineAwardFen = engineAwardFen
        self.policy = policy
        self.measure = measure
        self.clause = clause
        self.year = year
        self.explanation = explanation
        self.fundingCityFen = fundingCityFen
        self.fundingDistrictFen = fundingDistrictFen
        self.fundingBasis = fundingBasis
        self.flags = flags
        self.evidence = evidence
        self.filedBy = filedBy
        self.dueAt = dueAt
    }
}

public struct ReviewRow: Sendable, Equatable {
    public var stage: String
    public var reviewer: String
    public var decision: String
    public var amountFen: Int64
    public var reason: String
    public var decidedAt: String
}

/// A decision to record: the stage (`review`, or `objection` for the second reviewer), what was
/// decided, and how the amount splits between the city's and the district's budget.
public struct ReviewDecision: Sendable {
    public var stage: String
    public var reviewer: String
    public var decision: String
    public var amountFen: Int64
    public var cityFen: Int64
    public var districtFen: Int64
    public var fundingBasis: String
    public var reason: String
    /// The status the application moves to, who holds it next and until when (the objection period).
    public var status: String
    public var holder: String
    public var dueAt: String?

    public init(stage: String, reviewer: String, decision: String, amountFen: Int64, cityFen: Int64, districtFen: Int64, fundingBasis: String, reason: String,
                status: String, holder: String, dueAt: String?) {
        self.stage = stage
        self.reviewer = reviewer
        self.decision = decision
        self.amountFen = amountFen
        self.cityFen = cityFen
        self.districtFen = districtFen
        self.fundingBasis = fundingBasis
        self.reason = reason
        self.status = status
        self.holder = holder
        self.dueAt = dueAt
    }
}

/// Why a state change was refused by the rows as they stood in its transaction.
public enum CashOutRefusal: Error, Sendable, Equatable {
    /// The row was not in the state the change needs (someone else moved it first).
    case wrongState(found: String)
    /// A budget would pass what was released: its figures.
    case budgetExceeded(payer: String, releasedFen: Int64, usedFen: Int64, askedFen: Int64)
    /// No budget is set for this policy, measure, year and payer.
    case noBudget(payer: String)
    case notFound
    /// A limit row would pass its bound: which, with its figures, in Chinese.
    case limitExceeded(String)
    case other(String)
}

/// Applications, their evidence, reviews and 免申即享 facts (tables `application`,
/// `application_evidence`, `application_review`, `proposal_fact`, `evidence_file`). Every change is
/// one transaction with its audit entry; budget moves happen in the same transaction through
/// `BudgetBook.move`, whose conditional UPDATE refuses a move past what was released.
public struct ApplicationBook: Sendable {
    public let backend: any StoreBackend
    public init(backend: any StoreBackend) { self.backend = backend }

    static let columns = """
        a.id, a.enterprise_id, e.name AS enterprise_name, a.district, a.matter, a.claim_date, a.amount_fen, a.attributes, a.origin, a.fact_id, a.status, a.engine_status,
        a.engine_award_fen, a.policy, a.measure, a.clause, a.year, a.explanation, a.decided_fen, a.city_fen, a.district_fen, a.funding_basis, a.flags, a.holder,
        a.holder_since, a.due_at, a.first_reviewer, a.second_reviewer, a.filed_by, a.filed_at, a.limits_held,
        (SELECT MAX(h.amount) FROM limit_hold h WHERE h.application_id = a.id AND h.unit = 'fen') AS held_fen
        """

    static func row(_ r: SQLRow) throws -> ApplicationRow {
        ApplicationRow(id: try r.int("id"), enterpriseID: try r.text("enterprise_id"), enterpriseName: try r.text("enterprise_name"), district: try r.text("district"),
                       matter: try r.text("matter"), claimDate: try r.text("claim_date"), amountFen: try r.int("amount_fen"), attributes: try r.text("attributes"),
                       origin: try r.text("origin"), factID: try r.optionalInt("fact_id"), status: try Self.status(r), engineStatus: try r.text("engine_status"),
                       engineAwardFen: try r.int("engine_award_fen"), policy: try r.optionalText("policy"), measure: try r.optionalText("measure"),
                       clause: try r.optionalText("clause"), year: try r.int("year"), explanation: try r.text("explanation"), decidedFen: try r.optionalInt("decided_fen"),
                       cityFen: try r.optionalInt("city_fen"), districtFen: try r.optionalInt("district_fen"), fundingBasis: try r.optionalText("funding_basis"),
                       flags: try r.text("flags"), holder: try r.text("holder"), holderSince: try r.text("holder_since"), dueAt: try r.optionalText("due_at"),
                       firstReviewer: try r.optionalText("first_reviewer"), secondReviewer: try r.optionalText("second_reviewer"),
                       filedBy: try r.text("filed_by"), filedAt: try r.text("filed_at"), limitsHeld: try r.int("limits_held") == 1, heldFen: try r.optionalInt("held_fen"))
    }

    static func status(_ r: SQLRow) throws -> ApplicationStatus {
        let raw = try r.text("status")
        guard let s = ApplicationStatus(rawValue: raw) else { throw StorageError.decoding(column: "application.status", expected: "an application status", found: raw) }
        return s
    }

    static func lockApplication(_ db: any SQLExecutor, _ id: Int64) throws -> ApplicationRow? {
        let sql = "SELECT \(columns) FROM application a JOIN enterprise e ON e.id = a.enterprise_id WHERE a.id = ?"
        return try db.rows(db.dialect == .postgres ? sql + " FOR UPDATE OF a" : sql, [.integer(id)]).first.map(row)
    }

    static func stateEffects(_ id: Int64, status: String, decided: Int64?, city: Int64?, district: Int64?) -> [AuditEffect] {
        let key = String(id)
        return [.set("application", key, "status", .text(status)), .set("application", key, "decided_fen", AuditValue(decided)),
                .set("application", key, "city_fen", AuditValue(city)), .set("application", key, "district_fen", AuditValue(district))]
    }

    // MARK: evidence

    /// Stores a file under its SHA-256 (a file already stored is kept as it was).
    public func storeEvidence(sha256: String, name: String, mediaType: String, content: [UInt8], by: String, at: String) async throws {
        try await backend.write { db in
            let sql = "INSERT INTO evidence_file (sha256, size, name, media_type, content, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            try db.execute(db.dialect == .sqlite ? sql.replacingOccurrences(of: "INSERT INTO", with: "INSERT OR IGNORE INTO") : sql + " ON CONFLICT DO NOTHING",
                           [.text(sha256), .integer(Int64(content.count)), .text(name), .text(mediaType), .blob(content), .text(by), .text(at)])
        }
    }

    public struct EvidenceInfo: Sendable, Equatable {
        public var sha256: String
        public var size: Int64
        public var name: String
        public var mediaType: String
        public var uploadedBy: String
    }

    static let evidenceColumns = "sha256, size, name, media_type, uploaded_by"

    static func evidenceInfo(_ r: SQLRow) throws -> EvidenceInfo {
        EvidenceInfo(sha256: try r.text("sha256"), size: try r.int("size"), name: try r.text("name"), mediaType: try r.text("media_type"), uploadedBy: try r.text("uploaded_by"))
    }

    public func evidenceInfo(_ sha256: [String]) async throws -> [EvidenceInfo] {
        guard !sha256.isEmpty else { return [] }
        return try await backend.read { db in
            try db.rows("SELECT \(Self.evidenceColumns) FROM evidence_file WHERE sha256 IN (\(SQLText.placeholders(sha256.count))) ORDER BY sha256",
                        sha256.map(SQLValue.text)).map(Self.evidenceInfo)
        }
    }

    public func evidenceContent(_ sha256: String) async throws -> (info: EvidenceInfo, content: [UInt8])? {
        try await backend.read { db in
            guard let r = try db.rows("SELECT \(Self.evidenceColumns), content FROM evidence_file WHERE sha256 = ?", [.text(sha256)]).first else { return nil }
            return (try Self.evidenceInfo(r), try r.bytes("content"))
        }
    }

    public func evidence(of application: Int64) async throws -> [String] {
        try await backend.read { db in
            try db.rows("SELECT sha256 FROM application_evidence WHERE application_id = ? ORDER BY sha256", [.integer(application)]).map { try $0.text("sha256") }
        }
    }

    /// Other applications (of any enterprise) that cite one of these files: the same evidence behind two claims.
    public func applicationsCiting(_ sha256: [String], except: Int64?) async throws -> [(application: Int64, enterprise: String, sha256: String)] {
        guard !sha256.isEmpty else { return [] }
        return try await backend.read { db in
            try db.rows("""
                SELECT x.application_id, a.enterprise_id, x.sha256 FROM application_evidence x JOIN application a ON a.id = x.application_id
                WHERE x.sha256 IN (\(SQLText.placeholders(sha256.count))) AND a.id <> ? AND a.status NOT IN ('rejected', 'declined') ORDER BY x.application_id
                """, sha256.map(SQLValue.text) + [.integer(except ?? -1)]).map { (try $0.int("application_id"), try $0.text("enterprise_id"), try $0.text("sha256")) }
        }
    }

    /// Applications (of any enterprise, not refused or declined) whose attributes hold `key` with
    /// exactly this value: the same contract, invoice or policy number behind two claims.
    public func applicationsWithAttribute(key: String, value: String) async throws -> [(application: Int64, enterprise: String)] {
        let fragment = AuditValue.quote(key) + ":" + AuditValue.quote(value)
        let pattern = "%" + fragment.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
        return try await backend.read { db in
            try db.rows("""
                SELECT id, enterprise_id, attributes FROM application WHERE attributes LIKE ? ESCAPE '\\' AND status NOT IN ('rejected', 'declined') ORDER BY id LIMIT 50
                """, [.text(pattern)]).compactMap { r -> (Int64, String)? in
                // LIKE is case-blind on SQLite: the exact value is checked on the parsed attributes.
                guard let object = try? JSONSerialization.jsonObject(with: Data(try r.text("attributes").utf8)) as? [String: String], object[key] == value else { return nil }
                return (try r.int("id"), try r.text("enterprise_id"))
            }
        }
    }

    // MARK: filing

    /// The statuses of an application still counted against caps, once-only grants, yearly counts
    /// and 就高不重复: every one but the refused, declined and withdrawn.
    public static let liveStatuses = ApplicationStatus.live

    /// Whether an application counts against the limits at `now`: a live status, or a first
    /// rejection whose objection period is still open (an objection may bring it back, so a later
    /// filing must not take its headroom before the period ends).
    public static func countsAgainstLimits(_ a: ApplicationRow, now: String) -> Bool {
        liveStatuses.contains(a.status) || (a.status == .rejected && a.holder == "enterprise" && (a.dueAt.map { now <= $0 } ?? false))
    }

    /// `countsAgainstLimits` as SQL on `a`, with its arguments.
    static func countsAgainstLimitsSQL(now: String) -> (sql: String, arguments: [SQLValue]) {
        ("(a.status IN (\(SQLText.placeholders(liveStatuses.count))) OR (a.status = 'rejected' AND a.holder = 'enterprise' AND a.due_at >= ?))",
         liveStatuses.map { .text($0.rawValue) } + [.text(now)])
    }

    /// What a filing decided inside its transaction: the application, what it holds of the limit
    /// rows, and the holds of the enterprise's earlier applications that held none yet (filed before
    /// migration 13), taken first.
    public struct FilingDecision: Sendable {
        public var application: NewApplication
        public var holds: [LimitHold]
        public var earlierHolds: [(application: Int64, holds: [LimitHold])]
        public init(application: NewApplication, holds: [LimitHold], earlierHolds: [(application: Int64, holds: [LimitHold])] = []) {
            self.application = application
            self.holds = holds
            self.earlierHolds = earlierHolds
        }
    }

    /// Files an application decided from the limits as they stand in this transaction: the
    /// enterprise's row is locked (`SELECT … FOR UPDATE` on PostgreSQL; SQLite's write transaction
    /// is BEGIN IMMEDIATE, one writer at a time), what lapsed rejections held is given back, the
    /// limit rows of the enterprise and the shared ones (`shared`: pools' keys) are locked in id
    /// order and read with the enterprise's live applications (server order: `application.id`,
    /// the sequence of filing); `decide` (the policy engine, called by the application layer)
    /// turns them into the new application and its holds, which are taken before the locks are let
    /// go. Two filings of one enterprise therefore never decide from the same state: what they get
    /// together is what they get one after the other, in the order of their ids. `decide` may throw
    /// to refuse; nothing is then written. A hold past a bound is refused (`RefusedInTransaction`,
    /// and `CHECK (used <= bound)` behind it).
    public func file(enterprise: String, shared: [String] = [], at now: String,
                     decide: @escaping @Sendable (_ prior: [ApplicationRow], _ limits: [LimitRow]) throws -> FilingDecision) async throws -> Result<ApplicationRow, CashOutRefusal> {
        try await backend.writeRefusable { db in
            try Self.lockEnterprise(db, enterprise)
            let released = try Self.releaseLapsed(db, enterprise: enterprise, now: now)
            let limits = try LimitBook.lockForFiling(db, enterprise: enterprise, shared: shared)
            let prior = try Self.liveApplications(db, enterprise: enterprise, now: now)
            let d = try decide(prior, limits)
            guard d.application.enterpriseID == enterprise else { throw StorageError.constraint("an application decided for \(enterprise) names \(d.application.enterpriseID)") }
            var effects = released
            for (id, holds) in d.earlierHolds {
                guard prior.contains(where: { $0.id == id && !$0.limitsHeld }) else { throw StorageError.constraint("application \(id) already holds its limits") }
                effects += try LimitBook.take(db, application: id, holds)
            }
            return .success(try Self.insert(db, d.application, holds: d.application.origin == "proposed" ? nil : d.holds, effects: effects, at: now))
        }
    }

    /// Gives back what the enterprise's first rejections held once their objection period is over.
    static func releaseLapsed(_ db: any SQLExecutor, enterprise: String, now: String) throws -> [AuditEffect] {
        var effects: [AuditEffect] = []
        for r in try db.rows("""
            SELECT DISTINCT a.id FROM application a JOIN limit_hold h ON h.application_id = a.id
            WHERE a.enterprise_id = ? AND a.status = 'rejected' AND (a.holder <> 'enterprise' OR a.due_at IS NULL OR a.due_at < ?) ORDER BY a.id
            """, [.text(enterprise), .text(now)]) {
            effects += try LimitBook.release(db, application: try r.int("id"))
        }
        return effects
    }

    /// Takes the enterprise's row lock for the rest of the transaction (PostgreSQL); on SQLite the
    /// immediate write transaction already holds the only write lock.
    static func lockEnterprise(_ db: any SQLExecutor, _ enterprise: String) throws {
        guard db.dialect == .postgres else { return }
        _ = try db.rows("SELECT id FROM enterprise WHERE id = ? FOR UPDATE", [.text(enterprise)])
    }

    /// An enterprise's applications that count against the limits at `now`, in server order (oldest first).
    static func liveApplications(_ db: any SQLExecutor, enterprise: String, now: String) throws -> [ApplicationRow] {
        let live = countsAgainstLimitsSQL(now: now)
        return try db.rows("""
            SELECT \(columns) FROM application a JOIN enterprise e ON e.id = a.enterprise_id
            WHERE a.enterprise_id = ? AND \(live.sql) ORDER BY a.id
            """, [.text(enterprise)] + live.arguments).map(row)
    }

    /// Every application of every enterprise in server order (the audit's replay of the rules).
    public func allApplications() async throws -> [ApplicationRow] {
        try await backend.read { db in
            try db.rows("SELECT \(Self.columns) FROM application a JOIN enterprise e ON e.id = a.enterprise_id ORDER BY a.id", []).map(Self.row)
        }
    }

    /// The limit rows whose use is not what their holds add up to, or past their bound (the audit).
    public func limitRowsOutOfBalance() async throws -> [(id: String, label: String, used: Int64, held: Int64, bound: Int64)] {
        try await backend.read { db in
            try db.rows("""
                SELECT u.id, u.label, u.used, u.bound, CAST(COALESCE((SELECT SUM(h.amount) FROM limit_hold h WHERE h.limit_id = u.id), 0) AS BIGINT) AS held
                FROM limit_use u ORDER BY u.id
                """, []).compactMap { r in
                let used = try r.int("used"), held = try r.int("held"), bound = try r.int("bound")
                return used == held && used <= bound ? nil : (try r.text("id"), try r.text("label"), used, held, bound)
            }
        }
    }

    /// The limit rows of an enterprise (and the pools), with their holders, for its pages and tests.
    public func limitRows(enterprise: String) async throws -> [LimitRow] {
        try await backend.read { db in try LimitBook.limitRows(db, where: "owner = ? OR owner = '*'", [.text(enterprise)], lock: false) }
    }

    /// Every application of these enterprises, whatever its status, in server order (for replays).
    public func applications(enterprises: [String]) async throws -> [ApplicationRow] {
        guard !enterprises.isEmpty else { return [] }
        return try await backend.read { db in
            try db.rows("""
                SELECT \(Self.columns) FROM application a JOIN enterprise e ON e.id = a.enterprise_id
                WHERE a.enterprise_id IN (\(SQLText.placeholders(enterprises.count))) ORDER BY a.id
                """, enterprises.map(SQLValue.text)).map(Self.row)
        }
    }

    /// Files an application as given (its award decided by the caller from what it read before),
    /// holding nothing of the limit rows; kept for tests of what else guards the money. Prefer
    /// `file(enterprise:shared:at:decide:)`.
    public func file(_ a: NewApplication, at now: String) async throws -> ApplicationRow {
        try await backend.write { db in try Self.insert(db, a, holds: nil, effects: [], at: now) }
    }

    /// Files an application (`submitted`, held by the reviewers) or a proposal (`proposed`, held by
    /// the enterprise), with its evidence, with its audit entry, in the caller's transaction.
    /// `holds`: what it holds of the limit rows (nil: nothing, `limits_held` stays 0); `effects`:
    /// other moves of the same transaction, recorded in its audit entry.
    static func insert(_ db: any SQLExecutor, _ a: NewApplication, holds: [LimitHold]?, effects: [AuditEffect], at now: String) throws -> ApplicationRow {
        let status = a.origin == "proposed" ? "proposed" : "submitted"
        let holder = a.origin == "proposed" ? "enterprise" : "reviewer"
        guard let id = try db.rows("""
            INSERT INTO application (enterprise_id, district, matter, claim_date, amount_fen, attributes, origin, fact_id, status, engine_status, engine_award_fen,
                                     policy, measure, clause, year, explanation, funding_basis, flags, holder, holder_since, due_at, filed_by, filed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """, [.text(a.enterpriseID), .text(a.district), .text(a.matter), .text(a.claimDate), .integer(a.amountFen), .text(a.attributes), .text(a.origin),
                  a.factID.map(SQLValue.integer) ?? .null, .text(status), .text(a.engineStatus), .integer(a.engineAwardFen), a.policy.map(SQLValue.text) ?? .null,
                  a.measure.map(SQLValue.text) ?? .null, a.clause.map(SQLValue.text) ?? .null, .integer(a.year), .text(a.explanation),
                  a.fundingBasis.map(SQLValue.text) ?? .null, .text(a.flags), .text(holder), .text(now), a.dueAt.map(SQLValue.text) ?? .null,
                  .text(a.filedBy), .text(now)]).first?.int("id") else {
            throw StorageError.decoding(column: "application", expected: "the inserted row", found: "none")
        }
        for sha in Set(a.evidence).sorted() {
            try db.execute("INSERT INTO application_evidence (application_id, sha256) VALUES (?, ?)", [.integer(id), .text(sha)])
        }
        let limitEffects = try holds.map { try LimitBook.take(db, application: id, $0) } ?? []
        try AuditTrail.append(db, AuditEvent(
            actor: a.filedBy, action: a.origin == "proposed" ? "application.proposed" : "application.filed", subject: "application:\(id)",
            details: ["enterprise_id": .text(a.enterpriseID), "matter": .text(a.matter), "date": .text(a.claimDate), "amount_fen": .integer(a.amountFen),
                      "attributes": .text(a.attributes), "engine_status": .text(a.engineStatus), "engine_award_fen": .integer(a.engineAwardFen),
                      "policy": AuditValue(a.policy), "measure": AuditValue(a.measure), "explanation": .text(a.explanation),
                      "evidence": .list(Set(a.evidence).sorted().map(AuditValue.text)), "flags": .text(a.flags), "fact_id": AuditValue(a.factID),
                      "due_at": AuditValue(a.dueAt), "limits": .list((holds ?? []).map { .object(["limit": .text($0.limitID), "amount": .integer($0.amount)]) })],
            effects: effects + limitEffects + Self.stateEffects(id, status: status, decided: nil, city: nil, district: nil)), at: now)
        guard let row = try Self.lockApplication(db, id) else { throw StorageError.decoding(column: "application", expected: "the inserted row", found: "none") }
        return row
    }

    /// The enterprise confirms (意愿确认) or declines a proposal.
    /// A confirmed proposal takes `holds` of the limit rows as it becomes live (refused past a bound).
    public func answerProposal(_ id: Int64, confirm: Bool, by: String, at now: String, dueAt: String?,
                               holds: @escaping @Sendable (ApplicationRow) throws -> [LimitHold]) async throws -> Result<ApplicationRow, CashOutRefusal> {
        try await backend.writeRefusable { db in
            guard let a = try Self.lockApplication(db, id) else { return .failure(.notFound) }
            guard a.status == .proposed else { return .failure(.wrongState(found: a.status.rawValue)) }
            try Self.lockEnterprise(db, a.enterpriseID)
            let limitEffects = confirm ? try LimitBook.take(db, application: id, try holds(a)) : []
            let status = confirm ? "submitted" : "declined", holder = confirm ? "reviewer" : "closed"
            try db.execute("UPDATE application SET status = ?, holder = ?, holder_since = ?, due_at = ?, version = version + 1 WHERE id = ?",
                           [.text(status), .text(holder), .text(now), confirm ? (dueAt.map(SQLValue.text) ?? .null) : .null, .integer(id)])
            try AuditTrail.append(db, AuditEvent(actor: by, action: confirm ? "application.confirmed" : "application.declined", subject: "application:\(id)",
                                                 details: ["due_at": AuditValue(confirm ? dueAt : nil)],
                                                 effects: limitEffects + Self.stateEffects(id, status: status, decided: nil, city: nil, district: nil)), at: now)
            return .success(try Self.lockApplication(db, id)!)
        }
    }

    // MARK: review

    /// A reviewer's decision (first review on `submitted`, second on `objected`), with the budget
    /// reservation of its amount, all in one transaction; refused with the figures when a budget
    /// would pass what was released.
    /// `missingHolds`: what an application that holds nothing yet (filed before migration 13, or
    /// written past the filing path) is to hold, taken first — refused when the rows have no room.
    public func decide(_ id: Int64, _ d: ReviewDecision, at now: String,
                       missingHolds: @escaping @Sendable (ApplicationRow) throws -> [LimitHold] = { _ in [] }) async throws -> Result<ApplicationRow, CashOutRefusal> {
        try await backend.writeRefusable { db in
            guard let a = try Self.lockApplication(db, id) else { return .failure(.notFound) }
            let expected: ApplicationStatus = d.stage == "review" ? .submitted : .objected
            guard a.status == expected else { return .failure(.wrongState(found: a.status.rawValue)) }
            guard let policy = a.policy, let measure = a.measure else { return .failure(.other("本申报没有适用的政策措施")) }
            // The limits first: an amount past what they allow now is refused naming the limit. A first
            // rejection keeps its holds while the objection period runs; a final one gives them back.
            var limitEffects: [AuditEffect] = []
            if !a.limitsHeld && d.decision != "reject" {
                try Self.lockEnterprise(db, a.enterpriseID)
                limitEffects += try LimitBook.take(db, application: id, try missingHolds(a))
            }
            limitEffects += d.decision != "reject" ? try LimitBook.setAmount(db, application: id, to: d.amountFen)
                : d.stage == "review" ? [] : try LimitBook.release(db, application: id)
            let effects = limitEffects + (d.decision == "reject" ? [] : try BudgetBook.moveSplit(db, policy: policy, measure: measure, year: a.year, district: a.district,
                                                                                                  cityFen: d.cityFen, districtFen: d.districtFen, from: nil, to: "reserved_fen"))
            try db.execute("INSERT INTO application_review (application_id, stage, reviewer, decision, amount_fen, reason, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           [.integer(id), .text(d.stage), .text(d.reviewer), .text(d.decision), .integer(d.amountFen), .text(d.reason), .text(now)])
            let decided: Int64? = d.decision == "reject" ? nil : d.amountFen
            let city: Int64? = d.decision == "reject" ? nil : d.cityFen, district: Int64? = d.decision == "reject" ? nil : d.districtFen
            try db.execute("""
                UPDATE application SET status = ?, decided_fen = ?, city_fen = ?, district_fen = ?, funding_basis = ?, holder = ?, holder_since = ?, due_at = ?,
                       \(d.stage == "review" ? "first_reviewer" : "second_reviewer") = ?, version = version + 1 WHERE id = ?
                """, [.text(d.status), decided.map(SQLValue.integer) ?? .null, city.map(SQLValue.integer) ?? .null, district.map(SQLValue.integer) ?? .null,
                      .text(d.fundingBasis), .text(d.holder), .text(now), d.dueAt.map(SQLValue.text) ?? .null, .text(d.reviewer), .integer(id)])
            try AuditTrail.append(db, AuditEvent(
                actor: d.reviewer, action: d.stage == "review" ? "application.reviewed" : "application.objection_decided", subject: "application:\(id)",
                details: ["decision": .text(d.decision), "amount_fen": .integer(d.amountFen), "city_fen": .integer(d.cityFen), "district_fen": .integer(d.districtFen),
                          "funding_basis": .text(d.fundingBasis), "reason": .text(d.reason), "due_at": AuditValue(d.dueAt)],
                effects: effects + Self.stateEffects(id, status: d.status, decided: decided, city: city, district: district)), at: now)
            return .success(try Self.lockApplication(db, id)!)
        }
    }

    /// 异议: the enterprise objects to a reduction or a rejection within the period; the reservation
    /// of a reduced amount is released until the second reviewer decides.
    public func object(_ id: Int64, by: String, reason: String, at now: String, dueAt: String?) async throws -> Result<ApplicationRow, CashOutRefusal> {
        try await backend.writeRefusable { db in
            guard let a = try Self.lockApplication(db, id) else { return .failure(.notFound) }
            guard a.status == .reduced || a.status == .rejected else { return .failure(.wrongState(found: a.status.rawValue)) }
            guard let due = a.dueAt, now <= due else { return .failure(.other("异议期已过（截止 \(a.dueAt ?? "—")）")) }
            guard try db.rows("SELECT 1 AS x FROM application_review WHERE application_id = ? AND stage = 'objection'", [.integer(id)]).isEmpty else {
                return .failure(.other("本申报已经过异议复核，不能再次提出异议"))
            }
            // Re-decided against the limits: the objection asks for the engine's amount (where the text
            // names none, the claimed base) and holds as much of it as the limits allow now.
            let ceiling = a.engineStatus == "needs_review" && a.engineAwardFen == 0 ? a.amountFen : a.engineAwardFen
            var effects = try LimitBook.setAmount(db, application: id, to: try LimitBook.headroom(db, application: id, ceiling: ceiling))
            if a.status == .reduced, let policy = a.policy, let measure = a.measure {
                effects += try BudgetBook.moveSplit(db, policy: policy, measure: measure, year: a.year, district: a.district,
                                                   cityFen: a.cityFen ?? 0, districtFen: a.districtFen ?? 0, from: "reserved_fen", to: nil)
            }
            try db.execute("UPDATE application SET status = 'objected', decided_fen = NULL, city_fen = NULL, district_fen = NULL, holder = 'second_reviewer', holder_since = ?, due_at = ?, version = version + 1 WHERE id = ?",
                           [.text(now), dueAt.map(SQLValue.text) ?? .null, .integer(id)])
            try AuditTrail.append(db, AuditEvent(actor: by, action: "application.objected", subject: "application:\(id)",
                                                 details: ["reason": .text(reason), "due_at": AuditValue(dueAt)],
                                                 effects: effects + Self.stateEffects(id, status: "objected", decided: nil, city: nil, district: nil)), at: now)
            return .success(try Self.lockApplication(db, id)!)
        }
    }

    // MARK: reading

    public func application(_ id: Int64, reach: EnterpriseRegistry.Reach) async throws -> ApplicationRow? {
        try await backend.read { db in
            let scope = reach.condition(idColumn: "a.enterprise_id", districtColumn: "a.district")
            return try db.rows("SELECT \(Self.columns) FROM application a JOIN enterprise e ON e.id = a.enterprise_id WHERE a.id = ? AND \(scope.sql)",
                               [.integer(id)] + scope.arguments).first.map(Self.row)
        }
    }

    /// Applications within reach, newest first; `statuses` narrows them.
    public func applications(reach: EnterpriseRegistry.Reach, statuses: [String] = [], enterprise: String? = nil, limit: Int, offset: Int) async throws -> [ApplicationRow] {
        try await applications(reach: reach, ApplicationFilter(statuses: statuses, enterprise: enterprise), limit: limit, offset: offset)
    }

    /// Applications within reach that pass `filter`, in its order (the id breaks ties, so pages never overlap).
    public func applications(reach: EnterpriseRegistry.Reach, _ filter: ApplicationFilter, limit: Int, offset: Int) async throws -> [ApplicationRow] {
        try await backend.read { db in
            let w = Self.condition(reach, filter)
            return try db.rows("SELECT \(Self.columns) FROM application a JOIN enterprise e ON e.id = a.enterprise_id WHERE \(w.sql) ORDER BY \(filter.sort.orderBy) LIMIT ? OFFSET ?",
                               w.arguments + [.integer(Int64(limit)), .integer(Int64(offset))]).map(Self.row)
        }
    }

    /// How many applications within reach pass `filter`.
    public func applicationCount(reach: EnterpriseRegistry.Reach, _ filter: ApplicationFilter) async throws -> Int64 {
        try await backend.read { db in
            let w = Self.condition(reach, filter)
            return try db.rows("SELECT COUNT(*) AS n FROM application a WHERE \(w.sql)", w.arguments).first?.int("n") ?? 0
        }
    }

    /// The WHERE clause of a filtered list: the reach first, then each narrowing the filter sets.
    static func condition(_ reach: EnterpriseRegistry.Reach, _ f: ApplicationFilter) -> (sql: String, arguments: [SQLValue]) {
        let scope = reach.condition(idColumn: "a.enterprise_id", districtColumn: "a.district")
        var sql = scope.sql, args = scope.arguments
        if !f.statuses.isEmpty { sql += " AND a.status IN (\(SQLText.placeholders(f.statuses.count)))"; args += f.statuses.map(SQLValue.text) }
        if !f.holders.isEmpty { sql += " AND a.holder IN (\(SQLText.placeholders(f.holders.count)))"; args += f.holders.map(SQLValue.text) }
        if let e = f.enterprise { sql += " AND a.enterprise_id = ?"; args.append(.text(e)) }
        if let d = f.district { sql += " AND a.district = ?"; args.append(.text(d)) }
        if let m = f.matter { sql += " AND a.matter = ?"; args.append(.text(m)) }
        if let due = f.dueBefore { sql += " AND a.due_at IS NOT NULL AND a.due_at <= ?"; args.append(.text(due)) }
        return (sql, args)
    }

    public func reviews(of id: Int64) async throws -> [ReviewRow] {
        try await backend.read { db in
            try db.rows("SELECT stage, reviewer, decision, amount_fen, reason, decided_at FROM application_review WHERE application_id = ? ORDER BY id", [.integer(id)]).map {
                ReviewRow(stage: try $0.text("stage"), reviewer: try $0.text("reviewer"), decision: try $0.text("decision"), amountFen: try $0.int("amount_fen"),
                          reason: try $0.text("reason"), decidedAt: try $0.text("decided_at"))
            }
        }
    }

    // MARK: 免申即享 facts

    public struct NewFact: Sendable, Equatable {
        public var kind: String
        public var enterpriseID: String
        public var enterpriseName: String
        public var referenceNo: String
        public var amountFen: Int64
        public var date: String
        public var counterparty: String
        public var line: Int
        public init(kind: String, enterpriseID: String, enterpriseName: String, referenceNo: String, amountFen: Int64, date: String, counterparty: String, line: Int) {
            self.kind = kind
            self.enterpriseID = enterpriseID
            self.enterpriseName = enterpriseName
            self.referenceNo = referenceNo
            self.amountFen = amountFen
            self.date = date
            self.counterparty = counterparty
            self.line = line
        }
    }

    public struct FactRow: Sendable, Equatable {
        public var id: Int64
        public var kind: String
        public var enterpriseID: String
        public var referenceNo: String
        public var amountFen: Int64
        public var date: String
        public var counterparty: String
    }

    /// The facts of one enterprise, of one kind, newest first; `withoutVoucher` keeps the logistics
    /// contracts that no 运力券 was requested for yet.
    public func facts(enterprise: String, kind: String, withoutVoucher: Bool = false) async throws -> [FactRow] {
        try await backend.read { db in
            var sql = "SELECT id, kind, enterprise_id, reference_no, amount_fen, fact_date, counterparty FROM proposal_fact f WHERE enterprise_id = ? AND kind = ?"
            if withoutVoucher { sql += " AND NOT EXISTS (SELECT 1 FROM voucher v WHERE v.enterprise_id = f.enterprise_id AND v.contract_no = f.reference_no)" }
            return try db.rows(sql + " ORDER BY id DESC LIMIT 200", [.text(enterprise), .text(kind)]).map {
                FactRow(id: try $0.int("id"), kind: try $0.text("kind"), enterpriseID: try $0.text("enterprise_id"), referenceNo: try $0.text("reference_no"),
                        amountFen: try $0.int("amount_fen"), date: try $0.text("fact_date"), counterparty: try $0.text("counterparty"))
            }
        }
    }

    /// Stores imported facts (a fact already held, same kind, enterprise and number, is skipped);
    /// the ids of the new ones, in input order. One transaction with one audit entry.
    public func importFacts(_ facts: [NewFact], sourceSHA256: String, by: String, at now: String) async throws -> [(fact: NewFact, id: Int64?)] {
        try await backend.write { db in
            var out: [(NewFact, Int64?)] = []
            for f in facts {
                if !(try db.rows("SELECT 1 AS x FROM proposal_fact WHERE kind = ? AND enterprise_id = ? AND reference_no = ?",
                                 [.text(f.kind), .text(f.enterpriseID), .text(f.referenceNo)]).isEmpty) { out.append((f, nil)); continue }
                let id = try db.rows("""
                    INSERT INTO proposal_fact (kind, enterprise_id, enterprise_name, reference_no, amount_fen, fact_date, counterparty, source_sha256, source_line, imported_by, imported_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
                    """, [.text(f.kind), .text(f.enterpriseID), .text(f.enterpriseName), .text(f.referenceNo), .integer(f.amountFen), .text(f.date), .text(f.counterparty),
                          .text(sourceSHA256), .integer(Int64(f.line)), .text(by), .text(now)]).first?.int("id")
                out.append((f, id))
            }
            let added = out.compactMap(\.1)
            try AuditTrail.append(db, AuditEvent(actor: by, action: "facts.imported", subject: "proposal_fact:\(sourceSHA256.prefix(16))",
                                                 details: ["source_sha256": .text(sourceSHA256), "rows": .integer(Int64(facts.count)),
                                                           "added": .list(added.map(AuditValue.integer))]), at: now)
            return out
        }
    }
}

/// Carries a refusal out of a write transaction so that the transaction rolls back.
struct RefusedInTransaction: Error { let refusal: CashOutRefusal }

extension StoreBackend {
    /// A write transaction whose body may refuse: the refusal rolls everything back and is returned.
    func writeRefusable<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) throws -> Result<T, CashOutRefusal>) async throws -> Result<T, CashOutRefusal> {
        do { return try await write(body) } catch let r as RefusedInTransaction { return .failure(r.refusal) }
    }
}
