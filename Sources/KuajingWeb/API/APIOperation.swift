import HTTPTypes
import KuajingApp

/// Every operation of the JSON API, once: its operationId (the case), method, path (OpenAPI form)
/// and the permission asked before anything else. The router (`API.add(to:)`), the OpenAPI document
/// (`API.document`, which takes each operation's description from `web/openapi.json` by its
/// operationId) and the 405 answers (`API.allowedMethods`) are built from this table; no path is
/// written twice.
enum APIOperation: String, CaseIterable, Sendable {
    case listEnterprises
    case getEnterprise
    case getStatistics
    case calculateClaims
    case listTasks
    case listPolicies
    case importTrade
    case getOpenAPI
    case openVoucherBatch
    case getVoucherPool
    case requestVoucher
    case listVouchers
    case uploadEvidence
    case submitApplication
    case listApplications
    case getApplication
    case reviewApplication
    case objectToApplication
    case confirmProposal
    case importFacts
    case listBudgets
    case setBudget
    case releaseBudget
    case enterPayeeAccount
    case confirmPayeeAccount
    case exportPayoutBatch
    case markPayoutPaid
    case listAuditEntries
    case cancelVoucher
    case requestVoucherFromFact
    case calculateImportTax
    case getImportStatistics

    var method: HTTPRequest.Method {
        switch self {
        case .listEnterprises, .getEnterprise, .getStatistics, .getImportStatistics, .listTasks, .listPolicies, .getOpenAPI, .getVoucherPool, .listVouchers, .listApplications, .getApplication, .listBudgets, .listAuditEntries: return .get
        case .calculateClaims, .calculateImportTax, .importTrade, .openVoucherBatch, .requestVoucher, .uploadEvidence, .submitApplication, .reviewApplication, .objectToApplication, .confirmProposal, .importFacts, .setBudget, .releaseBudget, .enterPayeeAccount, .confirmPayeeAccount, .exportPayoutBatch, .markPayoutPaid, .cancelVoucher, .requestVoucherFromFact: return .post
        }
    }

    /// The path in OpenAPI form (`{enterprise_id}`); `routerPath` is Hummingbird's (`:enterprise_id`).
    var path: String {
        switch self {
        case .listEnterprises: return "/api/v1/enterprises"
        case .getEnterprise: return "/api/v1/enterprises/{enterprise_id}"
        case .getStatistics: return "/api/v1/statistics"
        case .calculateClaims: return "/api/v1/calculations"
        case .listTasks: return "/api/v1/tasks"
        case .listPolicies: return "/api/v1/policies"
        case .importTrade: return "/api/v1/imports"
        case .getOpenAPI: return "/api/v1/openapi.json"
        case .openVoucherBatch: return "/api/v1/voucher-batches"
        case .getVoucherPool: return "/api/v1/voucher-pool"
        case .requestVoucher: return "/api/v1/vouchers"
        case .listVouchers: return "/api/v1/vouchers"
        case .uploadEvidence: return "/api/v1/evidence"
        case .submitApplication: return "/api/v1/applications"
        case .listApplications: return "/api/v1/applications"
        case .getApplication: return "/api/v1/applications/{application_id}"
        case .reviewApplication: return "/api/v1/applications/{application_id}/review"
        case .objectToApplication: return "/api/v1/applications/{application_id}/objection"
        case .confirmProposal: return "/api/v1/applications/{application_id}/confirmation"
        case .importFacts: return "/api/v1/facts"
        case .listBudgets: return "/api/v1/budgets"
        case .setBudget: return "/api/v1/budgets"
        case .releaseBudget: return "/api/v1/budgets/{budget_id}/releases"
        case .enterPayeeAccount: return "/api/v1/payee-accounts"
        case .confirmPayeeAccount: return "/api/v1/payee-accounts/{payee_id}/confirmation"
        case .exportPayoutBatch: return "/api/v1/payout-batches"
        case .markPayoutPaid: return "/api/v1/payout-batches/{batch_id}/payment"
        case .listAuditEntries: return "/api/v1/audit/entries"
        case .cancelVoucher: return "/api/v1/vouchers/{voucher_id}/cancellation"
        case .requestVoucherFromFact: return "/api/v1/facts/{fact_id}/voucher"
        case .calculateImportTax: return "/api/v1/import-tax"
        case .getImportStatistics: return "/api/v1/import-statistics"
        }
    }

    /// What the caller must hold (nil: open to anyone, the OpenAPI document itself).
    var permission: Permission? {
        switch self {
        case .listEnterprises, .getEnterprise: return .readEnterprises
        case .getStatistics, .getImportStatistics: return .readMonitor
        case .calculateClaims, .calculateImportTax: return .calculate
        case .listTasks: return .readPlans
        case .listPolicies: return .readPolicies
        case .importTrade: return .importTrade
        case .getOpenAPI: return nil
        case .openVoucherBatch: return .openVoucherBatches
        case .getVoucherPool, .listVouchers, .listApplications, .getApplication: return .readApplications
        case .requestVoucher, .requestVoucherFromFact: return .requestVouchers
        case .uploadEvidence: return .uploadEvidence
        case .submitApplication: return .fileApplications
        case .reviewApplication: return .reviewApplications
        case .objectToApplication: return .objectToDecisions
        case .confirmProposal: return .answerProposals
        case .importFacts: return .importFacts
        case .listBudgets: return .readBudgets
        case .setBudget, .releaseBudget: return .manageBudgets
        case .enterPayeeAccount: return .enterPayees
        case .confirmPayeeAccount, .exportPayoutBatch, .markPayoutPaid: return .managePayouts
        case .listAuditEntries: return .readAuditTrail
        case .cancelVoucher: return .cancelVouchers
        }
    }

    var routerPath: String {
        path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("{") && $0.hasSuffix("}") ? ":" + $0.dropFirst().dropLast() : String($0) }.joined(separator: "/")
    }

    /// Whether a concrete path (`/api/v1/enterprises/9133…`) is this operation's.
    func matches(path concrete: String) -> Bool {
        let pattern = path.split(separator: "/", omittingEmptySubsequences: false), parts = concrete.split(separator: "/", omittingEmptySubsequences: false)
        return pattern.count == parts.count && zip(pattern, parts).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
    }
}
