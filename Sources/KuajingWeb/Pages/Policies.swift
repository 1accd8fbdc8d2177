import Foundation
import Hummingbird
import KuajingApp
import KuajingDomain
import PolicyEngine

/// 政策库: each policy as the document itself, each clause with its executable rule, its test cases
/// and its reading (解读) beside it; the same matter compared across 杭州, 台州 and 平湖.
/// 政策计算器: a few facts in, every measure the enterprise can claim out, with the explanation.
extension Site {
    // MARK: 政策库: the loaded policies (model), view

    struct PoliciesView: PageView {
        static let template = "policies"
        struct Item: Sendable { var title, doc, issuer, status, link, measures, from, to: String }
        var policies: [Item]
        var compare, calculator: String
    }

    static func policiesView(_ list: [Policy]) -> PoliciesView {
        PoliciesView(policies: list.map { p in .init(title: p.title, doc: p.docNumber, issuer: p.issuer, status: statusLabel(p.status), link: Route.policy(p.id).link,
                                                     measures: "\(p.measures.count)", from: p.inForce.from.iso, to: p.inForce.to.iso) },
                     compare: Route.compare.link, calculator: Route.calculator.link)
    }

    func policies(_ request: Request, _ context: WebContext) async throws -> Response {
        let list = try await access.run(request, context) { () throws(AppError) in try PolicyCatalog(app).policies() }
        return try views.page(Self.policiesView(list), title: "政策库", current: .policies, context: context, synthetic: await synthetic())
    }

    // MARK: a policy as the document: model (the policy and its test cases), query, view

    struct PolicyModel {
        var policy: Policy
        var cases: [PolicyCatalog.TestCase]
    }

    struct PolicyView: PageView {
        static let template = "policy"
        struct Parameter: Sendable { var name, text, clause: String }
        struct Condition: Sendable { var source, reason: String }
        struct Cap: Sendable { var label, limit, scope: String }
        struct ReadingRef: Sendable { var id, question, choice: String }
        struct Line: Sendable { var c: String }
        struct Expectation: Sendable { var e: String }
        struct Case: Sendable { var name: String; var claims: [Line]; var expect: [Expectation] }
        struct Measure: Sendable {
            var name, clause, text, matter, id, rule, base: String
            var parameters: [Parameter]; var conditions: [Condition]; var caps: [Cap]
            var review: String; var hasReview: Bool
            var readings: [ReadingRef]; var cases: [Case]; var hasCases: Bool
        }
        struct Pool: Sendable { var name, limit, clause, text: String }
        struct Reading: Sendable { var id, clause, question, choice, setting: String }
        var title, doc, issuer: String
        var issued: String?
        var status, inForce, inForceText, scope, scopeClause, stacking: String
        var stackingClause: String?
        var stackingReading: String?
        var measures: [Measure]
        var pools: [Pool]
        var groups: [Pool]
        var readingList: [Reading]
        var back: String
    }

    func policyQuery(_ id: String) throws(AppError) -> PolicyModel {
        let catalog = PolicyCatalog(app)
        let p = try catalog.policy(id)
        return PolicyModel(policy: p, cases: try catalog.testCases(policyID: p.id))
    }

    static func policyView(_ m: PolicyModel) -> PolicyView {
        let p = m.policy
        let readings = Dictionary(p.readings.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let measures = p.measures.map { measure -> PolicyView.Measure in
            let mine = m.cases.filter { $0.matters.contains(measure.matter) }
            return .init(
                name: measure.name, clause: measure.clause, text: measure.text, matter: measure.matter, id: measure.id, rule: measure.awardSource, base: measure.baseLabel,
                parameters: measure.parameters.map { .init(name: $0.name, text: $0.text, clause: $0.clause) },
                conditions: measure.conditions.map { .init(source: $0.source, reason: $0.reason) },
                caps: measure.caps.map { .init(label: $0.label, limit: Fen($0.limit.value).grouped, scope: $0.scope.chinese) },
                review: measure.review ?? "", hasReview: measure.review != nil,
                readings: measure.readings.map { id in .init(id: id, question: readings[id]?.question ?? "", choice: readings[id]?.choice ?? id) },
                cases: mine.map { .init(name: $0.name, claims: $0.claims.map { .init(c: $0) }, expect: $0.expectations.map { .init(e: $0) }) },
                hasCases: !mine.isEmpty)
        }
        return PolicyView(
            title: p.title, doc: p.docNumber, issuer: p.issuer, issued: p.issued?.iso, status: statusLabel(p.status),
            inForce: "\(p.inForce.from.iso) 至 \(p.inForce.to.iso)（\(p.inForce.clause)）", inForceText: p.inForce.text,
            scope: p.scope.text, scopeClause: p.scope.clause,
            stacking: stackingLabel(p.stacking.rule) + (p.stacking.text.map { "：“\($0)”" } ?? ""), stackingClause: p.stacking.clause?.nilIfEmpty,
            stackingReading: p.stacking.reading?.nilIfEmpty,
            measures: measures,
            pools: p.pools.map { .init(name: $0.name, limit: Fen($0.limit.value).grouped, clause: $0.clause, text: $0.text) },
            groups: p.capGroups.map { .init(name: $0.name, limit: $0.limit.map { Fen($0.value).grouped } ?? "—", clause: $0.clause, text: $0.text) },
            readingList: p.readings.map { .init(id: $0.id, clause: $0.clause, question: $0.question, choice: $0.choice, setting: $0.setting) },
            back: Route.policies.link)
    }

    func policy(_ request: Request, _ context: WebContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let model = try await access.run(request, context) { () throws(AppError) in try policyQuery(id) }
        return try views.page(Self.policyView(model), title: model.policy.title, current: .policies, context: context, synthetic: await synthetic())
    }

    // MARK: 政策比较: model (one matter in every city), view

    struct CompareView: PageView {
        static let template = "compare"
        struct Choice: Sendable { var key, label: String; var selected: Bool }
        struct Row: Sendable { var city, district, status, award, measure, clause, explanation: String }
        var matter, amount, date, action: String
        var matters: [Choice]
        var rows: [Row]
    }

    static func compareView(matter: String, amount: String, date: String, rows: [PolicyCalculator.Comparison]) -> CompareView {
        CompareView(matter: matter, amount: amount, date: date, action: Route.compare.link,
                    matters: Matter.standard.map { .init(key: $0.key, label: $0.chinese, selected: $0.key == matter) },
                    rows: rows.map { c in .init(city: c.city, district: c.district, status: c.result.status.chinese, award: Fen(c.result.award.value).grouped,
                                                measure: c.result.measureName ?? "—", clause: c.result.clause ?? "—", explanation: c.result.explanation) })
    }

    func compare(_ request: Request, _ context: WebContext) async throws -> Response {
        let q = request.uri.queryParameters
        let matter = String((q.get("matter") ?? "trademark_registration").prefix(40))
        let amount = String((q.get("amount") ?? "300000").prefix(20))
        let date = String((q.get("date") ?? "2025-06-01").prefix(10))
        let rows = try await access.run(request, context) { () throws(AppError) in try PolicyCalculator(app).compare(matter: matter, amount: amount, date: date) }
        return try views.page(Self.compareView(matter: matter, amount: amount, date: date, rows: rows), title: "政策比较", current: .policies, context: context, synthetic: await synthetic())
    }

    static func statusLabel(_ s: String) -> String {
        ["in_force": "现行有效", "draft": "征求意见稿", "expired": "已失效", "superseded": "已被替代"][s] ?? s
    }

    static func stackingLabel(_ s: String) -> String {
        ["highest_no_duplicate": "就高不重复", "city_and_district": "市、区两级分担", "single_level": "单级兑现"][s] ?? s
    }

    // MARK: 政策计算器: the form (typed), model (the places and the results), view

    /// The calculator's form: a district, an applicant type, up to five facts (matter, amount, date).
    struct CalculatorForm: Sendable {
        struct Fact: Sendable { var matter, amount, date: String }
        static let rows = 5
        var district: String?
        var applicantType: String
        var facts: [Fact]

        /// The fields as sent (each cut to its length), or the defaults of a first visit.
        init(_ f: [String: String]?) {
            let f = f ?? [:]
            district = f["district"].map { String($0.prefix(20)) }
            applicantType = String((f["applicant_type"] ?? ApplicantType.enterprise.rawValue).prefix(30))
            facts = (0..<Self.rows).map { i in
                Fact(matter: String((f["matter\(i)"] ?? (i == 0 && f.isEmpty ? "trademark_registration" : "")).trimmingCharacters(in: .whitespaces).prefix(40)),
                     amount: String((f["amount\(i)"] ?? (i == 0 && f.isEmpty ? "300000" : "")).prefix(20)),
                     date: String((f["date\(i)"] ?? "2025-06-01").prefix(10)))
            }
        }

        var claims: [PolicyCalculator.Fact] {
            facts.filter { !$0.matter.isEmpty }.map { PolicyCalculator.Fact(matter: $0.matter, date: $0.date, amount: $0.amount) }
        }
    }

    struct CalculatorView: PageView {
        static let template = "calculator"
        struct Option: Sendable { var value: String; var selected: Bool }
        struct Group: Sendable { var city: String; var options: [Option] }
        struct Choice: Sendable { var value, label: String; var selected: Bool }
        struct MatterChoice: Sendable { var key, label: String; var selected: Bool }
        struct Row: Sendable { var i, n, matter, amount, date: String; var matters: [MatterChoice] }
        struct Alternative: Sendable { var policy, measure, status, award, explanation: String }
        struct Result: Sendable { var claim, status, award, measure, policy, clause, explanation: String; var excluded: Bool; var alternatives: [Alternative] }
        var action: String
        var groups: [Group]
        var types: [Choice]
        var rows: [Row]
        var results: [Result]
        var hasResults: Bool
        var total: String
        var error: String?
    }

    static func calculatorView(_ form: CalculatorForm, places: [(city: String, districts: [String])], own: String, results: [ClaimResult], error: AppError?) -> CalculatorView {
        let district = form.district ?? own
        return CalculatorView(
            action: Route.calculator.link,
            groups: places.map { place in .init(city: place.city, options: place.districts.map { .init(value: $0, selected: $0 == district) }) },
            types: PolicyCalculator.applicantTypes.map { .init(value: $0.value, label: $0.label, selected: $0.value == form.applicantType) },
            rows: form.facts.enumerated().map { i, f in
                .init(i: "\(i)", n: "\(i + 1)", matter: f.matter, amount: f.amount, date: f.date,
                      matters: [.init(key: "", label: "（不填）", selected: f.matter.isEmpty)] + Matter.standard.map { .init(key: $0.key, label: $0.chinese, selected: $0.key == f.matter) })
            },
            results: results.map { r in .init(claim: r.claimID, status: r.status.chinese, award: Fen(r.award.value).grouped, measure: r.measureName ?? "—",
                                              policy: r.policy ?? "—", clause: r.clause ?? "—", explanation: r.explanation, excluded: r.status == .excludedByHigher,
                                              alternatives: r.alternatives.map { .init(policy: $0.policy, measure: $0.measure, status: $0.status.chinese,
                                                                                       award: Fen($0.award.value).grouped, explanation: $0.explanation) }) },
            hasResults: !results.isEmpty, total: Fen(results.reduce(0) { $0 + $1.award.value }).grouped, error: error?.message)
    }

    func calculator(_ request: Request, _ context: WebContext, form: CalculatorForm, results: [ClaimResult] = [], error: AppError? = nil) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let places = try await access.run(request, context) { () throws(AppError) in try PolicyCalculator(app).places() }
        // The viewer's own district first, else the first of its city.
        let own = viewer.district ?? places.first { $0.city == viewer.city }?.districts.first ?? places.first?.districts.first ?? ""
        return try views.page(Self.calculatorView(form, places: places, own: own, results: results, error: error), title: "政策计算器", current: .calculator,
                              context: context, synthetic: false, status: error == nil ? .ok : .unprocessableContent)
    }

    func calculate(_ request: Request, _ context: WebContext) async throws -> Response {
        let form = CalculatorForm(try await Form.read(request, context: context).fields)
        do {
            let results = try PolicyCalculator(app).calculate(district: form.district ?? "", applicantType: form.applicantType, facts: form.claims)
            return try await calculator(request, context, form: form, results: results)
        } catch let error as AppError {
            return try await calculator(request, context, form: form, error: error)
        }
    }
}
