/// 三单对碰: for each order, the payment (import CEB411) or receipt (export CEB403), the waybill
/// (CEB511 / CEB505) and the inventory (CEB621 / CEB603) must exist and agree on the fields the
/// specification requires to be equal.
public enum ThreeDocumentMatch {
    public enum Document: String, Sendable, CaseIterable {
        case order, payment, waybill, inventory

        public var chinese: String {
            switch self {
            case .order: return "订单"
            case .payment: return "支付单/收款单"
            case .waybill: return "运单"
            case .inventory: return "清单"
            }
        }
    }

    public struct Mismatch: Sendable, Equatable {
        public var field: String
        public var left: (Document, String)
        public var right: (Document, String)

        public static func == (a: Mismatch, b: Mismatch) -> Bool {
            a.field == b.field && a.left.0 == b.left.0 && a.left.1 == b.left.1 && a.right.0 == b.right.0 && a.right.1 == b.right.1
        }

        public var description: String {
            "\(field)：\(left.0.chinese)为“\(left.1)”，\(right.0.chinese)为“\(right.1)”"
        }
    }

    /// Documents that no order of the set refers to.
    public static func unlinked(_ records: [CEBRecord], results: [OrderResult]) -> [(Document, String)] {
        let orders = Set(results.map { "\($0.orderNo)|\($0.ebpCode)" })
        var out: [(Document, String)] = []
        var seen = Set<String>()
        for r in records {
            let doc: Document
            switch r.messageType {
            case "CEB403", "CEB411": doc = .payment
            case "CEB603", "CEB621": doc = .inventory
            default: continue
            }
            let key = "\(r.value("orderNo") ?? "")|\(r.value("ebpCode") ?? "")"
            if !orders.contains(key), seen.insert("\(doc)|\(key)").inserted { out.append((doc, r.value("orderNo") ?? "")) }
        }
        return out
    }

    public struct OrderResult: Sendable {
        public var orderNo: String
        public var ebpCode: String
        public var direction: String
        public var missing: [Document]
        public var mismatches: [Mismatch]
        public var complete: Bool { missing.isEmpty && mismatches.isEmpty }
    }

    /// Matches the records of any number of messages. Records repeated under the same key count once.
    public static func match(_ records: [CEBRecord]) -> [OrderResult] {
        func first(_ types: Set<String>, where condition: (CEBRecord) -> Bool) -> CEBRecord? {
            records.first { types.contains($0.messageType) && condition($0) }
        }
        var seen = Set<String>()
        var results: [OrderResult] = []
        for order in records where ["CEB303", "CEB311"].contains(order.messageType) && order.name == "Order" {
            let orderNo = order.value("orderNo") ?? "", ebp = order.value("ebpCode") ?? ""
            guard seen.insert("\(order.messageType)|\(orderNo)|\(ebp)").inserted else { continue }
            let export = order.messageType == "CEB303"
            let sameOrder: (CEBRecord) -> Bool = { $0.value("orderNo") == orderNo && $0.value("ebpCode") == ebp }
            let payment = first(export ? ["CEB403"] : ["CEB411"], where: sameOrder)
            let inventory = first(export ? ["CEB603"] : ["CEB621"], where: sameOrder)
            let waybill: CEBRecord?
            if export {
                // CEB505 names no order: it is found through the inventory's waybill number.
                waybill = inventory.flatMap { inv in
                    first(["CEB505"]) { $0.value("logisticsNo") == inv.value("logisticsNo") && $0.value("logisticsCode") == inv.value("logisticsCode") }
                }
            } else {
                waybill = first(["CEB511"]) { $0.value("orderNo") == orderNo }
            }
            var missing: [Document] = []
            if payment == nil { missing.append(.payment) }
            if waybill == nil { missing.append(.waybill) }
            if inventory == nil { missing.append(.inventory) }

            var mismatches: [Mismatch] = []
            // Where a document is missing under the order's number, look for the one that names this
            // order by another link, so the report names the field that disagrees.
            if inventory == nil, let w = waybill, let other = first(export ? ["CEB603"] : ["CEB621"], where: { $0.value("logisticsNo") == w.value("logisticsNo") }) {
                mismatches.append(Mismatch(field: "orderNo 订单编号（运单 \(w.value("logisticsNo") ?? "") 所对应）", left: (.order, orderNo), right: (.inventory, other.value("orderNo") ?? "")))
            }
            if payment == nil, !export {
                let paymentsOfPlatform = records.filter { $0.messageType == "CEB411" }
                if let p = paymentsOfPlatform.first(where: { $0.value("payTransactionId") == order.value("payTransactionId") }) {
                    mismatches.append(Mismatch(field: "orderNo 订单编号（支付交易 \(order.value("payTransactionId") ?? "")）", left: (.order, orderNo), right: (.payment, p.value("orderNo") ?? "")))
                } else if !paymentsOfPlatform.isEmpty {
                    let ids = Array(Set(paymentsOfPlatform.compactMap { $0.value("payTransactionId") })).sorted()
                    mismatches.append(Mismatch(field: "payTransactionId 支付交易编号（支付单中无此编号）", left: (.order, order.value("payTransactionId") ?? ""),
                                               right: (.payment, ids.joined(separator: "、"))))
                }
            }
            func compare(_ field: String, _ a: (Document, CEBRecord?, String), _ b: (Document, CEBRecord?, String)) {
                guard let ra = a.1, let rb = b.1 else { return }
                let va = ra.value(a.2) ?? "", vb = rb.value(b.2) ?? ""
                if va != vb { mismatches.append(Mismatch(field: field, left: (a.0, va), right: (b.0, vb))) }
            }
            compare("ebcCode 电商企业", (.order, order, "ebcCode"), (.inventory, inventory, "ebcCode"))
            compare("logisticsNo 运单号", (.inventory, inventory, "logisticsNo"), (.waybill, waybill, "logisticsNo"))
            compare("logisticsCode 物流企业", (.inventory, inventory, "logisticsCode"), (.waybill, waybill, "logisticsCode"))
            if export {
                compare("ebcCode 电商企业", (.order, order, "ebcCode"), (.payment, payment, "ebcCode"))
            } else {
                compare("payCode 支付企业", (.order, order, "payCode"), (.payment, payment, "payCode"))
                compare("payTransactionId 支付交易编号", (.order, order, "payTransactionId"), (.payment, payment, "payTransactionId"))
                compare("acturalPaid/amountPaid 实付金额", (.order, order, "acturalPaid"), (.payment, payment, "amountPaid"))
                compare("buyerIdNumber/payerIdNumber 订购人证件号码", (.order, order, "buyerIdNumber"), (.payment, payment, "payerIdNumber"))
                compare("buyerName/payerName 订购人姓名", (.order, order, "buyerName"), (.payment, payment, "payerName"))
                compare("buyerIdNumber 订购人证件号码", (.order, order, "buyerIdNumber"), (.inventory, inventory, "buyerIdNumber"))
                compare("buyerName 订购人姓名", (.order, order, "buyerName"), (.inventory, inventory, "buyerName"))
            }
            results.append(OrderResult(orderNo: orderNo, ebpCode: ebp, direction: export ? "E" : "I", missing: missing, mismatches: mismatches))
        }
        return results
    }
}
