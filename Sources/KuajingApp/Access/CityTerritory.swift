import Foundation
import Monitoring
import PolicyEngine
import Storage

/// Cities kept apart: every object of the cash-out side belongs to a city, through the enterprise
/// (its district) or the policy (its territory). These are the checks the use cases make; the
/// queries carry the viewer's `reach` and `districts` (a city role's are its whole city's) in their
/// WHERE clauses, so that another city's object is not found at all (a 404 like a missing one).
extension Viewer {
    /// The divisions of the viewer's city whatever its own scope: the city and its districts.
    public var cityDivisions: [String] { [city] + ((try? Scope(city).districts) ?? []) }
}

extension AppContext {
    /// The ids of the policies in force in the viewer's city.
    func cityPolicies(_ viewer: Viewer) throws(AppError) -> [String] {
        let set = try policySet()
        return set.policies.map(\.id).filter { set.covers(policy: $0, anyOf: viewer.cityDivisions) }
    }

    /// Whether a policy is in force anywhere in the viewer's city (its territory, as the engine reads it).
    func policyInCity(_ policy: String, _ viewer: Viewer) throws(AppError) -> Bool {
        try policySet().covers(policy: policy, anyOf: viewer.cityDivisions)
    }

    /// Refuses, as a missing policy, one that is not in force in the viewer's city.
    func requirePolicyInCity(_ policy: String, _ viewer: Viewer) throws(AppError) {
        guard try policyInCity(policy, viewer) else { throw .notFound(message: "政策 \(policy.prefix(40)) 不适用于\(viewer.city)") }
    }

    /// Refuses an enterprise outside a policy's territory (a voucher, an application or a proposal
    /// under a policy only for enterprises where the policy is in force).
    func requireTerritory(policy: String, district: String, enterprise: String) throws(AppError) {
        guard try policySet().covers(policy: policy, division: district) else {
            throw .invalidInput(field: "policy", location: nil, message: "企业 \(enterprise) 位于\(district)，不在政策 \(policy) 的适用地域内")
        }
    }
}
