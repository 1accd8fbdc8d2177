import Foundation
import KuajingApp
import KuajingDomain
import KuajingTestSupport
import Testing

/// The access-log entry of a change is written in the change's own transaction (migration 14): a
/// committed change has exactly one entry for its request, however many audit events it appends;
/// a refused change leaves none; a later `logChange` of the same request adds nothing.
enum AccessLogTransactionChecks {
    static func origin(_ id: String, path: String) -> RequestOrigin {
        RequestOrigin(id: id, user: CashOutChecks.admin.name, address: "127.0.0.1", method: "POST", path: path)
    }

    static func changed(_ w: CashOutChecks.World) async throws -> [AccessLogEntry] {
        try await Accounts(w.context).accessLog(for: CashOutChecks.admin, limit: 1000).filter { $0.outcome == "changed" }
    }

    static func oneEntryPerCommittedChange(engine: TestEngine) async throws {
        let w = try await CashOutChecks.world(engine)
        let budgets = BudgetDesk(w.context)
        let before = try await changed(w).count
        let budget = try #require(try await budgets.budgets(CashOutChecks.admin).first { $0.payer == "市级" })

        // A release that commits: one entry, written with its audit event.
        try await RequestOrigin.$current.withValue(origin("req-release", path: "/budgets/\(budget.id)/release")) {
            _ = try await budgets.release(CashOutChecks.admin, id: budget.id, amount: "1000.00")
            // The handler's own log line afterwards adds nothing: the request has its entry.
            try await Accounts(w.context).logChange(CashOutChecks.admin, address: "127.0.0.1", method: "POST", path: "/budgets/\(budget.id)/release", what: "下达预算")
        }
        var log = try await changed(w)
        #expect(log.count == before + 1)
        let entry = try #require(log.first)
        #expect(entry.path == "/budgets/\(budget.id)/release" && entry.user == CashOutChecks.admin.name)
        #expect(entry.reason.contains("下达预算") && entry.reason.contains("budget:\(budget.id)") && entry.reason.contains("审计第"), "\(entry.reason)")

        // A release past the allocation is refused: its transaction, entry and all, is rolled back.
        await #expect(throws: AppError.self) {
            try await RequestOrigin.$current.withValue(origin("req-too-much", path: "/budgets/\(budget.id)/release")) {
                _ = try await budgets.release(CashOutChecks.admin, id: budget.id, amount: "999999999.00")
            }
        }
        log = try await changed(w)
        #expect(log.count == before + 1, "a refused change leaves no entry")

        // Without a request (a command), a change writes no access-log entry of its own.
        _ = try await budgets.release(CashOutChecks.admin, id: budget.id, amount: "1.00")
        #expect(try await changed(w).count == before + 1)
    }
}

@Suite("Access log in the change's transaction on SQLite") struct AccessLogTransactionSQLiteTests {
    @Test func oneEntryPerCommittedChange() async throws { try await AccessLogTransactionChecks.oneEntryPerCommittedChange(engine: .sqlite) }
}

@Suite("Access log in the change's transaction on PostgreSQL", .postgresRequired) struct AccessLogTransactionPostgresTests {
    @Test func oneEntryPerCommittedChange() async throws { try await AccessLogTransactionChecks.oneEntryPerCommittedChange(engine: .postgres) }
}
