import Foundation
import KuajingDomain
import PolicyEngine
import Storage

/// Budgets per policy, measure, year and payer (市级, or a district), set and released by the
/// 市级管理员; everyone on the bureau's side sees the live balances, with released, reserved,
/// committed and paid kept apart. The budget year is the year of the claimed matter (the year its
/// yearly cap counts against): a recorded reading, since no seed names the budget year.
public struct BudgetDesk: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public struct Allocation: Sendable {
        public var policy: String
        public var measure: String
        public var year: Int
        public var payer: String
        public var amount: String
        public init(policy: String, measure: String, year: Int, payer: String, amount: String) {
            self.policy = policy
            self.measure = measure
            self.year = year
            self.payer = payer
            self.amount = amount
        }
    }

    /// The policies the viewer's city may budget (in force in its territory), with their measures
    /// paid through budgets (not the 运力券 pool's, which has its own).
    public func policies(_ viewer: Viewer) throws(AppError) -> [Policy] {
        let ids = Set(try context.cityPolicies(viewer))
        return try context.policySet().policies.filter { ids.contains($0.id) }
    }

    public func allocate(_ viewer: Viewer, _ input: Allocation) async throws(AppError) -> BudgetRow {
        guard viewer.may(.manageBudgets) else { throw .forbidden(message: "只有市级管理员可以设置预算") }
        try context.requirePolicyInCity(input.policy, viewer)
        let policy = try PolicyCatalog(context).policy(input.policy)
        guard policy.measures.contains(where: { $0.id == input.measure }) else { throw .invalidInput(field: "measure", location: nil, message: "政策 \(input.policy) 没有措施 \(input.measure)") }
        guard input.year >= policy.inForce.from.year, input.year <= policy.inForce.to.year else {
            throw .invalidInput(field: "year", location: nil, message: "\(input.year) 年不在政策有效期（\(policy.inForce.from.iso) 至 \(policy.inForce.to.iso)）内")
        }
        guard input.payer == BudgetBook.cityPayer || viewer.districts.contains(input.payer) else {
            throw .invalidInput(field: "payer", location: nil, message: "预算单位应为“市级”或\(viewer.city)下辖的区县，实为“\(input.payer.prefix(20))”")
        }
        let amount = try VoucherDesk.fen(input.amount, field: "amount")
        guard amount <= 100_000_000_000_00 else { throw .invalidInput(field: "amount", location: nil, message: "预算额度超过 1000 亿元") }
        let now = context.clock.timestamp()
        return try await context.withStore { store in
            return try (try await store.budgets.allocate(policy: input.policy, measure: input.measure, year: Int64(input.year), payer: input.payer, allocatedFen: amount, by: viewer.name, at: now)).orThrow("预算")
        }
    }

    public func release(_ viewer: Viewer, id: Int64, amount text: String) async throws(AppError) -> BudgetRow {
        guard viewer.may(.manageBudgets) else { throw .forbidden(message: "只有市级管理员可以下达预算") }
        let amount = try VoucherDesk.fen(text, field: "amount")
        guard amount > 0 else { throw .invalidInput(field: "amount", location: nil, message: "下达金额应为正数") }
        let now = context.clock.timestamp()
        let policies = try context.cityPolicies(viewer)
        return try await context.withStore { store in
            return try (try await store.budgets.release(id: id, policies: policies, payers: [BudgetBook.cityPayer] + viewer.districts, amountFen: amount,
                                                        by: viewer.name, at: now)).orThrow("第 \(id) 号预算")
        }
    }

    public func budgets(_ viewer: Viewer, policy: String? = nil, year: Int? = nil) async throws(AppError) -> [BudgetRow] {
        guard viewer.may(.readBudgets) else { throw .forbidden(message: "企业用户不能查看预算") }
        // The budgets of the policies in force in the viewer's city, paid by the city or one of its
        // districts (a district user: the city's and its own district's), in the query.
        let policies = try context.cityPolicies(viewer).filter { policy == nil || $0 == policy }
        let payers = [BudgetBook.cityPayer] + viewer.districts
        return try await context.withStore { try await $0.budgets.budgets(policies: policies, payers: payers, year: year.map(Int64.init)) }
    }

}
