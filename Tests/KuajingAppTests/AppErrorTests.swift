import Foundation
import KuajingApp
import KuajingTestSupport
import Testing
@testable import Storage

/// Errors of every layer arrive as one AppError a front end can map.
@Suite struct AppErrorTests {
    @Test func lowerLayersAreClassified() {
        #expect(AppError(StorageError.constraint("UNIQUE")) == .conflict(message: StorageError.constraint("UNIQUE").description))
        #expect(AppError(StorageError.unavailable("down")) == .unavailable(message: StorageError.unavailable("down").description))
        // A fault of the program is an internal failure: its detail for the log, a plain sentence for the user.
        let decoding = AppError(StorageError.decoding(column: "amount_fen", expected: "integer", found: "text"))
        #expect(decoding == .internalFailure(detail: "数据库列 amount_fen 应为 integer，实为 text"))
        #expect(!decoding.message.contains("amount_fen"), "no internal text shown to a user")
        struct Unknown: Error {}
        guard case .internalFailure = AppError(Unknown()) else { Issue.record("an unknown error is an internal failure, not 'unavailable'"); return }
        let stale = StaleTaskWrite(expected: 2, current: TaskState(planID: "p", clause: "1", status: "进行中", version: 3, updatedBy: "A", updatedAt: nil))
        guard case let .conflict(message) = AppError(stale) else { Issue.record("a stale write is a conflict"); return }
        #expect(message.contains("当前版本 3") && message.contains("版本 2"))
    }

    @Test func notFoundAndInvalidInputFromUseCases() async throws {
        let context = try testContext(store: try await TestEngine.sqlite.store())
        await #expect(throws: AppError.notFound(message: "没有编号为 9999 的隔离记录")) { try await QuarantineCases(context).entry(9999) }
        #expect(throws: AppError.notFound(message: "没有编号为 nope 的计划；可用 kuajing plans list 查看")) { try PlanCatalog(context).plan("nope") }
        await #expect(throws: AppError.invalidInput(field: "status", location: nil, message: "状态应为 未开始、进行中、已完成、暂缓，实为“done”")) {
            try await PlanFollowUp(context).update(.init(planID: "hangzhou-2024", clause: "19", status: "done", note: "", by: "市商务局"))
        }
        #expect(throws: AppError.invalidInput(field: "by", location: nil, message: "未知维度 x；可用：code, direction, month, district, country, enterprise")) {
            try Statistics.dimensions("code,x")
        }
    }
}
