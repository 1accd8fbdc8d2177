/// What a role may do: one table, read by the use cases (their guards), by the web layer (every
/// page and operation asks for its permission before anything else) and by the navigation (a page
/// is offered only to the roles that may open it). Scope — which city, district or enterprise — is
/// a separate check, made in each query (`Viewer.reach`, `CityTerritory`).
public enum Permission: String, Sendable, CaseIterable {
    // Reading, for everyone signed in.
    case readDashboard, readMonitor, readEnterprises, readPolicies, calculate, readApplications
    // Monitoring and follow-up.
    case readReport, readMatching, readPlans, updateTasks, importTrade, handleQuarantine
    // Administration and audit.
    case readUsers, manageUsers, readAccessLog, readAuditTrail
    // Cash-out: applications.
    case fileApplications, uploadEvidence, answerProposals, objectToDecisions, reviewApplications, proposeFromTiers, importFacts
    // Cash-out: 运力券.
    case requestVouchers, openVoucherBatches, cancelVouchers
    // Cash-out: budgets and payouts.
    case readBudgets, manageBudgets, enterPayees, managePayouts, readPayoutFiles

    /// The roles holding the permission.
    public var roles: Set<Role> {
        switch self {
        case .readDashboard, .readMonitor, .readEnterprises, .readPolicies, .calculate, .readApplications: return Set(Role.allCases)
        case .readReport, .readPlans, .readBudgets: return [.admin, .analyst, .district, .auditor]
        case .readMatching: return [.admin, .analyst, .auditor]
        case .updateTasks, .importTrade: return [.admin, .analyst, .district]
        case .handleQuarantine: return [.admin, .analyst]
        case .readUsers, .readAccessLog, .readAuditTrail, .readPayoutFiles: return [.admin, .auditor]
        case .manageUsers, .proposeFromTiers, .importFacts, .openVoucherBatches, .manageBudgets, .managePayouts: return [.admin]
        case .fileApplications, .answerProposals, .objectToDecisions, .requestVouchers, .enterPayees: return [.enterprise]
        case .uploadEvidence, .cancelVouchers: return [.enterprise, .admin]
        case .reviewApplications: return [.analyst, .district]
        }
    }

    /// The roles in Chinese, for a refusal: “市级管理员、审计员”.
    public var holders: String { Role.allCases.filter { roles.contains($0) }.map(\.label).joined(separator: "、") }
}

extension Viewer {
    /// Whether the viewer's role holds `permission` (the scope is checked in the query).
    public func may(_ permission: Permission) -> Bool { permission.roles.contains(role) }
}
