import TradeData
import Foundation
import KuajingDomain
import PolicyEngine
import Storage

/// 运力券 (杭州 附件（七）) on the platform: the administrator opens batches, an enterprise user
/// requests vouchers for its own enterprise with an idempotency key, everyone signed in sees the
/// live balance. The rate, the yearly cap and the pool's limit are read from the policy file, so
/// the server applies exactly the numbers `kuajing calc` applies.
public struct VoucherDesk: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public static let matter = "logistics_voucher"

    /// The 运力券 policy of the viewer's city: the first policy in force there with a 运力券 measure
    /// and its pool (杭州市: hangzhou-2024), as the loaded policy set says.
    public func cityPolicy(_ viewer: Viewer) throws(AppError) -> String {
        for id in try context.cityPolicies(viewer) where (try? rules(policy: id)) != nil { return id }
        throw .notFound(message: "\(viewer.city)现行政策中没有运力券措施")
    }

    /// The rules of a policy's 运力券 measure (its `rate` and `cap` parameters and its pool).
    public func rules(policy id: String) throws(AppError) -> VoucherRules {
        let policy = try PolicyCatalog(context).policy(id)
        guard let measure = policy.measures.first(where: { $0.matter == Self.matter }),
              let pool = policy.pools.first(where: { $0.measures.contains(measure.id) }) else {
            throw .notFound(message: "政策 \(id) 没有运力券措施和资金池")
        }
        guard case let .rate(rate)? = measure.parameters.first(where: { $0.name == "rate" })?.value,
              case let .money(cap)? = measure.parameters.first(where: { $0.name == "cap" })?.value,
              cap.denominator == 1 else {
            throw .unavailable(message: "政策 \(id) 的运力券措施缺少 rate（比例）或 cap（金额）参数")
        }
        return VoucherRules(policy: id, rateNumerator: rate.numerator, rateDenominator: rate.denominator, rateText: rate.decimalText(maxDecimals: 4) == "0.05" ? "5%" : "\(rate.decimalText())",
                            yearlyCapFen: cap.numerator, poolLimitFen: pool.limit.value, citation: "\(policy.docNumber)\(measure.clause)")
    }

    public struct BatchInput: Sendable {
        public var policy: String
        public var amount: String
        public var opensAt: String
        public var label: String
        public init(policy: String, amount: String, opensAt: String, label: String) {
            self.policy = policy
            self.amount = amount
            self.opensAt = opensAt
            self.label = label
        }
    }

    public func openBatch(_ viewer: Viewer, _ input: BatchInput) async throws(AppError) -> (id: Int64, room: Int64) {
        guard viewer.may(.openVoucherBatches) else { throw .forbidden(message: "只有市级管理员可以开放运力券批次") }
        try context.requirePolicyInCity(input.policy, viewer)
        let rules = try rules(policy: input.policy)
        let amount = try Self.fen(input.amount, field: "amount")
        guard amount > 0 else { throw .invalidInput(field: "amount", location: nil, message: "批次金额应为正数") }
        guard let opens = Self.timestamp(input.opensAt) else {
            throw .invalidInput(field: "opens_at", location: nil, message: "开放时间应为带时区的 ISO 8601 时间（如 2025-03-01T09:00:00+08:00），实为“\(input.opensAt.prefix(40))”")
        }
        let label = input.label.trimmingCharacters(in: .whitespaces)
        try AppError.checkFreeText(label, field: "label")
        guard !label.isEmpty, label.count <= 40 else { throw .invalidInput(field: "label", location: nil, message: "批次名称应为 1 到 40 个字符") }
        let now = context.clock.timestamp()
        let result = try await context.withStore { try await $0.vouchers.openBatch(rules: rules, label: label, amountFen: amount, opensAt: opens, by: viewer.name, now: now) }
        guard let id = result.id else {
            throw .conflict(message: "各批次合计不得超过资金池 \(Fen(rules.poolLimitFen).plain) 元（\(rules.citation)）；尚可开放 \(Fen(result.room).plain) 元，本批 \(Fen(amount).plain) 元")
        }
        return (id, result.room)
    }

    public struct RequestInput: Sendable {
        /// nil: the 运力券 policy of the requester's city (`cityPolicy`).
        public var policy: String?
        public var enterpriseID: String
        public var contractNo: String
        public var contractAmount: String
        public var provider: String
        public var date: String
        public var idempotencyKey: String
        public init(policy: String? = nil, enterpriseID: String, contractNo: String, contractAmount: String, provider: String, date: String, idempotencyKey: String) {
            self.policy = policy
            self.enterpriseID = enterpriseID
            self.contractNo = contractNo
            self.contractAmount = contractAmount
            self.provider = provider
            self.date = date
            self.idempotencyKey = idempotencyKey
        }
    }

    public enum Answer: Sendable, Equatable {
        case issued(VoucherRow, replayed: Bool)
        case refused(code: String, message: String)
    }

    /// One request of an enterprise user for its own enterprise. The answer to a key already used
    /// with the same body is the first answer; with another body, a conflict.
    public func request(_ viewer: Viewer, _ input: RequestInput) async throws(AppError) -> Answer {
        guard viewer.may(.requestVouchers), let own = viewer.enterpriseID else { throw .forbidden(message: "只有企业用户可以为本企业申领运力券") }
        try ApplicationDesk.checkCreditCode(input.enterpriseID, field: "enterprise_id")
        guard input.enterpriseID == own else { throw .forbidden(message: "只能为本企业（\(own)）申领运力券") }
        let key = input.idempotencyKey
        guard !key.isEmpty, key.count <= 100, key.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else {
            throw .invalidInput(field: "Idempotency-Key", location: nil, message: "请求头 Idempotency-Key 必填，至多 100 个可见 ASCII 字符")
        }
        let policyID: String
        if let given = input.policy { policyID = given } else { policyID = try cityPolicy(viewer) }
        let rules = try rules(policy: policyID)
        let contract = try Self.fen(input.contractAmount, field: "contract_amount")
        guard contract > 0 else { throw .invalidInput(field: "contract_amount", location: nil, message: "物流合同金额应为正数") }
        guard contract <= 100_000_000_000_00 else { throw .invalidInput(field: "contract_amount", location: nil, message: "物流合同金额超过 1000 亿元，不予受理") }
        for (field, value, max) in [("contract_no", input.contractNo, 60), ("provider", input.provider, 100)] {
            try AppError.checkFreeText(value, field: field)
            let v = value.trimmingCharacters(in: .whitespaces)
            guard !v.isEmpty, v.count <= max else { throw .invalidInput(field: field, location: nil, message: "应为 1 到 \(max) 个字符") }
        }
        guard input.date.count == 10, let day = Day.parse(input.date) else { throw .invalidInput(field: "date", location: nil, message: "合同日期应为 YYYY-MM-DD，实为“\(input.date.prefix(20))”") }
        let policy = try PolicyCatalog(context).policy(policyID)
        guard day >= policy.inForce.from, day <= policy.inForce.to else {
            throw .invalidInput(field: "date", location: nil, message: "合同日期 \(day.iso) 不在政策有效期（\(policy.inForce.from.iso) 至 \(policy.inForce.to.iso)）内")
        }
        let body = [policyID, input.enterpriseID, input.contractNo, String(contract), input.provider, day.iso].joined(separator: "\u{1F}")
        let hash = SHA256Hex.of(body)
        let request = VoucherRequest(enterpriseID: own, contractNo: input.contractNo, contractFen: contract, provider: input.provider, contractDate: day.iso,
                                     idempotencyKey: key, requestSHA256: hash, requestedBy: viewer.name)
        let now = context.clock.timestamp()
        let context = self.context
        let outcome = try await context.withStore { store in
            // Only an enterprise where the policy is in force (its district, as the registry holds it).
            guard let enterprise = try await store.registry.enterprise(id: own, reach: EnterpriseRegistry.Reach()) else {
                throw AppError.invalidInput(field: "enterprise_id", location: nil, message: "企业库中没有 \(own)")
            }
            try context.requireTerritory(policy: policyID, district: enterprise.district, enterprise: own)
            return try await store.vouchers.request(request, rules: rules, now: now)
        }
        switch outcome {
        case let .answered(row, replayed): return .issued(row, replayed: replayed)
        case let .refused(code, message): return .refused(code: code, message: message)
        case let .keyReused(row):
            throw .conflict(message: "Idempotency-Key 已用于另一笔申领（第 \(row.sequence) 号，合同 \(row.contractNo)），同一键不能换内容")
        }
    }

    /// An enterprise gives up its own issued voucher, or the 市级管理员 withdraws one, with a reason;
    /// the amount returns to the pool and the waitlist is served from it at once, in sequence order.
    public func cancel(_ viewer: Viewer, policy given: String? = nil, voucher id: Int64, reason: String) async throws(AppError) -> VoucherRow {
        guard viewer.may(.cancelVouchers) else { throw .forbidden(message: "只有申领企业或市级管理员可以取消运力券") }
        let policy: String
        if let given { policy = given } else { policy = try cityPolicy(viewer) }
        let text = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        try AppError.checkFreeText(text, field: "reason", lineBreaks: true)
        guard text.count >= 2, text.count <= 200 else { throw .invalidInput(field: "reason", location: nil, message: "请写明取消原因（2 到 200 字）") }
        let rules = try rules(policy: policy)
        let now = context.clock.timestamp()
        // An enterprise its own voucher; the administrator those of its city's enterprises (in the query).
        guard let row = try await context.withStore({ try await $0.vouchers.cancel(voucher: id, reach: viewer.reach, reason: text, rules: rules, by: viewer.name, now: now) }) else {
            throw .notFound(message: "没有可取消的第 \(id) 号运力券（只有本企业已发放的运力券可以取消）")
        }
        return row
    }

    /// The logistics contracts the platform holds for the viewer's enterprise (imported from a
    /// provider's 运力 contracts, 免申即享) that no voucher was requested for yet.
    public func proposedContracts(_ viewer: Viewer) async throws(AppError) -> [ApplicationBook.FactRow] {
        guard viewer.role == .enterprise, let own = viewer.enterpriseID else { return [] }
        return try await context.withStore { try await $0.applications.facts(enterprise: own, kind: "logistics_contracts", withoutVoucher: true) }
    }

    /// 免申即享 for 运力券: the enterprise confirms a contract the platform holds, and the request is
    /// made with its figures; the fact's id is the idempotency key, so confirming twice requests once.
    public func requestFromFact(_ viewer: Viewer, fact id: Int64) async throws(AppError) -> Answer {
        guard let fact = try await proposedContracts(viewer).first(where: { $0.id == id }) else {
            throw .notFound(message: "没有待确认的第 \(id) 号运力合同")
        }
        return try await request(viewer, RequestInput(enterpriseID: fact.enterpriseID, contractNo: fact.referenceNo, contractAmount: Fen(fact.amountFen).plain,
                                                      provider: fact.counterparty, date: fact.date, idempotencyKey: "fact-\(fact.id)"))
    }

    /// A pool's balance, to a user of a city where the policy is in force (another city's pool is not found).
    public func balance(_ viewer: Viewer, policy: String) async throws(AppError) -> VoucherPoolBalance {
        try context.requirePolicyInCity(policy, viewer)
        return try await balance(policy: policy)
    }

    public func balance(policy: String) async throws(AppError) -> VoucherPoolBalance {
        let rules = try rules(policy: policy)
        let now = context.clock.timestamp()
        let found = try await context.withStore { try await $0.vouchers.balance(policy: policy, now: now) }
        return found ?? VoucherPoolBalance(limitFen: rules.poolLimitFen, batchesFen: 0, releasedFen: 0, reservedFen: 0, committedFen: 0, paidFen: 0, batches: [])
    }

    /// The vouchers a viewer may see: an enterprise user its own; a district user those of its
    /// district's enterprises; the city roles their city's (their scope, in the query).
    public func vouchers(_ viewer: Viewer, policy: String, status: VoucherStatus? = nil, limit: Int, offset: Int) async throws(AppError) -> [VoucherRow] {
        _ = try rules(policy: policy)
        return try await context.withStore { try await $0.vouchers.vouchers(policy: policy, reach: viewer.reach, status: status, limit: limit, offset: offset) }
    }

    /// One page of the vouchers a viewer may see (as `vouchers`), with how many there are in all.
    public func voucherPage(_ viewer: Viewer, policy: String, status: VoucherStatus?, limit: Int, offset: Int) async throws(AppError) -> (rows: [VoucherRow], total: Int64) {
        _ = try rules(policy: policy)
        let reach = viewer.reach, limit = min(max(limit, 1), 10_000), offset = max(offset, 0)
        return try await context.withStore { store in
            (try await store.vouchers.vouchers(policy: policy, reach: reach, status: status, limit: limit, offset: offset),
             try await store.vouchers.voucherCount(policy: policy, reach: reach, status: status))
        }
    }

    /// A typed amount into fen (`Fen.typed`: yuan, at most two decimals, exactly), its problem
    /// named with the field.
    static func fen(_ text: String, field: String) throws(AppError) -> Int64 {
        do { return try Fen.typed(text).value } catch { throw .invalidInput(field: field, location: nil, message: error.message) }
    }

    /// An ISO 8601 time with its offset, as the clock writes it (+08:00), for comparison as text.
    static func timestamp(_ text: String) -> String? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        guard text.count <= 40, let date = f.date(from: text) else { return nil }
        return AppClock.timestamp(date)
    }
}
