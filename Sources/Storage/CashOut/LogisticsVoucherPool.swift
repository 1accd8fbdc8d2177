import Foundation
import KuajingDomain

/// The rules a voucher request is judged by, read from the policy file (杭州 附件（七）): the rate
/// (5% of the logistics contract, as a fraction), the yearly cap per enterprise and the pool's limit.
public struct VoucherRules: Sendable, Equatable {
    public var policy: String
    public var rateNumerator: Int64
    public var rateDenominator: Int64
    public var rateText: String
    public var yearlyCapFen: Int64
    public var poolLimitFen: Int64
    public var citation: String

    public init(policy: String, rateNumerator: Int64, rateDenominator: Int64, rateText: String, yearlyCapFen: Int64, poolLimitFen: Int64, citation: String) {
        self.policy = policy
        self.rateNumerator = rateNumerator
        self.rateDenominator = rateDenominator
        self.rateText = rateText
        self.yearlyCapFen = yearlyCapFen
        self.poolLimitFen = poolLimitFen
        self.citation = citation
    }

    /// contract × rate, rounded half up to the fen once (as the engine rounds an award).
    public func entitlement(contractFen: Int64) -> Int64 {
        let product = Int128(contractFen) * Int128(rateNumerator)
        return Int64((product * 2 + Int128(rateDenominator)) / (Int128(rateDenominator) * 2))
    }
}

public struct VoucherRequest: Sendable, Equatable {
    public var enterpriseID: String
    public var contractNo: String
    public var contractFen: Int64
    public var provider: String
    /// YYYY-MM-DD: decides the year of the yearly cap.
    public var contractDate: String
    public var idempotencyKey: String
    /// SHA-256 of the request's fields: the same key with another body is refused.
    public var requestSHA256: String
    public var requestedBy: String

    public init(enterpriseID: String, contractNo: String, contractFen: Int64, provider: String, contractDate: String, idempotencyKey: String, requestSHA256: String, requestedBy: String) {
        self.enterpriseID = enterpriseID
        self.contractNo = contractNo
        self.contractFen = contractFen
        self.provider = provider
        self.contractDate = contractDate
        self.idempotencyKey = idempotencyKey
        self.requestSHA256 = requestSHA256
        self.requestedBy = requestedBy
    }
}

public struct VoucherRow: Sendable, Equatable {
    public var id: Int64
    public var sequence: Int64
    public var enterpriseID: String
    public var contractNo: String
    public var contractFen: Int64
    public var year: Int64
    public var status: VoucherStatus
    public var amountFen: Int64
    public var entitledFen: Int64
    public var explanation: String
    public var createdAt: String
}

public struct VoucherBatchRow: Sendable, Equatable {
    public var id: Int64
    public var label: String
    public var amountFen: Int64
    public var opensAt: String
}

public struct VoucherPoolBalance: Sendable, Equatable {
    public var limitFen: Int64
    public var batchesFen: Int64
    public var releasedFen: Int64
    public var reservedFen: Int64
    public var committedFen: Int64
    public var paidFen: Int64
    public var remainingFen: Int64 { releasedFen - reservedFen - committedFen - paidFen }
    public var batches: [VoucherBatchRow]

    public init(limitFen: Int64, batchesFen: Int64, releasedFen: Int64, reservedFen: Int64, committedFen: Int64, paidFen: Int64, batches: [VoucherBatchRow]) {
        self.limitFen = limitFen
        self.batchesFen = batchesFen
        self.releasedFen = releasedFen
        self.reservedFen = reservedFen
        self.committedFen = committedFen
        self.paidFen = paidFen
        self.batches = batches
    }
}

/// What a request came to. A refusal writes nothing and takes no sequence number.
public enum VoucherOutcome: Sendable, Equatable {
    /// Issued or waitlisted now, or (`replayed`) the answer first given to this idempotency key.
    case answered(VoucherRow, replayed: Bool)
    /// Refused by a rule: its code and the Chinese reason.
    case refused(code: String, message: String)
    /// The idempotency key was used before with another body.
    case keyReused(VoucherRow)
}

/// 杭州's 运力券 pool (附件（七）：3000 万元，分批发放、先到先得、总量可控), enforced by the database:
/// batches with an opening time, vouchers numbered by the server at commit. One request is one write
/// transaction that locks the pool's row (`SELECT … FOR UPDATE` on PostgreSQL; the immediate write
/// transaction on SQLite), releases the batches whose time has come, and applies the enterprise's
/// yearly cap, the 5% rule and what remains, in that order; the CHECK constraints of migration 9 stand
/// behind it. Tables `voucher_pool`, `voucher_batch`, `voucher`.
public struct LogisticsVoucherPool: Sendable {
    public let backend: any StoreBackend

    public init(backend: any StoreBackend) { self.backend = backend }

    static func lockPool(_ db: any SQLExecutor, _ policy: String) throws -> SQLRow? {
        let sql = "SELECT limit_fen, batches_fen, released_fen, reserved_fen, committed_fen, paid_fen, next_sequence FROM voucher_pool WHERE policy = ?"
        return try db.rows(db.dialect == .postgres ? sql + " FOR UPDATE" : sql, [.text(policy)]).first
    }

    /// Opens a batch (creating the pool with its limit on the first one); refused when the batches
    /// would pass the limit. Returns the batch's id, or nil with the remaining room.
    public func openBatch(rules: VoucherRules, label: String, amountFen: Int64, opensAt: String, by: String, now: String) async throws -> (id: Int64?, room: Int64) {
        try await backend.write { db in
            try db.execute(db.dialect == .sqlite ? "INSERT OR IGNORE INTO voucher_pool (policy, limit_fen) VALUES (?, ?)"
                                                 : "INSERT INTO voucher_pool (policy, limit_fen) VALUES (?, ?) ON CONFLICT DO NOTHING",
                           [.text(rules.policy), .integer(rules.poolLimitFen)])
            guard let pool = try Self.lockPool(db, rules.policy) else { throw StorageError.decoding(column: "voucher_pool", expected: "a row", found: "none") }
            let room = try pool.int("limit_fen") - pool.int("batches_fen")
            guard amountFen <= room else { return (nil, room) }
            try db.execute("UPDATE voucher_pool SET batches_fen = batches_fen + ? WHERE policy = ?", [.integer(amountFen), .text(rules.policy)])
            guard let id = try db.rows("INSERT INTO voucher_batch (policy, label, amount_fen, opens_at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                                       [.text(rules.policy), .text(label), .integer(amountFen), .text(opensAt), .text(by), .text(now)]).first?.int("id") else {
                throw StorageError.decoding(column: "voucher_batch", expected: "the inserted row", found: "none")
            }
            try AuditTrail.append(db, AuditEvent(
                actor: by, action: "voucher.batch_opened", subject: "voucher_batch:\(id)",
                details: ["policy": .text(rules.policy), "label": .text(label), "amount_fen": .integer(amountFen), "opens_at": .text(opensAt)],
                effects: [.set("voucher_pool", rules.policy, "limit_fen", .integer(rules.poolLimitFen)),
                          .add("voucher_pool", rules.policy, "batches_fen", amountFen),
                          .set("voucher_batch", String(id), "amount_fen", .integer(amountFen)),
                          .set("voucher_batch", String(id), "opens_at", .text(opensAt))]), at: now)
            return (id, room - amountFen)
        }
    }

    static let voucherColumns = "id, sequence, enterprise_id, contract_no, contract_fen, year, status, amount_fen, entitled_fen, explanation, created_at"

    static func status(_ r: SQLRow) throws -> VoucherStatus {
        let raw = try r.text("status")
        guard let s = VoucherStatus(rawValue: raw) else { throw StorageError.decoding(column: "voucher.status", expected: "a voucher status", found: raw) }
        return s
    }

    static func voucher(_ r: SQLRow) throws -> VoucherRow {
        VoucherRow(id: try r.int("id"), sequence: try r.int("sequence"), enterpriseID: try r.text("enterprise_id"), contractNo: try r.text("contract_no"),
                   contractFen: try r.int("contract_fen"), year: try r.int("year"), status: try Self.status(r), amountFen: try r.int("amount_fen"),
                   entitledFen: try r.int("entitled_fen"), explanation: try r.text("explanation"), createdAt: try r.text("created_at"))
    }

    /// One request, judged and recorded in one transaction (see the type's comment).
    public func request(_ q: VoucherRequest, rules: VoucherRules, now: String) async throws -> VoucherOutcome {
        try await backend.write { db in
            // The pool's row is locked first and the key looked up after: two requests with one key
            // at once then meet in order, and the second finds the first's voucher (on PostgreSQL a
            // lookup before the lock would miss a voucher committed while it waited).
            guard let pool = try Self.lockPool(db, rules.policy) else {
                return .refused(code: "pool_not_open", message: "运力券资金池尚未开放（尚无批次）")
            }
            if let earlier = try db.rows("SELECT \(Self.voucherColumns), request_sha256 FROM voucher WHERE policy = ? AND idempotency_key = ?",
                                         [.text(rules.policy), .text(q.idempotencyKey)]).first {
                let row = try Self.voucher(earlier)
                return try earlier.text("request_sha256") == q.requestSHA256 ? .answered(row, replayed: true) : .keyReused(row)
            }
            let released = try db.rows("SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) AS s FROM voucher_batch WHERE policy = ? AND opens_at <= ?",
                                       [.text(rules.policy), .text(now)]).first?.int("s") ?? 0
            guard released > 0 else {
                let next = try db.rows("SELECT MIN(opens_at) AS t FROM voucher_batch WHERE policy = ?", [.text(rules.policy)]).first?.optionalText("t")
                return .refused(code: "batch_not_open", message: "运力券批次尚未开放\(next.map { "（首批开放时间 \($0)）" } ?? "")")
            }
            if released != (try pool.int("released_fen")) {
                try db.execute("UPDATE voucher_pool SET released_fen = ? WHERE policy = ?", [.integer(released), .text(rules.policy)])
                try AuditTrail.append(db, AuditEvent(
                    actor: "system", action: "voucher.batches_released", subject: "voucher_pool:\(rules.policy)",
                    details: ["released_fen": .integer(released), "at": .text(now)],
                    effects: [.set("voucher_pool", rules.policy, "released_fen", .integer(released))]), at: now)
                // Those waiting are served first, in sequence order, from what was just released.
                try Self.promoteWaitlist(db, rules: rules, now: now)
            }
            if !(try db.rows("SELECT 1 AS x FROM voucher WHERE policy = ? AND enterprise_id = ? AND contract_no = ?",
                             [.text(rules.policy), .text(q.enterpriseID), .text(q.contractNo)]).isEmpty) {
                return .refused(code: "contract_used", message: "合同 \(q.contractNo) 已申领过运力券，同一合同不重复申领")
            }
            let year = Int64(q.contractDate.prefix(4)) ?? 0
            let used = try db.rows("""
                SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) AS s FROM voucher
                WHERE policy = ? AND enterprise_id = ? AND year = ? AND status IN ('issued', 'paid')
                """, [.text(rules.policy), .text(q.enterpriseID), .integer(year)]).first?.int("s") ?? 0
            let current = try Self.lockPool(db, rules.policy)!
            let remaining = released - (try current.int("reserved_fen")) - (try current.int("committed_fen")) - (try current.int("paid_fen"))
            let decision = VoucherDecision.decide(contractFen: q.contractFen, year: year, usedThisYear: used, remaining: remaining, rules: rules)
            guard let status = decision.status else { return .refused(code: decision.refusalCode ?? "refused", message: decision.explanation) }
            let award = decision.award, entitled = decision.entitled, text = decision.explanation
            let sequence = try current.int("next_sequence")
            try db.execute("UPDATE voucher_pool SET next_sequence = next_sequence + 1, reserved_fen = reserved_fen + ? WHERE policy = ?",
                           [.integer(award), .text(rules.policy)])
            let row = try db.rows("""
                INSERT INTO voucher (policy, sequence, enterprise_id, contract_no, contract_fen, provider, contract_date, year, status, amount_fen, entitled_fen,
                                     explanation, idempotency_key, request_sha256, requested_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING \(Self.voucherColumns)
                """, [.text(rules.policy), .integer(sequence), .text(q.enterpriseID), .text(q.contractNo), .integer(q.contractFen), .text(q.provider),
                      .text(q.contractDate), .integer(year), .text(status.rawValue), .integer(award), .integer(entitled), .text(text), .text(q.idempotencyKey),
                      .text(q.requestSHA256), .text(q.requestedBy), .text(now)]).first
            guard let row else { throw StorageError.decoding(column: "voucher", expected: "the inserted row", found: "none") }
            let voucher = try Self.voucher(row)
            let key = String(voucher.id)
            try AuditTrail.append(db, AuditEvent(
                actor: q.requestedBy, action: "voucher.requested", subject: "voucher:\(key)",
                details: ["policy": .text(rules.policy), "enterprise_id": .text(q.enterpriseID), "contract_no": .text(q.contractNo), "contract_fen": .integer(q.contractFen),
                          "sequence": .integer(sequence), "status": .text(status.rawValue), "amount_fen": .integer(award), "entitled_fen": .integer(entitled),
                          "idempotency_key": .text(q.idempotencyKey), "explanation": .text(text)],
                effects: [.add("voucher_pool", rules.policy, "reserved_fen", award),
                          .set("voucher_pool", rules.policy, "next_sequence", .integer(sequence + 1)),
                          .set("voucher", key, "status", .text(status.rawValue)),
                          .set("voucher", key, "amount_fen", .integer(award)),
                          .set("voucher", key, "sequence", .integer(sequence))]), at: now)
            return .answered(voucher, replayed: false)
        }
    }

    /// Serves the waitlist in sequence order from what remains: each waiting voucher gets what its
    /// contract entitles it to, within its enterprise's yearly cap and what remains; one whose cap is
    /// used up stays waiting (named in its explanation) and is passed over. Inside the caller's
    /// transaction, with the pool's row locked.
    static func promoteWaitlist(_ db: any SQLExecutor, rules: VoucherRules, now: String) throws {
        guard let pool = try lockPool(db, rules.policy) else { return }
        var remaining = try pool.int("released_fen") - pool.int("reserved_fen") - pool.int("committed_fen") - pool.int("paid_fen")
        guard remaining > 0 else { return }
        for w in try db.rows("SELECT \(voucherColumns) FROM voucher WHERE policy = ? AND status = 'waitlisted' ORDER BY sequence", [.text(rules.policy)]).map(voucher) {
            guard remaining > 0 else { break }
            let used = try db.rows("""
                SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) AS s FROM voucher
                WHERE policy = ? AND enterprise_id = ? AND year = ? AND status IN ('issued', 'paid')
                """, [.text(rules.policy), .text(w.enterpriseID), .integer(w.year)]).first?.int("s") ?? 0
            let capRoom = rules.yearlyCapFen - used
            guard capRoom > 0 else { continue }
            let award = min(w.entitledFen, capRoom, remaining)
            var text = w.explanation + "；\(now) 有额度释放，按候补顺序转为发放：核定 \(Fen(award).plain) 元"
            if award < w.entitledFen { text += "（\(award == remaining ? "以剩余额度为限" : "以年度上限剩余为限")）" }
            try db.execute("UPDATE voucher SET status = 'issued', amount_fen = ?, explanation = ? WHERE id = ?", [.integer(award), .text(text), .integer(w.id)])
            try db.execute("UPDATE voucher_pool SET reserved_fen = reserved_fen + ? WHERE policy = ?", [.integer(award), .text(rules.policy)])
            remaining -= award
            let key = String(w.id)
            try AuditTrail.append(db, AuditEvent(
                actor: "system", action: "voucher.promoted", subject: "voucher:\(key)",
                details: ["sequence": .integer(w.sequence), "amount_fen": .integer(award), "explanation": .text(text)],
                effects: [.add("voucher_pool", rules.policy, "reserved_fen", award), .set("voucher", key, "status", "issued"), .set("voucher", key, "amount_fen", .integer(award))]), at: now)
        }
    }

    /// Cancels an issued voucher within `reach` (its enterprise gives it up, or the bureau of its
    /// city withdraws it; the scope in the query): its amount goes back to the pool and the waitlist
    /// is served from it, in the same transaction. Nil when there is no such issued voucher.
    public func cancel(voucher id: Int64, reach: EnterpriseRegistry.Reach, reason: String, rules: VoucherRules, by: String, now: String) async throws -> VoucherRow? {
        try await backend.write { db in
            let scope = Self.within(reach)
            guard try Self.lockPool(db, rules.policy) != nil,
                  let v = try db.rows("SELECT \(Self.voucherColumns) FROM voucher WHERE policy = ? AND id = ?\(scope.sql)",
                                      [.text(rules.policy), .integer(id)] + scope.arguments).first.map(Self.voucher),
                  v.status == .issued else { return nil }
            try db.execute("UPDATE voucher SET status = 'cancelled', explanation = ? WHERE id = ?", [.text(v.explanation + "；\(now) 已取消：\(reason)"), .integer(id)])
            try db.execute("UPDATE voucher_pool SET reserved_fen = reserved_fen - ? WHERE policy = ?", [.integer(v.amountFen), .text(rules.policy)])
            try AuditTrail.append(db, AuditEvent(
                actor: by, action: "voucher.cancelled", subject: "voucher:\(id)", details: ["reason": .text(reason), "amount_fen": .integer(v.amountFen)],
                effects: [.add("voucher_pool", rules.policy, "reserved_fen", -v.amountFen), .set("voucher", String(id), "status", "cancelled")]), at: now)
            try Self.promoteWaitlist(db, rules: rules, now: now)
            return try db.rows("SELECT \(Self.voucherColumns) FROM voucher WHERE id = ?", [.integer(id)]).first.map(Self.voucher)
        }
    }

    public func balance(policy: String, now: String) async throws -> VoucherPoolBalance? {
        try await backend.read { db in
            guard let p = try db.rows("SELECT limit_fen, batches_fen, reserved_fen, committed_fen, paid_fen FROM voucher_pool WHERE policy = ?", [.text(policy)]).first else { return nil }
            let batches = try db.rows("SELECT id, label, amount_fen, opens_at FROM voucher_batch WHERE policy = ? ORDER BY id", [.text(policy)]).map {
                VoucherBatchRow(id: try $0.int("id"), label: try $0.text("label"), amountFen: try $0.int("amount_fen"), opensAt: try $0.text("opens_at"))
            }
            // Released: the batches whose time has come (as a request would release them now).
            let released = batches.filter { $0.opensAt <= now }.reduce(0) { $0 + $1.amountFen }
            return VoucherPoolBalance(limitFen: try p.int("limit_fen"), batchesFen: try p.int("batches_fen"), releasedFen: released,
                                      reservedFen: try p.int("reserved_fen"), committedFen: try p.int("committed_fen"), paidFen: try p.int("paid_fen"), batches: batches)
        }
    }

    /// Vouchers in sequence order within `reach` (the registry's scope, in the WHERE clause).
    /// `status` narrows them to one status.
    public func vouchers(policy: String, reach: EnterpriseRegistry.Reach, status: VoucherStatus? = nil, limit: Int, offset: Int) async throws -> [VoucherRow] {
        try await backend.read { db in
            let scope = Self.within(reach, status: status)
            return try db.rows("SELECT \(Self.voucherColumns) FROM voucher WHERE policy = ?\(scope.sql) ORDER BY sequence LIMIT ? OFFSET ?",
                               [.text(policy)] + scope.arguments + [.integer(Int64(limit)), .integer(Int64(offset))]).map(Self.voucher)
        }
    }

    /// How many vouchers `vouchers(policy:reach:status:…)` has in all, for a page's pager.
    public func voucherCount(policy: String, reach: EnterpriseRegistry.Reach, status: VoucherStatus? = nil) async throws -> Int64 {
        try await backend.read { db in
            let scope = Self.within(reach, status: status)
            return try db.rows("SELECT COUNT(*) AS n FROM voucher WHERE policy = ?\(scope.sql)", [.text(policy)] + scope.arguments).first?.int("n") ?? 0
        }
    }

    static func within(_ reach: EnterpriseRegistry.Reach, status: VoucherStatus?) -> (sql: String, arguments: [SQLValue]) {
        var scope = within(reach)
        if let status { scope.sql += " AND status = ?"; scope.arguments.append(.text(status.rawValue)) }
        return scope
    }

    /// `AND …` limiting `voucher` (unaliased) to the vouchers of enterprises within `reach`.
    static func within(_ reach: EnterpriseRegistry.Reach) -> (sql: String, arguments: [SQLValue]) {
        var sql = "", args: [SQLValue] = []
        if let enterprise = reach.enterpriseID { sql += " AND enterprise_id = ?"; args.append(.text(enterprise)) }
        if reach.districts != nil {
            let scope = reach.condition(idColumn: "id", districtColumn: "district")
            sql += " AND enterprise_id IN (SELECT id FROM enterprise WHERE \(scope.sql))"
            args += scope.arguments
        }
        return (sql, args)
    }
}

/// The 运力券 decision of one request (杭州 附件（七）): the entitlement (the contract × the rate,
/// exact, rounded once), the enterprise's yearly cap, then the room of the batches opened — or the
/// waitlist. A pure function of the figures the locked transaction read: nothing is read or written
/// here, so the rule can be tested on its own and the transaction only records what it decides.
public struct VoucherDecision: Sendable, Equatable {
    /// `issued` or `waitlisted`; nil when refused (`refusalCode` says why).
    public var status: VoucherStatus?
    public var refusalCode: String?
    public var award: Int64
    public var entitled: Int64
    /// Chinese, with the formula, the cap and the clause.
    public var explanation: String

    public static func decide(contractFen: Int64, year: Int64, usedThisYear used: Int64, remaining: Int64, rules: VoucherRules) -> VoucherDecision {
        let capRoom = rules.yearlyCapFen - used
        let cap = Fen(rules.yearlyCapFen).plain
        guard capRoom > 0 else {
            return VoucherDecision(status: nil, refusalCode: "yearly_cap_reached", award: 0, entitled: 0,
                                   explanation: "单家企业每年“运力券”申领最高 \(cap) 元，\(year) 年已核定 \(Fen(used).plain) 元，已无余额（\(rules.citation)）")
        }
        let entitled = rules.entitlement(contractFen: contractFen)
        var text = "物流合同费用 \(Fen(contractFen).plain) 元 × \(rules.rateText) = \(Fen(entitled).plain) 元"
        var award = entitled
        if award > capRoom {
            award = capRoom
            text += "，超过单家企业每年申领上限 \(cap) 元（\(year) 年已核定 \(Fen(used).plain) 元，剩余 \(Fen(capRoom).plain) 元）"
        }
        let status: VoucherStatus
        if remaining <= 0 {
            status = .waitlisted
            text += "；已开放批次的运力券已发完，列入候补，有额度释放时按顺序补发"
            award = 0
        } else {
            status = .issued
            if award > remaining {
                award = remaining
                text += "，超过已开放批次的剩余额度（剩余 \(Fen(remaining).plain) 元），按剩余发放"
            }
            text += "，核定 \(Fen(award).plain) 元"
        }
        text += "（依据\(rules.citation)）"
        return VoucherDecision(status: status, refusalCode: nil, award: award, entitled: entitled, explanation: text)
    }
}
