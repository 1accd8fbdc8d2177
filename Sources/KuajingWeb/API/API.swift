import Foundation
import HTTPTypes
import Hummingbird
import KuajingApp
import KuajingDomain
import Monitoring
import PolicyEngine

/// The JSON API under /api/v1: the operations of `../shared/spec/web-api.md` (their operationIds are
/// in `web/openapi.json`, maintained by hand and checked against these routes by a test). Bearer
/// tokens or a session; the same scopes as the pages; a wrong method is a 405.
struct API: Sendable {
    let site: Site

    /// Registers every operation of the table (`APIOperation`), each through `respond`.
    func add(to router: Router<WebContext>) {
        for op in APIOperation.allCases {
            router.on(RouterPath(op.routerPath), method: op.method) { r, c in try await respond(op, r, c) }
        }
    }

    /// The methods an API path accepts (empty: no such path). A request with any other method is a
    /// 405 with this list in its Allow header (`SecurityAndErrorsMiddleware`).
    static func allowedMethods(for path: String) -> [HTTPRequest.Method] {
        APIOperation.allCases.filter { $0.matches(path: path) }.map(\.method)
    }

    /// The OpenAPI document: `web/openapi.json` describes each operation under its operationId
    /// (`x-operations`); the paths and methods come from the table. Built once per site; a table
    /// operation the file does not describe, or a description of no operation, stops the server
    /// from starting (and fails the OpenAPI test).
    static func document(template: Data) throws(AppError) -> String {
        guard var root = (try? JSONSerialization.jsonObject(with: template)) as? [String: Any],
              let described = root.removeValue(forKey: "x-operations") as? [String: Any] else {
            throw .internalFailure(detail: "web/openapi.json: not an object with x-operations")
        }
        let missing = APIOperation.allCases.map(\.rawValue).filter { described[$0] == nil }
        let unknown = described.keys.filter { APIOperation(rawValue: $0) == nil }.sorted()
        guard missing.isEmpty, unknown.isEmpty else {
            throw .internalFailure(detail: "web/openapi.json: undescribed operations \(missing), descriptions of no operation \(unknown)")
        }
        var paths: [String: [String: Any]] = [:]
        for op in APIOperation.allCases {
            guard var operation = described[op.rawValue] as? [String: Any] else { continue }
            operation["operationId"] = op.rawValue
            paths[op.path, default: [:]][op.method.rawValue.lowercased()] = operation
        }
        root["paths"] = paths
        guard let data = try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            throw .internalFailure(detail: "web/openapi.json: the document could not be written")
        }
        return String(decoding: data, as: UTF8.self)
    }

    func openAPI() throws -> Response { Reply.json(site.openAPIDocument) }

    // MARK: paging

    static func paging(_ request: Request) throws(AppError) -> (limit: Int, offset: Int) {
        let q = request.uri.queryParameters
        func int(_ name: String, _ fallback: Int) throws(AppError) -> Int {
            guard let text = q.get(name) else { return fallback }
            guard let v = Int(text) else { throw .invalidInput(field: name, location: nil, message: "应为整数，实为“\(text.prefix(20))”") }
            return v
        }
        let limit = try int("limit", 100), offset = try int("offset", 0)
        guard (1...10_000).contains(limit) else { throw .invalidInput(field: "limit", location: nil, message: "应在 1 到 10000 之间，实为 \(limit)") }
        guard (0...1_000_000_000).contains(offset) else { throw .invalidInput(field: "offset", location: nil, message: "应在 0 到 1000000000 之间，实为 \(offset)") }
        return (limit, offset)
    }

    // MARK: operations

    struct EnterpriseItem: Encodable { var enterprise_id: String; var name: String; var district: String; var credit_code: String?; var synthetic: Bool }
    struct EnterpriseList: Encodable { var items: [EnterpriseItem]; var total: Int; var limit: Int; var offset: Int }

    func listEnterprises(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let page = try Self.paging(request)
        let q = request.uri.queryParameters
        let found = try await site.access.run(request, context) { () async throws(AppError) in
            try await EnterpriseDirectory(site.app).search(viewer, text: String(q.get("q") ?? ""), district: q.get("district").flatMap { $0.isEmpty ? nil : String($0) },
                                                               limit: page.limit, offset: page.offset)
        }
        return try Reply.json(EnterpriseList(items: found.items.map { EnterpriseItem(enterprise_id: $0.id, name: $0.name, district: $0.district, credit_code: $0.creditCode, synthetic: $0.synthetic) },
                                             total: found.total, limit: found.limit, offset: found.offset))
    }

    struct MonthItem: Encodable { var month: String; var exports: String; var imports: String; var records: Int64 }
    struct MoveItem: Encodable { var ladder: String; var month: String; var from: String; var to: String; var trailing_twelve_months: String }
    struct FactItem: Encodable { var kind: String; var value: String; var source: String; var as_of: String }
    struct EnterpriseDetail: Encodable {
        var enterprise_id: String; var name: String; var district: String; var credit_code: String?; var synthetic: Bool
        var tier: String?; var trade: [MonthItem]; var tier_moves: [MoveItem]; var credit_facts: [FactItem]
        var claims: [String]; var awards: [String]; var note: String
    }

    func getEnterprise(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let raw = context.parameters.get("enterprise_id") ?? ""
        let id = raw.removingPercentEncoding ?? raw
        let p = try await site.access.run(request, context) { () async throws(AppError) in try await EnterpriseDirectory(site.app).profile(viewer, id: id) }
        return try Reply.json(EnterpriseDetail(
            enterprise_id: p.enterprise.id, name: p.enterprise.name, district: p.enterprise.district, credit_code: p.enterprise.creditCode, synthetic: p.enterprise.synthetic,
            tier: p.currentTier, trade: p.months.map { MonthItem(month: $0.month, exports: Fen($0.exportsFen).plain, imports: Fen($0.importsFen).plain, records: $0.records) },
            tier_moves: p.tierMoves.map { MoveItem(ladder: $0.ladder, month: $0.month, from: $0.from, to: $0.to, trailing_twelve_months: Fen($0.trailingFen).plain) },
            credit_facts: p.creditFacts.map { FactItem(kind: $0.kind.rawValue, value: $0.value, source: $0.source, as_of: $0.asOf) },
            claims: [], awards: [], note: p.claimsNote))
    }

    struct StatisticsRow: Encodable { var keys: [String: String]; var records: Int64; var amount: String }
    struct StatisticsAnswer: Encodable {
        var basis: String; var scope: String; var latest_month: String?; var dimensions: [String]
        var rows: [StatisticsRow]; var total_rows: Int; var limit: Int; var offset: Int; var total_amount: String; var total_records: Int64
    }

    func getStatistics(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let page = try Self.paging(request)
        var asked = try Site.monitorRequest(request, strict: true)
        if request.uri.queryParameters.get("by") == nil { asked.dimensions = [] }
        let dims = asked.dimensions
        let table = try await site.access.run(request, context) { () async throws(AppError) in
            try await site.reports.monitor(viewer, by: dims, filter: asked.filter, enterprise: nil, context: site.app)
        }
        let slice = table.rows.dropFirst(page.offset).prefix(page.limit)
        return try Reply.json(StatisticsAnswer(
            basis: table.basis, scope: table.scope, latest_month: table.latestMonth, dimensions: dims.map(\.rawValue),
            rows: slice.map { r in StatisticsRow(keys: Dictionary(uniqueKeysWithValues: zip(dims.isEmpty ? ["scope"] : dims.map(\.rawValue), r.keys)), records: r.records, amount: Fen(r.fen).plain) },
            total_rows: table.rows.count, limit: page.limit, offset: page.offset, total_amount: Fen(table.totalFen).plain, total_records: table.totalRecords))
    }

    func calculateClaims(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: WebLimits.formBytes)
        let result = try ClaimsCalculation(site.app).evaluate(claimsJSON: Array(buffer: body))
        var out = ""
        result.write(.json) { out += $0 }
        return Reply.json(out)
    }

    /// `calculateImportTax` (../shared/spec/import-tax.md): a what-if, stores nothing.
    func calculateImportTax(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: ImportTaxCalculation.maxBodyBytes)
        let answer = try await site.access.run(request, context) { () throws(AppError) in
            try ImportTaxCalculation(site.app).answer(json: Array(buffer: body), source: "请求体")
        }
        return Reply.json(String(decoding: answer, as: UTF8.self))
    }

    struct ImportRowAnswer: Encodable {
        var key: String; var orders: Int64; var taxed_value: String; var duty: String; var consumption_tax: String; var vat: String
        var returned_tax: String; var collected_tax: String; var over_limit_orders: Int64; var over_limit_value: String; var full_rate_orders: Int64
        var duty_rate_missing: Int64; var near_single_limit: Int64
    }
    struct BuyersAnswer: Encodable { var buyers: Int64; var used: String; var near_limit: Int64; var at_limit: Int64; var many_consignees: Int64; var many_consignees_from: Int }
    struct ImportStatisticsAnswer: Encodable {
        var year: Int; var scope: String; var basis: String; var total: ImportRowAnswer?
        var by_month: [ImportRowAnswer]; var by_code: [ImportRowAnswer]; var by_district: [ImportRowAnswer]; var by_platform: [ImportRowAnswer]; var buyers: BuyersAnswer?
    }

    /// The retail-import figures of a year within the viewer's scope (buyers in aggregate, for the city's bureau only).
    func getImportStatistics(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let q = request.uri.queryParameters
        let overview = try await site.access.run(request, context) { () async throws(AppError) in
            var year: Int?
            if let text = q.get("year") {
                guard let y = Int(text) else { throw .invalidInput(field: "year", location: nil, message: "年份应为四位数字，实为“\(text.prefix(10))”") }
                year = y
            }
            return try await ImportMonitor(site.app).overview(viewer, year: year)
        }
        func row(_ r: ImportTaxRow) -> ImportRowAnswer {
            ImportRowAnswer(key: r.keys.first ?? "", orders: r.orders, taxed_value: Fen(r.priceFen).plain, duty: Fen(r.dutyFen).plain, consumption_tax: Fen(r.consumptionTaxFen).plain,
                            vat: Fen(r.vatFen).plain, returned_tax: Fen(r.returnedTaxFen).plain, collected_tax: Fen(r.collectedFen).plain, over_limit_orders: r.overLimitOrders,
                            over_limit_value: Fen(r.overLimitPriceFen).plain, full_rate_orders: r.fullRateOrders, duty_rate_missing: r.dutyRateMissing, near_single_limit: r.nearSingle)
        }
        return try Reply.json(ImportStatisticsAnswer(
            year: overview.year, scope: overview.scope, basis: overview.basis, total: overview.total.map(row), by_month: overview.byMonth.map(row),
            by_code: overview.byCode.map(row), by_district: overview.byDistrict.map(row), by_platform: overview.byPlatform.map(row),
            buyers: overview.buyers.map { BuyersAnswer(buyers: $0.buyers, used: Fen($0.usedFen).plain, near_limit: $0.nearLimit, at_limit: $0.atLimit,
                                                       many_consignees: $0.manyConsigneeBuyers, many_consignees_from: $0.manyConsignees) }))
    }

    struct TaskItem: Encodable {
        var plan: String; var clause: String; var title: String; var owner: String; var status: String; var version: Int64
        var overdue: [String]; var updates: [UpdateItem]
    }
    struct UpdateItem: Encodable { var status: String; var note: String; var by: String; var at: String }
    struct TaskList: Encodable { var items: [TaskItem]; var total: Int; var limit: Int; var offset: Int }

    func listTasks(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let page = try Self.paging(request)
        let all = try await PlanFollowUp(site.app).tasks().flatMap { p in p.tasks.map { (p.plan.id, $0) } }
        let items = all.dropFirst(page.offset).prefix(page.limit).map { plan, t in
            TaskItem(plan: plan, clause: t.clause, title: t.title, owner: t.owner, status: t.status, version: t.updates.compactMap(\.version).max() ?? 0,
                     overdue: t.overdue.map { "\($0.day.iso) \($0.what)" }, updates: t.updates.map { UpdateItem(status: $0.status, note: $0.note, by: $0.updatedBy, at: $0.updatedAt) })
        }
        return try Reply.json(TaskList(items: Array(items), total: all.count, limit: page.limit, offset: page.offset))
    }

    struct PolicyItem: Encodable { var policy_id: String; var title: String; var doc_number: String; var status: String; var in_force_from: String; var in_force_to: String; var measures: [MeasureItem] }
    struct MeasureItem: Encodable { var measure_id: String; var name: String; var matter: String; var clause: String; var rule: String }

    func listPolicies(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let list = try PolicyCatalog(site.app).policies()
        return try Reply.json(list.map { p in
            PolicyItem(policy_id: p.id, title: p.title, doc_number: p.docNumber, status: p.status, in_force_from: p.inForce.from.iso, in_force_to: p.inForce.to.iso,
                       measures: p.measures.map { MeasureItem(measure_id: $0.id, name: $0.name, matter: $0.matter, clause: $0.clause, rule: $0.awardSource) })
        })
    }

    func importTrade(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let received = try await Upload.receive(request, context: context)
        defer { try? FileManager.default.removeItem(atPath: received.directory) }
        let report = try await site.access.run(request, context) { () async throws(AppError) in try await received.named { () async throws(AppError) in try await TradeIngest(site.app).run(paths: [received.path], shownAs: [received.path: received.name], as: viewer) } }
        try await site.accounts.logChange(viewer, address: context.address, method: "POST", path: request.uri.path, what: "导入 \(received.name)")
        let c = report.counts
        return try Reply.json(Site.ImportAnswer(file: received.name, accepted: c.accepted, duplicates: c.duplicates, updated: c.updated, deleted: c.deleted,
                                                quarantined: c.quarantined, quarantined_by_reason: c.quarantinedByReason))
    }

    // MARK: 运力券

    struct BatchAnswer: Encodable { var batch_id: Int64; var remaining_limit: String }

    func openVoucherBatch(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let b = try await APIBody.decode(VoucherBatchBody.self, from: request)
        let input = VoucherDesk.BatchInput(policy: b.policy, amount: b.amount.text, opensAt: b.opens_at, label: b.label)
        let done = try await site.access.run(request, context) { () async throws(AppError) in try await VoucherDesk(site.app).openBatch(viewer, input) }
        return try Reply.json(BatchAnswer(batch_id: done.id, remaining_limit: Fen(done.room).plain), status: .created)
    }

    struct BatchItem: Encodable { var batch_id: Int64; var label: String; var amount: String; var opens_at: String }
    struct PoolAnswer: Encodable {
        var policy: String; var limit: String; var released: String; var reserved: String; var committed: String; var paid: String; var remaining: String
        var batches: [BatchItem]
    }

    func getVoucherPool(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let policy = try voucherPolicy(request, viewer)
        let b = try await site.access.run(request, context) { () async throws(AppError) in try await VoucherDesk(site.app).balance(viewer, policy: policy) }
        return try Reply.json(PoolAnswer(policy: policy, limit: Fen(b.limitFen).plain, released: Fen(b.releasedFen).plain, reserved: Fen(b.reservedFen).plain,
                                         committed: Fen(b.committedFen).plain, paid: Fen(b.paidFen).plain, remaining: Fen(b.remainingFen).plain,
                                         batches: b.batches.map { BatchItem(batch_id: $0.id, label: $0.label, amount: Fen($0.amountFen).plain, opens_at: $0.opensAt) }))
    }

    struct VoucherAnswer: Encodable {
        var voucher_id: Int64; var enterprise_id: String; var contract_no: String; var status: String; var amount: String; var sequence: Int64
        var batch_id: Int64?; var explanation: String
    }

    static func answer(_ v: VoucherRow) -> VoucherAnswer {
        VoucherAnswer(voucher_id: v.id, enterprise_id: v.enterpriseID, contract_no: v.contractNo, status: v.status.rawValue, amount: Fen(v.amountFen).plain,
                      sequence: v.sequence, batch_id: nil, explanation: v.explanation)
    }

    func requestVoucher(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let key = request.headers[HTTPField.Name("Idempotency-Key")!] ?? ""
        let b = try await APIBody.decode(VoucherRequestBody.self, from: request)
        let input = VoucherDesk.RequestInput(policy: b.policy, enterpriseID: b.enterprise_id, contractNo: b.contract_no, contractAmount: b.contract_amount.text,
                                             provider: b.provider, date: b.date, idempotencyKey: key)
        let answer = try await site.access.run(request, context) { () async throws(AppError) in try await VoucherDesk(site.app).request(viewer, input) }
        switch answer {
        case let .issued(row, replayed): return try Reply.json(Self.answer(row), status: replayed ? .ok : .created)
        case let .refused(code, message): throw AppError.refused(rule: code, message: message)
        }
    }

    /// The `policy` asked for, else the 运力券 policy of the viewer's city.
    func voucherPolicy(_ request: Request, _ viewer: Viewer) throws(AppError) -> String {
        if let asked = request.uri.queryParameters.get("policy") { return String(asked) }
        return try VoucherDesk(site.app).cityPolicy(viewer)
    }

    struct VoucherList: Encodable { var items: [VoucherAnswer]; var limit: Int; var offset: Int }

    func listVouchers(_ request: Request, _ context: WebContext, _ viewer: Viewer) async throws -> Response {
        let page = try Self.paging(request)
        let policy = try voucherPolicy(request, viewer)
        let rows = try await site.access.run(request, context) { () async throws(AppError) in
            try await VoucherDesk(site.app).vouchers(viewer, policy: policy, limit: page.limit, offset: page.offset)
        }
        return try Reply.json(VoucherList(items: rows.map(Self.answer), limit: page.limit, offset: page.offset))
    }
}

extension API {
    /// Runs an operation: its permission first (a refusal is logged), then its handler.
    func respond(_ op: APIOperation, _ request: Request, _ context: WebContext) async throws -> Response {
        guard let permission = op.permission else { return try openAPI() }
        let viewer = try await site.access.viewer(request, context, permission: permission)
        switch op {
        case .listEnterprises: return try await listEnterprises(request, context, viewer)
        case .getEnterprise: return try await getEnterprise(request, context, viewer)
        case .getStatistics: return try await getStatistics(request, context, viewer)
        case .calculateClaims: return try await calculateClaims(request, context, viewer)
        case .calculateImportTax: return try await calculateImportTax(request, context, viewer)
        case .getImportStatistics: return try await getImportStatistics(request, context, viewer)
        case .listTasks: return try await listTasks(request, context, viewer)
        case .listPolicies: return try await listPolicies(request, context, viewer)
        case .importTrade: return try await importTrade(request, context, viewer)
        case .getOpenAPI: return try openAPI()
        case .openVoucherBatch: return try await openVoucherBatch(request, context, viewer)
        case .getVoucherPool: return try await getVoucherPool(request, context, viewer)
        case .requestVoucher: return try await requestVoucher(request, context, viewer)
        case .listVouchers: return try await listVouchers(request, context, viewer)
        case .uploadEvidence: return try await uploadEvidence(request, context, viewer)
        case .submitApplication: return try await submitApplication(request, context, viewer)
        case .listApplications: return try await listApplications(request, context, viewer)
        case .getApplication: return try await getApplication(request, context, viewer)
        case .reviewApplication: return try await reviewApplication(request, context, viewer)
        case .objectToApplication: return try await objectToApplication(request, context, viewer)
        case .confirmProposal: return try await confirmProposal(request, context, viewer)
        case .importFacts: return try await importFacts(request, context, viewer)
        case .listBudgets: return try await listBudgets(request, context, viewer)
        case .setBudget: return try await setBudget(request, context, viewer)
        case .releaseBudget: return try await releaseBudget(request, context, viewer)
        case .enterPayeeAccount: return try await enterPayeeAccount(request, context, viewer)
        case .confirmPayeeAccount: return try await confirmPayeeAccount(request, context, viewer)
        case .exportPayoutBatch: return try await exportPayoutBatch(request, context, viewer)
        case .markPayoutPaid: return try await markPayoutPaid(request, context, viewer)
        case .listAuditEntries: return try await listAuditEntries(request, context, viewer)
        case .cancelVoucher: return try await cancelVoucher(request, context, viewer)
        case .requestVoucherFromFact: return try await requestVoucherFromFact(request, context, viewer)
        }
    }
}
