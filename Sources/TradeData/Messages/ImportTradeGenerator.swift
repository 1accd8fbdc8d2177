import Foundation
import KuajingDomain

/// Synthetic retail-import messages (2022 layout): 申报清单 CEB621, their release receipts CEB622
/// (800), 退货申请单 CEB625 and their receipts CEB626, that pass validation; for tests, the demo world
/// and benchmarks. Every message says 模拟数据 in its notes. Deterministic for a seed.
public enum ImportTradeGenerator {
    public struct Line: Sendable {
        public var hsCode: String
        public var name: String
        public var quantity: Int
        public var priceFen: Int64

        public init(hsCode: String, name: String, quantity: Int, priceFen: Int64) {
            self.hsCode = hsCode
            self.name = name
            self.quantity = quantity
            self.priceFen = priceFen
        }
    }

    public struct Order: Sendable {
        public var copNo: String
        public var invtNo: String
        public var ebcCode: String
        public var ebpCode: String
        public var buyerID: String
        public var consignee: String
        /// YYYYMMDD.
        public var declared: String
        public var tradeMode: String
        public var freightFen: Int64
        public var lines: [Line]
        public var appType: String

        public init(copNo: String, invtNo: String, ebcCode: String = "3301966001", ebpCode: String = "3301960EBP", buyerID: String, consignee: String = "浙江省杭州市滨江区模拟路1号",
                    declared: String, tradeMode: String = "1210", freightFen: Int64 = 0, lines: [Line], appType: String = "1") {
            self.copNo = copNo
            self.invtNo = invtNo
            self.ebcCode = ebcCode
            self.ebpCode = ebpCode
            self.buyerID = buyerID
            self.consignee = consignee
            self.declared = declared
            self.tradeMode = tradeMode
            self.freightFen = freightFen
            self.lines = lines
            self.appType = appType
        }
    }

    /// An 18-character 预录入编号 made from a copNo (receipts require exactly 18).
    static func preNo(_ copNo: String) -> String {
        let s = "P" + String(repeating: "0", count: max(0, 17 - copNo.count)) + copNo
        return String(s.suffix(18))
    }

    static func yuan(_ f: Int64) -> String { "\(f / 100).\(String(format: "%02d", f % 100))" }

    static func envelope(_ type: String, guid: String, _ body: String) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <ceb:\(type)Message guid="\(guid)" version="1.0" xmlns:ceb="http://www.chinaport.gov.cn/ceb">
        \(body)<ceb:BaseTransfer><ceb:copCode>3301960001</ceb:copCode><ceb:copName>模拟数据申报企业</ceb:copName><ceb:dxpMode>DXP</ceb:dxpMode><ceb:dxpId>DXPENT0000000001</ceb:dxpId><ceb:note>模拟数据</ceb:note></ceb:BaseTransfer>
        <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo></ds:SignedInfo><ds:SignatureValue>模拟数据，未签名</ds:SignatureValue></ds:Signature>
        </ceb:\(type)Message>

        """
    }

    static func guid(_ seed: String) -> String {
        let h = Array(SHA256Hex.of(seed).uppercased().prefix(32))
        return String(h[0..<8]) + "-" + String(h[8..<12]) + "-" + String(h[12..<16]) + "-" + String(h[16..<20]) + "-" + String(h[20..<32])
    }

    /// One CEB621 message holding these 申报清单 (at most 100).
    public static func inventories(_ orders: [Order], guid seed: String) -> String {
        var body = ""
        for o in orders {
            let total = o.lines.reduce(Int64(0)) { $0 + $1.priceFen * Int64($1.quantity) }
            body += "<ceb:Inventory><ceb:InventoryHead><ceb:guid>\(guid(seed + o.copNo + o.appType))</ceb:guid><ceb:appType>\(o.appType)</ceb:appType>"
                + "<ceb:appTime>\(o.declared)101500</ceb:appTime><ceb:appStatus>2</ceb:appStatus><ceb:orderNo>SIMIMP\(o.copNo)</ceb:orderNo>"
                + "<ceb:ebpCode>\(o.ebpCode)</ceb:ebpCode><ceb:ebpName>模拟数据进口平台</ceb:ebpName><ceb:ebcCode>\(o.ebcCode)</ceb:ebcCode><ceb:ebcName>模拟数据进口企业</ceb:ebcName>"
                + "<ceb:logisticsNo>SIMIMPL\(o.copNo)</ceb:logisticsNo><ceb:logisticsCode>3301960LOG</ceb:logisticsCode><ceb:logisticsName>模拟数据物流</ceb:logisticsName>"
                + "<ceb:copNo>\(o.copNo)</ceb:copNo><ceb:preNo></ceb:preNo><ceb:assureCode>\(o.ebcCode)</ceb:assureCode><ceb:emsNo>T2921W000001</ceb:emsNo>"
                + "<ceb:invtNo>\(o.invtNo)</ceb:invtNo><ceb:ieFlag>I</ceb:ieFlag><ceb:declTime>\(o.declared)</ceb:declTime><ceb:customsCode>2921</ceb:customsCode>"
                + "<ceb:portCode>2921</ceb:portCode><ceb:ieDate>\(o.declared)</ceb:ieDate><ceb:buyerIdType>1</ceb:buyerIdType><ceb:buyerIdNumber>\(o.buyerID)</ceb:buyerIdNumber>"
                + "<ceb:buyerName>模拟买家</ceb:buyerName><ceb:buyerTelephone>13800000000</ceb:buyerTelephone><ceb:consigneeAddress>\(o.consignee)</ceb:consigneeAddress>"
                + "<ceb:agentCode>\(o.ebcCode)</ceb:agentCode><ceb:agentName>模拟数据进口企业</ceb:agentName><ceb:areaCode>3301960WMS</ceb:areaCode><ceb:areaName>模拟数据保税仓</ceb:areaName>"
                + "<ceb:tradeMode>\(o.tradeMode)</ceb:tradeMode><ceb:trafMode>Y</ceb:trafMode><ceb:trafNo></ceb:trafNo><ceb:voyageNo></ceb:voyageNo><ceb:billNo></ceb:billNo>"
                + "<ceb:loctNo></ceb:loctNo><ceb:licenseNo></ceb:licenseNo><ceb:country>142</ceb:country><ceb:freight>\(yuan(o.freightFen))</ceb:freight><ceb:insuredFee>0</ceb:insuredFee>"
                + "<ceb:currency>142</ceb:currency><ceb:wrapType>2</ceb:wrapType><ceb:packNo>1</ceb:packNo><ceb:grossWeight>1.5</ceb:grossWeight><ceb:netWeight>1.2</ceb:netWeight>"
                + "<ceb:note>模拟数据，货值 \(yuan(total)) 元</ceb:note></ceb:InventoryHead>"
            for (k, l) in o.lines.enumerated() {
                body += "<ceb:InventoryList><ceb:gnum>\(k + 1)</ceb:gnum><ceb:itemRecordNo>SIM\(k + 1)</ceb:itemRecordNo><ceb:itemNo>SIM-\(l.hsCode)</ceb:itemNo>"
                    + "<ceb:itemName>\(l.name)</ceb:itemName><ceb:gcode>\(l.hsCode)</ceb:gcode><ceb:gname>\(l.name)</ceb:gname><ceb:gmodel>模拟规格</ceb:gmodel>"
                    + "<ceb:barCode>无</ceb:barCode><ceb:country>116</ceb:country><ceb:tradeCountry>116</ceb:tradeCountry><ceb:currency>142</ceb:currency>"
                    + "<ceb:qty>\(l.quantity)</ceb:qty><ceb:unit>011</ceb:unit><ceb:qty1>\(l.quantity)</ceb:qty1><ceb:unit1>011</ceb:unit1>"
                    + "<ceb:price>\(yuan(l.priceFen))</ceb:price><ceb:totalPrice>\(yuan(l.priceFen * Int64(l.quantity)))</ceb:totalPrice><ceb:note></ceb:note></ceb:InventoryList>"
            }
            body += "</ceb:Inventory>\n"
        }
        return envelope("CEB621", guid: guid(seed), body)
    }

    /// A CEB622 receipt: status 800 放行 (or another status) for each 申报清单, at a time YYYYMMDDhhmmss.
    public static func receipts(_ orders: [(order: Order, status: String, time: String)], guid seed: String) -> String {
        var body = ""
        for (o, status, time) in orders {
            body += "<ceb:InventoryReturn><ceb:guid>\(guid(seed + o.copNo + status))</ceb:guid><ceb:customsCode>2921</ceb:customsCode><ceb:ebpCode>\(o.ebpCode)</ceb:ebpCode>"
                + "<ceb:ebcCode>\(o.ebcCode)</ceb:ebcCode><ceb:agentCode>\(o.ebcCode)</ceb:agentCode><ceb:copNo>\(o.copNo)</ceb:copNo><ceb:preNo>\(preNo(o.copNo))</ceb:preNo>"
                + "<ceb:invtNo>\(o.invtNo)</ceb:invtNo><ceb:returnStatus>\(status)</ceb:returnStatus><ceb:returnTime>\(time)000</ceb:returnTime><ceb:returnInfo>模拟数据</ceb:returnInfo></ceb:InventoryReturn>\n"
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ceb:CEB622Message guid=\"\(guid(seed))\" version=\"1.0\" xmlns:ceb=\"http://www.chinaport.gov.cn/ceb\">\n\(body)</ceb:CEB622Message>\n"
    }

    /// A CEB625 退货申请单 of an order, applied at `time` (YYYYMMDDhhmmss); `lines` (gnum, qty)
    /// for a partial return, empty for the whole order's lines.
    public static func refund(of o: Order, copNo: String, time: String, lines: [(gnum: Int, quantity: Int)] = [], appType: String = "1", guid seed: String) -> String {
        let returned = lines.isEmpty ? o.lines.enumerated().map { ($0.offset + 1, $0.element.quantity) } : lines
        var body = "<ceb:InvtRefund><ceb:InvtRefundHead><ceb:guid>\(guid(seed + copNo))</ceb:guid><ceb:appType>\(appType)</ceb:appType><ceb:appTime>\(time)</ceb:appTime>"
            + "<ceb:appStatus>2</ceb:appStatus><ceb:customsCode>2921</ceb:customsCode><ceb:orderNo>SIMIMP\(o.copNo)</ceb:orderNo><ceb:ebpCode>\(o.ebpCode)</ceb:ebpCode>"
            + "<ceb:ebpName>模拟数据进口平台</ceb:ebpName><ceb:ebcCode>\(o.ebcCode)</ceb:ebcCode><ceb:ebcName>模拟数据进口企业</ceb:ebcName><ceb:logisticsNo>SIMIMPL\(o.copNo)</ceb:logisticsNo>"
            + "<ceb:logisticsCode>3301960LOG</ceb:logisticsCode><ceb:logisticsName>模拟数据物流</ceb:logisticsName><ceb:copNo>\(copNo)</ceb:copNo><ceb:preNo></ceb:preNo>"
            + "<ceb:invtNo>\(o.invtNo)</ceb:invtNo><ceb:buyerIdType>1</ceb:buyerIdType><ceb:buyerIdNumber>\(o.buyerID)</ceb:buyerIdNumber><ceb:buyerName>模拟买家</ceb:buyerName>"
            + "<ceb:buyerTelephone>13800000000</ceb:buyerTelephone><ceb:agentCode>\(o.ebcCode)</ceb:agentCode><ceb:agentName>模拟数据进口企业</ceb:agentName>"
            + "<ceb:reason>模拟数据退货</ceb:reason><ceb:note>模拟数据</ceb:note></ceb:InvtRefundHead>"
        for (g, q) in returned {
            let l = o.lines[g - 1]
            body += "<ceb:InvtRefundList><ceb:gnum>\(g)</ceb:gnum><ceb:gcode>\(l.hsCode)</ceb:gcode><ceb:gname>\(l.name)</ceb:gname><ceb:qty>\(q)</ceb:qty><ceb:unit>011</ceb:unit><ceb:note></ceb:note></ceb:InvtRefundList>"
        }
        body += "</ceb:InvtRefund>\n"
        return envelope("CEB625", guid: guid(seed + "refund" + copNo + appType), body)
    }

    /// A CEB626 receipt of a 退货申请单: 399 审结 or 100 退单, at `time` (YYYYMMDDhhmmss).
    public static func refundReceipt(of o: Order, copNo: String, status: String, time: String, guid seed: String) -> String {
        let body = "<ceb:InvtRefundReturn><ceb:guid>\(guid(seed + copNo + status))</ceb:guid><ceb:customsCode>2921</ceb:customsCode><ceb:agentCode>\(o.ebcCode)</ceb:agentCode>"
            + "<ceb:ebpCode>\(o.ebpCode)</ceb:ebpCode><ceb:ebcCode>\(o.ebcCode)</ceb:ebcCode><ceb:copNo>\(copNo)</ceb:copNo><ceb:preNo>\(preNo(copNo))</ceb:preNo>"
            + "<ceb:invtNo>\(o.invtNo)</ceb:invtNo><ceb:returnStatus>\(status)</ceb:returnStatus><ceb:returnTime>\(time)000</ceb:returnTime><ceb:returnInfo>模拟数据</ceb:returnInfo></ceb:InvtRefundReturn>\n"
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ceb:CEB626Message guid=\"\(guid(seed + copNo + "r"))\" version=\"1.0\" xmlns:ceb=\"http://www.chinaport.gov.cn/ceb\">\n\(body)</ceb:CEB626Message>\n"
    }

    /// A valid 18-digit 身份证号码 for synthetic buyer n (birth dates in 1980–1999, region 330106).
    public static func buyerID(_ n: Int) -> String {
        let year = 1980 + n % 20, month = 1 + (n / 20) % 12, day = 1 + (n / 240) % 28
        let first17 = String(format: "330106%04d%02d%02d%03d", year, month, day, n % 1000)
        return first17 + String(IdentityNumber.checkCharacter(first17) ?? "0")
    }

    static let goods: [(String, String, ClosedRange<Int64>)] = [
        ("3304990099", "精华液", 8_000...120_000), ("3304910000", "粉饼", 5_000...40_000), ("1901101000", "婴幼儿配方奶粉", 15_000...45_000),
        ("9619001100", "纸尿裤", 8_000...30_000), ("2106909090", "营养补充剂", 6_000...60_000), ("3303000000", "香水", 30_000...150_000),
        ("8509800000", "美容仪", 60_000...700_000), ("9102110000", "手表", 200_000...1_800_000),
    ]

    /// `count` random import orders of `buyers` buyers over the first `months` months of `year` (some
    /// buyers order often, so a few come near the yearly limit), with the release receipt of each and
    /// a return of about one in 40.
    public static func world(count: Int, buyers: Int, seed: UInt64, year: Int = 2025, months: Int = 12, ebcCodes: [String] = ["3301966001"])
        -> (orders: [Order], receipts: [(Order, String, String)], refunds: [(Order, String, String)]) {
        let months = max(1, min(12, months))
        var rng = SplitMix64(seed: seed)
        var orders: [Order] = [], receipts: [(Order, String, String)] = [], refunds: [(Order, String, String)] = []
        for n in 0..<count {
            // Heavy buyers: a quarter of the orders from a twentieth of the buyers.
            let buyer = rng.below(4) == 0 ? Int(rng.below(UInt64(max(1, buyers / 20)))) : Int(rng.below(UInt64(max(1, buyers))))
            let month = 1 + Int(n * months / max(1, count)), day = 1 + Int(rng.below(28))
            var lines: [Line] = []
            // Mostly one line of one or two pieces; the dear goods (美容仪, 手表) one order in eight.
            for _ in 0..<(rng.below(10) < 7 ? 1 : 2) {
                let g = goods[rng.below(8) == 0 ? 6 + Int(rng.below(2)) : Int(rng.below(6))]
                let price = g.2.lowerBound + Int64(rng.below(UInt64(g.2.upperBound - g.2.lowerBound)))
                lines.append(Line(hsCode: g.0, name: g.1, quantity: rng.below(5) == 0 ? 2 : 1, priceFen: price))
            }
            let declared = String(format: "%04d%02d%02d", year, month, day)
            let cop = String(format: "SIMIMP%010d", n + 1)
            let ebc = ebcCodes[Int(rng.below(UInt64(ebcCodes.count)))]
            let o = Order(copNo: cop, invtNo: String(format: "2921%04dI%09d", year, n + 1), ebcCode: ebc, buyerID: buyerID(buyer),
                          consignee: "浙江省杭州市模拟路\(1 + buyer % 50 + (rng.below(6) == 0 ? Int(rng.below(5)) : 0))号", declared: declared,
                          tradeMode: rng.below(5) == 0 ? "9610" : "1210", freightFen: Int64(rng.below(3)) * 1_000, lines: lines)
            orders.append(o)
            let releaseDay = min(28, day + 1)
            receipts.append((o, "800", String(format: "%04d%02d%02d120000", year, month, releaseDay)))
            if rng.below(40) == 0, let released = Day(year: year, month: month, day: releaseDay) {
                let applied = Day(ordinal: released.ordinal + 5 + Int32(rng.below(30)))
                let c = applied.components
                refunds.append((o, "R" + cop, String(format: "%04d%02d%02d100000", c.year, c.month, c.day)))
            }
        }
        return (orders, receipts, refunds)
    }

    /// The world as files in `directory`: CEB621 messages of 100, then their receipts, then the returns.
    public static func write(count: Int, buyers: Int, seed: UInt64, year: Int = 2025, months: Int = 12, ebcCodes: [String] = ["3301966001"], to directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let w = world(count: count, buyers: buyers, seed: seed, year: year, months: months, ebcCodes: ebcCodes)
        var paths: [String] = []
        func put(_ name: String, _ text: String) throws {
            let path = directory + "/" + name
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        for (k, start) in stride(from: 0, to: w.orders.count, by: 100).enumerated() {
            try put(String(format: "CEB621-import-seed\(seed)-%06d.xml", k), inventories(Array(w.orders[start..<min(start + 100, w.orders.count)]), guid: "imp\(seed)-\(k)"))
        }
        for (k, start) in stride(from: 0, to: w.receipts.count, by: 100).enumerated() {
            try put(String(format: "CEB622-import-seed\(seed)-%06d.xml", k), receipts(Array(w.receipts[start..<min(start + 100, w.receipts.count)]), guid: "rcp\(seed)-\(k)"))
        }
        for (k, r) in w.refunds.enumerated() {
            try put(String(format: "CEB625-import-seed\(seed)-%06d.xml", k), refund(of: r.0, copNo: r.1, time: r.2, guid: "ref\(seed)-\(k)"))
        }
        return paths
    }
}
