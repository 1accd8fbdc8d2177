import Foundation
import Hummingbird
import KuajingApp
import KuajingDomain

/// 我的待办: what waits for the signed-in person now (`WorkLists.myTasks`), deadlines first and
/// the overdue at the top, each with what to do and a link to the page where it is done.
extension Site {
    struct MyTasksView: PageView {
        static let template = "my-tasks"
        struct Task: Sendable { var id: Int64; var link, todo, enterprise, district, matter, amount, status, since, due: String; var overdue: Bool }
        var tasks: [Task]
        var count, overdueCount: String
        var hasTasks, hasOverdue: Bool
        var none: String
        var list: String
    }

    static func myTasksView(_ tasks: [WorkLists.Task], matters: [Matter], viewer: Viewer) -> MyTasksView {
        let overdue = tasks.filter(\.overdue).count
        return MyTasksView(
            tasks: tasks.map { t in
                let a = t.application
                return .init(id: a.id, link: Route.application(a.id).link, todo: t.todo, enterprise: a.enterpriseName, district: a.district,
                             matter: matters.first { $0.key == a.matter }?.chinese ?? a.matter, amount: Fen(a.decidedFen ?? a.engineAwardFen).grouped,
                             status: a.status.label, since: Show.time(a.holderSince), due: a.dueAt.map(Show.time) ?? "—", overdue: t.overdue)
            },
            count: "\(tasks.count)", overdueCount: "\(overdue)", hasTasks: !tasks.isEmpty, hasOverdue: overdue > 0,
            none: viewer.role == .auditor ? "审计员只查阅，不承担办理事项。" : "目前没有等待您办理的事项。", list: Route.applications.link)
    }

    func myTasks(_ request: Request, _ context: WebContext) async throws -> Response {
        let viewer = try await access.viewer(request, context)
        let (tasks, matters) = try await access.run(request, context) { () async throws(AppError) in
            (try await WorkLists(app).myTasks(viewer), try app.policySet().matters)
        }
        return try views.page(Self.myTasksView(tasks, matters: matters, viewer: viewer), title: "我的待办", current: .myTasks, context: context, synthetic: await synthetic())
    }
}
