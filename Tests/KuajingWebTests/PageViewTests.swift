import Foundation
import KuajingApp
import KuajingTestSupport
import Monitoring
@testable import KuajingWeb
import Testing

/// Pages without HTTP: each page's query and view are functions of a viewer, so what a role sees
/// is tested on the view model itself; the frame a template renders against puts the view's
/// properties before the chrome's, and an absent value is absent (no empty box on the page).
@Suite struct PageViewTests {
    struct Probe: PageView {
        static let template = "login"
        var title: String
        var message: String?
        var next, action, loginToken: String
    }

    @Test func theViewComesBeforeTheChromeAndNilIsAbsent() {
        let frame = PageFrame(view: Probe(title: "视图", message: nil, next: "/", action: "/login", loginToken: "t"), chrome: ["title": "外框", "csrf": "c1"])
        #expect(frame.child(named: "title") as? String == "视图")
        #expect(frame.child(named: "csrf") as? String == "c1", "the chrome is seen behind the view")
        #expect(frame.child(named: "message") == nil, "nil is absent, as a missing key")
        #expect(frame.child(named: "nothing") == nil)
    }

    @Test func anAbsentMessageDrawsNoAlert() async throws {
        let views = try await Views(directory: Repository.root + "/web")
        let quiet = try views.render(Probe(title: "", message: nil, next: "/", action: "/login", loginToken: "t"))
        let told = try views.render(Probe(title: "", message: "用户名或密码不对", next: "/", action: "/login", loginToken: "t"))
        #expect(!quiet.contains("用户名或密码不对") && told.contains("用户名或密码不对"))
        #expect(quiet.count < told.count, "no empty alert box without a message")
    }

    @Test(arguments: [("2026-12-03T09:15:30+08:00", "2026-12-03 09:15:30"), ("2026-12-03T01:15:30Z", "2026-12-03 01:15:30 (UTCZ)"),
                      ("2026-12-03T01:15:30+00:00", "2026-12-03 01:15:30 (UTC+00:00)"), ("2026-12-03", "2026-12-03")])
    func timesReadAsPeopleReadThem(stored: String, shown: String) {
        #expect(Show.time(stored) == shown)
    }

    /// The router's pages are exactly the page table's actions, and the navigation bar is its
    /// pages with a title, in order, each with the permission that opens it.
    @Test func thePageTableIsTheRouterAndTheNavigation() async throws {
        let world = try await WebWorld.get()
        let site = try await Site(context: world.context)
        let routes = site.router().routes.filter { !$0.path.description.hasPrefix("/api/") && $0.path.description != "/healthz" && !$0.path.description.hasPrefix("/assets") && $0.path.description != "/favicon.ico" }
        for action in PageAction.allCases {
            #expect(routes.contains { $0.method == action.method && $0.path.description == action.route.pattern.description }, "\(action) is routed")
        }
        #expect(routes.count == PageAction.allCases.count, "no page outside the table: \(routes.map { "\($0.method) \($0.path)" })")
        #expect(NavigationItem.all.map(\.title) == ["总览", "我的待办", "运行监测", "月报", "三单对碰", "目标与任务", "企业库", "政策库", "政策计算器", "进口税费", "申报与审核", "运力券",
                                                     "预算与支付", "数据导入", "用户管理", "访问日志", "审计记录"])
        #expect(PageAction.allCases.filter { $0.permission == nil }.map(\.route) == [.login, .login, .logout], "only signing in and out is open")
    }

    /// 目标与任务 for a district user shows its own district's targets and its city's, never a
    /// sibling district's figures (issue 24: 萧山区's were shown to 滨江区).
    @Test func aDistrictSeesNoOtherDistrictsTargets() async throws {
        let world = try await WebWorld.get()
        let site = try await Site(context: world.context)
        let accounts = Accounts(world.context)
        let binjiang = try await accounts.viewer(named: "demo-binjiang"), analyst = try await accounts.viewer(named: "demo-analyst")
        let month = Month(year: 2025, month: 12)
        let mine = Site.plansView(try await site.plansQuery(binjiang, month: month, unit: "", message: nil))
        let city = Site.plansView(try await site.plansQuery(analyst, month: month, unit: "", message: nil))
        let scopes = Set(mine.plans.flatMap { $0.targets.map(\.scope) })
        #expect(scopes.contains("滨江区") && scopes.contains("杭州市"), "\(scopes.sorted())")
        #expect(!scopes.contains("萧山区") && !scopes.contains("台州市") && !scopes.contains("平湖市"), "\(scopes.sorted())")
        #expect(Set(city.plans.flatMap { $0.targets.map(\.scope) }).contains("萧山区"), "a city role sees every district")
    }

    /// What each role's 申报与审核 and 预算与支付 offer, from the view models alone.
    @Test func eachRoleSeesWhatItMayDo() async throws {
        let world = try await WebWorld.get()
        let site = try await Site(context: world.context)
        let accounts = Accounts(world.context)
        let enterprise = try await accounts.viewer(named: "demo-enterprise"), analyst = try await accounts.viewer(named: "demo-analyst")
        let admin = try await accounts.viewer(named: "demo-admin")

        let own = Site.applicationsView(try await site.applicationsQuery(enterprise, WorkLists.Query(), message: nil))
        #expect(own.canFile && !own.canPropose && own.message == nil)
        #expect(own.rows.allSatisfy { !$0.flagged }, "an enterprise is not shown the abuse flags")
        let reviewing = Site.applicationsView(try await site.applicationsQuery(analyst, WorkLists.Query(), message: "已审核"))
        #expect(!reviewing.canFile && !reviewing.canPropose && reviewing.message == "已审核")
        #expect(reviewing.rows.count >= own.rows.count, "the analyst sees the city's applications")
        #expect(!reviewing.matters.contains { $0.key == "logistics_voucher" }, "运力券 is requested, not filed")

        let payments = Site.payoutsView(try await site.payoutsQuery(analyst, message: nil))
        #expect(!payments.admin && !payments.seesPayments && payments.seesPayees)
        let managing = Site.payoutsView(try await site.payoutsQuery(admin, message: nil))
        #expect(managing.admin && managing.seesPayments && managing.payers.first == "市级")
        #expect(!managing.measures.isEmpty && managing.measures.allSatisfy { $0.id.hasPrefix("hangzhou-2024/") }, "杭州's policies in force, from the loaded set")
    }
}
