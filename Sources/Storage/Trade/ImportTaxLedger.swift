import Foundation
import KuajingDomain
import TradeData

/// What the ledger knows of a stored import 申报清单 (CEB621) that the regime needs: no rates (the
/// message carries none), the buyer named by its key (never the ID number).
public struct ImportOrderFacts: Sendable {
    public struct Line: Sendable {
        public var hsCode: String
        public var name: String
        /// The quantity as declared (a decimal text), and as a whole number when it is one.
        public var quantity: String
        public var value: Fen
        public var unitPrice: Fen?
    }

    public var copNo: String
    public var ebcCode: String
    public var declaredOn: Day
    public var buyer: String
    public var freight: Fen
    public var insuredFee: Fen
    public var lines: [Line]
}

/// The regime's answer for one stored order.
public struct ImportAssessment: Sendable {
    public var regime: String
    public var price: Fen
    public var duty: Fen
    public var consumptionTax: Fen
    public var vat: Fen
    /// What the order adds to the buyer's yearly total.
    public var quota: Fen
    public var dutyRateMissing: Bool
    public var linePrices: [Fen]
    public var lineTaxes: [Fen]

    public init(regime: String, price: Fen, duty: Fen, consumptionTax: Fen, vat: Fen, quota: Fen, dutyRateMissing: Bool, linePrices: [Fen], lineTaxes: [Fen]) {
        self.regime = regime
        self.price = price
        self.duty = duty
        self.consumptionTax = consumptionTax
        self.vat = vat
        self.quota = quota
        self.dutyRateMissing = dutyRateMissing
        self.linePrices = linePrices
        self.lineTaxes = lineTaxes
    }
}

/// The retail-import regime as the ledger calls it at ingest (implemented over the policy engine by
/// the application layer: storage does not know the rules, only where their answers go).
public protocol ImportTaxAssessor: Sendable {
    /// The order against the buyer's quota used so far in its calendar year; a refusal (no regime
    /// on that date, no price) is an `unassessed` row with the reason.
    func assess(_ order: ImportOrderFacts, quotaUsed: Fen) -> Result<ImportAssessment, ImportAssessmentRefusal>
    /// The yearly limit on a day (the database's bound of the buyer's row).
    func annualLimit(on day: Day) -> Fen?
    /// Whether an order's price is just under the single limit (a setting of the regime).
    func nearSingleLimit(_ price: Fen, on day: Day) -> Bool
    var returnApplyDays: Int { get }
    var returnArriveDays: Int { get }
    /// The version of the rules (the regime file's digest), kept with each assessment.
    var version: String { get }
}

public struct ImportAssessmentRefusal: Error, Sendable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// A change the import side of an ingest must follow, in the order the messages came.
enum ImportEvent {
    case inventory(CEBRecord)
    case released(copNo: String, time: String)
    case cancelled(invtNo: String)
    case returnApplied(CEBRecord)
    case returnReceipt(copNo: String, status: Int, time: String)

    /// The status a removed 退货申请单 (appType 3) is followed as.
    static let withdrawnByApplicant = -3

    /// The events of an accepted record, if it concerns the import side.
    static func of(_ r: CEBRecord) -> ImportEvent? {
        switch r.messageType {
        case "CEB621" where r.name == "Inventory": return .inventory(r)
        case "CEB622":
            guard r.value("returnStatus") == "800", let cop = r.value("copNo") else { return nil }
            return .released(copNo: cop, time: r.value("returnTime") ?? "")
        case "CEB624":
            guard r.value("returnStatus") == "399", let invt = r.value("invtNo"), !invt.isEmpty else { return nil }
            return .cancelled(invtNo: invt)
        case "CEB625" where r.value("returnStatus") == nil:
            // A 退货申请单 removed (appType 3) withdraws its refund; a change (2) is taken as the
            // application it changes (the first one counts: reading RI-LEDGER-RELEASE).
            if r.value("appType") == "3", let cop = r.value("copNo") { return .returnReceipt(copNo: cop, status: withdrawnByApplicant, time: r.value("appTime") ?? "") }
            return .returnApplied(r)
        case "CEB626":
            guard let s = r.value("returnStatus").flatMap({ Int($0) }), let cop = r.value("copNo") else { return nil }
            return .returnReceipt(copNo: cop, status: s, time: r.value("returnTime") ?? "")
        default: return nil
        }
    }
}

/// The retail-import side of the ledger: each stored import 申报清单's regime and taxes
/// (`import_assessment`), each buyer's yearly quota kept by delta (`buyer_quota`, its CHECK
/// `used_fen <= bound_fen` holding the yearly limit in the database), returns (`import_return`), and
/// the monthly rollup of tax and over-limit counts (`import_tax_month`). Written inside the ingest's
/// own transaction, after its records (`TradeLedger.ingest`), the buyers' rows locked in key order.
public struct ImportTaxLedger: Sendable {
    public let backend: any StoreBackend

    public init(backend: any StoreBackend) { self.backend = backend }

    // MARK: At ingest

    /// Follows the import events of one ingest transaction, in order. New 申报清单 (the usual case)
    /// are assessed against quotas read in one statement and written in multi-row statements
    /// (`NewOrders`); anything that reads or changes stored assessments (a replacement, a removal, a
    /// cancellation, a return, a return's receipt) first writes what is pending, then runs alone.
    static func apply(_ db: any SQLExecutor, _ events: [ImportEvent], assessor: any ImportTaxAssessor) throws {
        guard !events.isEmpty else { return }
        let secret = try buyerSecret(db)
        let rollup = ImportRollupDelta()
        // The inventories of the events: whether an assessment is stored for each (and whose), and
        // whether the ledger holds the inventory now (after every record of the transaction).
        let keys = events.compactMap { e -> (String, String)? in
            if case let .inventory(r) = e { return (r.value("copNo") ?? "", r.value("ebcCode") ?? "") }
            return nil
        }
        var assessed = try lookUp(db, keys, sql: "SELECT cop_no, ebc_code, buyer AS v FROM import_assessment")
        let held = try lookUp(db, keys, sql: "SELECT cop_no, ebc_code, direction AS v FROM inventory WHERE direction = 'I'")
        // Every buyer the events may change, locked in key order (no two ingests wait on each other in a circle).
        var buyers: Set<String> = []
        var buyerOf: [Int: String] = [:]
        for (i, e) in events.enumerated() {
            switch e {
            case let .inventory(r):
                let b = buyerKey(r, secret: secret)
                buyerOf[i] = b
                buyers.insert(b)
                if let old = assessed[(r.value("copNo") ?? "") + "|" + (r.value("ebcCode") ?? "")] { buyers.insert(old) }
            case let .cancelled(invt):
                for row in try db.rows("SELECT a.buyer FROM import_assessment a JOIN inventory i ON i.cop_no = a.cop_no AND i.ebc_code = a.ebc_code WHERE i.invt_no = ?", [.text(invt)]) {
                    buyers.insert(try row.text("buyer"))
                }
            case let .returnApplied(r):
                if let original = try originalOfReturn(db, r) { buyers.insert(original.buyer) }
            case let .returnReceipt(cop, _, _):
                for row in try db.rows("SELECT a.buyer FROM import_return x JOIN import_assessment a ON a.cop_no = x.inv_cop_no AND a.ebc_code = x.inv_ebc_code WHERE x.cop_no = ?", [.text(cop)]) {
                    buyers.insert(try row.text("buyer"))
                }
            case .released: break
            }
        }
        if db.dialect == .postgres {
            for chunk in buyers.sorted().chunked(1_000) {
                let values = Array(repeating: "(?)", count: chunk.count).joined(separator: ", ")
                _ = try db.rows("SELECT pg_advisory_xact_lock(hashtextextended('buyer|' || v, 7)) FROM (SELECT v FROM (VALUES \(values)) AS t(v) ORDER BY v) AS s",
                                chunk.map(SQLValue.text))
            }
        }
        let pending = NewOrders(quotas: try quotas(db, Array(buyers)), of: Array(buyers))
        for (i, e) in events.enumerated() {
            if case let .inventory(r) = e {
                let key = (r.value("copNo") ?? "") + "|" + (r.value("ebcCode") ?? "")
                let appType = r.value("appType") ?? "1"
                if assessed[key] == nil, appType != "3", let buyer = buyerOf[i] {
                    // New: assessed now against the quota as it stands, written with the others.
                    if held[key] != nil {
                        try pending.add(db, r, buyer: buyer, secret: secret, assessor: assessor, rollup: rollup)
                        assessed[key] = buyer
                    }
                    continue
                }
            }
            try pending.write(db)
            switch e {
            case let .inventory(r):
                try inventory(db, r, secret: secret, assessor: assessor, rollup: rollup, held: held[(r.value("copNo") ?? "") + "|" + (r.value("ebcCode") ?? "")] != nil)
                let key = (r.value("copNo") ?? "") + "|" + (r.value("ebcCode") ?? "")
                assessed[key] = try assessmentBuyer(db, copNo: r.value("copNo") ?? "", ebcCode: r.value("ebcCode") ?? "")
            case let .released(cop, time):
                try db.execute("UPDATE import_assessment SET released_at = ? WHERE cop_no = ? AND released_at IS NULL", [.text(time), .text(cop)])
            case let .cancelled(invt):
                for row in try db.rows("SELECT a.cop_no, a.ebc_code FROM import_assessment a JOIN inventory i ON i.cop_no = a.cop_no AND i.ebc_code = a.ebc_code WHERE i.invt_no = ?", [.text(invt)]) {
                    try reverse(db, copNo: try row.text("cop_no"), ebcCode: try row.text("ebc_code"), rollup: rollup)
                    assessed[try row.text("cop_no") + "|" + (try row.text("ebc_code"))] = nil
                }
            case let .returnApplied(r): try returnApplied(db, r, assessor: assessor, rollup: rollup)
            case let .returnReceipt(cop, status, time): try returnReceipt(db, copNo: cop, status: status, time: time, assessor: assessor, rollup: rollup)
            }
            // What the statement changed is read again from the table when next needed.
            pending.forgetQuotas()
        }
        try pending.write(db)
        try rollup.apply(db)
    }

    /// "cop_no|ebc_code" → the query's `v`, for these inventory keys (chunks of 500 copNos).
    static func lookUp(_ db: any SQLExecutor, _ keys: [(String, String)], sql: String) throws -> [String: String] {
        var out: [String: String] = [:]
        let wanted = Set(keys.map { $0.0 + "|" + $0.1 })
        for chunk in Array(Set(keys.map(\.0))).sorted().chunked(500) {
            let filter = (sql.contains(" WHERE ") ? " AND " : " WHERE ") + "cop_no IN (\(SQLText.placeholders(chunk.count)))"
            for row in try db.rows(sql + filter, chunk.map(SQLValue.text)) {
                let k = try row.text("cop_no") + "|" + (try row.text("ebc_code"))
                if wanted.contains(k) { out[k] = try row.text("v") }
            }
        }
        return out
    }

    /// The stored yearly totals of these buyers ("buyer|year" → fen).
    static func quotas(_ db: any SQLExecutor, _ buyers: [String]) throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for chunk in buyers.sorted().chunked(500) {
            for row in try db.rows("SELECT buyer, year, used_fen FROM buyer_quota WHERE buyer IN (\(SQLText.placeholders(chunk.count)))", chunk.map(SQLValue.text)) {
                out[try row.text("buyer") + "|" + String(try row.int("year"))] = try row.int("used_fen")
            }
        }
        return out
    }

    /// The database's own key for buyer names (made once, kept in the database, never shown).
    static func buyerSecret(_ db: any SQLExecutor) throws -> String {
        if let row = try db.rows("SELECT secret FROM buyer_key_secret WHERE id = 1", []).first { return try row.text("secret") }
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &generator) }
        let secret = bytes.map { String(format: "%02x", $0) }.joined()
        try db.execute("INSERT INTO buyer_key_secret (id, secret) VALUES (1, ?) ON CONFLICT (id) DO NOTHING", [.text(secret)])
        return try db.rows("SELECT secret FROM buyer_key_secret WHERE id = 1", [])[0].text("secret")
    }

    /// A buyer's key: HMAC-SHA256 of the ID type and number (spaces removed, letters upper case).
    static func buyerKey(_ r: CEBRecord, secret: String) -> String {
        let number = (r.value("buyerIdNumber") ?? "").filter { !$0.isWhitespace }.uppercased()
        return SHA256Hex.hmac(key: secret, "\(r.value("buyerIdType") ?? "1"):\(number)")
    }

    static func assessmentBuyer(_ db: any SQLExecutor, copNo: String, ebcCode: String) throws -> String? {
        try db.rows("SELECT buyer FROM import_assessment WHERE cop_no = ? AND ebc_code = ?", [.text(copNo), .text(ebcCode)]).first?.text("buyer")
    }

    /// The facts of a CEB621 inventory, or why they cannot be read.
    static func facts(_ r: CEBRecord, buyer: String) -> Result<ImportOrderFacts, ImportAssessmentRefusal> {
        func fen(_ text: String?) -> Fen? {
            guard let t = text, !t.isEmpty else { return .zero }
            return ExactDecimal(t)?.fenRoundedHalfUp.map(Fen.init)
        }
        guard let day = Day.parseCompact(r.value("declTime").flatMap { $0.count >= 8 ? $0 : nil } ?? r.value("appTime") ?? "") else {
            return .failure(.init("清单没有可读的申报日期（declTime）"))
        }
        if let c = r.value("currency"), c != "142" { return .failure(.init("币制 \(c) 不是人民币（142），无法按元计税")) }
        guard let freight = fen(r.value("freight")), let insured = fen(r.value("insuredFee")) else { return .failure(.init("运费或保费不是金额")) }
        var lines: [ImportOrderFacts.Line] = []
        for l in r.lists where l.name.hasSuffix("List") {
            guard let value = fen(l.value("totalPrice")) else { return .failure(.init("第 \(lines.count + 1) 行的总价不是金额")) }
            lines.append(.init(hsCode: l.value("gcode") ?? "", name: l.value("gname") ?? l.value("itemName") ?? "", quantity: l.value("qty") ?? "1", value: value,
                               unitPrice: fen(l.value("price"))))
        }
        guard !lines.isEmpty else { return .failure(.init("清单没有表体")) }
        return .success(ImportOrderFacts(copNo: r.value("copNo") ?? "", ebcCode: r.value("ebcCode") ?? "", declaredOn: day, buyer: buyer, freight: freight,
                                         insuredFee: insured, lines: lines))
    }

    static func inventory(_ db: any SQLExecutor, _ r: CEBRecord, secret: String, assessor: any ImportTaxAssessor, rollup: ImportRollupDelta, held: Bool) throws {
        let cop = r.value("copNo") ?? "", ebc = r.value("ebcCode") ?? ""
        let exists = try assessmentBuyer(db, copNo: cop, ebcCode: ebc) != nil
        switch r.value("appType") ?? "1" {
        case "3":
            if exists { try reverse(db, copNo: cop, ebcCode: ebc, rollup: rollup) }
            return
        case "2":
            if exists { try reverse(db, copNo: cop, ebcCode: ebc, rollup: rollup) }
        default:
            if exists { return }
        }
        // Only an inventory the ledger holds now (not one a later message of the batch removed).
        guard held else { return }
        let pending = NewOrders(quotas: try quotas(db, [buyerKey(r, secret: secret)]), of: [buyerKey(r, secret: secret)])
        try pending.add(db, r, buyer: buyerKey(r, secret: secret), secret: secret, assessor: assessor, rollup: rollup)
        try pending.write(db)
    }

    /// Takes an assessment out (a removed, replaced or cancelled inventory): its net quota back to
    /// the buyer, its returns with it.
    static func reverse(_ db: any SQLExecutor, copNo: String, ebcCode: String, rollup: ImportRollupDelta) throws {
        guard let row = try db.rows("SELECT buyer, year, quota_fen, returned_quota_fen FROM import_assessment WHERE cop_no = ? AND ebc_code = ?",
                                    [.text(copNo), .text(ebcCode)]).first else { return }
        try rollup.add(db, copNo: copNo, ebcCode: ebcCode, sign: -1)
        let quota = try row.int("quota_fen"), returned = try row.int("returned_quota_fen")
        if quota > 0 {
            try db.execute("UPDATE buyer_quota SET used_fen = used_fen - ?, orders = orders - 1 WHERE buyer = ? AND year = ?",
                           [.integer(quota - returned), .text(try row.text("buyer")), .integer(try row.int("year"))])
        }
        try db.execute("DELETE FROM import_return WHERE inv_cop_no = ? AND inv_ebc_code = ?", [.text(copNo), .text(ebcCode)])
        try db.execute("DELETE FROM import_assessment WHERE cop_no = ? AND ebc_code = ?", [.text(copNo), .text(ebcCode)])
    }

    struct OriginalOrder {
        var copNo, ebcCode, buyer, regime: String
        var year: Int64
        var declaredOn: String
        var releasedAt: String?
        var quota, returnedQuota, tax, returnedTax: Int64
        var lines: [(price: Int64, tax: Int64, quantity: String)]
    }

    /// The assessment a 退货申请单 returns: by the original 清单编号, else by order number and e-commerce enterprise.
    static func originalOfReturn(_ db: any SQLExecutor, _ r: CEBRecord) throws -> OriginalOrder? {
        let sql = """
            SELECT a.cop_no, a.ebc_code, a.buyer, a.regime, a.year, a.declared_on, a.released_at, a.quota_fen, a.returned_quota_fen,
                   a.duty_fen + a.consumption_tax_fen + a.vat_fen AS tax_fen, a.returned_tax_fen, a.lines
            FROM import_assessment a JOIN inventory i ON i.cop_no = a.cop_no AND i.ebc_code = a.ebc_code
            """
        var rows: [SQLRow] = []
        if let invt = r.value("invtNo"), !invt.isEmpty { rows = try db.rows(sql + " WHERE i.invt_no = ?", [.text(invt)]) }
        if rows.isEmpty, let order = r.value("orderNo"), !order.isEmpty {
            rows = try db.rows(sql + " WHERE i.order_no = ? AND i.ebc_code = ? AND i.direction = 'I'", [.text(order), .text(r.value("ebcCode") ?? "")])
        }
        guard let row = rows.first else { return nil }
        let lines = try row.text("lines").split(separator: ";").map { part -> (Int64, Int64, String) in
            let f = part.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            return (Int64(f.first ?? "") ?? 0, Int64(f.count > 1 ? f[1] : "") ?? 0, f.count > 2 ? f[2] : "1")
        }
        return OriginalOrder(copNo: try row.text("cop_no"), ebcCode: try row.text("ebc_code"), buyer: try row.text("buyer"), regime: try row.text("regime"),
                             year: try row.int("year"), declaredOn: try row.text("declared_on"), releasedAt: try row.optionalText("released_at"),
                             quota: try row.int("quota_fen"), returnedQuota: try row.int("returned_quota_fen"), tax: try row.int("tax_fen"),
                             returnedTax: try row.int("returned_tax_fen"), lines: lines.map { (price: $0.0, tax: $0.1, quantity: $0.2) })
    }

    /// Days from the original's release (its first 800 receipt; the declaration date before one is
    /// known) to a message time (YYYYMMDD…).
    static func daysAfterRelease(_ o: OriginalOrder, time: String) -> Int? {
        guard let start = Day.parseCompact(o.releasedAt ?? o.declaredOn), let end = Day.parseCompact(time) else { return nil }
        return Int(end.ordinal - start.ordinal)
    }

    static func returnApplied(_ db: any SQLExecutor, _ r: CEBRecord, assessor: any ImportTaxAssessor, rollup: ImportRollupDelta) throws {
        let cop = r.value("copNo") ?? "", ebc = r.value("ebcCode") ?? ""
        guard try db.rows("SELECT 1 AS x FROM import_return WHERE cop_no = ? AND ebc_code = ?", [.text(cop), .text(ebc)]).isEmpty else { return }
        let applied = r.value("appTime") ?? ""
        func record(_ state: String, _ original: OriginalOrder?, quota: Int64, tax: Int64, _ reason: String) throws {
            try db.execute("""
                INSERT INTO import_return (cop_no, ebc_code, invt_no, inv_cop_no, inv_ebc_code, applied_at, state, quota_fen, tax_fen, reason)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(cop), .text(ebc), .text(r.value("invtNo") ?? ""), original.map { .text($0.copNo) } ?? .null, original.map { .text($0.ebcCode) } ?? .null,
                      .text(applied), .text(state), .integer(quota), .integer(tax), .text(reason)])
        }
        guard let o = try originalOfReturn(db, r) else {
            try record("unmatched", nil, quota: 0, tax: 0, "台账中没有清单编号 \(r.value("invtNo") ?? "") 的进口清单")
            return
        }
        guard o.quota > 0 else {
            try record("not_refunded", o, quota: 0, tax: 0, "原清单未计入年度额度（\(o.regime)），不适用零售进口退货规则")
            return
        }
        guard let days = daysAfterRelease(o, time: applied), days >= 0, days <= assessor.returnApplyDays else {
            try record("not_refunded", o, quota: 0, tax: 0, "退货申请晚于放行之日起 \(assessor.returnApplyDays) 日（或申请时间不可读），不予退税，额度不变")
            return
        }
        // Whole or partial: each returned line's share of its price and tax (qty returned / qty), rounded once, half up.
        var quota: Int64 = 0, tax: Int64 = 0
        let returnLines = r.lists.filter { $0.name.hasSuffix("List") }
        if returnLines.isEmpty {
            quota = o.quota - o.returnedQuota
            tax = o.tax - o.returnedTax
        } else {
            for l in returnLines {
                guard let g = l.value("gnum").flatMap({ Int($0) }), g >= 1, g <= o.lines.count else { continue }
                let line = o.lines[g - 1]
                let returned = ExactDecimal(l.value("qty") ?? "") , declared = ExactDecimal(line.quantity)
                if let returned, let declared, declared.units > 0, let share = ratio(returned, declared) {
                    quota += ((try? Rational(line.price).multiplied(by: share).roundedHalfUp()) ?? line.price)
                    tax += ((try? Rational(line.tax).multiplied(by: share).roundedHalfUp()) ?? line.tax)
                } else {
                    quota += line.price
                    tax += line.tax
                }
            }
            quota = min(quota, o.quota - o.returnedQuota)
            tax = min(tax, o.tax - o.returnedTax)
        }
        try giveBack(db, copNo: o.copNo, ebcCode: o.ebcCode, buyer: o.buyer, year: o.year, quota: quota, tax: tax, rollup: rollup)
        try record("refunded", o, quota: quota, tax: tax, "放行后第 \(days) 日申请退货（\(assessor.returnApplyDays) 日内）：退货商品对应的税款不予征收，年度额度扣回")
    }

    /// Gives back (positive amounts: a refund) or takes back (negative: a refund withdrawn) quota and
    /// tax of an assessment, its buyer's total and the rollup with it. A withdrawn refund puts the quota
    /// back even above the limit it was under: the bound follows, the excess shows.
    static func giveBack(_ db: any SQLExecutor, copNo: String, ebcCode: String, buyer: String, year: Int64, quota: Int64, tax: Int64, rollup: ImportRollupDelta) throws {
        try rollup.add(db, copNo: copNo, ebcCode: ebcCode, sign: -1)
        try db.execute("UPDATE import_assessment SET returned_quota_fen = returned_quota_fen + ?, returned_tax_fen = returned_tax_fen + ? WHERE cop_no = ? AND ebc_code = ?",
                       [.integer(quota), .integer(tax), .text(copNo), .text(ebcCode)])
        let greatest = db.dialect == .sqlite ? "MAX" : "GREATEST"
        try db.execute("UPDATE buyer_quota SET used_fen = used_fen - ?, bound_fen = \(greatest)(bound_fen, used_fen - ?) WHERE buyer = ? AND year = ?",
                       [.integer(quota), .integer(quota), .text(buyer), .integer(year)])
        try rollup.add(db, copNo: copNo, ebcCode: ebcCode, sign: 1)
    }

    /// returned / declared as a rational no greater than 1.
    static func ratio(_ returned: ExactDecimal, _ declared: ExactDecimal) -> Rational? {
        let scale = max(returned.scale, declared.scale)
        func scaled(_ e: ExactDecimal) -> Int64? {
            var u = e.units
            for _ in 0..<(scale - e.scale) { u *= 10 }
            return Int64(exactly: u)
        }
        guard let n = scaled(returned), let d = scaled(declared), d > 0, n >= 0 else { return nil }
        return min(Rational(n, d), .one)
    }

    /// A 退货申请单's receipt: 100 (海关退单) withdraws the refund; 399 (审结) later than the arrival
    /// window is taken as goods not arrived in time and withdraws it too (reading RI-LEDGER-RELEASE).
    static func returnReceipt(_ db: any SQLExecutor, copNo: String, status: Int, time: String, assessor: any ImportTaxAssessor, rollup: ImportRollupDelta) throws {
        for row in try db.rows("SELECT ebc_code, inv_cop_no, inv_ebc_code, quota_fen, tax_fen FROM import_return WHERE cop_no = ? AND state = 'refunded'", [.text(copNo)]) {
            let invCop = try row.text("inv_cop_no"), invEbc = try row.text("inv_ebc_code")
            guard let o = try db.rows("SELECT released_at, declared_on, buyer, year FROM import_assessment WHERE cop_no = ? AND ebc_code = ?", [.text(invCop), .text(invEbc)]).first else { continue }
            var reason: String?
            if status == 100 { reason = "退货申请被海关退单（回执 100），撤回退税、恢复额度" }
            if status == ImportEvent.withdrawnByApplicant { reason = "退货申请单已由申报企业删除（appType 3），撤回退税、恢复额度" }
            if status == 399 {
                let original = OriginalOrder(copNo: invCop, ebcCode: invEbc, buyer: "", regime: "", year: 0, declaredOn: try o.text("declared_on"),
                                             releasedAt: try o.optionalText("released_at"), quota: 0, returnedQuota: 0, tax: 0, returnedTax: 0, lines: [])
                if let d = daysAfterRelease(original, time: time), d > assessor.returnArriveDays {
                    reason = "退货审结于放行后第 \(d) 日，晚于 \(assessor.returnArriveDays) 日的运抵期限，撤回退税、恢复额度"
                }
            }
            guard let reason else { continue }
            let quota = try row.int("quota_fen"), tax = try row.int("tax_fen")
            try giveBack(db, copNo: invCop, ebcCode: invEbc, buyer: try o.text("buyer"), year: try o.int("year"), quota: -quota, tax: -tax, rollup: rollup)
            try db.execute("UPDATE import_return SET state = 'withdrawn', reason = ? WHERE cop_no = ? AND ebc_code = ?", [.text(reason), .text(copNo), .text(try row.text("ebc_code"))])
        }
    }
}

/// New 申报清单 of a transaction: each assessed against its buyer's quota as it stands (the stored
/// total plus what the pending orders add), written together: the assessments in multi-row inserts,
/// each buyer's total once, the rollup from the same figures.
final class NewOrders {
    private var quotas: [String: Int64]
    /// Buyers whose every stored year is in `quotas` (a year missing there is 0).
    private var complete: Set<String>
    private var rows: [[SQLValue]] = []
    /// "buyer|year" → (fen added, orders added, yearly limit).
    private var added: [String: (fen: Int64, orders: Int64, bound: Int64)] = [:]

    init(quotas: [String: Int64], of buyers: [String]) {
        self.quotas = quotas
        complete = Set(buyers)
    }

    static let columns: [(name: String, type: String)] = [
        ("cop_no", "text"), ("ebc_code", "text"), ("buyer", "text"), ("year", "bigint"), ("declared_on", "text"), ("supervision_code", "text"), ("ebp_code", "text"),
        ("consignee", "text"), ("regime", "text"), ("price_fen", "bigint"), ("duty_fen", "bigint"), ("consumption_tax_fen", "bigint"), ("vat_fen", "bigint"),
        ("quota_fen", "bigint"), ("duty_rate_missing", "bigint"), ("near_single", "bigint"), ("lines", "text"), ("quota_before_fen", "bigint"), ("note", "text"),
        ("regime_version", "text"),
    ]

    /// Forgets the quotas read (a statement since may have changed them): read again when needed.
    func forgetQuotas() {
        quotas.removeAll()
        complete.removeAll()
    }

    func add(_ db: any SQLExecutor, _ r: CEBRecord, buyer: String, secret: String, assessor: any ImportTaxAssessor, rollup: ImportRollupDelta) throws {
        let cop = r.value("copNo") ?? "", ebc = r.value("ebcCode") ?? ""
        let consignee = SHA256Hex.hmac(key: secret, (r.value("consigneeAddress") ?? "").filter { !$0.isWhitespace })
        let facts = ImportTaxLedger.facts(r, buyer: buyer)
        let day: Day? = (try? facts.get())?.declaredOn
        let year = Int64(day?.year ?? Int(r.value("appTime")?.prefix(4) ?? "") ?? 0)
        let key = buyer + "|" + String(year)
        if quotas[key] == nil {
            quotas[key] = complete.contains(buyer) ? 0 : try db.rows("SELECT used_fen FROM buyer_quota WHERE buyer = ? AND year = ?", [.text(buyer), .integer(year)]).first?.int("used_fen") ?? 0
        }
        let used = (quotas[key] ?? 0) + (added[key]?.fen ?? 0)
        let assessment: ImportAssessment
        var note = ""
        switch facts.flatMap({ assessor.assess($0, quotaUsed: Fen(used)) }) {
        case let .success(a): assessment = a
        case let .failure(refusal):
            note = "未计税：\(refusal.reason)"
            assessment = ImportAssessment(regime: "unassessed", price: .zero, duty: .zero, consumptionTax: .zero, vat: .zero, quota: .zero, dutyRateMissing: false,
                                          linePrices: [], lineTaxes: [])
        }
        let declared = day?.iso ?? ""
        let near = day.map { assessment.regime == "cbec" && assessor.nearSingleLimit(assessment.price, on: $0) } ?? false
        let quantities = (try? facts.get())?.lines.map(\.quantity) ?? []
        let lines = zip(assessment.linePrices, assessment.lineTaxes).enumerated().map { i, pt in
            "\(pt.0.value):\(pt.1.value):\(i < quantities.count ? quantities[i] : "1")"
        }.joined(separator: ";")
        let code = r.value("tradeMode") ?? "", ebp = r.value("ebpCode") ?? ""
        rows.append([.text(cop), .text(ebc), .text(buyer), .integer(year), .text(declared), .text(code), .text(ebp), .text(consignee), .text(assessment.regime),
                     .integer(assessment.price.value), .integer(assessment.duty.value), .integer(assessment.consumptionTax.value), .integer(assessment.vat.value),
                     .integer(assessment.quota.value), .integer(assessment.dutyRateMissing ? 1 : 0), .integer(near ? 1 : 0), .text(lines), .integer(used), .text(note),
                     .text(assessor.version)])
        if assessment.quota > .zero {
            let bound = day.flatMap { assessor.annualLimit(on: $0) }?.value ?? assessment.quota.value
            let a = added[key] ?? (0, 0, 0)
            added[key] = (a.fen + assessment.quota.value, a.orders + 1, max(a.bound, bound))
        }
        let f = ImportRollupDelta.Figures(price: assessment.price.value, duty: assessment.duty.value, consumptionTax: assessment.consumptionTax.value,
                                          vat: assessment.vat.value, dutyRateMissing: assessment.dutyRateMissing, nearSingle: near)
        rollup.add(ImportRollupDelta.Key(month: String(declared.prefix(7)), code: code, ebc: ebc, ebp: ebp, regime: assessment.regime), f)
    }

    /// Writes what is pending: the assessments, then each buyer's total once (in key order).
    func write(_ db: any SQLExecutor) throws {
        if !rows.isEmpty {
            // New keys only (each checked against the stored ones): COPY on PostgreSQL, multi-row inserts on SQLite.
            try db.copy(into: "import_assessment", columns: Self.columns.map(\.name), rows: rows)
            rows.removeAll()
        }
        guard !added.isEmpty else { return }
        let greatest = db.dialect == .sqlite ? "MAX" : "GREATEST"
        let sorted = added.sorted { $0.key < $1.key }
        _ = try db.insert(BulkInsert(table: "buyer_quota", columns: [("buyer", "text"), ("year", "bigint"), ("used_fen", "bigint"), ("orders", "bigint"), ("bound_fen", "bigint")],
                                     suffix: """
                                         ON CONFLICT (buyer, year) DO UPDATE SET used_fen = buyer_quota.used_fen + excluded.used_fen, orders = buyer_quota.orders + excluded.orders,
                                         bound_fen = \(greatest)(buyer_quota.bound_fen, excluded.bound_fen)
                                         """),
                          rows: sorted.map { k, v in
                              let parts = k.split(separator: "|")
                              return [.text(String(parts[0])), .integer(Int64(parts.count > 1 ? parts[1] : "") ?? 0), .integer(v.fen), .integer(v.orders), .integer(v.bound)]
                          })
        for (k, v) in added { quotas[k] = (quotas[k] ?? 0) + v.fen }
        added.removeAll()
    }
}

/// Changes to `import_tax_month`, gathered over a transaction and written at its end.
final class ImportRollupDelta {
    struct Key: Hashable { var month, code, ebc, ebp, regime: String }

    /// The rollup's figures, in this order: its columns, the contribution query's and the recount's.
    static let figureColumns = ["orders", "price_fen", "duty_fen", "consumption_tax_fen", "vat_fen", "returned_quota_fen", "returned_tax_fen",
                                "returned_orders", "duty_rate_missing", "near_single"]

    /// One key's figures, in `figureColumns` order.
    struct Figures {
        var values = [Int64](repeating: 0, count: ImportRollupDelta.figureColumns.count)

        /// A new assessment's figures (nothing returned yet).
        init(price: Int64, duty: Int64, consumptionTax: Int64, vat: Int64, dutyRateMissing: Bool, nearSingle: Bool) {
            values = [1, price, duty, consumptionTax, vat, 0, 0, 0, dutyRateMissing ? 1 : 0, nearSingle ? 1 : 0]
        }

        init(values: [Int64] = [Int64](repeating: 0, count: ImportRollupDelta.figureColumns.count)) { self.values = values }

        var isZero: Bool { values.allSatisfy { $0 == 0 } }

        static func += (l: inout Figures, r: Figures) {
            for k in l.values.indices { l.values[k] += r.values[k] }
        }
    }

    var rows: [Key: Figures] = [:]

    /// Each assessment's contribution to the rollup, under the rollup's column names.
    static let contributionSQL = """
        SELECT substr(declared_on, 1, 7) AS month, supervision_code, ebc_code, ebp_code, regime, 1 AS orders, price_fen, duty_fen, consumption_tax_fen,
               vat_fen, returned_quota_fen, returned_tax_fen, CASE WHEN returned_quota_fen > 0 THEN 1 ELSE 0 END AS returned_orders, duty_rate_missing, near_single
        FROM import_assessment
        """

    /// Figures added to one key (a new assessment, from the figures being written).
    func add(_ key: Key, _ f: Figures) {
        var g = rows[key] ?? Figures()
        g += f
        rows[key] = g
    }

    /// The assessment's row as it counts now, added (+1) or taken away (−1).
    func add(_ db: any SQLExecutor, copNo: String, ebcCode: String, sign: Int64) throws {
        for row in try db.rows(Self.contributionSQL + " WHERE cop_no = ? AND ebc_code = ?", [.text(copNo), .text(ebcCode)]) {
            let key = Key(month: try row.text("month"), code: try row.text("supervision_code"), ebc: try row.text("ebc_code"), ebp: try row.text("ebp_code"),
                          regime: try row.text("regime"))
            add(key, Figures(values: try Self.figureColumns.map { sign * (try row.int($0)) }))
        }
    }

    static var columns: [(name: String, type: String)] {
        ["month", "supervision_code", "ebc_code", "ebp_code", "regime"].map { ($0, "text") } + figureColumns.map { ($0, "bigint") }
    }

    func apply(_ db: any SQLExecutor) throws {
        let changed = rows.filter { !$0.value.isZero }
        guard !changed.isEmpty else { return }
        let sums = Self.figureColumns.map { "\($0) = import_tax_month.\($0) + excluded.\($0)" }.joined(separator: ", ")
        try db.insert(BulkInsert(table: "import_tax_month", columns: Self.columns,
                                 suffix: "ON CONFLICT (month, supervision_code, ebc_code, ebp_code, regime) DO UPDATE SET " + sums),
                      rows: changed.sorted { "\($0.key)" < "\($1.key)" }.map { k, v in
                          [.text(k.month), .text(k.code), .text(k.ebc), .text(k.ebp), .text(k.regime)] + v.values.map(SQLValue.integer)
                      })
        try db.execute("DELETE FROM import_tax_month WHERE orders = 0", [])
        try TradeRollups.bumpVersion(db)
        rows.removeAll()
    }
}

extension ImportTaxLedger {
    /// Assesses the import 申报清单 the ledger already holds without an assessment (stored before
    /// the import side existed, or through a path without the regime), in declaration order (then
    /// copNo), with their release receipts, returns and the returns' receipts after them; one
    /// transaction. Idempotent: what is assessed is not assessed again. How many it assessed.
    public func assessStored(assessor: any ImportTaxAssessor, clock: AppClock = .system) async throws -> Int {
        let ledger = TradeLedger(backend: backend, clock: clock)
        let records = try await ledger.storedRecords(types: ["CEB621", "CEB622", "CEB624", "CEB625", "CEB626"])
        func day(_ r: CEBRecord, _ fields: [String]) -> String { fields.lazy.compactMap { r.value($0) }.first.map { String($0.filter(\.isNumber).prefix(14)) } ?? "" }
        let inventories = records.filter { $0.messageType == "CEB621" && $0.name == "Inventory" }
            .sorted { (day($0, ["declTime", "appTime"]), $0.value("copNo") ?? "") < (day($1, ["declTime", "appTime"]), $1.value("copNo") ?? "") }
        let receipts = records.filter { $0.messageType == "CEB622" || $0.messageType == "CEB624" }.sorted { day($0, ["returnTime"]) < day($1, ["returnTime"]) }
        let returns = records.filter { $0.messageType == "CEB625" || $0.messageType == "CEB626" }
            .sorted { day($0, ["appTime", "returnTime"]) < day($1, ["appTime", "returnTime"]) }
        // As new declarations (appType 1): a record stored now is the current version of its key.
        let events = inventories.map { r -> ImportEvent in
            var fresh = r
            if let k = fresh.head.fields.firstIndex(where: { $0.name == "appType" }) { fresh.head.fields[k].value = "1" }
            return .inventory(fresh)
        } + (receipts + returns).compactMap(ImportEvent.of)
        return try await backend.write { db in
            let before = try db.rows("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM import_assessment", [])[0].int("n")
            try ImportTaxLedger.apply(db, events, assessor: assessor)
            return Int(try db.rows("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM import_assessment", [])[0].int("n") - before)
        }
    }
}
