import Foundation
import Hummingbird
import KuajingApp
import KuajingDomain
import PolicyEngine

/// 政策库: each policy as the document itself, each clause with its executable rule, its test cases
/// and its reading (解读) beside it; the same matter compared across 杭州, 台州 and 平湖.
/// 政策计算器: a few facts in, every measure the enterprise can claim out, with the explanation.
extension Site {
    func policies(_ request: Request, _ context: WebContext) async throws -> Response {
        _ = try await access.viewer(request, context)
        let list = try PolicyCatalog(app).policies()
        let model: [String: Any] = [
            "policies": list.map { p in ["title": p.title, "doc": p.docNumber, "issuer": p.issuer, "status": Self.statusLabel(p.status), "link": Route.policy(p.id).link,
                                         "measures": "\(p.measures.count)", "from": p.inForce.from.iso, "to": p.inForce.to.iso] },
            "compare": Route.compare.link, "calculator": Route.calculator.link,
        ]
        return try views.page("policies", title: "政策库", current: .policies, model: model, context: context, synthetic: await synthetic())
    }

    func policy(_ request: Request, _ context: WebContext) async throws -> Response {
        _ = try await access.viewer(request, context)
        let catalog = PolicyCatalog(app)
        let p = try catalog.policy(context.parameters.get("id") ?? "")
        let cases = try catalog.testCases(policyID: p.id)
        let readings = Dictionary(p.readings.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let measures = p.measures.map { m -> [String: Any] in
            let mine = cases.filter { $0.matters.contains(m.matter) }
            return [
                "name": m.name, "clause": m.clause, "text": m.text, "matter": m.matter, "id": m.id,
                "rule": m.awardSource, "base": m.baseLabel,
                "parameters": m.parameters.map { ["name": $0.name, "text": $0.text, "clause": $0.clause] },
                "conditions": m.conditions.map { ["source": $0.source, "reason": $0.reason] },
                "caps": m.caps.map { ["label": $0.label, "limit": Fen($0.limit.value).grouped, "scope": $0.scope.chinese] },
                "review": m.review ?? "", "hasReview": m.review != nil,
                "readings": m.readings.map { id in ["id": id, "question": readings[id]?.question ?? "", "choice": readings[id]?.choice ?? id] },
                "cases": mine.map { ["name": $0.name, "claims": $0.claims.map { ["c": $0] }, "expect": $0.expectations.map { ["e": $0] }] },
                "hasCases": !mine.isEmpty,
            ]
        }
        let model: [String: Any] = [
            "title": p.title, "doc": p.docNumber, "issuer": p.issuer, "issued": p.issued?.iso ?? "", "status": Self.statusLabel(p.status),
            "inForce": "\(p.inForce.from.iso) 至 \(p.inForce.to.iso)（\(p.inForce.clause)）", "inForceText": p.inForce.text,
            "scope": p.scope.text, "scopeClause": p.scope.clause,
            "stacking": Self.stackingLabel(p.stacking.rule) + (p.stacking.text.map { "：“\($0)”" } ?? ""), "stackingClause": p.stacking.clause ?? "",
            "stackingReading": p.stacking.reading ?? "",
            "measures": measures,
            "pools": p.pools.map { ["name": $0.name, "limit": Fen($0.limit.value).grouped, "clause": $0.clause, "text": $0.text] },
            "groups": p.capGroups.map { ["name": $0.name, "limit": $0.limit.map { Fen($0.value).grouped } ?? "—", "clause": $0.clause, "text": $0.text] },
            "readingList": p.readings.map { ["id": $0.id, "clause": $0.clause, "question": $0.question, "choice": $0.choice, "setting": $0.setting] },
            "back": Route.policies.link,
        ]
        return try views.page("policy", title: p.title, current: .policies, model: model, context: context, synthetic: await synthetic())
    }

    func compare(_ request: Request, _ context: WebContext) async throws -> Response {
        _ = try await access.viewer(request, context)
        let q = request.uri.queryParameters
        let matter = String((q.get("matter") ?? "trademark_registration").prefix(40))
        let amount = String((q.get("amount") ?? "300000").prefix(20))
        let date = String((q.get("date") ?? "2025-06-01").prefix(10))
        let rows = try PolicyCalculator(app).compare(matter: matter, amount: amount, date: date)
        let model: [String: Any] = [
            "matter": matter, "amount": amount, "date": date, "action": Route.compare.link,
            "matters": Matter.standard.map { ["key": $0.key, "label": $0.chinese, "selected": $0.key == matter] },
            "rows": rows.map { c in ["city": c.city, "district": c.district, "status": c.result.status.chinese, "award": Fen(c.result.award.value).grouped,
                                     "measure": c.result.measureName ?? "—", "clause": c.result.clause ?? "—", "explanation": c.result.explanation] },
        ]
        return try views.page("compare", title: "政策比较", current: .policies, model: model, context: context, synthetic: await synthetic())
    }

    static func statusLabel(_ s: String) -> String {
        ["in_force": "现行有效", "draft": "征求意见稿", "expired": "已失效", "superseded": "已被替代"][s] ?? s
    }

    static func stackingLabel(_ s: String) -> String {
        ["highest_no_duplicate": "就高不重复", "city_and_district": "市、区两级分担", "single_level": "单级兑现"][s] ?? s
    }

    func calculator(_ request: Request, _ context: WebContext, form: [String: String]?, results: [ClaimResult] = [], error: AppError? = nil) async throws -> Response {
        let viewer = try await access.viewer(request, context, permission: .calculate)
        let f = form ?? [:]
        let calculator = PolicyCalculator(app)
        let places: [(city: String, districts: [String])]
        do { places = try calculator.places() } catch { throw WebFailure(error) }
        // The viewer's own district first, else the first of its city.
        let own = viewer.district ?? places.first { $0.city == viewer.city }?.districts.first ?? places.first?.districts.first ?? ""
        let district = f["district"] ?? own
        let rowsIn = (0..<5).map { i in ["i": "\(i)", "matter": f["matter\(i)"] ?? (i == 0 ? "trademark_registration" : ""), "amount": f["amount\(i)"] ?? (i == 0 ? "300000" : ""),
                                         "date": f["date\(i)"] ?? "2025-06-01"] }
        let model: [String: Any] = [
            "action": Route.calculator.link,
            "groups": places.map { place in ["city": place.city, "options": place.districts.map { ["value": $0, "selected": $0 == district] }] },
            "types": PolicyCalculator.applicantTypes.map { ["value": $0.value, "label": $0.label, "selected": $0.value == (f["applicant_type"] ?? ApplicantType.enterprise.rawValue)] },
            "rows": rowsIn.map { r -> [String: Any] in
                var row: [String: Any] = r
                let none: [String: Any] = ["key": "", "label": "（不填）", "selected": r["matter"] == ""]
                row["matters"] = [none] + Matter.standard.map { m -> [String: Any] in ["key": m.key, "label": m.chinese, "selected": m.key == r["matter"]] }
                return row
            },
            "results": results.map { r in ["claim": r.claimID, "status": r.status.chinese, "award": Fen(r.award.value).grouped, "measure": r.measureName ?? "—",
                                            "policy": r.policy ?? "—", "clause": r.clause ?? "—", "explanation": r.explanation,
                                            "excluded": r.status == .excludedByHigher,
                                            "alternatives": r.alternatives.map { ["policy": $0.policy, "measure": $0.measure, "status": $0.status.chinese, "award": Fen($0.award.value).grouped, "explanation": $0.explanation] }] },
            "hasResults": !results.isEmpty, "total": Fen(results.reduce(0) { $0 + $1.award.value }).grouped,
            "error": error?.message ?? "",
        ]
        return try views.page("calculator", title: "政策计算器", current: .calculator, model: model, context: context, synthetic: false,
                              status: error == nil ? .ok : .unprocessableContent)
    }

    func calculate(_ request: Request, _ context: WebContext) async throws -> Response {
        let form = try await Form.read(request, context: context)
        var facts: [PolicyCalculator.Fact] = []
        for i in 0..<5 {
            let matter = (form["matter\(i)"] ?? "").trimmingCharacters(in: .whitespaces)
            if matter.isEmpty { continue }
            facts.append(PolicyCalculator.Fact(matter: String(matter.prefix(40)), date: String((form["date\(i)"] ?? "").prefix(10)), amount: String((form["amount\(i)"] ?? "").prefix(20))))
        }
        do {
            let results = try PolicyCalculator(app).calculate(district: String((form["district"] ?? "").prefix(20)),
                                                                  applicantType: String((form["applicant_type"] ?? "enterprise").prefix(30)), facts: facts)
            return try await calculator(request, context, form: form.fields, results: results)
        } catch let error as AppError {
            return try await calculator(request, context, form: form.fields, error: error)
        }
    }
}
