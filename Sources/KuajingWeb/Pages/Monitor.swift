import Foundation
import Hummingbird
import KuajingApp
import KuajingDomain
import Monitoring

/// 运行监测: filters by supervision code, direction, period, district and destination, answered from
/// the rollups; a table and an SVG chart; the same view as CSV (with BOM) and .xlsx.
extension Site {
    /// The filter and grouping a request asks for (query parameters shared by the page and the API).
    /// `strict` (the API): a parameter given empty is an error; a page's form sends its unused fields empty.
    static func monitorRequest(_ request: Request, defaultBy: String = "month,code", strict: Bool = false) throws(AppError) -> (dimensions: [MonitorDimension], filter: MonitorFilter) {
        let q = request.uri.queryParameters
        let byText = q.getAll("by").joined(separator: ",")
        let dimensions = try TradeMonitor.dimensions(byText.isEmpty && q.get("by") == nil ? defaultBy : byText)
        var filter = MonitorFilter()
        filter.codes = q.getAll("code").flatMap { $0.split(separator: ",").map(String.init) }.filter { !$0.isEmpty }
        filter.chapters = q.getAll("chapter").flatMap { $0.split(separator: ",").map(String.init) }.filter { !$0.isEmpty }
        if strict, let empty = ["by", "code", "direction", "from", "to", "country", "district", "chapter"].first(where: { q.get($0)?.isEmpty == true }) {
            throw .invalidInput(field: empty, location: nil, message: "参数给出时不能为空")
        }
        func value(_ name: String) -> String? { q.get(name).flatMap { $0.isEmpty ? nil : String($0.prefix(40)) } }
        filter.direction = value("direction")
        filter.fromMonth = value("from")
        filter.toMonth = value("to")
        filter.country = value("country")
        if let d = value("district") { filter.districts = [d] }
        return (dimensions, filter)
    }

    func monitor(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let monitor = TradeMonitor(app)
        let asked = try Self.monitorRequest(request, defaultBy: viewer.role == .enterprise ? "month,direction" : "month,code")
        let enterprise = request.uri.queryParameters.get("enterprise").flatMap { $0.isEmpty ? nil : String($0) }
        func table() async throws -> TradeMonitor.Table {
            try await access.run(request, context) { () async throws(AppError) in
                try await reports.monitor(viewer, by: asked.dimensions, filter: asked.filter, enterprise: enterprise, context: app)
            }
        }
        switch request.uri.queryParameters.get("format") {
        case "csv": return Reply.download(Array(try monitor.csv(try await table()).utf8), name: "运行监测.csv", type: Reply.csvType)
        case "xlsx": return Reply.download(try monitor.workbook(try await table()), name: "运行监测.xlsx", type: Reply.xlsxType)
        default: break
        }
        // The page's content is cached as a whole: the table is queried only when the content is built.
        let query = request.uri.query ?? ""
        let key = ["monitor-html", viewer.role.rawValue, viewer.districts.joined(separator: ","), viewer.enterpriseID ?? "", query].joined(separator: "|")
        let content = try await access.run(request, context) { () async throws(AppError) in
            try await reports.cached(key, context: app) { () async throws(AppError) in
                do { return try monitorContent(viewer, table: try await table(), asked: asked, query: query) } catch let e as AppError { throw e } catch {
                    throw AppError.unavailable(message: "页面模板无法渲染：\(error)")
                }
            }
        }
        return try views.page(content: content, title: "运行监测", current: .monitor, context: context, synthetic: await synthetic())
    }

    /// The 运行监测 view: it holds the viewer's scope and query only (no CSRF token, no name), so its
    /// rendering is cached.
    struct MonitorView: PageView {
        static let template = "monitor"
        struct Cell: Sendable { var v: String }
        struct Header: Sendable { var h: String }
        struct Row: Sendable { var keys: [Cell]; var records, yuan, wan: String }
        struct Check: Sendable { var value, label: String; var checked: Bool }
        struct Option: Sendable { var value: String; var selected: Bool }
        var scope, basis, latest: String
        var headers: [Header]
        var rows: [Row]
        var truncated: Bool
        var count, totalYuan, totalRecords, chart, csvLink, xlsxLink: String
        var dimensions: [Check]
        var codes: [Check]
        var directionE, directionI: Bool
        var from, to, country, enterprise, chapter: String
        var districtOptions: [Option]
        var showDistricts, enterpriseOnly: Bool
        var importsLink: String
    }

    static let monitorRowsShown = 2000

    static func monitorView(_ viewer: Viewer, table: TradeMonitor.Table, asked: (dimensions: [MonitorDimension], filter: MonitorFilter), query: String,
                            countries: [String: String]) -> MonitorView {
        let dims = Set(asked.dimensions)
        return MonitorView(
            scope: table.scope, basis: table.basis, latest: table.latestMonth ?? "（暂无数据）",
            headers: (table.dimensions.isEmpty ? ["范围"] : table.dimensions.map(TradeMonitor.header)).map { .init(h: $0) },
            rows: table.rows.prefix(monitorRowsShown).map { r in
                .init(keys: TradeMonitor.displayKeys(r, of: table, countries: countries).map { .init(v: $0) }, records: "\(r.records)", yuan: Fen(r.fen).grouped, wan: Show.wan(r.fen))
            },
            truncated: table.rows.count > monitorRowsShown, count: "\(table.rows.count)",
            totalYuan: Fen(table.totalFen).grouped, totalRecords: "\(table.totalRecords)",
            chart: monthChart(table), csvLink: Route.monitor.link + "?" + replacingFormat(query, "csv"),
            xlsxLink: Route.monitor.link + "?" + replacingFormat(query, "xlsx"),
            dimensions: MonitorDimension.allCases.map { .init(value: $0.rawValue, label: TradeMonitor.header($0), checked: dims.contains($0)) },
            codes: ["9610", "9710", "9810", "1210"].map { .init(value: $0, label: MonthlyReportView.codeNames[$0] ?? $0, checked: asked.filter.codes.contains($0)) },
            directionE: asked.filter.direction == "E", directionI: asked.filter.direction == "I",
            from: asked.filter.fromMonth ?? "", to: asked.filter.toMonth ?? "", country: asked.filter.country ?? "",
            enterprise: table.scope == viewer.scopeName ? "" : table.scope, chapter: asked.filter.chapters.joined(separator: ","),
            districtOptions: viewer.districts.filter { $0 != viewer.city }.map { .init(value: $0, selected: asked.filter.districts?.first == $0) },
            showDistricts: viewer.role != .enterprise && viewer.role != .district, enterpriseOnly: viewer.role == .enterprise,
            importsLink: Route.importMonitor.link)
    }

    /// The 运行监测 content for a table.
    func monitorContent(_ viewer: Viewer, table: TradeMonitor.Table, asked: (dimensions: [MonitorDimension], filter: MonitorFilter), query: String) throws -> String {
        let names = try app.codeTables().byField["country"]?.codes ?? [:]
        return try views.render(Self.monitorView(viewer, table: table, asked: asked, query: query, countries: names))
    }

    static func replacingFormat(_ query: String, _ format: String) -> String {
        (query.split(separator: "&").filter { !$0.hasPrefix("format=") }.map(String.init) + ["format=\(format)"]).joined(separator: "&")
    }

    /// Columns of the value per month (all groups of a month summed, the last 36), with a value axis
    /// in 万元 (`SVGChart`); empty without a month dimension.
    static func monthChart(_ t: TradeMonitor.Table) -> String {
        guard let index = t.dimensions.firstIndex(of: .month) else { return "" }
        var byMonth: [String: Int64] = [:]
        for r in t.rows { byMonth[r.keys[index], default: 0] += r.fen }
        let months = byMonth.keys.sorted().suffix(36)
        return SVGChart.columns(months.map { m in SVGChart.Column(label: m, value: byMonth[m] ?? 0, tooltip: "\(m)：\(Show.wan(byMonth[m] ?? 0)) 万元") },
                                unit: .fitting(byMonth.values.max() ?? 0), title: "按月金额", series: "金额", width: 720, plotHeight: 200)
    }
}
