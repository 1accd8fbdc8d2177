import Foundation
import Testing
@testable import Storage

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
                    // Deaf to cancellation for 30 s, as a query queued for a connection is.
                    let until = ContinuousClock.now + .seconds(30)
                    while ContinuousClock.now < until { try? await Task.sleep(for: .milliseconds(20)) }
                }
            } throws: { error in
                guard case let .unavailable(message) = error as? StorageError else { return false }
                return message.contains("无应答")
            }
        }
        // Waiting for the body would take 30 s; the margin is for a busy run, in which even these
        // threads of their own (a dispatch queue) waited seconds for a turn.
        #expect(elapsed < .seconds(15))
    }

    @Test func anAnswerInTimeIsTheBodysAndItsErrorToo() async throws {
        try await PostgresBackend.within(.seconds(5), on: ConnectionPoolExecutor()) {}
        await #expect(throws: StorageError.self) {
            try await PostgresBackend.within(.seconds(5), on: ConnectionPoolExecutor()) { throw StorageError.engine("坏了") }
        }
    }

    /// A server that is not there (nothing listens on port 1) is an `unavailable` error after the
    /// stated 15 s, not a hang. The bound is the one this test had before it moved here: in a full
    /// run on two cores the dispatch queue's turns came late (19.2 s once against 18 s).
    @Test func aMissingServerIsUnavailableWithinTheLimit() async throws {
        let elapsed = await measured {
            await #expect(throws: StorageError.self) { _ = try await Store.open(.postgres(url: "postgres://postgres@127.0.0.1:1/postgres")) }
        }
        #expect(elapsed < .seconds(30))
    }
}
