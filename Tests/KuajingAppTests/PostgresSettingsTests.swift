import Foundation
import KuajingApp
import KuajingTestSupport
import Testing
import Storage

/// TLS to PostgreSQL is a setting: `prefer` falls back to plain on a server without TLS, `require`
/// refuses it with a clear message, and a mode that does not exist is named.
@Suite(.postgresRequired) struct PostgresSettingsTests {
    var url: String { TestEngine.postgresURL ?? "" }

    @Test func preferTalksToAServerWithoutTLS() async throws {
        let store = try await Store.open(.postgres(url: url + "?sslmode=prefer"))
        #expect(try await Migrator.appliedVersions(store.backend).count >= 0)
        try await store.close()
    }

    @Test func requireRefusesAServerWithoutTLS() async throws {
        await #expect {
            _ = try await Store.open(.postgres(url: url), tls: .require)
        } throws: { error in
            guard case let .unavailable(message) = error as? StorageError else { return false }
            return message.contains("无法连接 PostgreSQL")
        }
    }

    @Test func anUnknownModeIsNamed() async throws {
        await #expect {
            _ = try await Store.open(.postgres(url: url + "?sslmode=sometimes"))
        } throws: { error in
            guard case let .unavailable(message) = error as? StorageError else { return false }
            return message.contains("sometimes")
        }
    }

    /// The server answers within the limit even while Swift's shared cooperative threads are kept
    /// busy for longer than the limit by 200 tasks of synchronous work, as at the start of a test run
    /// on two cores or in a server that computes: each turn of a task on those threads then waits
    /// about 2 s. With the connection pool on the shared threads this failed with 无应答; on its own
    /// threads (`ConnectionPoolExecutor`) the server's answer arrives in time.
    @Test func theFirstAnswerDoesNotWaitForBusySharedThreads() async throws {
        let until = ContinuousClock.now + .seconds(6)
        let busy = (0..<200).map { _ in
            Task.detached {
                while ContinuousClock.now < until {
                    holdThisThread(seconds: 0.02)
                    await Task.yield()
                }
            }
        }
        let backend = try await PostgresBackend(url: url, firstAnswerLimit: .seconds(2))
        try await backend.close()
        for task in busy { await task.value }
    }
}

/// Synchronous work that keeps its thread (a stand-in for seconds of computation).
private func holdThisThread(seconds: Double) { Thread.sleep(forTimeInterval: seconds) }
