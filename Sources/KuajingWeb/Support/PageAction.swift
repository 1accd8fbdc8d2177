import HTTPTypes
import Hummingbird
import KuajingApp

/// Every page action of the platform, once: its route (`Route`: the path and the links), method,
/// the permission asked before anything else (nil: signing in and out) and, for a page of the
/// navigation bar, its title there, in the bar's order. The router (`Site.addPages`) and the
/// navigation (`NavigationItem.all`) are built from this table: a new page is one entry here plus
/// its model, query and view.
enum PageAction: CaseIterable, Sendable {
    case loginForm, signIn, signOut, dashboard, myTasks, monitor, importMonitor, report, match, plans, updateTask, enterprises, enterprise, policies, policy, compare, calculator, calculate, importTax, calculateImportTax, applications, fileApplication, application, actOnApplication, notice, evidence, payee, factVoucher, tierProposals, vouchers, openVoucherBatch, requestVoucher, cancelVoucher, payouts, actOnPayouts, payoutFile, imports, upload, importFacts, quarantine, resubmit, users, addUser, accessLog, auditTrail

    var route: Route {
        switch self {
        case .loginForm: return .login
        case .signIn: return .login
        case .signOut: return .logout
        case .dashboard: return .dashboard
        case .myTasks: return .myTasks
        case .monitor: return .monitor
        case .report: return .report
        case .match: return .match
        case .plans: return .plans
        case .updateTask: return .taskUpdate
        case .enterprises: return .enterprises
        case .enterprise: return .enterprise("")
        case .policies: return .policies
        case .policy: return .policy("")
        case .compare: return .compare
        case .calculator: return .calculator
        case .calculate: return .calculator
        case .importTax, .calculateImportTax: return .importTax
        case .importMonitor: return .importMonitor
        case .applications: return .applications
        case .fileApplication: return .applications
        case .application: return .application(0)
        case .actOnApplication: return .application(0)
        case .notice: return .notice(0)
        case .evidence: return .evidence("")
        case .payee: return .payee
        case .factVoucher: return .factVoucher(0)
        case .tierProposals: return .tierProposals
        case .vouchers: return .vouchers
        case .openVoucherBatch: return .voucherBatches
        case .requestVoucher: return .voucherRequest
        case .cancelVoucher: return .voucherCancel(0)
        case .payouts: return .payouts
        case .actOnPayouts: return .payouts
        case .payoutFile: return .payoutFile(0, "")
        case .imports: return .imports
        case .upload: return .imports
        case .importFacts: return .factsImport
        case .quarantine: return .quarantine(0)
        case .resubmit: return .quarantine(0)
        case .users: return .users
        case .addUser: return .users
        case .accessLog: return .accessLog
        case .auditTrail: return .auditTrail
        }
    }

    var method: HTTPRequest.Method {
        switch self {
        case .loginForm, .dashboard, .myTasks, .monitor, .importMonitor, .importTax, .report, .match, .plans, .enterprises, .enterprise, .policies, .policy, .compare, .calculator, .applications, .application, .notice, .evidence, .vouchers, .payouts, .payoutFile, .imports, .quarantine, .users, .accessLog, .auditTrail: return .get
        case .signIn, .signOut, .updateTask, .calculate, .calculateImportTax, .fileApplication, .actOnApplication, .payee, .factVoucher, .tierProposals, .openVoucherBatch, .requestVoucher, .cancelVoucher, .actOnPayouts, .upload, .importFacts, .resubmit, .addUser: return .post
        }
    }

    var permission: Permission? {
        switch self {
        case .loginForm, .signIn, .signOut: return nil
        case .dashboard: return .readDashboard
        case .myTasks, .vouchers, .notice: return .readApplications
        case .openVoucherBatch: return .openVoucherBatches
        case .requestVoucher: return .requestVouchers
        case .cancelVoucher: return .cancelVouchers
        case .importFacts: return .importFacts
        case .monitor, .importMonitor: return .readMonitor
        case .report: return .readReport
        case .match: return .readMatching
        case .plans: return .readPlans
        case .updateTask: return .updateTasks
        case .enterprises, .enterprise: return .readEnterprises
        case .policies, .policy, .compare: return .readPolicies
        case .calculator, .calculate, .importTax, .calculateImportTax: return .calculate
        case .applications, .application, .actOnApplication, .evidence: return .readApplications
        case .fileApplication: return .fileApplications
        case .payee: return .enterPayees
        case .factVoucher: return .requestVouchers
        case .tierProposals: return .proposeFromTiers
        case .payouts: return .readBudgets
        case .actOnPayouts: return .managePayouts
        case .payoutFile: return .readPayoutFiles
        case .imports, .upload: return .importTrade
        case .quarantine, .resubmit: return .handleQuarantine
        case .users: return .readUsers
        case .addUser: return .manageUsers
        case .accessLog: return .readAccessLog
        case .auditTrail: return .readAuditTrail
        }
    }

    /// The page's title in the navigation bar (nil: not in the bar).
    var navigation: String? {
        switch self {
        case .dashboard: return "总览"
        case .myTasks: return "我的待办"
        case .monitor: return "运行监测"
        case .report: return "月报"
        case .match: return "三单对碰"
        case .plans: return "目标与任务"
        case .enterprises: return "企业库"
        case .policies: return "政策库"
        case .calculator: return "政策计算器"
        case .importTax: return "进口税费"
        case .applications: return "申报与审核"
        case .vouchers: return "运力券"
        case .payouts: return "预算与支付"
        case .imports: return "数据导入"
        case .users: return "用户管理"
        case .accessLog: return "访问日志"
        case .auditTrail: return "审计记录"
        default: return nil
        }
    }
}

extension NavigationItem {
    /// The navigation bar, from the page table, in its order.
    static let all: [NavigationItem] = PageAction.allCases.compactMap { action in
        guard let title = action.navigation, let permission = action.permission else { return nil }
        return NavigationItem(title: title, route: action.route, permission: permission)
    }
}

extension Site {
    /// Every page action of the table, each through `respond`.
    func addPages(to router: Router<WebContext>) {
        for action in PageAction.allCases {
            router.on(action.route.pattern, method: action.method) { request, context in try await respond(action, request, context) }
        }
    }

    /// Runs a page action: its permission first (a refusal is logged; not signed in, a redirect to
    /// the sign-in), then its handler; the use case checks the scope in its query.
    func respond(_ action: PageAction, _ request: Request, _ context: WebContext) async throws -> Response {
        if let permission = action.permission { _ = try await access.viewer(request, context, permission: permission) }
        switch action {
        case .loginForm: return try loginForm(request, context, message: nil)
        case .signIn: return try await signIn(request, context)
        case .signOut: return try await signOut(request, context)
        case .dashboard: return try await dashboard(request, context)
        case .myTasks: return try await myTasks(request, context)
        case .notice: return try await notice(request, context)
        case .vouchers: return try await vouchers(request, context, message: nil)
        case .openVoucherBatch: return try await openVoucherBatch(request, context)
        case .requestVoucher: return try await requestVoucherFromForm(request, context)
        case .cancelVoucher: return try await cancelVoucherFromForm(request, context)
        case .importFacts: return try await importFactsFromForm(request, context)
        case .monitor: return try await monitor(request, context)
        case .importMonitor: return try await importMonitor(request, context)
        case .importTax: return try await importTax(request, context, form: ImportTaxForm(nil))
        case .calculateImportTax: return try await calculateImportTaxFromForm(request, context)
        case .report: return try await report(request, context)
        case .match: return try await match(request, context)
        case .plans: return try await plans(request, context)
        case .updateTask: return try await updateTask(request, context)
        case .enterprises: return try await enterprises(request, context)
        case .enterprise: return try await enterprise(request, context)
        case .policies: return try await policies(request, context)
        case .policy: return try await policy(request, context)
        case .compare: return try await compare(request, context)
        case .calculator: return try await calculator(request, context, form: CalculatorForm(nil))
        case .calculate: return try await calculate(request, context)
        case .applications: return try await applications(request, context, message: nil)
        case .fileApplication: return try await fileApplication(request, context)
        case .application: return try await application(request, context, message: nil)
        case .actOnApplication: return try await actOnApplication(request, context)
        case .evidence: return try await evidence(request, context)
        case .payee: return try await enterPayee(request, context)
        case .factVoucher: return try await voucherFromFact(request, context)
        case .tierProposals: return try await proposeFromTiers(request, context)
        case .payouts: return try await payouts(request, context, message: nil)
        case .actOnPayouts: return try await actOnPayouts(request, context)
        case .payoutFile: return try await payoutFile(request, context)
        case .imports: return try await imports(request, context, outcome: nil)
        case .upload: return try await upload(request, context)
        case .quarantine: return try await quarantineEntry(request, context)
        case .resubmit: return try await resubmit(request, context)
        case .users: return try await users(request, context, message: nil)
        case .addUser: return try await addUser(request, context)
        case .accessLog: return try await accessLog(request, context)
        case .auditTrail: return try await auditTrail(request, context)
        }
    }
}
