import Foundation
import Hummingbird
import KuajingApp
import KuajingDomain
import PolicyEngine

/// 预算与支付: budgets with their live balances (released, reserved, committed, paid kept apart);
/// for the 市级管理员 the forms to set and release budgets, confirm payee accounts, freeze approved
/// awards into a payment batch, record it paid and record a bank return. Batches are downloaded as
/// the CSV of record (its SHA-256 shown) or as a workbook. And the enterprise's payee account form.
extension Site {
    // MARK: 预算与支付: model (budgets, batches and their lines, payees, the city's policies), query, view

    struct PayoutsModel {
        var viewer: Viewer
        var budgets: [BudgetRow]
        var batches: [PayoutBatchRow]
        var lines: [(batch: PayoutBatchRow, line: PayoutLineRow)]
        var payees: [PayeeAccountRow]
        var policies: [Policy]
        var seesPayments, seesPayees: Bool
        var year: Int
        var message: String?
    }

    struct PayoutsView: PageView {
        static let template = "payouts"
        struct Budget: Sendable { var id: Int64; var policy, measure: String; var year: Int64; var payer, allocated, released, reserved, committed, paid, available: String }
        struct Measure: Sendable { var id, name: String }
        struct Payee: Sendable { var id: Int64; var enterprise, bank, account, holder, status: String; var confirmable: Bool; var evidence: String? }
        struct Batch: Sendable { var id: Int64; var status, total: String; var lines: Int64; var sha, checkpoint, csv, xlsx, cover: String; var payable: Bool; var at: String }
        struct Line: Sendable { var batch, line: Int64; var kind, payee, account, amount: String; var application: Int64?; var reversible: Bool }
        var message: String?
        var action: String
        var admin, seesPayments, seesPayees: Bool
        var budgets: [Budget]
        var measures: [Measure]
        var payers: [String]
        var year: Int
        var payees: [Payee]
        var batches: [Batch]
        var lines: [Line]
    }

    func payoutsQuery(_ viewer: Viewer, message: String?) async throws(AppError) -> PayoutsModel {
        let desk = PayoutDesk(app)
        let seesPayments = viewer.role == .admin || viewer.role == .auditor
        let seesPayees = viewer.role == .admin || viewer.role == .auditor || viewer.role == .analyst
        let batches = seesPayments ? try await desk.batches(viewer) : []
        var lines: [(batch: PayoutBatchRow, line: PayoutLineRow)] = []
        for b in batches.prefix(5) { for l in try await desk.lines(viewer, batch: b.id) { lines.append((b, l)) } }
        return PayoutsModel(viewer: viewer, budgets: try await BudgetDesk(app).budgets(viewer), batches: batches, lines: lines,
                            payees: seesPayees ? try await desk.payees(viewer) : [], policies: seesPayees ? try BudgetDesk(app).policies(viewer) : [],
                            seesPayments: seesPayments, seesPayees: seesPayees, year: app.clock.today().year, message: message)
    }

    static func payoutsView(_ m: PayoutsModel) -> PayoutsView {
        let viewer = m.viewer, admin = viewer.administers
        func measureName(_ policy: String, _ measure: String) -> String {
            m.policies.first { $0.id == policy }?.measures.first { $0.id == measure }?.name ?? measure
        }
        return PayoutsView(
            message: m.message?.nilIfEmpty, action: Route.payouts.link, admin: admin, seesPayments: m.seesPayments, seesPayees: m.seesPayees,
            budgets: m.budgets.map { b in
                .init(id: b.id, policy: b.policy, measure: measureName(b.policy, b.measure), year: b.year, payer: b.payer,
                      allocated: Fen(b.allocatedFen).grouped, released: Fen(b.releasedFen).grouped, reserved: Fen(b.reservedFen).grouped,
                      committed: Fen(b.committedFen).grouped, paid: Fen(b.paidFen).grouped, available: Fen(b.availableFen).grouped)
            },
            measures: m.policies.flatMap { p in
                p.measures.filter { $0.matter != VoucherDesk.matter }.map { PayoutsView.Measure(id: "\(p.id)/\($0.id)", name: m.policies.count > 1 ? "\(p.id)：\($0.name)" : $0.name) }
            },
            payers: [cityPayer] + viewer.districts, year: m.year,
            payees: m.payees.filter { $0.status != "superseded" }.map { p in
                .init(id: p.id, enterprise: p.enterpriseID, bank: p.bank, account: p.accountNo, holder: p.holder, status: p.status == "confirmed" ? "已确认" : "待确认",
                      confirmable: admin && p.status == "entered", evidence: p.evidenceSHA256.map { Route.evidence($0).link })
            },
            batches: m.batches.map { b in
                .init(id: b.id, status: b.status == "paid" ? "已支付（\(b.paidReference ?? "")）" : "已冻结，待支付", total: Fen(b.totalFen).grouped, lines: b.lines,
                      sha: b.fileSHA256, checkpoint: "第 \(b.auditSequence) 条，链头 \(b.auditHead.prefix(16))…", csv: Route.payoutFile(b.id, "csv").link,
                      xlsx: Route.payoutFile(b.id, "xlsx").link, cover: Route.payoutCover(b.id).link, payable: admin && b.status == "frozen", at: Show.time(b.createdAt))
            },
            lines: m.lines.map { b, l in
                .init(batch: b.id, line: l.id, kind: l.kind == "reversal" ? "冲销" : l.kind == "reissue" ? "重新支付" : "支付", payee: l.payee, account: l.accountNo,
                      amount: Fen(l.amountFen).grouped, application: l.applicationID, reversible: admin && b.status == "paid" && l.kind != "reversal")
            })
    }

    func payouts(_ request: Request, _ context: WebContext, message: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let model = try await access.run(request, context) { () async throws(AppError) in try await payoutsQuery(viewer, message: message) }
        return try views.page(Self.payoutsView(model), title: "预算与支付", current: .payouts, context: context, synthetic: await synthetic(), status: status)
    }

    func actOnPayouts(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let form = try await Form.read(request, context: context)
        do {
            let message: String
            switch try PayoutForm(form) {
            case let .allocate(input):
                let b = try await BudgetDesk(app).allocate(viewer, input)
                message = "已设置第 \(b.id) 号预算：\(b.payer) \(b.year) 年 \(Fen(b.allocatedFen).grouped) 元"
            case let .release(budget, amount):
                let b = try await BudgetDesk(app).release(viewer, id: budget, amount: amount)
                message = "已下达：第 \(b.id) 号预算已下达 \(Fen(b.releasedFen).grouped) 元"
            case let .confirm(payee):
                let p = try await PayoutDesk(app).confirmPayee(viewer, id: payee)
                message = "已确认 \(p.enterpriseID) 的收款账户 \(p.accountNo)"
            case .export:
                let e = try await PayoutDesk(app).export(viewer)
                message = "已导出第 \(e.batch.id) 号支付批次：\(e.lines.count) 笔，合计 \(Fen(e.batch.totalFen).grouped) 元；文件 SHA-256 \(e.batch.fileSHA256)"
                    + (e.skipped.isEmpty ? "" : "；\(e.skipped.count) 笔暂未列入：" + e.skipped.prefix(10).map { "第 \($0.application) 号（\($0.reason)）" }.joined(separator: "；"))
            case let .paid(batch, reference):
                let b = try await PayoutDesk(app).markPaid(viewer, batch: batch, reference: reference)
                message = "已登记第 \(b.id) 号支付批次已支付（\(b.paidReference ?? "")）"
            case let .reverse(line, reason):
                let l = try await PayoutDesk(app).reverse(viewer, line: line, reason: reason)
                message = "已冲销第 \(l.applicationID) 号申报的支付（\(Fen(l.amountFen).grouped) 元），将在下一批次重新支付"
            }
            return try await payouts(request, context, message: message)
        } catch let e as AppError {
            return try await payouts(request, context, message: e.message, status: WebFailure(e).status)
        }
    }

    func payoutFile(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw AppError.notFound(message: "没有这一支付批次") }
        let desk = PayoutDesk(app)
        switch context.parameters.get("file") ?? "" {
        case "file.csv":
            let f = try await access.run(request, context) { () async throws(AppError) in try await desk.file(viewer, batch: id) }
            return Reply.download(Array(f.csv.utf8), name: "支付批次\(id).csv", type: Reply.csvType)
        case "file.xlsx":
            let w = try await access.run(request, context) { () async throws(AppError) in try await desk.workbook(viewer, batch: id) }
            return Reply.download(w.bytes, name: "支付批次\(id).xlsx", type: Reply.xlsxType)
        case "cover": return try await payoutCover(request, context, batch: id)
        default: throw AppError.notFound(message: "没有这一文件")
        }
    }

    /// The enterprise enters its payee account with its bank certificate (multipart).
    func enterPayee(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        guard let parts = try await MultipartForm.read(request, context: context, files: 1) else {
            return try await applications(request, context, message: "证明材料超过 \(ApplicationDesk.maximumEvidenceBytes >> 20) MiB，未受理", status: .contentTooLarge)
        }
        do {
            var evidence: String?
            if let f = parts.files.first(where: { !$0.content.isEmpty }) {
                evidence = try await ApplicationDesk(app).uploadEvidence(viewer, name: f.filename, mediaType: f.type, content: f.content)
            }
            let p = try await PayoutDesk(app).enterPayee(viewer, .init(enterpriseID: viewer.enterpriseID ?? "", bank: parts.fields["bank"] ?? "", accountNo: parts.fields["account"] ?? "",
                                                                        holder: parts.fields["holder"] ?? "", evidence: evidence))
            return try await applications(request, context, message: "已填报收款账户 \(p.accountNo)，待市级管理员确认后方可支付")
        } catch let e as AppError {
            return try await applications(request, context, message: e.message, status: WebFailure(e).status)
        }
    }
}

/// What a form of 预算与支付 asks, typed: its `act` and that act's fields (a number where a number
/// is meant), read once; an unknown act or a missing number is a 422 naming the field.
enum PayoutForm {
    case allocate(BudgetDesk.Allocation)
    case release(budget: Int64, amount: String)
    case confirm(payee: Int64)
    case export
    case paid(batch: Int64, reference: String)
    case reverse(line: Int64, reason: String)

    init(_ form: Form) throws(AppError) {
        func id(_ name: String) throws(AppError) -> Int64 {
            guard let v = form[name].flatMap(Int64.init) else { throw .invalidInput(field: name, location: nil, message: "缺少编号") }
            return v
        }
        switch form["act"] ?? "" {
        case "allocate":
            // "policy/measure", as the form's options are made.
            let chosen = (form["measure"] ?? "").split(separator: "/", maxSplits: 1).map(String.init)
            guard chosen.count == 2 else { throw .invalidInput(field: "measure", location: nil, message: "请选择政策措施") }
            guard let year = Int(form["year"] ?? "") else { throw .invalidInput(field: "year", location: nil, message: "应为年份") }
            self = .allocate(.init(policy: chosen[0], measure: chosen[1], year: year, payer: form["payer"] ?? "", amount: form["amount"] ?? ""))
        case "release": self = .release(budget: try id("budget"), amount: form["amount"] ?? "")
        case "confirm": self = .confirm(payee: try id("payee"))
        case "export": self = .export
        case "paid": self = .paid(batch: try id("batch"), reference: form["reference"] ?? "")
        case "reverse": self = .reverse(line: try id("line"), reason: form["reason"] ?? "")
        default: throw .invalidInput(field: "act", location: nil, message: "未知操作")
        }
    }
}
