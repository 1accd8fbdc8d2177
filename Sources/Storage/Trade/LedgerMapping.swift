import Foundation
import KuajingDomain
import TradeData

/// How records map onto the ledger: their natural keys, and the inventory rows statistics count.
/// Pure functions, the same for every engine.
enum LedgerMapping {
    /// The key that makes a record the same record when it arrives again.
    static func naturalKey(_ r: CEBRecord) -> String {
        func v(_ f: String) -> String { r.value(f) ?? "" }
        if r.value("returnStatus") != nil { return "guid=\(v("guid"))|status=\(v("returnStatus"))|time=\(v("returnTime"))" }
        if r.name == "Inventory" { return "copNo=\(v("copNo"))|ebcCode=\(v("ebcCode"))" }
        if r.name.contains("Order"), r.value("orderNo") != nil { return "orderNo=\(v("orderNo"))|ebpCode=\(v("ebpCode"))" }
        if r.value("payTransactionId") != nil { return "payTransactionId=\(v("payTransactionId"))|payCode=\(v("payCode"))" }
        if r.value("logisticsNo") != nil && r.value("logisticsStatus") != nil {
            return "logisticsNo=\(v("logisticsNo"))|logisticsCode=\(v("logisticsCode"))|status=\(v("logisticsStatus"))|time=\(v("logisticsTime"))"
        }
        if r.value("logisticsNo") != nil && r.value("logisticsCode") != nil && r.value("copNo") == nil {
            return "logisticsNo=\(v("logisticsNo"))|logisticsCode=\(v("logisticsCode"))"
        }
        if r.value("copNo") != nil {
            let owner = ["ebcCode", "agentCode", "logisticsCode", "operatorCode", "declAgentCode"].lazy.compactMap { r.value($0) }.first ?? ""
            return "copNo=\(v("copNo"))|owner=\(owner)"
        }
        if r.value("orderNo") != nil { return "orderNo=\(v("orderNo"))|ebpCode=\(v("ebpCode"))" }
        return "guid=\(v("guid"))"
    }

    struct InventoryRow {
        var copNo, ebcCode, direction, supervisionCode: String
        var enterpriseName, customsCode, country: String?
        var declaredOn: String
        var currency: String?
        var valueOriginal: String
        var valueFen: Int64?
        var invtNo, orderNo, logisticsNo: String?
        /// The HS chapter (商品编码 first two digits) of the inventory's line of largest value: how the
        /// statistics file a whole inventory by chapter (a reading: an inventory has one value per
        /// line, the rollups one chapter per inventory); '' when no line carries a gcode.
        var hsChapter: String
    }

    /// The chapter of the line with the largest totalPrice (the first such line on a tie).
    static func mainChapter(_ r: CEBRecord) -> String {
        var best: (Decimal, String)?
        for line in r.lists where line.name.hasSuffix("List") {
            guard let g = line.value("gcode"), g.count >= 2, g.prefix(2).allSatisfy(\.isNumber) else { continue }
            let v = line.value("totalPrice").flatMap { Decimal(string: $0, locale: Locale(identifier: "en_US_POSIX")) } ?? 0
            if best == nil || v > best!.0 { best = (v, String(g.prefix(2))) }
        }
        return best?.1 ?? ""
    }

    /// The inventory (清单) a record declares, if it is one: export CEB603 or import CEB621.
    static func inventory(_ r: CEBRecord) -> InventoryRow? {
        guard r.name == "Inventory", let direction = ["CEB603": "E", "CEB621": "I"][r.messageType],
              let cop = r.value("copNo"), !cop.isEmpty else { return nil }
        let date: String
        if let d = r.value("ieDate"), d.count == 8 {
            date = "\(d.prefix(4))-\(d.dropFirst(4).prefix(2))-\(d.suffix(2))"
        } else if let t = r.value("appTime"), t.count >= 8 {
            date = "\(t.prefix(4))-\(t.dropFirst(4).prefix(2))-\(t.dropFirst(6).prefix(2))"
        } else { return nil }
        // Exact sum of the lines' totalPrice (validated numbers); Decimal only if it would not fit.
        var exact: ExactDecimal? = ExactDecimal(units: 0, scale: 0)
        for line in r.lists where line.name.hasSuffix("List") {
            if let p = line.value("totalPrice"), let e = exact { exact = ExactDecimal(p).flatMap(e.plus) }
        }
        var total = Decimal(0)
        if exact == nil {
            for line in r.lists where line.name.hasSuffix("List") {
                if let p = line.value("totalPrice"), let d = Decimal(string: p, locale: Locale(identifier: "en_US_POSIX")) { total += d }
            }
        }
        let currency = r.value("currency") ?? r.lists.first?.value("currency")
        let original = exact?.plainText ?? NSDecimalNumber(decimal: total).stringValue
        let fenValue = exact?.fenRoundedHalfUp ?? fen(total)
        return InventoryRow(copNo: cop, ebcCode: r.value("ebcCode") ?? "", direction: direction, supervisionCode: r.value("tradeMode") ?? "",
                            enterpriseName: r.value("ebcName"), customsCode: r.value("customsCode"), country: r.value("country"),
                            declaredOn: date, currency: currency, valueOriginal: original,
                            valueFen: currency == "142" ? fenValue : nil,
                            invtNo: r.value("invtNo").flatMap { $0.isEmpty ? nil : $0 }, orderNo: r.value("orderNo"), logisticsNo: r.value("logisticsNo"),
                            hsChapter: mainChapter(r))
    }

    /// Yuan to fen, rounded half up once, here (CNY only; other currencies keep their original value).
    static func fen(_ yuan: Decimal) -> Int64 {
        var scaled = yuan * 100
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        return NSDecimalNumber(decimal: rounded).int64Value
    }

    static func quote(_ s: String) -> String { JSONText.quote(s) }
}
