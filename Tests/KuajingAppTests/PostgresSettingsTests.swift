import Foundation
import KuajingApp
import KuajingTestSupport
import Testing
import TradeStore

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

    /// A server that is not there is an `unavailable` error within the stated time, not a hang.
    @Test func aMissingServerIsUnavailable() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        await #expect(throws: StorageError.self) { _ = try await Store.open(.postgres(url: "postgres://postgres@127.0.0.1:1/postgres")) }
        #expect(clock.now - start < .seconds(30))
    }
}
