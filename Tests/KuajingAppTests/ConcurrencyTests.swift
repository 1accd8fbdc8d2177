import Foundation
import KuajingApp
import KuajingDomain
import KuajingTestSupport
import Testing
import Storage

/// 64 concurrent read-then-write transactions through KuajingApp on one shared store: each reads a
/// task's state, decides its write from what it read, and writes only if the task is still at the
/// version it saw. A lost update would show as two writes from the same version, or a final
/// version short of 64.
enum ConcurrencyChecks {
    static let writers = 64

    static func readThenWriteNeverLosesAnUpdate(engine: TestEngine) async throws {
        let store = try await engine.store()
        let followUp = PlanFollowUp(try testContext(store: store))
        let outcomes = try await withThrowingTaskGroup(of: (saw: Int64, wrote: Int64, conflicts: Int).self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var conflicts = 0
                    while true {
                        let seen = try await followUp.state(planID: "hangzhou-2024", clause: "19")
                        // The write depends on what was read: the next status in the cycle, noted with the version seen.
                        let next = TaskUpdate.statuses[Int(seen.version + 1) % TaskUpdate.statuses.count]
                        do {
                            let u = try await followUp.update(.init(planID: "hangzhou-2024", clause: "19", status: next, note: "writer \(writer) saw v\(seen.version)",
                                                                    by: "区县商务局 \(writer)", expectedVersion: seen.version))
                            return (seen.version, u.version ?? -1, conflicts)
                        } catch let error as AppError {
                            guard case .conflict = error else { throw error }
                            conflicts += 1
                        }
                    }
                }
            }
            var all: [(saw: Int64, wrote: Int64, conflicts: Int)] = []
            for try await o in group { all.append(o) }
            return all
        }
        #expect(outcomes.count == writers)
        // Every write produced the version after the one its writer saw, and no two the same.
        #expect(outcomes.allSatisfy { $0.wrote == $0.saw + 1 })
        #expect(outcomes.map { $0.wrote }.sorted() == Array(1...Int64(writers)))
        let final = try await followUp.state(planID: "hangzhou-2024", clause: "19")
        #expect(final.version == Int64(writers))
        #expect(final.status == TaskUpdate.statuses[writers % TaskUpdate.statuses.count])
        let history = try await store.planRecords.taskUpdates(planID: "hangzhou-2024")
        #expect(history.count == writers)
        #expect(Set(history.compactMap(\.version)).count == writers)
        for u in history { #expect(u.note.hasSuffix("saw v\((u.version ?? 0) - 1)")) }
        try await store.close()
    }

    /// Writers that did not read first (the command line's `tasks update`): each applies to the
    /// state read in its own transaction; none is lost and none reaches its caller as an error.
    static func blindWritersAllLand(engine: TestEngine) async throws {
        let store = try await engine.store()
        let followUp = PlanFollowUp(try testContext(store: store))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    _ = try await followUp.update(.init(planID: "taizhou-2024", clause: "1", status: "进行中", note: "第 \(writer) 次", by: "市商务局"))
                }
            }
            try await group.waitForAll()
        }
        #expect(try await followUp.state(planID: "taizhou-2024", clause: "1").version == Int64(writers))
        #expect(try await store.planRecords.taskUpdates(planID: "taizhou-2024").compactMap(\.version).sorted() == Array(1...Int64(writers)))
        try await store.close()
    }

    /// A writer that saw an old version is refused, with the state it missed, and writes nothing.
    static func aStaleWriteIsRefused(engine: TestEngine) async throws {
        let store = try await engine.store()
        let followUp = PlanFollowUp(try testContext(store: store))
        let seen = try await followUp.state(planID: "pinghu-2024", clause: "1")
        _ = try await followUp.update(.init(planID: "pinghu-2024", clause: "1", status: "进行中", note: "first", by: "A", expectedVersion: seen.version))
        await #expect {
            _ = try await followUp.update(.init(planID: "pinghu-2024", clause: "1", status: "已完成", note: "stale", by: "B", expectedVersion: seen.version))
        } throws: { error in
            guard case let .conflict(message) = error as? AppError else { return false }
            return message.contains("当前版本 1")
        }
        #expect(try await store.planRecords.taskUpdates(planID: "pinghu-2024").map(\.note) == ["first"])
        #expect(try await followUp.state(planID: "pinghu-2024", clause: "1").status == "进行中")
        try await store.close()
    }

    /// Two openings of a fresh database migrating at once: one applies every migration, the other
    /// waits on the lock and finds nothing left; neither fails.
    static func migrationsRaceSafely(engine: TestEngine) async throws {
        let location: Store.Location
        var schema: String?
        switch engine {
        case .sqlite: location = .sqlite(path: TestEngine.sqlitePath())
        case .postgres:
            location = .postgres(url: try #require(TestEngine.postgresURL))
            schema = "mig_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        }
        let a = try await Store.open(location, schema: schema)
        let b = try await Store.open(location, schema: schema)
        async let first = a.migrate()
        async let second = b.migrate()
        let (x, y) = try await (first, second)
        #expect(x.count + y.count == Migrator.latestVersion)
        #expect(x.isEmpty || y.isEmpty)
        #expect(try await Migrator.appliedVersions(a.backend) == Array(1...Migrator.latestVersion))
        try await a.close()
        try await b.close()
    }
}

@Suite struct ConcurrencyOnSQLite {
    @Test func readThenWriteNeverLosesAnUpdate() async throws { try await ConcurrencyChecks.readThenWriteNeverLosesAnUpdate(engine: .sqlite) }
    @Test func blindWritersAllLand() async throws { try await ConcurrencyChecks.blindWritersAllLand(engine: .sqlite) }
    @Test func aStaleWriteIsRefused() async throws { try await ConcurrencyChecks.aStaleWriteIsRefused(engine: .sqlite) }
    @Test func migrationsRaceSafely() async throws { try await ConcurrencyChecks.migrationsRaceSafely(engine: .sqlite) }
}

@Suite(.postgresRequired) struct ConcurrencyOnPostgreSQL {
    @Test func readThenWriteNeverLosesAnUpdate() async throws { try await ConcurrencyChecks.readThenWriteNeverLosesAnUpdate(engine: .postgres) }
    @Test func blindWritersAllLand() async throws { try await ConcurrencyChecks.blindWritersAllLand(engine: .postgres) }
    @Test func aStaleWriteIsRefused() async throws { try await ConcurrencyChecks.aStaleWriteIsRefused(engine: .postgres) }
    @Test func migrationsRaceSafely() async throws { try await ConcurrencyChecks.migrationsRaceSafely(engine: .postgres) }
}
