import Foundation
import KuajingDomain
import Monitoring
import Storage

/// The action plans as data: list, one plan, and the check of their quotations and scopes.
public struct PlanCatalog: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public func plans() throws(AppError) -> [Plan] { try context.plans() }
    public func plan(_ id: String) throws(AppError) -> Plan { try context.plan(id) }

    /// Loads every plan and checks quotations against the seeds and scopes against the divisions.
    public func check() throws(AppError) -> [FileCheck] {
        let directory = context.configuration.plans
        let files: [String]
        do { files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".yaml") }.sorted() } catch {
            throw .unavailable(message: "无法读取计划目录 \(directory)")
        }
        return files.map { f in
            do {
                let plan = try PlanLoader.load(path: directory + "/" + f)
                let (quoted, found) = PlanCheck.check(plan, seedDirectory: context.configuration.seeds)
                return FileCheck(file: plan.file, contents: "目标 \(plan.targets.count) 项，任务 \(plan.tasks.count) 项", quoted: quoted, problems: found.map(\.description))
            } catch {
                return FileCheck(file: directory + "/" + f, contents: nil, quoted: 0, problems: [AppError(error).message])
            }
        }
    }
}

/// Every target's progress in a month: value, shares of target and time, projection, status.
public struct TargetProgressReport: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public struct PlanProgress: Sendable {
        public var plan: Plan
        public var targets: [TargetProgress]
    }

    public func progress(month: Month, planID: String? = nil) async throws(AppError) -> [PlanProgress] {
        let plans = try context.plans().filter { planID == nil || $0.id == planID }
        if let planID, plans.isEmpty { throw .notFound(message: "没有编号为 \(planID) 的计划") }
        return try await context.withStore { store in
            let calculator = ProgressCalculator(queries: RollupQueries(store: store))
            var out: [PlanProgress] = []
            for plan in plans {
                var targets: [TargetProgress] = []
                for t in plan.targets { targets.append(try await calculator.progress(of: t, in: plan, asOf: month)) }
                out.append(PlanProgress(plan: plan, targets: targets))
            }
            return out
        }
    }

    /// The targets a viewer may see the figures of: a city role every target; a district user the
    /// targets of its own district and of its city (the divisions above it in the division table),
    /// never a sibling district's nor another city's, as every statistic page limits it to its
    /// district. The province's (浙江 2021, not a division of the table) are not shown to it either.
    public func progress(_ viewer: Viewer, month: Month, planID: String? = nil) async throws(AppError) -> [PlanProgress] {
        let all = try await progress(month: month, planID: planID)
        guard viewer.role == .district, let own = viewer.district, let mine = DivisionCatalog.standard.lookup(own) else { return all }
        let catalog = DivisionCatalog.standard
        // 排名通报 on: every district of the viewer's city as well (never another city's).
        let city = context.configuration.districtRanking ? catalog.lookup(viewer.city) : nil
        return all.map { p in
            PlanProgress(plan: p.plan, targets: p.targets.filter { t in
                guard let scope = catalog.lookup(t.target.scope) else { return false }
                if let city, catalog.isWithin(scope.index, city.index) { return true }
                return catalog.isWithin(mine.index, scope.index)
            })
        }
    }
}

/// What the responsible units report by hand: manual indicator figures with evidence, task
/// status updates (each moving the task from the version its writer saw), and the task list.
public struct PlanFollowUp: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public struct EntryInput: Sendable {
        public var planID, targetID, value, asOf, by, evidence: String
        public init(planID: String, targetID: String, value: String, asOf: String, by: String, evidence: String) {
            self.planID = planID
            self.targetID = targetID
            self.value = value
            self.asOf = asOf
            self.by = by
            self.evidence = evidence
        }
    }

    public func enter(_ input: EntryInput) async throws(AppError) -> IndicatorEntry {
        let plan = try context.plan(input.planID)
        guard let target = plan.targets.first(where: { $0.id == input.targetID }) else {
            throw .notFound(message: "计划 \(input.planID) 中没有目标 \(input.targetID)")
        }
        guard target.indicator == .manual else {
            throw .invalidInput(field: "target", location: nil, message: "目标 \(input.targetID) 由账本计算（\(target.indicator.chinese)），不能手工填报")
        }
        guard let q = PlanQuantity.parse(input.value), q.kind == target.value.kind else {
            throw .invalidInput(field: "value", location: nil, message: "填报值“\(input.value)”无法识别或与目标单位（\(target.value.text)）不符")
        }
        guard Day.parse(input.asOf) != nil else { throw .invalidInput(field: "as_of", location: nil, message: "应为 YYYY-MM-DD，实为“\(input.asOf)”") }
        guard !input.by.trimmingCharacters(in: .whitespaces).isEmpty else { throw .invalidInput(field: "by", location: nil, message: "须写明填报单位") }
        guard !input.evidence.trimmingCharacters(in: .whitespaces).isEmpty else { throw .invalidInput(field: "evidence", location: nil, message: "须写明证明材料") }
        let entry = IndicatorEntry(planID: input.planID, targetID: input.targetID, value: input.value, asOf: input.asOf, enteredBy: input.by,
                                   evidence: input.evidence, enteredAt: context.clock.timestamp())
        try await context.withStore { try await $0.planRecords.addIndicatorEntry(entry) }
        return entry
    }

    public struct TaskInput: Sendable {
        public var planID, clause, status, note, by: String
        /// The version of the task the writer saw (nil: whatever it is now).
        public var expectedVersion: Int64?
        public init(planID: String, clause: String, status: String, note: String, by: String, expectedVersion: Int64? = nil) {
            self.planID = planID
            self.clause = clause
            self.status = status
            self.note = note
            self.by = by
            self.expectedVersion = expectedVersion
        }
    }

    func validate(_ input: TaskInput) throws(AppError) {
        guard TaskUpdate.statuses.contains(input.status) else {
            throw .invalidInput(field: "status", location: nil, message: "状态应为 \(TaskUpdate.statuses.joined(separator: "、"))，实为“\(input.status)”")
        }
        let p = try context.plan(input.planID)
        guard p.tasks.contains(where: { $0.clause == input.clause }) || p.keyWorks.contains(where: { "重点工作\($0.clause)" == input.clause }) else {
            throw .notFound(message: "计划 \(input.planID) 中没有任务 \(input.clause)")
        }
        guard !input.by.trimmingCharacters(in: .whitespaces).isEmpty else { throw .invalidInput(field: "by", location: nil, message: "须写明报告单位") }
        try AppError.checkFreeText(input.note, field: "note", lineBreaks: true)
        try AppError.checkFreeText(input.by, field: "by")
    }

    /// Records a status update. With `expectedVersion`, a task that moved on since is a `conflict`
    /// (nothing written); without it, the update applies to the state read in its own transaction.
    /// On PostgreSQL two writers may read the same version at once; the one that loses finds the
    /// conditional statement moved nothing. Without `expectedVersion` its write did not depend on
    /// what another wrote, so it is retried (read again, write again) up to this many times.
    public static let retries = 50

    /// A platform user's update: only on a plan of the user's own city (the plan's scope is the
    /// city or a division within it); another city's plan is not found, as a missing one.
    public func update(_ input: TaskInput, as viewer: Viewer) async throws(AppError) -> TaskUpdate {
        guard viewer.writesFollowUp else { throw .forbidden(message: "只有市级管理员、分析员和区县用户可以更新任务进展") }
        let plan = try? context.plan(input.planID)
        guard let plan, Self.plan(plan, isWithin: viewer.city) else { throw .notFound(message: "没有本市（\(viewer.city)）的计划 \(input.planID.prefix(60))") }
        return try await update(input)
    }

    /// Whether a plan's scope is the city or a division within it.
    static func plan(_ plan: Plan, isWithin city: String) -> Bool {
        let divisions = DivisionCatalog.standard
        guard let scope = divisions.lookup(plan.scope)?.index, let own = divisions.lookup(city)?.index else { return false }
        return divisions.isWithin(scope, own)
    }

    public func update(_ input: TaskInput) async throws(AppError) -> TaskUpdate {
        try validate(input)
        let update = TaskUpdate(planID: input.planID, clause: input.clause, status: input.status, note: input.note, updatedBy: input.by,
                                updatedAt: context.clock.timestamp())
        return try await context.withStore { store in
            var attempt = 0
            while true {
                do { return try await store.planRecords.addTaskUpdate(update, expectedVersion: input.expectedVersion) } catch is StaleTaskWrite where input.expectedVersion == nil && attempt < Self.retries {
                    attempt += 1
                }
            }
        }
    }

    /// A task's current status and version (what a writer sees before it updates).
    public func state(planID: String, clause: String) async throws(AppError) -> TaskState {
        try await context.withStore { try await $0.planRecords.taskState(planID: planID, clause: clause) }
    }

    public struct PlanTasks: Sendable {
        public var plan: Plan
        public var tasks: [TaskStatus]
    }

    /// Every task of the plans (or one plan) with its status and overdue marks on `day` (default:
    /// today in Asia/Shanghai).
    public func tasks(planID: String? = nil, on day: Day? = nil, overdueOnly: Bool = false) async throws(AppError) -> [PlanTasks] {
        let plans = try context.plans().filter { planID == nil || $0.id == planID }
        if let planID, plans.isEmpty { throw .notFound(message: "没有编号为 \(planID) 的计划") }
        let day = day ?? context.clock.today()
        return try await context.withStore { store in
            var out: [PlanTasks] = []
            for plan in plans {
                let tasks = try await TaskStatus.all(plan: plan, records: store.planRecords, on: day).filter { !overdueOnly || !$0.overdue.isEmpty }
                out.append(PlanTasks(plan: plan, tasks: tasks))
            }
            return out
        }
    }
}
