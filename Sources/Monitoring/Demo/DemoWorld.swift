import Foundation
import KuajingDomain
import Storage

/// A synthetic world (模拟数据) for demonstration and benchmarks: enterprises with valid
/// 统一社会信用代码 in the districts of 杭州, 台州 and 平湖, a heavy-tailed spread of their trade,
/// monthly seasonality, every supervision code, credit facts, written as a declarations extract and
/// a registry. Everything it makes is labelled 模拟数据.
///
/// Calibration (not from the seeds: the issue's stated baselines, to make the demo look like the
/// plans' world): 杭州 exports about 540亿元 in 2023 and 650亿元 in 2024; 台州 about 110亿元 in 2024;
/// 平湖 about 15亿元 in 2024; 2022 is 2023 ÷ 1.2 (a demo choice, so 浙江 2021's growth target has a
/// year before it); later years keep growing, more slowly than the plans ask, so that the demo shows
/// targets of every colour.
public enum DemoWorld {
    public struct City: Sendable {
        public var name: String
        public var customsCode: String
        /// Yearly exports and imports in 亿元 (calibration).
        public var exports: [Int: Int64]
        public var imports: [Int: Int64]
        /// Districts with their share of the city's trade, in per mille.
        public var districts: [(name: String, perMille: Int)]
        public var enterprises: Int
    }

    public static let cities: [City] = [
        City(name: "杭州市", customsCode: "2921", exports: [2022: 450, 2023: 540, 2024: 650, 2025: 790, 2026: 960], imports: [2022: 150, 2023: 180, 2024: 200, 2025: 225, 2026: 250],
             districts: [("萧山区", 220), ("余杭区", 200), ("上城区", 80), ("拱墅区", 80), ("滨江区", 100), ("钱塘区", 90), ("西湖区", 60),
                         ("临平区", 60), ("临安区", 50), ("富阳区", 30), ("桐庐县", 10), ("淳安县", 10), ("建德市", 10)], enterprises: 2400),
        City(name: "台州市", customsCode: "2933", exports: [2022: 75, 2023: 90, 2024: 110, 2025: 135, 2026: 165], imports: [2022: 3, 2023: 4, 2024: 5, 2025: 6, 2026: 7],
             districts: [("椒江区", 200), ("黄岩区", 150), ("路桥区", 200), ("台州湾新区", 50), ("温岭市", 150), ("临海市", 100), ("玉环市", 100),
                         ("三门县", 20), ("天台县", 20), ("仙居县", 10)], enterprises: 800),
        City(name: "平湖市", customsCode: "2919", exports: [2022: 10, 2023: 12, 2024: 15, 2025: 19, 2026: 23], imports: [2022: 1, 2023: 1, 2024: 1, 2025: 1, 2026: 1],
             districts: [("平湖市", 1000)], enterprises: 150),
    ]

    /// Share of a year's trade in each month, per mille (a February dip, the November–December peak).
    public static let seasonPerMille = [68, 48, 78, 80, 82, 84, 80, 82, 88, 92, 102, 116]
    static let exportCodes: [(String, Int)] = [("9610", 45), ("9710", 20), ("9810", 20), ("1210", 15)]
    static let countries: [(String, Int)] = [("502", 30), ("303", 10), ("304", 9), ("305", 5), ("307", 4), ("116", 8), ("133", 6), ("601", 7),
                                             ("132", 5), ("136", 4), ("344", 6), ("501", 6)]
    static let hsCodes = ["6109100022", "6403990090", "8516719000", "9503008900", "4202920000", "8471300000", "9403609990", "8708299000"]

    public struct World: Sendable {
        public var enterprises: [EnterpriseRow]
        public var creditFacts: [CreditFact]
        /// The declarations extract (CSV, UTF-8 with BOM): its header line, then one row per
        /// enterprise, month and supervision code (`declarationParts` cuts it into files).
        public var declarationLines: [String]
        public var rows: Int
        public var exportsFen: [String: [Int: Int64]]
        /// Support claims of some of the enterprises (shared/spec/claims.md), for the policy engine.
        public var claimsCSV: String
        public var claims: Int

        /// The extract as files of at most `rows` rows each, the header on every one, in row order:
        /// seeding ingests one part after another, so that it never holds more than a part's rows.
        public func declarationParts(rows: Int) -> [String] {
            guard let header = declarationLines.first else { return [] }
            let body = declarationLines.dropFirst()
            return stride(from: body.startIndex, to: body.endIndex, by: max(rows, 1)).map { start in
                ([header] + body[start..<min(start + max(rows, 1), body.endIndex)]).joined(separator: "\n") + "\n"
            }
        }
    }

    /// Matters each city's enterprises claim in the demo (claims.md names where each is spoken of).
    static let claimMatters: [String: [String]] = [
        "杭州市": ["credit_insurance", "trademark_registration", "own_brand_promotion", "logistics_voucher"],
        "台州市": ["credit_insurance", "trademark_registration", "exhibition"],
        "平湖市": ["trademark_registration", "own_brand_promotion", "overseas_showroom"],
    ]

    static func pick<T>(_ table: [(T, Int)], _ rng: inout SplitMix64) -> T {
        let total = table.reduce(0) { $0 + $1.1 }
        var r = Int(rng.below(UInt64(total)))
        for (v, w) in table {
            if r < w { return v }
            r -= w
        }
        return table[0].0
    }

    /// A valid 统一社会信用代码: 9 (工商) 1 (企业), the district's division code, a synthetic
    /// organisation code, the GB 32100 check character.
    static func creditCode(division: String, serial: Int) -> String {
        let org = String(format: "MA%07d", serial % 10_000_000)
        let first17 = "91" + division + org.prefix(9)
        return first17 + String(CreditCode.checkCharacter(String(first17))!)
    }

    /// Splits `total` fen over `weights` exactly (largest remainders get the leftover fen).
    static func split(_ total: Int64, _ weights: [Int64]) -> [Int64] {
        let sum = weights.reduce(0, +)
        guard sum > 0 else { return weights.map { _ in 0 } }
        var parts = weights.map { Int64(Int128(total) * Int128($0) / Int128(sum)) }
        var left = total - parts.reduce(0, +)
        var k = 0
        while left > 0 { parts[k % parts.count] += 1; left -= 1; k += 1 }
        return parts
    }

    /// Generates the world up to `through` (inclusive), from January 2022.
    public static func generate(seed: UInt64, scale: Int = 1, through: Month, enterpriseDivisor: Int = 1, divisions: DivisionCatalog = .standard) -> World {
        var rng = SplitMix64(seed: seed)
        var enterprises: [EnterpriseRow] = []
        var facts: [CreditFact] = []
        var lines = ["\u{FEFF}" + "declaration_no,date,direction,supervision_code,enterprise_id,enterprise_name,district,customs_code,country,hs_code,value_cny,currency,value_original,status"]
        var exportsFen: [String: [Int: Int64]] = [:]
        var serial = 0, declaration = 0
        var claims = ["claim_id,enterprise_id,enterprise_name,district,matter,date,amount"]
        for city in cities {
            for (district, perMille) in city.districts {
                let division = divisions.lookup(district)?.code ?? divisions.lookup(city.name)?.code ?? "330000"
                let count = max(3, city.enterprises * scale * perMille / 1000 / max(enterpriseDivisor, 1))
                // Heavy tail: Pareto weights (α ≈ 1.2), as integers.
                var members: [(id: String, weight: Int64, codes: [(String, Int64)], country: String, imports: Bool)] = []
                for _ in 0..<count {
                    serial += 1
                    let u = Double(rng.below(1_000_000) + 1) / 1_000_001
                    let weight = Int64(min(pow(u, -1 / 1.2), 2000) * 1000)
                    let code = creditCode(division: division, serial: serial)
                    let main = pick(exportCodes, &rng)
                    var codes = [(main, Int64(100))]
                    if rng.below(3) == 0 {
                        let other = pick(exportCodes, &rng)
                        if other != main { codes = [(main, 70), (other, 30)] }
                    }
                    let name = "模拟数据\(district)跨境企业\(serial)"
                    enterprises.append(EnterpriseRow(id: code, creditCode: code, name: name, district: district, synthetic: true))
                    members.append((code, weight, codes, pick(countries, &rng), rng.below(10) == 0))
                    let grade = rng.below(100)
                    facts.append(CreditFact(enterpriseID: code, kind: .customsGrade, value: grade < 5 ? "高级认证" : grade < 98 ? "常规" : "失信",
                                            source: "模拟数据：海关信用等级", asOf: "2025-01-01"))
                    if rng.below(100) == 0 {
                        facts.append(CreditFact(enterpriseID: code, kind: .seriousDishonesty, value: "是", source: "模拟数据：严重失信主体名单", asOf: "2025-03-01"))
                    }
                    // One enterprise in five files one or two claims in 2025.
                    if rng.below(5) == 0, let matters = claimMatters[city.name] {
                        for _ in 0..<(1 + Int(rng.below(2))) {
                            let matter = matters[Int(rng.below(UInt64(matters.count)))]
                            let month = 1 + Int(rng.below(12)), day = 1 + Int(rng.below(28))
                            let yuan = 2_000 + Int(rng.below(8_000)) * (1 + Int(rng.below(20)))
                            claims.append("C\(claims.count),\(code),\(name),\(district),\(matter),2025-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day),\(yuan)")
                        }
                    }
                }
                let importers = members.filter(\.imports)
                var month = Month(year: 2022, month: 1)
                while month <= through {
                    let season = Int64(seasonPerMille[month.month - 1])
                    let exportTotal = (city.exports[month.year] ?? city.exports.values.max()!) * 100_000_000 * 100 * Int64(perMille) / 1000 * season / 1000
                    let importTotal = (city.imports[month.year] ?? city.imports.values.max()!) * 100_000_000 * 100 * Int64(perMille) / 1000 * season / 1000
                    // Each month's shares move a little (±10%) around the enterprise's weight.
                    let exportParts = split(exportTotal, members.map { $0.weight * Int64(90 + rng.below(21)) })
                    exportsFen[city.name, default: [:]][month.year, default: 0] += exportTotal
                    for (m, fen) in zip(members, exportParts) where fen > 0 {
                        var left = fen
                        for (k, (code, pct)) in m.codes.enumerated() {
                            // The last code takes what is left, so the parts add up to the fen.
                            let value = k == m.codes.count - 1 ? left : fen * pct / 100
                            left -= value
                            guard value > 0 else { continue }
                            declaration += 1
                            lines.append(row(number: declaration, month: month, direction: "E", code: code, enterprise: m.id, district: district,
                                             customs: city.customsCode, country: m.country, fen: value, rng: &rng))
                        }
                    }
                    if !importers.isEmpty {
                        let importParts = split(importTotal, importers.map(\.weight))
                        for (m, fen) in zip(importers, importParts) where fen > 0 {
                            declaration += 1
                            lines.append(row(number: declaration, month: month, direction: "I", code: rng.below(4) == 0 ? "9610" : "1210", enterprise: m.id, district: district,
                                             customs: city.customsCode, country: m.country, fen: fen, rng: &rng))
                        }
                    }
                    month = month.adding(1)
                }
            }
        }
        return World(enterprises: enterprises, creditFacts: facts, declarationLines: lines, rows: lines.count - 1,
                     exportsFen: exportsFen, claimsCSV: claims.joined(separator: "\n") + "\n", claims: claims.count - 1)
    }

    static func row(number serial: Int, month: Month, direction: String, code: String, enterprise: String, district: String, customs: String, country: String,
                    fen: Int64, rng: inout SplitMix64) -> String {
        let day = 1 + Int(rng.below(28))
        let date = "\(month)-\(day < 10 ? "0" : "")\(day)"
        let number = "SIM" + String(format: "%015d", serial)
        let yuan = "\(fen / 100).\(fen % 100 < 10 ? "0" : "")\(fen % 100)"
        let name = "模拟数据企业"
        let hs = hsCodes[Int(rng.below(UInt64(hsCodes.count)))]
        return [number, date, direction, code, enterprise, name, district, customs, country, hs, yuan, "142", yuan, rng.below(5) == 0 ? "结关" : "放行"]
            .joined(separator: ",")
    }
}
