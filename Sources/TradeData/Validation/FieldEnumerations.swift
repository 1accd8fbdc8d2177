/// Values the CEB specification allows for coded fields that have no separate code table. Each set
/// is the one the schema's own documentation states (quoted), so the source of every value is visible.
public enum FieldEnumerations {
    public struct Allowed: Sendable {
        public var values: Set<String>
        public var source: String
    }

    public static let byField: [String: Allowed] = [
        "appType": Allowed(values: ["1", "2", "3"], source: "报送类型-企业报送类型。1-新增 2-变更 3-删除。"),
        "appStatus": Allowed(values: ["1", "2"], source: "报送状态-企业报送状态。1-暂存,2-申报。"),
        "ieFlag": Allowed(values: ["I", "E"], source: "进出口标记-I进口/E出口"),
        "orderType": Allowed(values: ["I", "E", "B", "W"], source: "I-进口商品订单；E-出口商品订单；B-B2B出口订单；W-外综服订单"),
        "statisticsFlag": Allowed(values: ["A", "B"], source: "申报业务类型：A-简化申报;B-汇总申报"),
        "buyerIdType": Allowed(values: ["1", "2"], source: "1-身份证,2-其它。"),
        "payerIdType": Allowed(values: ["1", "2"], source: "1-身份证,2-其它。"),
        "logisticsStatus": Allowed(values: ["S"], source: "物流签收状态，限定S"),
    ]

    /// Supervision modes (监管方式, field `tradeMode`) each message may carry
    /// (shared/reference/customs-codes/SOURCES.md, from the 202205 specification).
    public static let tradeModeByMessage: [String: Allowed] = [
        "CEB603": Allowed(values: ["9610", "1210", "9710", "9810"], source: "CEB603: 9610/1210/9710/9810"),
        "CEB621": Allowed(values: ["9610", "1210"], source: "CEB621: 9610/1210"),
        "CEB213": Allowed(values: ["9661", "1261"], source: "CEB213 (退货): 9661/1261"),
    ]
}
