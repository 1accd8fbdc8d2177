import Foundation
import Testing
@testable import TradeStore

/// The first statement to PostgreSQL races a timer (`PostgresBackend.within`): at the limit the
/// caller hears `unavailable` at once, even when the statement does not notice its cancellation
/// (a query waiting for a connection that never comes); the statement is not waited for.
/// Each measurement runs on threads of its own (`measured`): on the shared cooperative threads,
/// which other tests of the run keep busy, the caller's own turn could wait seconds to come.
@Suite struct AnswerLimitTests {
    /// How long `work` takes, timed on a dispatch queue of its own.
    func measured(_ work: @escaping @Sendable () async -> Void) async -> Duration {
        await Task(executorPreference: ConnectionPoolExecutor()) {
            let start = ContinuousClock.now
            await work()
            return ContinuousClock.now - start
        }.value
    }

    @Test func theLimitAnswersWithoutWaitingForTheBody() async throws {
        let elapsed = await measured {
            await #expect {
                try await PostgresBackend.within(.milliseconds(200), on: ConnectionPoolExecutor()) {
                    // Deaf to cancellation for 3 s, as a query queued for a connection is.
                    let until = ContinuousClock.now + .seconds(3)
                    while ContinuousClock.now < until { try? await Task.sleep(for: .milliseconds(20)) }
                }
            } throws: { error in
                guard case let .unavailable(message) = error as? StorageError else { return false }
                return message.contains("无应答")
            }
        }
        #expect(elapsed < .seconds(2))
    }

    @Test func anAnswerInTimeIsTheBodysAndItsErrorToo() async throws {
        try await PostgresBackend.within(.seconds(5), on: ConnectionPoolExecutor()) {}
        await #expect(throws: StorageError.self) {
            try await PostgresBackend.within(.seconds(5), on: ConnectionPoolExecutor()) { throw StorageError.engine("坏了") }
        }
    }

    /// A server that is not there (nothing listens on port 1) is an `unavailable` error within the
    /// stated time, 15 s, not a hang and not that time plus however long the abandoned query takes.
    @Test func aMissingServerIsUnavailableWithinTheLimit() async throws {
        let elapsed = await measured {
            await #expect(throws: StorageError.self) { _ = try await Store.open(.postgres(url: "postgres://postgres@127.0.0.1:1/postgres")) }
        }
        #expect(elapsed < .seconds(18))
    }
}
