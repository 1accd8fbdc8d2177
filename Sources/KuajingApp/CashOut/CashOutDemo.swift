import Foundation
import KuajingDomain
import Storage

/// The demo world's money (模拟数据): budgets for 杭州's measures this year and last, for the city
/// and 滨江区, half released; a confirmed synthetic payee account for each demo enterprise user.
/// Every row goes through the same audited paths as real ones, under the actor `演示数据`.
public struct CashOutDemo: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public static let demoFunding = "config/funding.demo.yaml"

    public func seed(enterpriseID: String) async throws(AppError) {
        let policy = try PolicyCatalog(context).policy("hangzhou-2024")
        let year = context.clock.today().year
        let now = context.clock.timestamp()
        try await context.withStore { store in
            if try await store.budgets.budgets(policies: [policy.id], payers: [BudgetBook.cityPayer, DemoUsers.district]).isEmpty {
            for y in [year - 1, year] where y >= policy.inForce.from.year && y <= policy.inForce.to.year {
                for m in policy.measures where m.matter != VoucherDesk.matter {
                    for payer in [BudgetBook.cityPayer, DemoUsers.district] {
                        if case let .success(b) = try await store.budgets.allocate(policy: policy.id, measure: m.id, year: Int64(y), payer: payer, allocatedFen: 20_000_000_00, by: "演示数据", at: now) {
                            _ = try await store.budgets.release(id: b.id, policies: [policy.id], payers: [payer], amountFen: 10_000_000_00, by: "演示数据", at: now)
                        }
                    }
                }
            }
            }
            guard try await store.payouts.payees(enterprise: enterpriseID, statuses: ["confirmed"]).isEmpty else { return }
            let account = "6222" + String(enterpriseID.suffix(12).compactMap { $0.wholeNumberValue }.map(String.init).joined().prefix(12))
            let row = try await store.payouts.enterPayee(enterpriseID: enterpriseID, bank: "模拟银行滨江支行", accountNo: account.count >= 6 ? account : "622200000001",
                                                         holder: "模拟企业（演示）", evidence: nil, by: "演示数据", at: now)
            _ = try await store.payouts.confirmPayee(id: row.id, districts: [DemoUsers.district], by: "演示数据", at: now)
        }
    }
}
