import Foundation
import KuajingDomain

/// The body of `calculateImportTax` (`../shared/spec/import-tax.md`), read from the objects a JSON or
/// YAML parser gives: every field checked, a malformed one named by its order and field.
public enum ImportTaxRequest {
    /// At most this many orders in one request (a stated limit).
    public static let maxOrders = 1_000
    /// At most this many lines in one order (a 申报清单 holds at most 99).
    public static let maxLines = 99

    public static let orderKeys: Set<String> = ["order_id", "date", "buyer_id", "quota_used", "freight", "insured_fee", "lines"]
    public static let returnKeys: Set<String> = ["order_id", "return_of", "applied_day", "arrived_day"]
    public static let lineKeys: Set<String> = ["hs_code", "name", "qty", "value", "consumption_tax_rate", "duty_rate", "vat_rate", "indivisible"]

    public static func items(_ root: Any?) throws(ImportTaxProblem) -> [ImportTaxItem] {
        func bad(_ order: String, _ field: String, _ message: String) -> ImportTaxProblem { ImportTaxProblem(orderID: order, field: field, message: message) }
        guard let map = root as? [String: Any] else { throw bad("", "orders", "请求体应为 {\"orders\": [...]}") }
        if let extra = map.keys.first(where: { $0 != "orders" }) { throw bad("", extra, "未知字段“\(extra)”；请求体只含 orders") }
        guard let orders = map["orders"] as? [Any] else { throw bad("", "orders", "缺少 orders 列表") }
        guard !orders.isEmpty else { throw bad("", "orders", "orders 不能为空") }
        guard orders.count <= maxOrders else { throw bad("", "orders", "一次最多计算 \(maxOrders) 个订单，实有 \(orders.count) 个") }
        var out: [ImportTaxItem] = []
        var ids: Set<String> = []
        for (index, raw) in orders.enumerated() {
            let label = "orders[\(index)]"
            guard let o = raw as? [String: Any] else { throw bad(label, label, "订单应为对象") }
            guard let id = o["order_id"] as? String, !id.isEmpty, id.count <= 60 else { throw bad(label, "order_id", "缺少 order_id（文本，至多 60 字符）") }
            guard ids.insert(id).inserted else { throw bad(id, "order_id", "order_id“\(id)”在请求中重复") }
            if o["return_of"] != nil {
                if let extra = o.keys.sorted().first(where: { !returnKeys.contains($0) }) { throw bad(id, extra, "退货行不含字段“\(extra)”；允许：\(returnKeys.sorted().joined(separator: ", "))") }
                guard let of = o["return_of"] as? String, !of.isEmpty else { throw bad(id, "return_of", "return_of 应为原订单的 order_id") }
                out.append(.returned(ImportReturn(id: id, returnOf: of, appliedDay: try day(o, "applied_day", id), arrivedDay: try day(o, "arrived_day", id))))
                continue
            }
            if let extra = o.keys.sorted().first(where: { !orderKeys.contains($0) }) { throw bad(id, extra, "未知字段“\(extra)”；允许：\(orderKeys.sorted().joined(separator: ", "))") }
            guard let dateText = o["date"] as? String, let date = Day.parse(dateText), date.iso == dateText else { throw bad(id, "date", "date 应为申报日期 YYYY-MM-DD") }
            guard let buyer = o["buyer_id"] as? String, !buyer.isEmpty, buyer.count <= 60 else { throw bad(id, "buyer_id", "缺少 buyer_id（订购人证件号码）") }
            let quota = try o["quota_used"].map { v throws(ImportTaxProblem) in try money(v, id, "quota_used") }
            let freight = try o["freight"].map { v throws(ImportTaxProblem) in try money(v, id, "freight") } ?? .zero
            let insured = try o["insured_fee"].map { v throws(ImportTaxProblem) in try money(v, id, "insured_fee") } ?? .zero
            guard let rawLines = o["lines"] as? [Any], !rawLines.isEmpty else { throw bad(id, "lines", "缺少商品行 lines") }
            guard rawLines.count <= maxLines else { throw bad(id, "lines", "一个订单最多 \(maxLines) 行，实有 \(rawLines.count) 行") }
            var lines: [ImportOrderLine] = []
            for (k, rl) in rawLines.enumerated() {
                let f = "lines[\(k)]"
                guard let l = rl as? [String: Any] else { throw bad(id, f, "商品行应为对象") }
                if let extra = l.keys.sorted().first(where: { !lineKeys.contains($0) }) { throw bad(id, "\(f).\(extra)", "未知字段“\(extra)”；允许：\(lineKeys.sorted().joined(separator: ", "))") }
                guard let hs = l["hs_code"] as? String, (4...10).contains(hs.count), hs.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                    throw bad(id, "\(f).hs_code", "hs_code 应为 4–10 位数字的商品编码")
                }
                let name = (l["name"] as? String) ?? ""
                guard name.count <= 250 else { throw bad(id, "\(f).name", "name 至多 250 字符") }
                let qty: Rational
                switch l["qty"] {
                case nil: qty = .one
                case let n as Int where n > 0 && n <= 1_000_000: qty = Rational(Int64(n))
                case let s as String where Int(s).map({ $0 > 0 && $0 <= 1_000_000 }) == true: qty = Rational(Int64(s) ?? 1)
                default: throw bad(id, "\(f).qty", "qty 应为 1 至 1,000,000 的整数")
                }
                guard let rawValue = l["value"] else { throw bad(id, "\(f).value", "缺少 value（商品价格，元）") }
                let value = try money(rawValue, id, "\(f).value")
                let ct = try l["consumption_tax_rate"].map { v throws(ImportTaxProblem) in try rate(v, id, "\(f).consumption_tax_rate") } ?? .zero
                if ct >= .one { throw bad(id, "\(f).consumption_tax_rate", "消费税税率应小于 100%") }
                let duty = try l["duty_rate"].map { v throws(ImportTaxProblem) in try rate(v, id, "\(f).duty_rate") }
                let vat = try l["vat_rate"].map { v throws(ImportTaxProblem) in try rate(v, id, "\(f).vat_rate") }
                var indivisible = false
                if let v = l["indivisible"] {
                    guard let b = v as? Bool else { throw bad(id, "\(f).indivisible", "indivisible 应为 true 或 false") }
                    indivisible = b
                }
                lines.append(ImportOrderLine(hsCode: hs, name: name.isEmpty ? hs : name, quantity: qty, value: value, consumptionTaxRate: ct, dutyRate: duty,
                                             vatRate: vat, indivisible: indivisible))
            }
            out.append(.order(ImportOrder(id: id, date: date, buyer: buyer, quotaUsed: quota, freight: freight, insuredFee: insured, lines: lines)))
        }
        return out
    }

    static func money(_ v: Any, _ order: String, _ field: String) throws(ImportTaxProblem) -> Fen {
        guard let s = v as? String else { throw ImportTaxProblem(orderID: order, field: field, message: "\(field) 应为文本形式的金额，如 \"800.00\"") }
        do { return try Fen.typed(s) } catch { throw ImportTaxProblem(orderID: order, field: field, message: error.message) }
    }

    static func rate(_ v: Any, _ order: String, _ field: String) throws(ImportTaxProblem) -> Rational {
        guard let s = v as? String, let r = ImportTaxText.rate(s) else { throw ImportTaxProblem(orderID: order, field: field, message: "\(field) 应为百分比文本，如 \"13%\"") }
        return r
    }

    static func day(_ o: [String: Any], _ key: String, _ order: String) throws(ImportTaxProblem) -> Int {
        guard let n = o[key] as? Int, n >= 0, n <= 3_650 else { throw ImportTaxProblem(orderID: order, field: key, message: "\(key) 应为放行后的天数（0–3650 的整数）") }
        return n
    }

    /// The answer's JSON object of one result (amounts as strings with two decimals).
    public static func answer(_ r: ImportTaxResult) -> [String: Any] {
        ["order_id": r.orderID, "regime": r.regime.rawValue, "price": r.price.plain, "duty": r.duty.plain, "consumption_tax": r.consumptionTax.plain,
         "vat": r.vat.plain, "total": r.total.plain, "quota_before": r.quotaBefore.plain, "quota_after": r.quotaAfter.plain, "explanation": r.explanation,
         "lines": r.lines.map { ["price": $0.price.plain, "duty": $0.duty.plain, "consumption_tax": $0.consumptionTax.plain, "vat": $0.vat.plain] }]
    }
}
