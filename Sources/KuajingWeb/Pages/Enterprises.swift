import Foundation
import Hummingbird
import KuajingApp
import Monitoring

/// 企业库: search by name or 统一社会信用代码 within the viewer's scope; an enterprise's page with its
/// trade by month, tier and tier moves, credit facts, claims and awards.
extension Site {
    func enterprises(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let q = request.uri.queryParameters
        let text = String((q.get("q") ?? "").prefix(100))
        let district = q.get("district").flatMap { $0.isEmpty ? nil : String($0.prefix(40)) }
        let offset = max(0, Int(q.get("offset") ?? "0") ?? 0)
        let page = try await access.run(request, context) { () async throws(AppError) in
            try await EnterpriseDirectory(app).search(viewer, text: text, district: district, limit: 50, offset: offset)
        }
        func link(_ o: Int) -> String { Route.enterprises.link + "?q=\(Route.encode(text))&district=\(Route.encode(district ?? ""))&offset=\(o)" }
        let model: [String: Any] = [
            "q": text, "total": "\(page.total)", "from": "\(page.total == 0 ? 0 : offset + 1)", "to": "\(offset + page.items.count)",
            "items": page.items.map { ["id": $0.id, "name": $0.name, "district": $0.district, "link": Route.enterprise($0.id).link, "synthetic": $0.synthetic] },
            "previous": offset > 0 ? link(max(0, offset - 50)) : "", "next": offset + page.items.count < page.total ? link(offset + 50) : "",
            "districtOptions": viewer.role == .enterprise ? [] : viewer.districts.filter { $0 != viewer.city }.map { ["value": $0, "selected": $0 == district] },
            "action": Route.enterprises.link,
        ]
        return try views.page("enterprises", title: "企业库", current: .enterprises, model: model, context: context, synthetic: await synthetic())
    }

    func enterprise(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let raw = context.parameters.get("id") ?? ""
        let id = raw.removingPercentEncoding ?? raw
        let p = try await access.run(request, context) { () async throws(AppError) in try await EnterpriseDirectory(app).profile(viewer, id: id) }
        let model: [String: Any] = [
            "name": p.enterprise.name, "id": p.enterprise.id, "creditCode": p.enterprise.creditCode ?? "（未登记）", "district": p.enterprise.district,
            "synthetic": p.enterprise.synthetic, "tier": p.currentTier ?? "未入库",
            "months": p.months.reversed().map { ["month": $0.month, "exports": Show.wan($0.exportsFen), "imports": Show.wan($0.importsFen), "records": "\($0.records)"] },
            "hasMonths": !p.months.isEmpty,
            "moves": p.tierMoves.map { ["ladder": $0.ladder, "month": $0.month, "from": $0.from, "to": $0.to, "trailing": Show.wan($0.trailingFen)] },
            "hasMoves": !p.tierMoves.isEmpty,
            "facts": p.creditFacts.map { ["kind": Self.creditKind($0.kind.rawValue), "value": $0.value, "source": $0.source, "asOf": $0.asOf] },
            "hasFacts": !p.creditFacts.isEmpty, "claimsNote": p.claimsNote,
            "monitorLink": Route.monitor.link + "?by=month,direction", "back": Route.enterprises.link,
        ]
        return try views.page("enterprise", title: p.enterprise.name, current: .enterprises, model: model, context: context, synthetic: p.enterprise.synthetic)
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
