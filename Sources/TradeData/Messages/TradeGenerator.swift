import Foundation
import KuajingDomain

/// Synthetic export inventories (CEB603, 2018 layout, 100 per message) that pass validation, for tests
/// and benchmarks. Every message says 模拟数据 in its notes. Deterministic for a seed.
public enum TradeGenerator {

    static let modes = ["9610", "9610", "9610", "9610", "9710", "9810", "1210"]
    static let countries = ["502", "303", "304", "305", "116", "133", "132", "601", "344", "136"]

    /// Writes `records` inventories as files of up to 100 into `directory`; returns the file paths.
    public static func write(records: Int, seed: UInt64, to directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var rng = SplitMix64(seed: seed)
        var paths: [String] = []
        var n = 0
        var file = 0
        while n < records {
            let count = min(100, records - n)
            var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ceb:CEB603Message guid=\"\(guid(&rng))\" version=\"1.0\" xmlns:ceb=\"http://www.chinaport.gov.cn/ceb\">\n"
            for _ in 0..<count {
                n += 1
                xml += inventory(n, &rng)
            }
            xml += "<ceb:BaseTransfer><ceb:copCode>3301960001</ceb:copCode><ceb:copName>模拟数据申报企业</ceb:copName><ceb:dxpMode>DXP</ceb:dxpMode><ceb:dxpId>DXPENT0000000001</ceb:dxpId><ceb:note>模拟数据</ceb:note></ceb:BaseTransfer>\n</ceb:CEB603Message>\n"
            let path = directory + "/CEB603-synthetic-\(String(format: "%07d", file)).xml"
            FileManager.default.createFile(atPath: path, contents: Data(xml.utf8))
            paths.append(path)
            file += 1
        }
        return paths
    }

    static func guid(_ rng: inout SplitMix64) -> String {
        let hex = Array("0123456789ABCDEF")
        var s = ""
        for i in 0..<32 {
            if [8, 12, 16, 20].contains(i) { s += "-" }
            s.append(hex[Int(rng.below(16))])
        }
        return s
    }

    static func inventory(_ n: Int, _ rng: inout SplitMix64) -> String {
        let enterprise = Int(rng.below(2000))
        let ebc = "33019\(String(format: "%05d", enterprise))"
        let month = 1 + Int(rng.below(12)), day = 1 + Int(rng.below(28))
        let date = "2025\(String(format: "%02d%02d", month, day))"
        let qty = 1 + rng.below(20)
        // Heavy tail: most parcels are small, a few are large.
        let priceFen = (500 + rng.below(20_000)) * [1, 1, 1, 1, 2, 5, 20][Int(rng.below(7))]
        let totalFen = priceFen * qty
        func yuan(_ f: UInt64) -> String { "\(f / 100).\(String(format: "%02d", f % 100))" }
        let mode = modes[Int(rng.below(UInt64(modes.count)))]
        return """
        <ceb:Inventory><ceb:InventoryHead><ceb:guid>\(guid(&rng))</ceb:guid><ceb:appType>1</ceb:appType><ceb:appTime>\(date)101500</ceb:appTime><ceb:appStatus>2</ceb:appStatus><ceb:customsCode>2921</ceb:customsCode><ceb:ebpCode>3301960EBP</ceb:ebpCode><ceb:ebpName>模拟数据平台</ceb:ebpName><ceb:orderNo>SIMORDER\(String(format: "%09d", n))</ceb:orderNo><ceb:logisticsCode>3301960LOG</ceb:logisticsCode><ceb:logisticsName>模拟数据物流</ceb:logisticsName><ceb:logisticsNo>SIMLOG\(String(format: "%09d", n))</ceb:logisticsNo><ceb:copNo>SIMCOP\(String(format: "%010d", n))</ceb:copNo><ceb:ieFlag>E</ceb:ieFlag><ceb:portCode>2921</ceb:portCode><ceb:ieDate>\(date)</ceb:ieDate><ceb:statisticsFlag>A</ceb:statisticsFlag><ceb:agentCode>\(ebc)</ceb:agentCode><ceb:agentName>模拟数据企业\(enterprise)</ceb:agentName><ceb:ebcCode>\(ebc)</ceb:ebcCode><ceb:ebcName>模拟数据企业\(enterprise)</ceb:ebcName><ceb:ownerCode>\(ebc)</ceb:ownerCode><ceb:ownerName>模拟数据企业\(enterprise)</ceb:ownerName><ceb:tradeMode>\(mode)</ceb:tradeMode><ceb:trafMode>5</ceb:trafMode><ceb:country>\(countries[Int(rng.below(UInt64(countries.count)))])</ceb:country><ceb:POD>\(countries[Int(rng.below(UInt64(countries.count)))])</ceb:POD><ceb:freight>0</ceb:freight><ceb:fCurrency>142</ceb:fCurrency><ceb:fFlag>3</ceb:fFlag><ceb:insuredFee>0</ceb:insuredFee><ceb:iCurrency>142</ceb:iCurrency><ceb:iFlag>3</ceb:iFlag><ceb:wrapType>2</ceb:wrapType><ceb:packNo>1</ceb:packNo><ceb:grossWeight>1.5</ceb:grossWeight><ceb:netWeight>1.2</ceb:netWeight><ceb:note>模拟数据</ceb:note></ceb:InventoryHead><ceb:InventoryList><ceb:gnum>1</ceb:gnum><ceb:itemNo>SIM-\(n % 1000)</ceb:itemNo><ceb:itemName>模拟商品</ceb:itemName><ceb:gcode>6109100021</ceb:gcode><ceb:gname>模拟商品</ceb:gname><ceb:gmodel>模拟规格</ceb:gmodel><ceb:barCode>无</ceb:barCode><ceb:country>142</ceb:country><ceb:currency>142</ceb:currency><ceb:qty>\(qty)</ceb:qty><ceb:qty1>\(qty)</ceb:qty1><ceb:unit>011</ceb:unit><ceb:unit1>011</ceb:unit1><ceb:price>\(yuan(priceFen))</ceb:price><ceb:totalPrice>\(yuan(totalFen))</ceb:totalPrice></ceb:InventoryList></ceb:Inventory>

        """
    }
}
