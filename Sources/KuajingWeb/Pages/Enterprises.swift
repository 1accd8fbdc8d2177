import Foundation
import Hummingbird
import KuajingApp
import Monitoring

/// 企业库: search by name or 统一社会信用代码 within the viewer's scope; an enterprise's page with its
/// trade by month, tier and tier moves, credit facts, claims and awards.
extension Site {
    // MARK: 企业库: model (a page of the search within the viewer's scope), query, view

    struct EnterprisesModel {
        var text: String
        var district: String?
        var offset: Int
        var page: EnterpriseDirectory.Page
        var districtChoices: [String]
        static let pageSize = 50
    }

    struct EnterprisesView: PageView {
        static let template = "enterprises"
        struct Item: Sendable { var id, name, district, link: String; var synthetic: Bool }
        struct Choice: Sendable { var value: String; var selected: Bool }
        var q, total, from, to: String
        var items: [Item]
        var previous, next: String?
        var districtOptions: [Choice]
        var action: String
    }

    func enterprisesQuery(_ viewer: Viewer, text: String, district: String?, offset: Int) async throws(AppError) -> EnterprisesModel {
        EnterprisesModel(text: text, district: district, offset: offset,
                         page: try await EnterpriseDirectory(app).search(viewer, text: text, district: district, limit: EnterprisesModel.pageSize, offset: offset),
                         districtChoices: viewer.role == .enterprise ? [] : viewer.districts.filter { $0 != viewer.city })
    }

    static func enterprisesView(_ m: EnterprisesModel) -> EnterprisesView {
        func link(_ o: Int) -> String { Route.enterprises.link + "?q=\(Route.encode(m.text))&district=\(Route.encode(m.district ?? ""))&offset=\(o)" }
        let page = m.page, size = EnterprisesModel.pageSize
        return EnterprisesView(
            q: m.text, total: "\(page.total)", from: "\(page.total == 0 ? 0 : m.offset + 1)", to: "\(m.offset + page.items.count)",
            items: page.items.map { .init(id: $0.id, name: $0.name, district: $0.district, link: Route.enterprise($0.id).link, synthetic: $0.synthetic) },
            previous: m.offset > 0 ? link(max(0, m.offset - size)) : nil, next: m.offset + page.items.count < page.total ? link(m.offset + size) : nil,
            districtOptions: m.districtChoices.map { .init(value: $0, selected: $0 == m.district) }, action: Route.enterprises.link)
    }

    func enterprises(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let q = request.uri.queryParameters
        let text = String((q.get("q") ?? "").prefix(100))
        let district = q.get("district").flatMap { $0.isEmpty ? nil : String($0.prefix(40)) }
        let offset = max(0, Int(q.get("offset") ?? "0") ?? 0)
        let model = try await access.run(request, context) { () async throws(AppError) in try await enterprisesQuery(viewer, text: text, district: district, offset: offset) }
        return try views.page(Self.enterprisesView(model), title: "企业库", current: .enterprises, context: context, synthetic: await synthetic())
    }

    // MARK: an enterprise's page: model (its profile), view

    struct EnterpriseView: PageView {
        static let template = "enterprise"
        struct MonthRow: Sendable { var month, exports, imports, records: String }
        struct Move: Sendable { var ladder, month, from, to, trailing: String }
        struct Fact: Sendable { var kind, value, source, asOf: String }
        var name, id, creditCode, district: String
        var synthetic: Bool
        var tier: String
        var months: [MonthRow]; var hasMonths: Bool
        var moves: [Move]; var hasMoves: Bool
        var facts: [Fact]; var hasFacts: Bool
        var claimsNote: String
        var monitorLink, back: String
    }

    static func enterpriseView(_ p: EnterpriseDirectory.Profile) -> EnterpriseView {
        EnterpriseView(
            name: p.enterprise.name, id: p.enterprise.id, creditCode: p.enterprise.creditCode ?? "（未登记）", district: p.enterprise.district,
            synthetic: p.enterprise.synthetic, tier: p.currentTier ?? "未入库",
            months: p.months.reversed().map { .init(month: $0.month, exports: Show.wan($0.exportsFen), imports: Show.wan($0.importsFen), records: "\($0.records)") },
            hasMonths: !p.months.isEmpty,
            moves: p.tierMoves.map { .init(ladder: $0.ladder, month: $0.month, from: $0.from, to: $0.to, trailing: Show.wan($0.trailingFen)) },
            hasMoves: !p.tierMoves.isEmpty,
            facts: p.creditFacts.map { .init(kind: creditKind($0.kind.rawValue), value: $0.value, source: $0.source, asOf: $0.asOf) },
            hasFacts: !p.creditFacts.isEmpty, claimsNote: p.claimsNote,
            monitorLink: Route.monitor.link + "?by=month,direction", back: Route.enterprises.link)
    }

    func enterprise(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let raw = context.parameters.get("id") ?? ""
        let id = raw.removingPercentEncoding ?? raw
        let p = try await access.run(request, context) { () async throws(AppError) in try await EnterpriseDirectory(app).profile(viewer, id: id) }
        return try views.page(Self.enterpriseView(p), title: p.enterprise.name, current: .enterprises, context: context, synthetic: p.enterprise.synthetic)
    }

    static func creditKind(_ k: String) -> String {
        switch k {
        case "customs_grade": return "海关信用等级"
        case "public_credit_grade": return "公共信用评价"
        case "serious_dishonesty": return "严重失信主体名单"
        default: return k
        }
    }
}
