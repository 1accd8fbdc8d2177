import Foundation
import Hummingbird
import KuajingApp
import KuajingDomain

/// 运力券 (杭州 附件（七）) in the browser: the pool's figures (limit, opened, released, reserved,
/// committed, paid, remaining) and its batches for everyone signed in; for the 市级管理员 the form
/// that opens or schedules a batch and the withdrawal of a voucher with its reason; for an
/// enterprise its own request for a logistics contract and the giving up of its own voucher. The
/// list is filtered by status and paged; the waitlist is the list filtered to 候补, in its order.
/// Each form goes through the same use case as the API (`VoucherDesk`), so role, scope, the pool's
/// limits and the audit trail are the same on both.
extension Site {
    // MARK: model, query, view

    struct VouchersModel {
        var viewer: Viewer
        /// nil: the city's policies have no 运力券 measure (台州, 平湖).
        var rules: VoucherRules?
        var missing: String?
        var balance: VoucherPoolBalance?
        var rows: [VoucherRow]
        var total: Int64
        var status: VoucherStatus?
        var page: Int
        var now: String
        var requestKey: String
        var message: String?
    }

    struct VouchersView: PageView {
        static let template = "vouchers"
        struct Figure: Sendable { var label, amount: String }
        struct Batch: Sendable { var id: Int64; var label, amount, opens, state: String }
        struct Voucher: Sendable {
            var id, sequence: Int64
            var enterprise, contract, contractAmount, entitled, amount, status, at, explanation, cancel: String
            var cancellable: Bool
        }
        struct Option: Sendable { var value, label: String; var selected: Bool }
        var message: String?
        var missing: String?
        var hasPool: Bool
        var citation, rate, yearlyCap: String
        var figures: [Figure]
        var batches: [Batch]
        var admin, enterprise: Bool
        var batchAction, requestAction, listAction: String
        var requestKey, ownEnterprise, today, opensDefault: String
        var statuses: [Option]
        var vouchers: [Voucher]
        var pager: Pager
        var waitlisted: String
    }

    func vouchersQuery(_ viewer: Viewer, status: VoucherStatus?, page: Int, message: String?) async throws(AppError) -> VouchersModel {
        let desk = VoucherDesk(app)
        var model = VouchersModel(viewer: viewer, rows: [], total: 0, status: status, page: page, now: app.clock.timestamp(), requestKey: Accounts.randomToken(), message: message)
        let policy: String
        do { policy = try desk.cityPolicy(viewer) } catch {
            model.missing = error.message
            return model
        }
        model.rules = try desk.rules(policy: policy)
        model.balance = try await desk.balance(viewer, policy: policy)
        let found = try await desk.voucherPage(viewer, policy: policy, status: status, limit: WorkLists.pageSize, offset: (page - 1) * WorkLists.pageSize)
        model.rows = found.rows
        model.total = found.total
        return model
    }

    static func vouchersView(_ m: VouchersModel) -> VouchersView {
        let viewer = m.viewer
        let b = m.balance
        let figures: [VouchersView.Figure] = b.map { b in
            [("资金池上限", b.limitFen), ("已开放批次合计", b.batchesFen), ("已到开放时间", b.releasedFen), ("已发放（预留）", b.reservedFen),
             ("已承诺（列入支付批次）", b.committedFen), ("已支付", b.paidFen), ("尚可发放", b.remainingFen)].map { .init(label: $0.0, amount: Fen($0.1).grouped) }
        } ?? []
        let pageCount = max(1, Int((m.total + Int64(WorkLists.pageSize) - 1) / Int64(WorkLists.pageSize)))
        func link(_ page: Int) -> String {
            Route.vouchers.link + Pager.queryString((m.status.map { [("status", $0.rawValue)] } ?? []) + (page > 1 ? [("page", String(page))] : []))
        }
        let opensDefault = String(m.now.prefix(16))
        return VouchersView(
            message: m.message?.nilIfEmpty, missing: m.missing, hasPool: m.rules != nil,
            citation: m.rules?.citation ?? "", rate: m.rules?.rateText ?? "", yearlyCap: m.rules.map { Fen($0.yearlyCapFen).grouped } ?? "",
            figures: figures,
            batches: (b?.batches ?? []).map { .init(id: $0.id, label: $0.label, amount: Fen($0.amountFen).grouped, opens: Show.time($0.opensAt), state: $0.opensAt <= m.now ? "已开放" : "待开放") },
            admin: viewer.may(.openVoucherBatches), enterprise: viewer.may(.requestVouchers),
            batchAction: Route.voucherBatches.link, requestAction: Route.voucherRequest.link, listAction: Route.vouchers.link,
            requestKey: m.requestKey, ownEnterprise: viewer.enterpriseID ?? "", today: String(m.now.prefix(10)), opensDefault: opensDefault,
            statuses: [.init(value: "", label: "全部", selected: m.status == nil)] + VoucherStatus.allCases.map { .init(value: $0.rawValue, label: $0.label, selected: m.status == $0) },
            vouchers: m.rows.map { v in
                .init(id: v.id, sequence: v.sequence, enterprise: v.enterpriseID, contract: v.contractNo, contractAmount: Fen(v.contractFen).grouped,
                      entitled: Fen(v.entitledFen).grouped, amount: Fen(v.amountFen).grouped, status: v.status.label, at: Show.time(v.createdAt), explanation: v.explanation, cancel: Route.voucherCancel(v.id).link,
                      cancellable: v.status == .issued && viewer.may(.cancelVouchers) && (viewer.role != .enterprise || viewer.enterpriseID == v.enterpriseID))
            },
            pager: Pager(total: m.total, page: m.page, pageCount: pageCount, unit: "张", link: link),
            waitlisted: Route.vouchers.link + "?status=waitlisted")
    }

    func vouchers(_ request: Request, _ context: WebContext, message: String?, status: HTTPResponse.Status = .ok) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        var filter: VoucherStatus?
        var page = 1
        if request.method == .get {
            if let s = request.uri.queryParameters.get("status"), !s.isEmpty {
                guard let v = VoucherStatus(rawValue: String(s)) else { throw AppError.invalidInput(field: "status", location: nil, message: "没有“\(s.prefix(20))”这一状态") }
                filter = v
            }
            if let p = request.uri.queryParameters.get("page"), !p.isEmpty {
                guard let n = Int(p), n >= 1, n <= 100_000 else { throw AppError.invalidInput(field: "page", location: nil, message: "页码应为 1 到 100000 的整数") }
                page = n
            }
        }
        let model = try await access.run(request, context) { () async throws(AppError) in try await vouchersQuery(viewer, status: filter, page: page, message: message) }
        return try views.page(Self.vouchersView(model), title: "运力券", current: .vouchers, context: context, synthetic: await synthetic(), status: status)
    }

    /// The administrator opens a batch now or from a later time (the form's local time is Beijing time).
    func openVoucherBatch(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let form = try await Form.read(request, context: context)
        do {
            let desk = VoucherDesk(app)
            let opens = VoucherForm.timestamp(fromLocal: form["opens_at"] ?? "") ?? (form["opens_at"] ?? "")
            let made = try await desk.openBatch(viewer, .init(policy: try desk.cityPolicy(viewer), amount: form["amount"] ?? "", opensAt: opens, label: form["label"] ?? ""))
            return try await vouchers(request, context, message: "已开放第 \(made.id) 批运力券，开放时间 \(Show.time(opens))；资金池尚可再开放 \(Fen(made.room).grouped) 元")
        } catch let e as AppError {
            return try await vouchers(request, context, message: e.message, status: WebFailure(e).status)
        }
    }

    /// An enterprise requests a voucher for its own logistics contract. The form carries a key made
    /// when the page was shown, so a form sent twice (a double click, a reload) requests once.
    func requestVoucherFromForm(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let form = try await Form.read(request, context: context)
        do {
            let answer = try await VoucherDesk(app).request(viewer, .init(enterpriseID: viewer.enterpriseID ?? "", contractNo: form["contract_no"] ?? "",
                                                                          contractAmount: form["contract_amount"] ?? "", provider: form["provider"] ?? "",
                                                                          date: form["date"] ?? "", idempotencyKey: "form-" + (form["key"] ?? "")))
            switch answer {
            case let .issued(row, replayed):
                let what = row.status == .issued ? "已发放 \(Fen(row.amountFen).grouped) 元" : "资金池暂无余额，已列入候补（按顺序号补发）"
                return try await vouchers(request, context, message: "运力券第 \(row.sequence) 号：\(what)\(replayed ? "（此表单已提交过，以下为首次结果）" : "")。\(row.explanation)")
            case let .refused(_, message):
                return try await vouchers(request, context, message: message, status: .unprocessableContent)
            }
        } catch let e as AppError {
            return try await vouchers(request, context, message: e.message, status: WebFailure(e).status)
        }
    }

    /// A voucher given up by its enterprise or withdrawn by the administrator, with the reason.
    func cancelVoucherFromForm(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        guard let id = context.parameters.get("id").flatMap(Int64.init) else { throw AppError.notFound(message: "没有这张运力券") }
        let form = try await Form.read(request, context: context)
        do {
            let row = try await VoucherDesk(app).cancel(viewer, voucher: id, reason: form["reason"] ?? "")
            return try await vouchers(request, context, message: "已取消运力券第 \(row.sequence) 号（\(Fen(row.amountFen).grouped) 元退回资金池，候补按顺序补发）")
        } catch let e as AppError {
            return try await vouchers(request, context, message: e.message, status: WebFailure(e).status)
        }
    }
}

enum VoucherForm {
    /// `2026-12-03T09:00` (an `<input type="datetime-local">`, Beijing time) as a stored time with
    /// its offset; nil when it is not of that form (the use case then names the field).
    static func timestamp(fromLocal text: String) -> String? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard t.count == 16, t.dropFirst(10).first == "T", Day.parse(String(t.prefix(10))) != nil else { return nil }
        let clock = t.suffix(5).split(separator: ":")
        guard clock.count == 2, let h = Int(clock[0]), let m = Int(clock[1]), (0...23).contains(h), (0...59).contains(m) else { return nil }
        return t + ":00+08:00"
    }
}
