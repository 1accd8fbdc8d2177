import Foundation
import Hummingbird
import KuajingApp
import Monitoring
import TradeData

/// 目标与任务: every target and task of the four plans, by responsible unit, with status, updates
/// entered here (who, when, evidence) and overdue marks. 三单对碰 over the stored ledger.
extension Site {
    // MARK: 目标与任务: model (targets' progress and tasks of every plan), query, view

    struct PlansModel {
        var month: Month
        var unit: String
        var message: String?
        var canUpdate: Bool
        var progress: [TargetProgressReport.PlanProgress]
        var tasks: [PlanFollowUp.PlanTasks]
        /// For a district user: which targets it is shown, and why (the 排名通报 setting).
        var scopeNote: String? = nil
    }

    struct PlansView: PageView {
        static let template = "plans"
        struct Target: Sendable { var label, scope, target, current, share, status, colour, clause, method: String }
        struct Mark: Sendable { var day, what: String }
        struct Update: Sendable { var by, at, status, note: String }
        struct Task: Sendable {
            var plan, clause, title, owner, status: String
            var overdue: [Mark]; var isOverdue: Bool; var due: [Mark]; var updates: [Update]; var version: String
        }
        struct Plan: Sendable { var id, title, doc: String; var draft: Bool; var targets: [Target]; var tasks: [Task] }
        struct Status: Sendable { var s: String }
        var month: String
        var unit: String
        var message: String?
        var canUpdate: Bool
        var action: String
        var statuses: [Status]
        var rule: String
        var scopeNote: String?
        var plans: [Plan]
    }

    func plansQuery(_ viewer: Viewer, month: Month, unit: String, message: String?) async throws(AppError) -> PlansModel {
        var model = PlansModel(month: month, unit: unit, message: message, canUpdate: viewer.writesFollowUp,
                               progress: try await TargetProgressReport(app).progress(viewer, month: month), tasks: try await PlanFollowUp(app).tasks())
        if viewer.role == .district {
            model.scopeNote = app.configuration.districtRanking
                ? "排名通报已开启：显示\(viewer.city)各区县的目标进展（设置 district_ranking）。"
                : "显示\(viewer.scopeName)及\(viewer.city)的目标进展；其他区县的数据只在市级开启排名通报（设置 district_ranking）时显示。"
        }
        return model
    }

    static func plansView(_ m: PlansModel) -> PlansView {
        PlansView(
            month: m.month.description, unit: m.unit, message: m.message?.nilIfEmpty, canUpdate: m.canUpdate, action: Route.taskUpdate.link,
            statuses: TaskUpdate.statuses.map { .init(s: $0) }, rule: TargetStatus.rule, scopeNote: m.scopeNote,
            plans: m.progress.map { p in
                let planTasks = m.tasks.first { $0.plan.id == p.plan.id }?.tasks ?? []
                return PlansView.Plan(
                    id: p.plan.id, title: p.plan.title, doc: p.plan.docNumber, draft: p.plan.draft,
                    targets: p.targets.map { t in .init(label: t.target.label, scope: t.target.scope, target: t.target.value.text, current: t.currentLabel,
                                                        share: ReportFormat.percent(t.shareOfTarget), status: t.status.chinese, colour: t.status.colour,
                                                        clause: t.target.clause, method: t.method) },
                    tasks: planTasks.filter { m.unit.isEmpty || $0.owner.contains(m.unit) }.map { t in
                        .init(plan: p.plan.id, clause: t.clause, title: t.title, owner: t.owner, status: t.status,
                              overdue: t.overdue.map { .init(day: $0.day.iso, what: $0.what) }, isOverdue: !t.overdue.isEmpty,
                              due: t.due.map { .init(day: $0.day.iso, what: $0.what) },
                              updates: t.updates.reversed().prefix(3).map { .init(by: $0.updatedBy, at: Show.time($0.updatedAt), status: $0.status, note: $0.note) },
                              version: "\(t.updates.compactMap(\.version).max() ?? 0)")
                    })
            })
    }

    func plans(_ request: Request, _ context: WebContext, message: String? = nil) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let month = try await self.month(request)
        let unit = String((request.uri.queryParameters.get("unit") ?? "").prefix(40))
        let model = try await access.run(request, context) { () async throws(AppError) in try await plansQuery(viewer, month: month, unit: unit, message: message) }
        return try views.page(Self.plansView(model), title: "目标与任务", current: .plans, context: context, synthetic: await synthetic())
    }

    func updateTask(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let form = try await Form.read(request, context: context)
        let input = PlanFollowUp.TaskInput(planID: try form.text("plan", label: "计划", max: 60), clause: try form.text("clause", label: "条款", max: 60),
                                           status: try form.text("status", label: "状态", max: 10), note: try form.text("note", label: "进展说明与佐证", max: 1000),
                                           by: "\(viewer.displayName)（\(viewer.name)）", expectedVersion: Int64(form["version"] ?? ""))
        let done = try await access.run(request, context) { () async throws(AppError) in try await PlanFollowUp(app).update(input, as: viewer) }
        return Reply.redirect(Route.plans.link + "#task-" + Route.encode(done.planID + "-" + done.clause))
    }

    // MARK: 三单对碰 over the stored ledger: model (the matching report), view

    struct MatchView: PageView {
        static let template = "match"
        struct Mismatch: Sendable { var m: String }
        struct Row: Sendable { var order, ebp, direction, missing: String; var mismatches: [Mismatch] }
        struct Unlinked: Sendable { var document, order: String }
        var orders, complete, failing: String
        var rows: [Row]
        var unlinked: [Unlinked]
        var hasUnlinked, hasFailing: Bool
    }

    static func matchView(_ report: OrderMatching.Report) -> MatchView {
        let failing = report.orders.filter { !$0.complete }
        return MatchView(
            orders: "\(report.orders.count)", complete: "\(report.orders.count - failing.count)", failing: "\(failing.count)",
            rows: failing.prefix(500).map { o in .init(order: o.orderNo, ebp: o.ebpCode, direction: o.direction == "E" ? "出口" : "进口",
                                                       missing: o.missing.map(\.chinese).joined(separator: "、"), mismatches: o.mismatches.map { .init(m: $0.description) }) },
            unlinked: report.unlinked.prefix(200).map { .init(document: $0.document.chinese, order: $0.orderNo) },
            hasUnlinked: !report.unlinked.isEmpty, hasFailing: !failing.isEmpty)
    }

    func match(_ request: Request, _ context: WebContext) async throws -> Response {
        let report = try await access.run(request, context) { () async throws(AppError) in try await OrderMatching(app).matchStored() }
        return try views.page(Self.matchView(report), title: "三单对碰", current: .match, context: context, synthetic: await synthetic())
    }
}
