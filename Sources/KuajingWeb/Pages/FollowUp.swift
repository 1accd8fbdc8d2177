import Foundation
import Hummingbird
import KuajingApp
import Monitoring
import TradeData

/// 目标与任务: every target and task of the four plans, by responsible unit, with status, updates
/// entered here (who, when, evidence) and overdue marks. 三单对碰 over the stored ledger.
extension Site {
    func plans(_ request: Request, _ context: WebContext, message: String? = nil) async throws -> Response {
        let viewer = try await access.viewer(request, context, permission: .readPlans)
        let month = try await self.month(request)
        let progress = try await TargetProgressReport(app).progress(month: month)
        let tasks = try await PlanFollowUp(app).tasks()
        let unit = String((request.uri.queryParameters.get("unit") ?? "").prefix(40))
        let model: [String: Any] = [
            "month": month.description, "unit": unit, "message": message ?? "", "canUpdate": viewer.writesFollowUp, "action": Route.taskUpdate.link,
            "statuses": TaskUpdate.statuses.map { ["s": $0] }, "rule": TargetStatus.rule,
            "plans": progress.map { p -> [String: Any] in
                let planTasks = tasks.first { $0.plan.id == p.plan.id }?.tasks ?? []
                return [
                    "id": p.plan.id, "title": p.plan.title, "doc": p.plan.docNumber, "draft": p.plan.draft,
                    "targets": p.targets.map { t in ["label": t.target.label, "scope": t.target.scope, "target": t.target.value.text, "current": t.currentLabel,
                                                     "share": ReportFormat.percent(t.shareOfTarget), "status": t.status.chinese, "colour": t.status.colour,
                                                     "clause": t.target.clause, "method": t.method] },
                    "tasks": planTasks.filter { unit.isEmpty || $0.owner.contains(unit) }.map { t -> [String: Any] in
                        ["plan": p.plan.id, "clause": t.clause, "title": t.title, "owner": t.owner, "status": t.status,
                         "overdue": t.overdue.map { ["day": $0.day.iso, "what": $0.what] }, "isOverdue": !t.overdue.isEmpty,
                         "due": t.due.map { ["day": $0.day.iso, "what": $0.what] },
                         "updates": t.updates.reversed().prefix(3).map { ["by": $0.updatedBy, "at": $0.updatedAt, "status": $0.status, "note": $0.note] },
                         "version": "\(t.updates.compactMap(\.version).max() ?? 0)"]
                    },
                ]
            },
        ]
        return try views.page("plans", title: "目标与任务", current: .plans, model: model, context: context, synthetic: await synthetic())
    }

    func updateTask(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context, permission: .updateTasks)
        let form = try await Form.read(request, context: context)
        let input = PlanFollowUp.TaskInput(planID: try form.text("plan", label: "计划", max: 60), clause: try form.text("clause", label: "条款", max: 60),
                                           status: try form.text("status", label: "状态", max: 10), note: try form.text("note", label: "进展说明与佐证", max: 1000),
                                           by: "\(viewer.displayName)（\(viewer.name)）", expectedVersion: Int64(form["version"] ?? ""))
        let done = try await access.run(request, context) { () async throws(AppError) in try await PlanFollowUp(app).update(input, as: viewer) }
        try await accounts.logChange(viewer, address: context.address, method: "POST", path: request.uri.path, what: "任务 \(done.planID) \(done.clause) → \(done.status)")
        return Reply.redirect(Route.plans.link + "#task-" + Route.encode(done.planID + "-" + done.clause))
    }

    func match(_ request: Request, _ context: WebContext) async throws -> Response {
        _ = try await access.viewer(request, context, permission: .readMatching)
        let report = try await OrderMatching(app).matchStored()
        let failing = report.orders.filter { !$0.complete }
        let model: [String: Any] = [
            "orders": "\(report.orders.count)", "complete": "\(report.orders.count - failing.count)", "failing": "\(failing.count)",
            "rows": failing.prefix(500).map { o in ["order": o.orderNo, "ebp": o.ebpCode, "direction": o.direction == "E" ? "出口" : "进口",
                                                    "missing": o.missing.map(\.chinese).joined(separator: "、"),
                                                    "mismatches": o.mismatches.map { ["m": $0.description] }] },
            "unlinked": report.unlinked.prefix(200).map { ["document": $0.document.chinese, "order": $0.orderNo] },
            "hasUnlinked": !report.unlinked.isEmpty, "hasFailing": !failing.isEmpty,
        ]
        return try views.page("match", title: "三单对碰", current: .match, model: model, context: context, synthetic: await synthetic())
    }
}
