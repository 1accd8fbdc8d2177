import Foundation
import Hummingbird
import KuajingApp

/// Every page of the platform: one enum builds both the router's paths and the links pages show,
/// so a link can never point at a route that does not exist.
enum Route: Hashable {
    case dashboard
    case login
    case logout
    case monitor
    case report
    case match
    case plans
    case taskUpdate
    case enterprises
    case enterprise(String)
    case policies
    case policy(String)
    case compare
    case calculator
    case imports
    case quarantine(Int64)
    case users
    case accessLog
    case applications
    case application(Int64)
    case evidence(String)
    case auditTrail
    case payouts
    case payoutFile(Int64, String)
    case payee
    case factVoucher(Int64)
    case tierProposals
    case myTasks
    case vouchers
    case voucherBatches
    case voucherRequest
    case voucherCancel(Int64)
    case notice(Int64)
    /// Served by the payout-file action (`/payouts/:id/:file`, the file named `cover`).
    case payoutCover(Int64)
    case factsImport
    case importTax
    case importMonitor
    case stylesheet

    /// The link to this page (parameters percent-encoded).
    var link: String {
        switch self {
        case .dashboard: return "/"
        case .login: return "/login"
        case .logout: return "/logout"
        case .monitor: return "/monitor"
        case .report: return "/report"
        case .match: return "/match"
        case .plans: return "/plans"
        case .taskUpdate: return "/plans/task"
        case .enterprises: return "/enterprises"
        case let .enterprise(id): return "/enterprises/" + Route.encode(id)
        case .policies: return "/policies"
        case let .policy(id): return "/policies/" + Route.encode(id)
        case .compare: return "/policies-compare"
        case .calculator: return "/calculator"
        case .imports: return "/imports"
        case let .quarantine(id): return "/imports/quarantine/\(id)"
        case .users: return "/admin/users"
        case .accessLog: return "/audit/access-log"
        case .applications: return "/applications"
        case let .application(id): return "/applications/\(id)"
        case let .evidence(sha): return "/evidence/" + Route.encode(sha)
        case .auditTrail: return "/audit/trail"
        case .payouts: return "/payouts"
        case let .payoutFile(id, format): return "/payouts/\(id)/file.\(format)"
        case .payee: return "/payee"
        case let .factVoucher(id): return "/facts/\(id)/voucher"
        case .tierProposals: return "/applications-from-tiers"
        case .myTasks: return "/my-tasks"
        case .vouchers: return "/vouchers"
        case .voucherBatches: return "/vouchers/batches"
        case .voucherRequest: return "/vouchers/request"
        case let .voucherCancel(id): return "/vouchers/\(id)/cancel"
        case let .notice(id): return "/applications/\(id)/notice"
        case let .payoutCover(id): return "/payouts/\(id)/cover"
        case .factsImport: return "/imports/facts"
        case .importTax: return "/import-tax"
        case .importMonitor: return "/monitor/imports"
        case .stylesheet: return "/assets/kuajing.css"
        }
    }

    /// The router's path pattern for this page.
    var pattern: RouterPath {
        switch self {
        case .enterprise: return "/enterprises/:id"
        case .policy: return "/policies/:id"
        case .quarantine: return "/imports/quarantine/:id"
        case .application: return "/applications/:id"
        case .evidence: return "/evidence/:sha"
        case .payoutFile: return "/payouts/:id/:file"
        case .factVoucher: return "/facts/:id/voucher"
        case .voucherCancel: return "/vouchers/:id/cancel"
        case .notice: return "/applications/:id/notice"
        case .payoutCover: return "/payouts/:id/:file"
        default: return RouterPath(link)
        }
    }

    static func encode(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }

    /// Only a local path of this site is a valid place to return to after signing in (no open redirect).
    static func safeReturn(_ s: String?) -> String {
        guard let s, s.hasPrefix("/"), !s.hasPrefix("//"), !s.hasPrefix("/\\"), !s.contains("\r"), !s.contains("\n"), s.count < 500 else { return Route.dashboard.link }
        return s
    }
}

/// The navigation bar: each page with the permission that opens it (`Permission`), so a role is
/// offered exactly the pages it may open.
struct NavigationItem {
    var title: String
    var route: Route
    var permission: Permission
}
