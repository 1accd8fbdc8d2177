import Foundation
import Hummingbird
import KuajingApp
import Monitoring

/// 月报: the 运行监测月报 of any scope the viewer may see and any month, rendered by the same view as
/// `kuajing report monthly --out ….html` (a toolbar added above it, hidden in print), and as .xlsx and CSV.
extension Site {
    /// The toolbar above the report (scope, month, downloads), hidden in print.
    struct ReportToolbarView: PageView {
        static let template = "report-toolbar"
        struct Scope: Sendable { var value: String; var selected: Bool }
        var action, month, home: String
        var scopes: [Scope]
        var xlsx, csv, stylesheet: String
    }

    func report(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let month = try await self.month(request)
        let asked = request.uri.queryParameters.get("scope").map { String($0.prefix(40)) } ?? viewer.scopeName
        guard asked == viewer.scopeName || (viewer.role != .district && viewer.districts.contains(asked)) else {
            await accounts.logDenied(viewer, address: context.address, method: "GET", path: request.uri.path, reason: "月报范围 \(asked) 不在可查看范围内")
            throw AppError.forbidden(message: "“\(asked)”不在你可查看的范围（\(viewer.scopeName)）内")
        }
        let reporting = MonthlyReporting(app)
        let built = try await reports.report(scope: asked, month: month, context: app)
        let name = "\(asked)跨境电商运行监测月报-\(month)"
        switch request.uri.queryParameters.get("format") {
        case "xlsx": return Reply.download(try reporting.render(built, as: .xlsx), name: name + ".xlsx", type: Reply.xlsxType)
        case "csv": return Reply.download(try reporting.render(built, as: .csv), name: name + ".csv", type: Reply.csvType)
        default: break
        }
        let html = String(decoding: try reporting.render(built, as: .html), as: UTF8.self)
        let scopes = [viewer.scopeName] + (viewer.role == .district ? [] : viewer.districts.filter { $0 != viewer.scopeName && Scope.children(of: viewer.city).contains($0) })
        let toolbar = try views.render(ReportToolbarView(
            action: Route.report.link, month: month.description, home: Route.dashboard.link,
            scopes: scopes.map { .init(value: $0, selected: $0 == asked) },
            xlsx: Route.report.link + "?scope=\(Route.encode(asked))&month=\(month)&format=xlsx",
            csv: Route.report.link + "?scope=\(Route.encode(asked))&month=\(month)&format=csv",
            stylesheet: Route.stylesheet.link))
        return Reply.html(html.replacingOccurrences(of: "<body>", with: "<body>" + toolbar))
    }
}
