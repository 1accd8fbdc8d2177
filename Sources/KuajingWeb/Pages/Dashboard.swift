import Foundation
import Hummingbird
import KuajingApp
import Monitoring

/// 总览: the plan's headline targets with progress, projection and colour; the export trend;
/// districts against their targets; the latest data month and its basis. Model: the monthly
/// report of the viewer's scope (city or district) for the latest month. An enterprise user's
/// 总览 is its own enterprise's page.
extension Site {
    struct DashboardModel {
        var report: MonthlyReport
        var countryNames: [String: String]
    }

    func dashboardQuery(_ viewer: Viewer, month: Month) async throws(AppError) -> DashboardModel {
        return DashboardModel(report: try await reports.report(scope: viewer.scopeName, month: month, context: app),
                              countryNames: try app.codeTables().byField["country"]?.codes ?? [:])
    }

    struct DashboardView: PageView {
        static let template = "dashboard"
        struct Headline: Sendable { var label, plan, target, current, share, status, colour, clause: String }
        var scope, month, monthChinese, basis, exportsYTD, exportsLastYTD, growth, importsYTD, monthNumber: String
        var headline: [Headline]
        var trend, districts: String
        var hasDistricts: Bool
        var targets, rule, reportLink, monitorLink: String
    }

    static func dashboardView(_ m: DashboardModel) -> DashboardView {
        let r = m.report
        let view = MonthlyReportView(report: r, countryNames: m.countryNames)
        return DashboardView(
            scope: r.scope, month: r.month.description, monthChinese: r.month.chinese, basis: r.basis,
            exportsYTD: Show.yi(r.exportsYearToDate), exportsLastYTD: Show.yi(r.exportsLastYearToDate), growth: ReportFormat.percent(r.growthBasisPoints),
            importsYTD: Show.yi(r.importsYearToDate), monthNumber: "\(r.month.month)",
            headline: r.targets.filter { $0.target.indicator.fromLedger }.prefix(6).map { p in
                .init(label: p.target.label, plan: p.plan, target: p.target.value.text, current: p.currentLabel,
                      share: ReportFormat.percent(p.shareOfTarget), status: p.status.chinese, colour: p.status.colour, clause: p.target.clause)
            },
            trend: view.trendChart(), districts: r.districts.isEmpty ? "" : view.districtChart(), hasDistricts: !r.districts.isEmpty,
            targets: view.targetsTable(), rule: TargetStatus.rule, reportLink: Route.report.link + "?month=\(r.month)", monitorLink: Route.monitor.link)
    }

    func dashboard(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        if viewer.role == .enterprise, let id = viewer.enterpriseID { return Reply.redirect(Route.enterprise(id).link) }
        let month = try await self.month(request)
        // The content holds the scope's figures only (no CSRF token, no name): cached per scope and month.
        let (content, synthetic) = try await access.run(request, context) { () async throws(AppError) in
            try await reports.cached("dashboard-html|\(viewer.scopeName)|\(month)", context: app) { () async throws(AppError) in
                let model = try await dashboardQuery(viewer, month: month)
                do { return (try views.render(Self.dashboardView(model)), model.report.synthetic) } catch {
                    throw AppError.unavailable(message: "页面模板无法渲染：\(error)")
                }
            }
        }
        return try views.page(content: content, title: "总览", current: .dashboard, context: context, synthetic: synthetic)
    }
}
