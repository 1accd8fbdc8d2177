/// A matter (事项): what a claim asks support for. The keys of shared/spec/claims.md are fixed;
/// a policy file may declare more.
public struct Matter: Hashable, Sendable {
    public let key: String
    public let chinese: String

    public init(key: String, chinese: String) {
        self.key = key
        self.chinese = chinese
    }

    /// The matters of shared/spec/claims.md, in its order.
    public static let standard: [Matter] = [
        Matter(key: "own_brand_promotion", chinese: "自主品牌推广"),
        Matter(key: "platform_promotion", chinese: "跨境电商平台境外推广"),
        Matter(key: "independent_site", chinese: "独立站"),
        Matter(key: "platform_onboarding", chinese: "入驻第三方平台"),
        Matter(key: "trademark_registration", chinese: "境外商标注册"),
        Matter(key: "international_certification", chinese: "国际认证"),
        Matter(key: "patent", chinese: "境外专利"),
        Matter(key: "rights_protection", chinese: "海外维权"),
        Matter(key: "credit_insurance", chinese: "出口信用保险保费"),
        Matter(key: "financing_guarantee", chinese: "融资担保费"),
        Matter(key: "logistics_voucher", chinese: "运力券"),
        Matter(key: "logistics_cost", chinese: "物流费用"),
        Matter(key: "collection_warehouse", chinese: "集货仓"),
        Matter(key: "selection_center", chinese: "产业带选品中心 / 线上专区"),
        Matter(key: "industrial_park", chinese: "跨境电商产业园"),
        Matter(key: "live_streaming", chinese: "跨境直播合作"),
        Matter(key: "public_live_room", chinese: "公共直播间"),
        Matter(key: "industry_event", chinese: "行业交流活动 / 会议"),
        Matter(key: "competition", chinese: "国家级精品赛事"),
        Matter(key: "exhibition", chinese: "参加展会"),
        Matter(key: "overseas_showroom", chinese: "境外展销中心"),
        Matter(key: "service_provider", chinese: "跨境服务商"),
        Matter(key: "comprehensive_service", chinese: "跨境电商综合服务型企业"),
        Matter(key: "store_opening_assistance", chinese: "协助产业带商家开店"),
        Matter(key: "training", chinese: "跨境电商培训"),
        Matter(key: "school_enterprise", chinese: "校企合作"),
        Matter(key: "tier_incentive", chinese: "梯度培育库激励"),
        Matter(key: "platform_institution", chinese: "全球平台企业在杭功能性机构"),
        Matter(key: "famous_brand", chinese: "省级跨境电商出口知名品牌"),
        Matter(key: "public_service_center", chinese: "电子商务公共服务中心"),
    ]
}

/// Closest-name suggestions for error messages ("did you mean trademark_registration?").
public enum Suggestions {
    public static func closest(to word: String, among candidates: [String], limit: Int = 3) -> [String] {
        let scored = candidates.map { ($0, distance(word, $0)) }
        let threshold = max(3, word.count / 2)
        return scored.filter { $0.1 <= threshold || $0.0.contains(word) || (word.count >= 4 && word.contains($0.0)) }
            .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
            .prefix(limit).map(\.0)
    }

    /// Levenshtein distance over Unicode characters.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
