import Foundation
import KuajingDomain

public struct PayeeAccountRow: Sendable, Equatable {
    public var id: Int64
    public var enterpriseID: String
    public var bank: String
    public var accountNo: String
    public var holder: String
    public var evidenceSHA256: String?
    public var status: String
    public var enteredBy: String
    public var enteredAt: String
    public var confirmedBy: String?
    public var confirmedAt: String?
}

/// One line of a payment file (国库集中支付): payee, account, bank, amount, purpose, budget year,
/// project, and the city/district split.
public struct PayoutLineRow: Sendable, Equatable {
    public var id: Int64
    public var batchID: Int64
    public var applicationID: Int64
    public var kind: String
    public var amountFen: Int64
    public var cityFen: Int64
    public var districtFen: Int64
    public var enterpriseID: String
    public var payeeAccountID: Int64
    public var payee: String
    public var accountNo: String
    public var bank: String
    public var district: String
    public var year: Int64
    public var policy: String
    public var measure: String
    public var clause: String
    public var matter: String
    public var reason: String?
}

public struct PayoutBatchRow: Sendable, Equatable {
    public var id: Int64
    public var status: String
    public var totalFen: Int64
    public var lines: Int64
    public var fileSHA256: String
    public var auditSequence: Int64
    public var auditHead: String
    public var createdBy: String
    public var createdAt: String
    public var paidReference: String?
    public var paidAt: String?
}

/// Payee accounts and payment batches (tables `payee_account`, `payout_batch`, `payout_line`).
/// An account is entered by the enterprise and confirmed by the bureau before any payment. A batch
/// is frozen at export (its file, with the SHA-256 recorded, never changes); a bank return or a
/// recovery (追回) is a new reversing line, and the application goes back to be paid again in a
/// later batch as a re-issue.
public struct PayoutBook: Sendable {
    public let backend: any StoreBackend
    public init(backend: any StoreBackend) { self.backend = backend }

    static let payeeColumns = "id, enterprise_id, bank, account_no, holder, evidence_sha256, status, entered_by, entered_at, confirmed_by, confirmed_at"

    static func payee(_ r: SQLRow) throws -> PayeeAccountRow {
        PayeeAccountRow(id: try r.int("id"), enterpriseID: try r.text("enterprise_id"), bank: try r.text("bank"), accountNo: try r.text("account_no"),
                        holder: try r.text("holder"), evidenceSHA256: try r.optionalText("evidence_sha256"), status: try r.text("status"),
                        enteredBy: try r.text("entered_by"), enteredAt: try r.text("entered_at"), confirmedBy: try r.optionalText("confirmed_by"),
                        confirmedAt: try r.optionalText("confirmed_at"))
    }

    /// A new account, waiting for the bureau; an earlier unconfirmed one is superseded.
    public func enterPayee(enterpriseID: String, bank: String, accountNo: String, holder: String, evidence: String?, by: String, at now: String) async throws -> PayeeAccountRow {
        try await backend.write { db in
            var effects: [AuditEffect] = []
            for old in try db.rows("SELECT id FROM payee_account WHERE enterprise_id = ? AND status = 'entered'", [.text(enterpriseID)]) {
                let id = try old.int("id")
                try db.execute("UPDATE payee_account SET status = 'superseded' WHERE id = ?", [.integer(id)])
                effects.append(.set("payee_account", String(id), "status", "superseded"))
            }
            guard let row = try db.rows("""
                INSERT INTO payee_account (enterprise_id, bank, account_no, holder, evidence_sha256, status, entered_by, entered_at)
                VALUES (?, ?, ?, ?, ?, 'entered', ?, ?) RETURNING \(Self.payeeColumns)
                """, [.text(enterpriseID), .text(bank), .text(accountNo), .text(holder), evidence.map(SQLValue.text) ?? .null, .text(by), .text(now)]).first.map(Self.payee) else {
                throw StorageError.decoding(column: "payee_account", expected: "the inserted row", found: "none")
            }
            effects += [.set("payee_account", String(row.id), "status", "entered"), .set("payee_account", String(row.id), "account_no", .text(accountNo))]
            try AuditTrail.append(db, AuditEvent(actor: by, action: "payee.entered", subject: "payee_account:\(row.id)",
                                                 details: ["enterprise_id": .text(enterpriseID), "bank": .text(bank), "account_no": .text(accountNo), "holder": .text(holder),
                                                           "evidence": AuditValue(evidence)], effects: effects), at: now)
            return row
        }
    }

    /// The bureau confirms an entered account; the enterprise's earlier confirmed one is superseded.
    /// The bureau confirms an entered account of an enterprise of its city (`districts`, in the query).
    public func confirmPayee(id: Int64, districts: [String], by: String, at now: String) async throws -> Result<PayeeAccountRow, CashOutRefusal> {
        try await backend.writeRefusable { db in
            guard !districts.isEmpty, let p = try db.rows("""
                SELECT \(Self.payeeColumns) FROM payee_account WHERE id = ?
                AND enterprise_id IN (SELECT id FROM enterprise WHERE district IN (\(SQLText.placeholders(districts.count))))
                """, [.integer(id)] + districts.map(SQLValue.text)).first.map(Self.payee) else { return .failure(.notFound) }
            guard p.status == "entered" else { return .failure(.wrongState(found: p.status)) }
            var effects: [AuditEffect] = []
            for old in try db.rows("SELECT id FROM payee_account WHERE enterprise_id = ? AND status = 'confirmed'", [.text(p.enterpriseID)]) {
                let oid = try old.int("id")
                try db.execute("UPDATE payee_account SET status = 'superseded' WHERE id = ?", [.integer(oid)])
                effects.append(.set("payee_account", String(oid), "status", "superseded"))
            }
            try db.execute("UPDATE payee_account SET status = 'confirmed', confirmed_by = ?, confirmed_at = ? WHERE id = ?", [.text(by), .text(now), .integer(id)])
            effects.append(.set("payee_account", String(id), "status", "confirmed"))
            try AuditTrail.append(db, AuditEvent(actor: by, action: "payee.confirmed", subject: "payee_account:\(id)",
                                                 details: ["enterprise_id": .text(p.enterpriseID)], effects: effects), at: now)
            return .success(try db.rows("SELECT \(Self.payeeColumns) FROM payee_account WHERE id = ?", [.integer(id)]).first.map(Self.payee)!)
        }
    }

    /// Accounts, newest first; `districts` keeps those of enterprises of these districts (a city's).
    public func payees(enterprise: String?, districts: [String]? = nil, statuses: [String] = []) async throws -> [PayeeAccountRow] {
        try await backend.read { db in
            var sql = "SELECT \(Self.payeeColumns) FROM payee_account WHERE 1 = 1", args: [SQLValue] = []
            if let districts {
                sql += districts.isEmpty ? " AND 1 = 0" : " AND enterprise_id IN (SELECT id FROM enterprise WHERE district IN (\(SQLText.placeholders(districts.count))))"
                args += districts.map(SQLValue.text)
            }
            if let enterprise { sql += " AND enterprise_id = ?"; args.append(.text(enterprise)) }
            if !statuses.isEmpty { sql += " AND status IN (\(SQLText.placeholders(statuses.count)))"; args += statuses.map(SQLValue.text) }
            return try db.rows(sql + " ORDER BY id DESC", args).map(Self.payee)
        }
    }

    /// Other enterprises whose live account has this number: one bank account behind several applicants.
    public func enterprisesSharing(accountNo: String, except enterprise: String) async throws -> [String] {
        try await backend.read { db in
            try db.rows("SELECT DISTINCT enterprise_id FROM payee_account WHERE account_no = ? AND enterprise_id <> ? AND status <> 'superseded' ORDER BY enterprise_id",
                        [.text(accountNo), .text(enterprise)]).map { try $0.text("enterprise_id") }
        }
    }

    // MARK: batches

    static let lineColumns = """
        l.id, l.batch_id, l.application_id, l.kind, l.amount_fen, l.city_fen, l.district_fen, a.enterprise_id, l.payee_account_id, p.holder AS payee, p.account_no, p.bank,
        a.district, a.year, a.policy, a.measure, a.clause, a.matter, l.reason
        """

    static func line(_ r: SQLRow) throws -> PayoutLineRow {
        PayoutLineRow(id: try r.int("id"), batchID: try r.int("batch_id"), applicationID: try r.int("application_id"), kind: try r.text("kind"),
                      amountFen: try r.int("amount_fen"), cityFen: try r.int("city_fen"), districtFen: try r.int("district_fen"), enterpriseID: try r.text("enterprise_id"),
                      payeeAccountID: try r.int("payee_account_id"), payee: try r.text("payee"), accountNo: try r.text("account_no"), bank: try r.text("bank"), district: try r.text("district"), year: try r.int("year"),
                      policy: try r.optionalText("policy") ?? "", measure: try r.optionalText("measure") ?? "", clause: try r.optionalText("clause") ?? "",
                      matter: try r.text("matter"), reason: try r.optionalText("reason"))
    }

    static let batchColumns = "id, status, total_fen, lines, file_sha256, audit_sequence, audit_head, created_by, created_at, paid_reference, paid_at"

    static func batch(_ r: SQLRow) throws -> PayoutBatchRow {
        PayoutBatchRow(id: try r.int("id"), status: try r.text("status"), totalFen: try r.int("total_fen"), lines: try r.int("lines"), fileSHA256: try r.text("file_sha256"),
                       auditSequence: try r.int("audit_sequence"), auditHead: try r.text("audit_head"), createdBy: try r.text("created_by"), createdAt: try r.text("created_at"),
                       paidReference: try r.optionalText("paid_reference"), paidAt: try r.optionalText("paid_at"))
    }

    /// What a batch's file is made of, handed to the renderer inside the transaction.
    public struct Draft: Sendable {
        public var batchID: Int64
        public var lines: [PayoutLineRow]
        public var checkpoint: AuditCheckpoint
        public var createdAt: String
        public var createdBy: String
    }

    /// An application ready to pay that a batch left out, and why.
    public struct Skipped: Sendable, Equatable {
        public var application: Int64
        public var enterprise: String
        public var reason: String
    }

    public enum ExportOutcome: Sendable {
        case exported(PayoutBatchRow, csv: String, lines: [PayoutLineRow], checkpoint: AuditCheckpoint, skipped: [Skipped])
        case nothingToPay(skipped: [Skipped])
    }

    /// What the policy rules allow an application at most, as the application layer's replay of the
    /// engine decides it from the enterprises' applications read in the export's own transaction.
    public typealias Bounds = @Sendable (_ applications: [ApplicationRow]) throws -> [Int64: (fen: Int64, reason: String)]

    /// Freezes every application ready to pay (approved; reduced once its objection period has
    /// passed) of the caller's city (`districts`) whose enterprise has a confirmed account into one
    /// batch: the lines are written, the budgets move from reserved to committed, the head of the
    /// audit chain is signed (`sign`) and printed on the file (`render`), the file's SHA-256 is
    /// recorded, and the export is an audit entry, all in one transaction. Every line is checked
    /// again against the policy limits in that transaction (`bounds`, over every application of its
    /// enterprise as they stand): a line whose amount passes what the rules allow it is left out,
    /// with the reason, as is one without a confirmed account. The applications chosen are locked
    /// (`FOR UPDATE` on PostgreSQL), so two exports at once never take the same one.
    public func exportBatch(districts: [String], by: String, at now: String, publicKey: String, sign: @escaping @Sendable (String) throws -> String,
                            bounds: @escaping Bounds,
                            render: @escaping @Sendable (Draft) -> String, sha256: @escaping @Sendable (String) -> String) async throws -> ExportOutcome {
        try await backend.write { db in
            guard !districts.isEmpty else { return .nothingToPay(skipped: []) }
            let sql = """
                SELECT a.id, a.enterprise_id, a.decided_fen, a.city_fen, a.district_fen, a.policy, a.measure, a.year, a.district,
                       (SELECT MAX(id) FROM payee_account p WHERE p.enterprise_id = a.enterprise_id AND p.status = 'confirmed') AS payee_id,
                       (SELECT COUNT(*) FROM payout_line l WHERE l.application_id = a.id AND l.kind = 'payment') AS paid_before
                FROM application a
                WHERE (a.status = 'approved' OR (a.status = 'reduced' AND (a.due_at IS NULL OR a.due_at < ?)))
                  AND a.district IN (\(SQLText.placeholders(districts.count)))
                ORDER BY a.id
                """
            let ready = try db.rows(db.dialect == .postgres ? sql + " FOR UPDATE OF a" : sql, [.text(now)] + districts.map(SQLValue.text))
            var skipped: [Skipped] = []
            var payable: [SQLRow] = []
            for r in ready {
                if try r.optionalInt("payee_id") == nil {
                    skipped.append(Skipped(application: try r.int("id"), enterprise: try r.text("enterprise_id"), reason: "企业尚无经确认的收款账户"))
                } else { payable.append(r) }
            }
            let enterprises = Array(Set(try payable.map { try $0.text("enterprise_id") })).sorted()
            let allowed = try bounds(enterprises.isEmpty ? [] : try db.rows("""
                SELECT \(ApplicationBook.columns) FROM application a JOIN enterprise e ON e.id = a.enterprise_id
                WHERE a.enterprise_id IN (\(SQLText.placeholders(enterprises.count))) ORDER BY a.id
                """, enterprises.map(SQLValue.text)).map(ApplicationBook.row))
            var chosen: [SQLRow] = []
            for r in payable {
                let id = try r.int("id"), amount = try r.int("decided_fen")
                guard let bound = allowed[id] else {
                    skipped.append(Skipped(application: id, enterprise: try r.text("enterprise_id"), reason: "按政策规则重放不计入限额（状态已变），不予支付"))
                    continue
                }
                if amount > bound.fen {
                    skipped.append(Skipped(application: id, enterprise: try r.text("enterprise_id"),
                                           reason: "核定金额 \(Fen(amount).grouped) 元超过政策限额允许的 \(Fen(bound.fen).grouped) 元：\(bound.reason)"))
                    continue
                }
                chosen.append(r)
            }
            guard !chosen.isEmpty else { return .nothingToPay(skipped: skipped) }
            let checkpoint = try AuditTrail.checkpoint(db, reason: "支付批次导出", at: now, publicKey: publicKey, sign: sign)
            // The batch row first (its file is known only once the lines are), then the lines.
            guard let batchID = try db.rows("""
                INSERT INTO payout_batch (status, total_fen, lines, file_sha256, file_csv, audit_sequence, audit_head, created_by, created_at)
                VALUES ('frozen', 0, ?, ?, '', ?, ?, ?, ?) RETURNING id
                """, [.integer(Int64(chosen.count)), .text(String(repeating: "0", count: 64)), .integer(checkpoint.sequence), .text(checkpoint.headHash),
                      .text(by), .text(now)]).first?.int("id") else {
                throw StorageError.decoding(column: "payout_batch", expected: "the inserted row", found: "none")
            }
            var effects: [AuditEffect] = []
            var total: Int64 = 0
            for r in chosen {
                let app = try r.int("id"), amount = try r.int("decided_fen"), city = try r.int("city_fen"), district = try r.int("district_fen")
                let kind = try r.int("paid_before") > 0 ? "reissue" : "payment"
                let reversal = kind == "reissue"
                    ? try db.rows("SELECT MAX(l.id) AS r FROM payout_line l WHERE l.application_id = ? AND l.kind = 'reversal'", [.integer(app)]).first?.optionalInt("r")
                    : nil
                guard let lineID = try db.rows("""
                    INSERT INTO payout_line (batch_id, application_id, kind, amount_fen, city_fen, district_fen, payee_account_id, reverses_line)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
                    """, [.integer(batchID), .integer(app), .text(kind), .integer(amount), .integer(city), .integer(district), .integer(try r.int("payee_id")),
                          reversal.map(SQLValue.integer) ?? .null]).first?.int("id") else { continue }
                total += amount
                try db.execute("UPDATE application SET status = 'committed', holder = 'finance', holder_since = ?, due_at = NULL, version = version + 1 WHERE id = ?",
                               [.text(now), .integer(app)])
                effects += [.set("application", String(app), "status", "committed"), .set("payout_line", String(lineID), "amount_fen", .integer(amount))]
                do {
                    effects += try BudgetBook.moveSplit(db, policy: try r.text("policy"), measure: try r.text("measure"), year: try r.int("year"), district: try r.text("district"),
                                                        cityFen: city, districtFen: district, from: "reserved_fen", to: "committed_fen")
                } catch let refused as RefusedInTransaction {
                    throw StorageError.constraint("budget move refused at export: \(refused.refusal)")
                }
            }
            let lines = try Self.lines(db, "l.batch_id = ?", batchID)
            let csv = render(Draft(batchID: batchID, lines: lines, checkpoint: checkpoint, createdAt: now, createdBy: by))
            let digest = sha256(csv)
            try db.execute("UPDATE payout_batch SET total_fen = ?, file_sha256 = ?, file_csv = ? WHERE id = ?", [.integer(total), .text(digest), .text(csv), .integer(batchID)])
            effects += [.set("payout_batch", String(batchID), "status", "frozen"), .set("payout_batch", String(batchID), "file_sha256", .text(digest)),
                        .set("payout_batch", String(batchID), "total_fen", .integer(total))]
            try AuditTrail.append(db, AuditEvent(actor: by, action: "payout.exported", subject: "payout_batch:\(batchID)",
                                                 details: ["lines": .list(lines.map { .integer($0.id) }), "total_fen": .integer(total), "file_sha256": .text(digest),
                                                           "checkpoint_sequence": .integer(checkpoint.sequence), "checkpoint_head": .text(checkpoint.headHash)],
                                                 effects: effects), at: now)
            let batch = try db.rows("SELECT \(Self.batchColumns) FROM payout_batch WHERE id = ?", [.integer(batchID)]).first.map(Self.batch)!
            return .exported(batch, csv: csv, lines: lines, checkpoint: checkpoint, skipped: skipped)
        }
    }

    /// The finance office has paid the batch: its reference is recorded, the budgets move from
    /// committed to paid, the applications are paid.
    public func markPaid(batch id: Int64, districts: [String], reference: String, by: String, at now: String) async throws -> Result<PayoutBatchRow, CashOutRefusal> {
        let scope = Self.batchInDistricts(districts)
        return try await backend.writeRefusable { db in
            guard let b = try db.rows("SELECT \(Self.batchColumns) FROM payout_batch WHERE id = ? AND \(scope.sql)\(db.dialect == .postgres ? " FOR UPDATE" : "")",
                                      [.integer(id)] + scope.arguments).first.map(Self.batch) else {
                return .failure(.notFound)
            }
            guard b.status == "frozen" else { return .failure(.wrongState(found: b.status)) }
            var effects: [AuditEffect] = []
            for l in try Self.lines(db, "l.batch_id = ?", id) where l.kind != "reversal" {
                effects += try BudgetBook.moveSplit(db, policy: l.policy, measure: l.measure, year: l.year, district: l.district,
                                                    cityFen: l.cityFen, districtFen: l.districtFen, from: "committed_fen", to: "paid_fen")
                try db.execute("UPDATE application SET status = 'paid', holder = 'closed', holder_since = ?, version = version + 1 WHERE id = ? AND status = 'committed'",
                               [.text(now), .integer(l.applicationID)])
                effects.append(.set("application", String(l.applicationID), "status", "paid"))
            }
            try db.execute("UPDATE payout_batch SET status = 'paid', paid_reference = ?, paid_by = ?, paid_at = ? WHERE id = ?", [.text(reference), .text(by), .text(now), .integer(id)])
            effects.append(.set("payout_batch", String(id), "status", "paid"))
            try AuditTrail.append(db, AuditEvent(actor: by, action: "payout.paid", subject: "payout_batch:\(id)", details: ["reference": .text(reference)], effects: effects), at: now)
            return .success(try db.rows("SELECT \(Self.batchColumns) FROM payout_batch WHERE id = ?", [.integer(id)]).first.map(Self.batch)!)
        }
    }

    /// A bank return (退票) or a recovery (追回) of a paid line: a reversing line, the budget moves
    /// from paid back to reserved, and the application is approved again, to be re-issued.
    public func reverse(line id: Int64, districts: [String], reason: String, by: String, at now: String) async throws -> Result<PayoutLineRow, CashOutRefusal> {
        try await backend.writeRefusable { db in
            guard let l = try Self.lines(db, "l.id = ?", id).first, districts.contains(l.district) else { return .failure(.notFound) }
            guard l.kind != "reversal" else { return .failure(.other("冲销行不能再冲销")) }
            guard let status = try db.rows("SELECT status FROM payout_batch WHERE id = ?", [.integer(l.batchID)]).first?.text("status"), status == "paid" else {
                return .failure(.other("只有已支付批次的支付行可以冲销（退票或追回）"))
            }
            guard try db.rows("SELECT 1 AS x FROM payout_line WHERE reverses_line = ?", [.integer(id)]).isEmpty else { return .failure(.other("该支付行已冲销")) }
            guard let rid = try db.rows("""
                INSERT INTO payout_line (batch_id, application_id, kind, amount_fen, city_fen, district_fen, payee_account_id, reverses_line, reason)
                VALUES (?, ?, 'reversal', ?, ?, ?, ?, ?, ?) RETURNING id
                """, [.integer(l.batchID), .integer(l.applicationID), .integer(-l.amountFen), .integer(-l.cityFen), .integer(-l.districtFen), .integer(l.payeeAccountID), .integer(id),
                      .text(reason)]).first?.int("id") else { throw StorageError.decoding(column: "payout_line", expected: "the inserted row", found: "none") }
            var effects: [AuditEffect] = [.set("payout_line", String(rid), "amount_fen", .integer(-l.amountFen))]
            effects += try BudgetBook.moveSplit(db, policy: l.policy, measure: l.measure, year: l.year, district: l.district,
                                                cityFen: l.cityFen, districtFen: l.districtFen, from: "paid_fen", to: "reserved_fen")
            try db.execute("UPDATE application SET status = 'approved', holder = 'finance', holder_since = ?, version = version + 1 WHERE id = ?", [.text(now), .integer(l.applicationID)])
            effects.append(.set("application", String(l.applicationID), "status", "approved"))
            try AuditTrail.append(db, AuditEvent(actor: by, action: "payout.reversed", subject: "payout_line:\(id)",
                                                 details: ["reason": .text(reason), "reversal_line": .integer(rid), "application_id": .integer(l.applicationID)],
                                                 effects: effects), at: now)
            return .success(try Self.lines(db, "l.id = ?", rid)[0])
        }
    }

    /// Payout lines with their application and payee, where `condition` (on `l`) holds for `id`, by line.
    static func lines(_ db: any SQLExecutor, _ condition: String, _ id: Int64) throws -> [PayoutLineRow] {
        try db.rows("""
            SELECT \(lineColumns) FROM payout_line l JOIN application a ON a.id = l.application_id JOIN payee_account p ON p.id = l.payee_account_id
            WHERE \(condition) ORDER BY l.id
            """, [.integer(id)]).map(line)
    }

    /// A batch belongs to the city of its lines' applications (an export takes one city's only):
    /// the condition on `payout_batch` (unaliased) that it has a line in these districts.
    static func batchInDistricts(_ districts: [String]) -> (sql: String, arguments: [SQLValue]) {
        guard !districts.isEmpty else { return ("1 = 0", []) }
        return ("EXISTS (SELECT 1 FROM payout_line bl JOIN application ba ON ba.id = bl.application_id WHERE bl.batch_id = payout_batch.id AND ba.district IN (\(SQLText.placeholders(districts.count))))",
                districts.map(SQLValue.text))
    }

    /// A batch's lines, those of applications in `districts` only.
    public func lines(batch id: Int64, districts: [String]) async throws -> [PayoutLineRow] {
        guard !districts.isEmpty else { return [] }
        return try await backend.read { db in
            try db.rows("""
                SELECT \(Self.lineColumns) FROM payout_line l JOIN application a ON a.id = l.application_id JOIN payee_account p ON p.id = l.payee_account_id
                WHERE l.batch_id = ? AND a.district IN (\(SQLText.placeholders(districts.count))) ORDER BY l.id
                """, [.integer(id)] + districts.map(SQLValue.text)).map(Self.line)
        }
    }

    /// What each application was paid net of reversals, over every batch frozen or paid.
    public func netPaidByApplication() async throws -> [Int64: Int64] {
        try await backend.read { db in
            var out: [Int64: Int64] = [:]
            for r in try db.rows("SELECT application_id, CAST(SUM(amount_fen) AS BIGINT) AS net FROM payout_line GROUP BY application_id", []) { out[try r.int("application_id")] = try r.int("net") }
            return out
        }
    }

    public func batches(districts: [String]) async throws -> [PayoutBatchRow] {
        let scope = Self.batchInDistricts(districts)
        return try await backend.read { db in try db.rows("SELECT \(Self.batchColumns) FROM payout_batch WHERE \(scope.sql) ORDER BY id DESC", scope.arguments).map(Self.batch) }
    }

    public func batch(_ id: Int64, districts: [String]) async throws -> (batch: PayoutBatchRow, csv: String, lines: [PayoutLineRow])? {
        let scope = Self.batchInDistricts(districts)
        return try await backend.read { db in
            guard let r = try db.rows("SELECT \(Self.batchColumns), file_csv FROM payout_batch WHERE id = ? AND \(scope.sql)", [.integer(id)] + scope.arguments).first else { return nil }
            return (try Self.batch(r), try r.text("file_csv"), try Self.lines(db, "l.batch_id = ?", id))
        }
    }
}
