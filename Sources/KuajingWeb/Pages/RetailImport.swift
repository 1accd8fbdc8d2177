import Foundation
import Hummingbird
import KuajingApp
import KuajingDomain
import Monitoring
import PolicyEngine

/// 进口税费 (the retail-import tax calculator, beside the policy calculator) and 运行监测 · 零售进口
/// (tax, over-limit orders, returns, buyers' quota use in aggregate, 杭州's import target).
extension Site {
    // MARK: 进口税费: the form (typed), model (the answer), view

    /// One order of up to three lines, and optionally its return, as a person types it.
    struct ImportTaxForm: Sendable {
        struct Line: Sendable { var hsCode, name, qty, value, consumptionTax, duty: String; var indivisible: Bool }
        static let rows = 3
        var date, quotaUsed, freight, insuredFee: String
        var lines: [Line]
        var withReturn: Bool
        var appliedDay, arrivedDay: String

        init(_ f: [String: String]?) {
            let f = f ?? [:]
            let first = f.isEmpty
            func v(_ k: String, _ d: String = "", _ n: Int = 20) -> String { String((f[k] ?? d).trimmingCharacters(in: .whitespaces).prefix(n)) }
            date = v("date", "2025-03-01", 10)
            quotaUsed = v("quota_used", first ? "0.00" : "")
            freight = v("freight", first ? "20.00" : "")
            insuredFee = v("insured_fee", first ? "0.00" : "")
            lines = (0..<Self.rows).map { i in
                Line(hsCode: v("hs_code\(i)", first && i == 0 ? "3304990099" : "", 10), name: v("name\(i)", first && i == 0 ? "精华液" : "", 60),
                     qty: v("qty\(i)", first && i == 0 ? "1" : "", 8), value: v("value\(i)", first && i == 0 ? "800.00" : ""),
                     consumptionTax: v("ct\(i)", first && i == 0 ? "15%" : "", 8), duty: v("duty\(i)", "", 8), indivisible: f["indivisible\(i)"] == "1")
            }
            withReturn = f["with_return"] == "1"
            appliedDay = v("applied_day", "20", 5)
            arrivedDay = v("arrived_day", "40", 5)
        }

        /// The body of `calculateImportTax` this form stands for.
        var request: [String: Any] {
            var lineObjects: [[String: Any]] = []
            for l in lines where !l.hsCode.isEmpty || !l.value.isEmpty {
                var o: [String: Any] = ["hs_code": l.hsCode, "value": l.value, "indivisible": l.indivisible]
                if !l.name.isEmpty { o["name"] = l.name }
                if !l.qty.isEmpty { o["qty"] = Int(l.qty).map { $0 as Any } ?? l.qty }
                if !l.consumptionTax.isEmpty { o["consumption_tax_rate"] = l.consumptionTax.hasSuffix("%") ? l.consumptionTax : l.consumptionTax + "%" }
                if !l.duty.isEmpty { o["duty_rate"] = l.duty.hasSuffix("%") ? l.duty : l.duty + "%" }
                lineObjects.append(o)
            }
            var order: [String: Any] = ["order_id": "1", "date": date, "buyer_id": "表单", "lines": lineObjects]
            if !quotaUsed.isEmpty { order["quota_used"] = quotaUsed }
            if !freight.isEmpty { order["freight"] = freight }
            if !insuredFee.isEmpty { order["insured_fee"] = insuredFee }
            var orders: [Any] = [order]
            if withReturn {
                orders.append(["order_id": "1-退货", "return_of": "1", "applied_day": Int(appliedDay) as Any? ?? appliedDay, "arrived_day": Int(arrivedDay) as Any? ?? arrivedDay])
            }
            return ["orders": orders]
        }
    }

    struct ImportTaxView: PageView {
        static let template = "import-tax"
        struct Row: Sendable { var i, n, hsCode, name, qty, value, ct, duty: String; var indivisible: Bool }
        struct Result: Sendable { var order, regime, regimeName, price, duty, ct, vat, total, quotaBefore, quotaAfter, explanation: String }
        var action: String
        var date, quotaUsed, freight, insuredFee, appliedDay, arrivedDay: String
        var withReturn: Bool
        var rows: [Row]
        var results: [Result]
        var hasResults: Bool
        var error: String?
        var limits: String
        var readings: [Reading]
        struct Reading: Sendable { var id, question, choice: String }
    }

    static func importTaxView(_ form: ImportTaxForm, results: [ImportTaxResult], regime: RetailImportRegime?, error: AppError?) -> ImportTaxView {
        ImportTaxView(
            action: Route.importTax.link, date: form.date, quotaUsed: form.quotaUsed, freight: form.freight, insuredFee: form.insuredFee,
            appliedDay: form.appliedDay, arrivedDay: form.arrivedDay, withReturn: form.withReturn,
            rows: form.lines.enumerated().map { i, l in .init(i: "\(i)", n: "\(i + 1)", hsCode: l.hsCode, name: l.name, qty: l.qty, value: l.value, ct: l.consumptionTax, duty: l.duty,
                                                            indivisible: l.indivisible) },
            results: results.map { r in .init(order: r.orderID, regime: r.regime.rawValue, regimeName: r.regime.chinese, price: r.price.grouped, duty: r.duty.grouped,
                                              ct: r.consumptionTax.grouped, vat: r.vat.grouped, total: r.total.grouped, quotaBefore: r.quotaBefore.grouped,
                                              quotaAfter: r.quotaAfter.grouped, explanation: r.explanation) },
            hasResults: !results.isEmpty, error: error?.message,
            limits: regime.map { r in r.limits.map { "\($0.from.iso) 起：单次 \($0.single.grouped) 元、年度 \($0.annual.grouped) 元（\($0.quote.source)）" }.joined(separator: "；") } ?? "",
            readings: regime?.readings.map { .init(id: $0.id, question: $0.question, choice: $0.choice) } ?? [])
    }

    func importTax(_ request: Request, _ context: WebContext, form: ImportTaxForm, results: [ImportTaxResult] = [], error: AppError? = nil) async throws -> Response {
        let regime = try? ImportTaxCalculation(app).regime()
        return try views.page(Self.importTaxView(form, results: results, regime: regime, error: error), title: "进口税费计算", current: .importTax,
                              context: context, synthetic: false, status: error == nil ? .ok : .unprocessableContent)
    }

    func calculateImportTaxFromForm(_ request: Request, _ context: WebContext) async throws -> Response {
        let form = ImportTaxForm(try await Form.read(request, context: context).fields)
        let results: [ImportTaxResult]
        do throws(AppError) {
            results = try ImportTaxCalculation(app).calculate(form.request, source: "表单")
        } catch {
            return try await importTax(request, context, form: form, error: error)
        }
        return try await importTax(request, context, form: form, results: results)
    }

    // MARK: 运行监测 · 零售进口

    struct ImportMonitorView: PageView {
        static let template = "import-monitor"
        struct Row: Sendable { var key, orders, price, duty, ct, vat, returned, collected, overLimit, overLimitPrice, fullRate, dutyMissing, nearSingle: String }
        struct Table: Sendable { var id, caption, header: String; var rows: [Row] }
        struct Buyers: Sendable { var buyers, used, near, atLimit, many, manyThreshold, nearShare: String }
        struct Target: Sendable { var text, current, share, status, colour, basis: String }
        struct YearLink: Sendable { var year, link: String; var current: Bool }
        var year, scope, basis, limits, nearSingleShare: String
        var total: Row?
        var tables: [Table]
        var buyers: Buyers?
        var target: Target?
        var years: [YearLink]
        var monitorLink, calculatorLink, csvLink: String
        var empty: Bool
        struct Order: Sendable { var copNo, date, regime, price, tax, returned, note: String }
        /// An enterprise's own latest 申报清单 as assessed.
        var orders: [Order]
        var hasOrders: Bool
    }

    static func importRow(_ key: String, _ r: ImportTaxRow) -> ImportMonitorView.Row {
        .init(key: key, orders: "\(r.orders)", price: Show.wan(r.priceFen), duty: Fen(r.dutyFen).grouped, ct: Fen(r.consumptionTaxFen).grouped, vat: Fen(r.vatFen).grouped,
              returned: Fen(r.returnedTaxFen).grouped, collected: Fen(r.collectedFen).grouped, overLimit: "\(r.overLimitOrders)", overLimitPrice: Show.wan(r.overLimitPriceFen),
              fullRate: "\(r.fullRateOrders)", dutyMissing: "\(r.dutyRateMissing)", nearSingle: "\(r.nearSingle)")
    }

    static func importMonitorView(_ o: ImportMonitor.Overview, thisYear: Int, orders: [StoredImportAssessment] = []) -> ImportMonitorView {
        func table(_ id: String, _ caption: String, _ header: String, _ rows: [ImportTaxRow], _ name: (String) -> String) -> ImportMonitorView.Table {
            .init(id: id, caption: caption, header: header, rows: rows.map { importRow(name($0.keys.first ?? ""), $0) })
        }
        let codeNames = ["1210": "1210 网购保税进口", "9610": "9610 直购进口"]
        return ImportMonitorView(
            year: "\(o.year)", scope: o.scope, basis: o.basis, limits: o.limits, nearSingleShare: o.nearSingleShare,
            total: o.total.map { importRow("合计", $0) },
            tables: [
                table("import-by-month", "按月份", "月份", o.byMonth) { $0 },
                table("import-by-code", "按监管方式", "监管方式", o.byCode) { codeNames[$0] ?? $0 },
                table("import-by-district", "按区县（电商企业登记地）", "区县", o.byDistrict) { $0.isEmpty ? "未登记" : $0 },
                table("import-by-platform", "按电商平台", "电商平台代码", o.byPlatform) { $0.isEmpty ? "未填" : $0 },
            ],
            buyers: o.buyers.map { b in .init(buyers: "\(b.buyers)", used: Show.wan(b.usedFen), near: "\(b.nearLimit)", atLimit: "\(b.atLimit)", many: "\(b.manyConsigneeBuyers)",
                                              manyThreshold: "\(b.manyConsignees)", nearShare: o.nearAnnualShare) },
            target: o.target.map { t in .init(text: t.target.text, current: t.current.map { Show.yi($0) + " 亿元" } ?? "—", share: ReportFormat.percent(t.shareOfTarget),
                                              status: t.status.chinese, colour: t.status.colour, basis: t.currentLabel + "；" + t.basis) },
            years: (max(2019, thisYear - 3)...thisYear).map { .init(year: "\($0)", link: Route.importMonitor.link + "?year=\($0)", current: $0 == o.year) },
            monitorLink: Route.monitor.link + "?direction=I", calculatorLink: Route.importTax.link, csvLink: Route.importMonitor.link + "?year=\(o.year)&format=csv",
            empty: (o.total?.orders ?? 0) == 0,
            orders: orders.map { a in
                .init(copNo: a.copNo, date: a.declaredOn, regime: ImportRegimeKind(rawValue: a.regime)?.chinese ?? "未计税", price: Fen(a.priceFen).grouped,
                      tax: Fen(a.taxFen).grouped, returned: Fen(a.returnedTaxFen).grouped, note: a.dutyRateMissing ? "关税税率待核" : a.note)
            }, hasOrders: !orders.isEmpty)
    }

    func importMonitor(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let q = request.uri.queryParameters
        let year = try await access.run(request, context) { () throws(AppError) -> Int? in
            guard let text = q.get("year"), !text.isEmpty else { return nil }
            guard let y = Int(text) else { throw .invalidInput(field: "year", location: nil, message: "年份应为四位数字，实为“\(text.prefix(10))”") }
            return y
        }
        let overview = try await access.run(request, context) { () async throws(AppError) in try await ImportMonitor(app).overview(viewer, year: year) }
        if q.get("format") == "csv" {
            return Reply.download(Array(ImportMonitor.csv(overview).utf8), name: "零售进口-\(overview.year).csv", type: Reply.csvType)
        }
        let orders = try await access.run(request, context) { () async throws(AppError) in try await ImportMonitor(app).assessments(viewer) }
        return try views.page(Self.importMonitorView(overview, thisYear: app.clock.today().year, orders: orders), title: "运行监测 · 零售进口", current: .monitor, context: context,
                              synthetic: await synthetic())
    }
}
