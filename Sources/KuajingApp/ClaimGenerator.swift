import KuajingDomain

/// Generates a synthetic claims ledger (模拟数据) for benchmarks and tests: `perEnterprise` claims per
/// enterprise under 杭州's four rate-based measures, in 杭州's districts, dated in 2025, with
/// heavy-tailed amounts. Deterministic for a given seed.
public enum ClaimGenerator {
    public static let benchmarkMatters = ["own_brand_promotion", "platform_promotion", "trademark_registration", "credit_insurance"]
    static let districts = ["上城区", "拱墅区", "西湖区", "滨江区", "萧山区", "余杭区", "富阳区", "临安区", "临平区", "钱塘区", "桐庐县", "淳安县", "建德市"]


    /// A valid 统一社会信用代码 for enterprise `i` (registration authority 9, type 1, a 杭州 division code).
    static func creditCode(_ i: Int) -> String {
        var body = "913301"
        var x = i
        for _ in 0..<11 {
            body.append(CreditCode.character(x % 31))
            x /= 31
        }
        return body + String(CreditCode.checkCharacter(body)!)
    }

    /// Writes the CSV in chunks to `sink`.
    public static func generate(enterprises: Int, seed: UInt64, sink: (String) -> Void) {
        var rng = SplitMix64(seed: seed)
        sink("claim_id,enterprise_id,district,matter,date,amount\n")
        var buffer = ""
        buffer.reserveCapacity(1 << 17)
        var claim = 0
        for e in 0..<enterprises {
            let id = creditCode(e)
            let district = districts[Int(rng.below(UInt64(districts.count)))]
            for matter in benchmarkMatters {
                claim += 1
                let month = 1 + Int(rng.below(12))
                let day = 1 + Int(rng.below(28))
                // Heavy tail: a base in 1,000–100,000 yuan multiplied by 1, 10 or 100.
                let tail: UInt64 = [1, 1, 1, 1, 1, 1, 10, 10, 10, 100][Int(rng.below(10))]
                let fen = (100_000 + rng.below(9_900_000)) * tail
                buffer += "c\(claim),\(id),\(district),\(matter),2025-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day),\(fen / 100).\(fen % 100 < 10 ? "0" : "")\(fen % 100)\n"
            }
            if buffer.utf8.count > 1 << 16 { sink(buffer); buffer = "" }
        }
        sink(buffer)
    }
}
