import Foundation
import KuajingDomain
import Monitoring
import TradeData
import Storage

/// Payouts: the enterprise enters its payee account with evidence, the bureau confirms it; the
/// 市级管理员 freezes approved awards into a payment batch whose file a finance office can use
/// (国库集中支付: payee, account, bank, amount, purpose, budget year, project, the city/district
/// split), with the file's SHA-256 and a signed audit checkpoint printed on it; the batch is marked
/// paid with the bank's reference; a return or a recovery is a reversing line, then a re-issue.
public struct PayoutDesk: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public struct PayeeInput: Sendable {
        public var enterpriseID: String
        public var bank: String
        public var accountNo: String
        public var holder: String
        public var evidence: String?
        public init(enterpriseID: String, bank: String, accountNo: String, holder: String, evidence: String?) {
            self.enterpriseID = enterpriseID
            self.bank = bank
            self.accountNo = accountNo
            self.holder = holder
            self.evidence = evidence
        }
    }

    /// The enterprise enters its own account (with a bank certificate as evidence); the demo seed
    /// enters synthetic ones as `演示数据`.
    public func enterPayee(_ viewer: Viewer, _ input: PayeeInput) async throws(AppError) -> PayeeAccountRow {
        guard viewer.may(.enterPayees), viewer.enterpriseID == input.enterpriseID else { throw .forbidden(message: "收款账户只能由本企业填报") }
        return try await enter(input, by: viewer.name, requireEvidence: true)
    }

    func enter(_ input: PayeeInput, by: String, requireEvidence: Bool) async throws(AppError) -> PayeeAccountRow {
        let account = input.accountNo.filter { !$0.isWhitespace }
        guard account.count >= 6, account.count <= 40, account.allSatisfy({ $0.isASCII && ($0.isNumber || $0.isLetter) }) else {
            throw .invalidInput(field: "account_no", location: nil, message: "银行账号应为 6 到 40 位数字或字母")
        }
        for (field, value) in [("bank", input.bank), ("holder", input.holder)] {
            let v = value.trimmingCharacters(in: .whitespaces)
            guard !v.isEmpty, v.count <= 100 else { throw .invalidInput(field: field, location: nil, message: "应为 1 到 100 个字符") }
            // What goes into the treasury file: no control or invisible format characters.
            try AppError.checkFreeText(v, field: field)
        }
        if requireEvidence && (input.evidence ?? "").isEmpty { throw .invalidInput(field: "evidence", location: nil, message: "请上传开户许可证或银行出具的账户证明") }
        let now = context.clock.timestamp()
        return try await context.withStore { store in
            guard let e = try await store.registry.enterprise(id: input.enterpriseID, reach: EnterpriseRegistry.Reach()) else {
                throw AppError.notFound(message: "企业库中没有 \(input.enterpriseID)")
            }
            if let sha = input.evidence, !sha.isEmpty, try await store.applications.evidenceInfo([sha]).isEmpty {
                throw AppError.invalidInput(field: "evidence", location: nil, message: "证明材料 \(sha.prefix(16))… 尚未上传")
            }
            return try await store.payouts.enterPayee(enterpriseID: e.id, bank: input.bank.trimmingCharacters(in: .whitespaces), accountNo: account,
                                                      holder: input.holder.trimmingCharacters(in: .whitespaces), evidence: input.evidence?.nilIfEmpty, by: by, at: now)
        }
    }

    public func confirmPayee(_ viewer: Viewer, id: Int64) async throws(AppError) -> PayeeAccountRow {
        guard viewer.may(.managePayouts) else { throw .forbidden(message: "只有市级管理员可以确认收款账户") }
        let now = context.clock.timestamp()
        return try await context.withStore { store in
            return try (try await store.payouts.confirmPayee(id: id, districts: viewer.districts, by: viewer.name, at: now)).orThrow("第 \(id) 号收款账户")
        }
    }

    public func payees(_ viewer: Viewer, enterprise: String? = nil) async throws(AppError) -> [PayeeAccountRow] {
        switch viewer.role {
        case .enterprise: return try await context.withStore { try await $0.payouts.payees(enterprise: viewer.enterpriseID ?? "") }
        case .admin, .auditor, .analyst: return try await context.withStore { try await $0.payouts.payees(enterprise: enterprise, districts: viewer.districts) }
        case .district: throw .forbidden(message: "收款账户由市级管理员确认")
        }
    }

    public struct Exported: Sendable {
        public var batch: PayoutBatchRow
        public var csv: String
        public var lines: [PayoutLineRow]
        public var checkpoint: AuditCheckpoint
        /// Applications ready to pay that were left out: no confirmed account, or an amount past what
        /// the policy limits allow when the engine is replayed in the export's transaction.
        public var skipped: [PayoutBook.Skipped]
    }

    /// Freezes every approved award of the administrator's city ready to pay into one batch (see
    /// `PayoutBook.exportBatch`), each line re-decided against the policy limits in that transaction.
    public func export(_ viewer: Viewer) async throws(AppError) -> Exported {
        guard viewer.may(.managePayouts) else { throw .forbidden(message: "只有市级管理员可以导出支付批次") }
        let key = try AuditDesk(context).signingKey()
        let purposes = try purposes()
        let now = context.clock.timestamp()
        let context = self.context
        let bounds: PayoutBook.Bounds = { applications in
            try LimitReplay.bounds(ofEnterprises: applications, now: now, context: context).mapValues { ($0.fen, $0.explanation) }
        }
        let outcome = try await context.withStore { store in
            try await store.payouts.exportBatch(districts: viewer.districts, by: viewer.name, at: now, publicKey: key.publicKey, sign: key.sign, bounds: bounds,
                                                render: { PayoutDesk.csv($0, purposes: purposes, publicKey: key.publicKey) }, sha256: PayoutDesk.fileDigest)
        }
        switch outcome {
        case let .nothingToPay(skipped):
            throw AppError.conflict(message: skipped.isEmpty ? "没有待支付的已核准申报"
                                    : "没有可列入支付批次的申报：" + skipped.prefix(20).map { "第 \($0.application) 号（\($0.reason)）" }.joined(separator: "；"))
        case let .exported(batch, csv, lines, checkpoint, skipped):
            return Exported(batch: batch, csv: csv, lines: lines, checkpoint: checkpoint, skipped: skipped)
        }
    }

    /// A payment's purpose (用途) per "policy/measure": the measure's name and its clause.
    func purposes() throws(AppError) -> [String: String] {
        var names: [String: String] = [:]
        for p in try context.policySet().policies { for m in p.measures { names[p.id + "/" + m.id] = "\(m.name)（\(p.docNumber)\(m.clause)）" } }
        return names
    }

    public static let csvHeader = ["序号", "收款人", "收款账号", "开户银行", "金额（元）", "用途", "预算年度", "项目", "市级承担（元）", "区县承担（元）", "区县", "申报编号", "支付类型", "统一社会信用代码"]

    /// The payment file of record: UTF-8 with BOM, CRLF, the lines, the total, then the signed
    /// checkpoint of the audit chain as it stood just before this batch.
    static func csv(_ d: PayoutBook.Draft, purposes: [String: String], publicKey: String) -> String {
        var rows: [[String]] = [["国库集中支付文件", "支付批次 \(d.batchID)", "导出 \(d.createdAt)", "导出人 \(d.createdBy)"], csvHeader]
        var total: Int64 = 0
        for (i, l) in d.lines.enumerated() {
            total += l.amountFen
            rows.append([String(i + 1), l.payee, l.accountNo, l.bank, Fen(l.amountFen).plain, purposes[l.policy + "/" + l.measure] ?? l.measure, String(l.year),
                         "\(l.policy)/\(l.measure)", Fen(l.cityFen).plain, Fen(l.districtFen).plain, l.district, String(l.applicationID),
                         l.kind == "reissue" ? "重新支付" : "支付", l.enterpriseID])
        }
        rows.append(["合计", "", "", "", Fen(total).plain, "\(d.lines.count) 笔"])
        rows.append(["审计检查点", "第 \(d.checkpoint.sequence) 条", "链头 \(d.checkpoint.headHash)", "签名时间 \(d.checkpoint.signedAt)"])
        rows.append(["Ed25519 签名", d.checkpoint.signature, "公钥 \(publicKey)"])
        return "\u{FEFF}" + rows.map { $0.map(CSVText.cell).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// The SHA-256 of a payment file's bytes (UTF-8), as recorded at export.
    public static func fileDigest(_ text: String) -> String { SHA256Hex.of(text) }

    /// The same batch as a workbook (amounts as numbers, A4 landscape); the CSV stays the file of record.
    public func workbook(_ viewer: Viewer, batch id: Int64) async throws(AppError) -> (bytes: [UInt8], batch: PayoutBatchRow) {
        let (batch, _, lines) = try await file(viewer, batch: id)
        let names = try purposes()
        var rows: [[Workbook.Cell]] = [Self.csvHeader.map { .text($0) }]
        var total: Int64 = 0
        for (i, l) in lines.enumerated() where l.kind != "reversal" {
            total += l.amountFen
            rows.append([.count(Int64(i + 1)), .text(l.payee), .text(l.accountNo), .text(l.bank), .money(l.amountFen), .text(names[l.policy + "/" + l.measure] ?? l.measure),
                         .count(l.year), .text("\(l.policy)/\(l.measure)"), .money(l.cityFen), .money(l.districtFen), .text(l.district), .count(l.applicationID),
                         .text(l.kind == "reissue" ? "重新支付" : "支付"), .text(l.enterpriseID)])
        }
        rows.append([.text("合计"), .text(""), .text(""), .text(""), .money(total)])
        rows.append([.text("支付文件（CSV）SHA-256：\(batch.fileSHA256)；审计检查点第 \(batch.auditSequence) 条，链头 \(batch.auditHead)")])
        var book = Workbook()
        book.sheets = [Workbook.Sheet(name: "支付批次\(id)", rows: rows)]
        return (try AppError.wrappingSync { try book.bytes() }, batch)
    }

    public func file(_ viewer: Viewer, batch id: Int64) async throws(AppError) -> (batch: PayoutBatchRow, csv: String, lines: [PayoutLineRow]) {
        guard viewer.may(.readPayoutFiles) else { throw .forbidden(message: "只有市级管理员和审计员可以查看支付批次") }
        guard let found = try await context.withStore({ try await $0.payouts.batch(id, districts: viewer.districts) }) else { throw .notFound(message: "没有第 \(id) 号支付批次") }
        return found
    }

    /// A batch's lines (payments, re-issues, reversals), without its file.
    public func lines(_ viewer: Viewer, batch id: Int64) async throws(AppError) -> [PayoutLineRow] {
        guard viewer.may(.readPayoutFiles) else { throw .forbidden(message: "只有市级管理员和审计员可以查看支付批次") }
        return try await context.withStore { try await $0.payouts.lines(batch: id, districts: viewer.districts) }
    }

    public func batches(_ viewer: Viewer) async throws(AppError) -> [PayoutBatchRow] {
        guard viewer.may(.readPayoutFiles) else { throw .forbidden(message: "只有市级管理员和审计员可以查看支付批次") }
        return try await context.withStore { try await $0.payouts.batches(districts: viewer.districts) }
    }

    public func markPaid(_ viewer: Viewer, batch id: Int64, reference: String) async throws(AppError) -> PayoutBatchRow {
        guard viewer.may(.managePayouts) else { throw .forbidden(message: "只有市级管理员可以登记支付结果") }
        let ref = reference.trimmingCharacters(in: .whitespaces)
        try AppError.checkFreeText(ref, field: "reference")
        guard !ref.isEmpty, ref.count <= 80 else { throw .invalidInput(field: "reference", location: nil, message: "请填写支付凭证号（1 到 80 个字符）") }
        let now = context.clock.timestamp()
        return try await context.withStore { store in
            return try (try await store.payouts.markPaid(batch: id, districts: viewer.districts, reference: ref, by: viewer.name, at: now)).orThrow("第 \(id) 号支付批次")
        }
    }

    /// 退票 or 追回: a reversing line; the award goes back to be re-issued in a later batch.
    public func reverse(_ viewer: Viewer, line id: Int64, reason: String) async throws(AppError) -> PayoutLineRow {
        guard viewer.may(.managePayouts) else { throw .forbidden(message: "只有市级管理员可以登记退票或追回") }
        let text = reason.trimmingCharacters(in: .whitespaces)
        try AppError.checkFreeText(text, field: "reason", lineBreaks: true)
        guard text.count >= 2, text.count <= 200 else { throw .invalidInput(field: "reason", location: nil, message: "请写明退票或追回的原因") }
        let now = context.clock.timestamp()
        return try await context.withStore { store in
            return try (try await store.payouts.reverse(line: id, districts: viewer.districts, reason: text, by: viewer.name, at: now)).orThrow("第 \(id) 号支付行")
        }
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
