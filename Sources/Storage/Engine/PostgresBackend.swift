import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// How the connection to PostgreSQL is secured: `disable`, `prefer` (TLS when the server offers it)
/// or `require`. From the URL's `sslmode` (as libpq names it), else the configuration.
public enum PostgresTLSMode: String, Sendable, CaseIterable {
    case disable, prefer, require
}

/// The production store: a PostgreSQL server, through PostgresNIO's `PostgresClient` (a connection
/// pool run as a service for as long as the backend is open). Each transaction leases a connection,
/// `withTransaction` sends BEGIN and COMMIT (or ROLLBACK) on it, and the body's statements run on
/// that connection alone, from a blocking thread pool, so two transactions never share a connection.
public final class PostgresBackend: StoreBackend {
    public let dialect = SQLDialect.postgres
    let client: PostgresClient
    let service: Task<Void, Never>
    /// The pool service and the first statement run here, off the shared cooperative threads.
    let poolExecutor = ConnectionPoolExecutor()
    let blocking: NIOThreadPool
    let logger = Logger(label: "kuajing.postgres")
    /// Concurrent transactions at most (the pool's size; the blocking threads match it).
    public static let maximumConnections = 16

    /// One advisory lock per schema: two processes migrating the same schema wait for each other.
    public var migrationLockStatement: String? { "SELECT pg_advisory_xact_lock(hashtext('kuajing-migrations:' || current_schema()))" }

    /// `url`: postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require].
    /// `schema`: a schema to create if needed and work in (tests give each run its own).
    /// `firstAnswerLimit`: how long the first statement may take before the server counts as absent.
    public init(url: String, schema: String? = nil, tls: PostgresTLSMode = .disable, firstAnswerLimit: Duration = .seconds(15)) async throws {
        guard let u = URLComponents(string: url), let host = u.host, let user = u.user else {
            throw StorageError.unavailable("无法识别的 PostgreSQL 地址：\(url)（应为 postgres://用户@主机:端口/数据库）")
        }
        let database = u.path.split(separator: "/").first.map(String.init)
        var mode = tls
        if let s = u.queryItems?.first(where: { $0.name == "sslmode" })?.value {
            guard let m = PostgresTLSMode(rawValue: s) else {
                throw StorageError.unavailable("sslmode 应为 \(PostgresTLSMode.allCases.map(\.rawValue).joined(separator: "、"))，实为“\(s)”")
            }
            mode = m
        }
        let tlsSetting: PostgresClient.Configuration.TLS
        switch mode {
        case .disable: tlsSetting = .disable
        case .prefer: tlsSetting = .prefer(.makeClientConfiguration())
        case .require: tlsSetting = .require(.makeClientConfiguration())
        }
        var config = PostgresClient.Configuration(host: host, port: u.port ?? 5432, username: user, password: u.password, database: database, tls: tlsSetting)
        config.options.maximumConnections = PostgresBackend.maximumConnections
        config.options.connectTimeout = .seconds(10)
        if let schema { config.options.additionalStartupParameters = [("search_path", "\"\(schema)\"")] }
        let client = PostgresClient(configuration: config, backgroundLogger: logger)
        self.client = client
        service = Task(executorPreference: poolExecutor) { await client.run() }
        blocking = NIOThreadPool(numberOfThreads: PostgresBackend.maximumConnections)
        blocking.start()
        // The first statement proves the server is there (or says why not) within a bounded time.
        do {
            try await PostgresBackend.within(firstAnswerLimit, on: poolExecutor) {
                if let schema { try await client.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \"\(schema)\"")) } else { try await client.query("SELECT 1") }
            }
        } catch {
            service.cancel()
            try? await blocking.shutdownGracefully()
            throw StorageError.unavailable("无法连接 PostgreSQL（\(host):\(u.port ?? 5432)）：\(PostgresBackend.message(error))")
        }
    }

    /// `body`'s answer, or `unavailable` after `limit`, whichever comes first; both run on
    /// `executor`. At the limit the caller gets its answer at once: `body` is cancelled but not
    /// waited for (a query waiting for a connection that never comes ends when the pool is shut
    /// down, which the caller does next), so "within 15 s" means 15 s and not 15 s plus however
    /// long the abandoned query takes to notice.
    static func within(_ limit: Duration, on executor: any TaskExecutor, _ body: @escaping @Sendable () async throws -> Void) async throws {
        let race = FirstAnswer()
        try await withCheckedThrowingContinuation { (answer: CheckedContinuation<Void, any Error>) in
            let work = Task(executorPreference: executor) {
                do {
                    try await body()
                    if race.arrive() { answer.resume() }
                } catch {
                    if race.arrive() { answer.resume(throwing: error) }
                }
            }
            race.keep(timer: Task(executorPreference: executor) {
                try? await Task.sleep(for: limit)
                if !Task.isCancelled, race.arrive() {
                    work.cancel()
                    answer.resume(throwing: StorageError.unavailable("\(limit) 内无应答"))
                }
            })
        }
    }

    /// Which of a body and its timer answered first; the timer is cancelled when the body does.
    final class FirstAnswer: Sendable {
        private let state = Mutex<(answered: Bool, timer: Task<Void, Never>?)>((false, nil))

        /// True for the first caller only.
        func arrive() -> Bool {
            state.withLock { s in
                defer { s.answered = true }
                if !s.answered { s.timer?.cancel() }
                return !s.answered
            }
        }

        /// The timer to cancel when the body answers first (at once, if it already has).
        func keep(timer: Task<Void, Never>) {
            state.withLock { s in if s.answered { timer.cancel() } else { s.timer = timer } }
        }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) throws -> T) async throws -> T {
        try await transaction(origin: RequestOrigin.current, body)
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) throws -> T) async throws -> T {
        try await transaction(origin: nil, body)
    }

    func transaction<T: Sendable>(origin: RequestOrigin?, _ body: @escaping @Sendable (any SQLExecutor) throws -> T) async throws -> T {
        let logger = self.logger, blocking = self.blocking, poolExecutor = self.poolExecutor
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await blocking.runIfActive { try body(PostgresExecutor(connection: connection, logger: logger, poolExecutor: poolExecutor, origin: origin)) }
            }
        } catch let e as PostgresTransactionError {
            if let inner = e.closureError { throw PostgresBackend.storageError(inner) }
            throw PostgresBackend.storageError(e.beginError ?? e.commitError ?? e.rollbackError ?? e)
        } catch {
            throw PostgresBackend.storageError(error)
        }
    }

    public func close() async throws {
        service.cancel()
        await service.value
        try await blocking.shutdownGracefully()
    }

    static func message(_ error: any Error) -> String {
        if let e = error as? PSQLError { return e.serverInfo?[.message] ?? String(reflecting: e.code) }
        if let e = error as? StorageError { return e.description }
        return String(describing: error)
    }

    static func storageError(_ error: any Error) -> any Error {
        if error is StorageError { return error }
        if let e = error as? PSQLError {
            let message = Self.message(e)
            if let state = e.serverInfo?[.sqlState] {
                if state.hasPrefix("23") { return StorageError.constraint(message) }
                if state.hasPrefix("08") || state.hasPrefix("57") || state.hasPrefix("53") { return StorageError.unavailable(message) }
                return StorageError.engine("\(message)（SQLSTATE \(state)）")
            }
            return StorageError.unavailable(message)
        }
        return error
    }
}

struct PostgresExecutor: SQLExecutor {
    let connection: PostgresConnection
    let logger: Logger
    /// Where `copy` runs PostgresNIO's async `copyFrom` while this (blocking) thread waits for it.
    let poolExecutor: ConnectionPoolExecutor
    let origin: RequestOrigin?
    var dialect: SQLDialect { .postgres }

    /// `COPY table (columns) FROM STDIN` in PostgreSQL's text format: the rows go to the server as one
    /// stream instead of statements with bound values (the bare insert loop, 100,000 records: 8.3–11.7 s
    /// against 17.7–20.6 s by multi-row inserts, docs/benchmarks.md). The transaction's connection is
    /// used, so the rows are committed or rolled back with the rest of it.
    func copy(into table: String, columns: [String], rows: [[SQLValue]]) throws {
        guard !rows.isEmpty else { return }
        var text: [UInt8] = []
        text.reserveCapacity(rows.count * 256)
        for row in rows {
            for (k, value) in row.enumerated() {
                if k > 0 { text.append(0x09) }
                PostgresExecutor.appendCopyText(value, to: &text)
            }
            text.append(0x0A)
        }
        let buffer = ByteBuffer(bytes: text)
        let connection = self.connection, logger = self.logger
        let outcome = CopyOutcome()
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: poolExecutor) {
            do {
                try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in try await writer.write(buffer) }
            } catch {
                outcome.error = error
            }
            done.signal()
        }
        done.wait()
        if let error = outcome.error { throw PostgresBackend.storageError(error) }
    }

    /// One value in COPY's text format: `\N` for NULL; backslash, tab, newline and carriage return
    /// escaped; a blob as `\\x` and hex.
    static func appendCopyText(_ value: SQLValue, to out: inout [UInt8]) {
        switch value {
        case .null: out += [0x5C, 0x4E]
        case let .integer(i): out += Array(String(i).utf8)
        case let .text(s):
            for b in s.utf8 {
                switch b {
                case 0x5C: out += [0x5C, 0x5C]
                case 0x09: out += [0x5C, 0x74]
                case 0x0A: out += [0x5C, 0x6E]
                case 0x0D: out += [0x5C, 0x72]
                default: out.append(b)
                }
            }
        case let .blob(bytes):
            let hex = Array("0123456789abcdef".utf8)
            out += [0x5C, 0x5C, 0x78]
            for b in bytes { out += [hex[Int(b >> 4)], hex[Int(b & 15)]] }
        }
    }

    /// `?` placeholders become `$1`, `$2`…: the ledger's SQL never writes `?` inside a string literal
    /// (values are always bound), which the conformance suite checks on both engines.
    static func numbered(_ sql: String) -> String {
        var out = ""
        var n = 0
        for ch in sql {
            if ch == "?" { n += 1; out += "$\(n)" } else { out.append(ch) }
        }
        return out
    }

    func query(_ sql: String, _ arguments: [SQLValue]) throws -> PostgresQueryResult {
        var binds = PostgresBindings()
        for a in arguments {
            switch a {
            case .null: binds.appendNull()
            case let .integer(i): binds.append(i)
            case let .text(s): binds.append(s)
            case let .blob(b): binds.append(ByteBuffer(bytes: b))
            }
        }
        do {
            return try connection.query(PostgresQuery(unsafeSQL: PostgresExecutor.numbered(sql), binds: binds), logger: logger).wait()
        } catch {
            throw PostgresBackend.storageError(error)
        }
    }

    func execute(_ sql: String, _ arguments: [SQLValue]) throws { _ = try query(sql, arguments) }

    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        let result = try query(sql, arguments)
        var names: [String]?
        return try result.rows.map { row in
            var values: [SQLValue] = []
            var rowNames: [String] = []
            for cell in row {
                if names == nil { rowNames.append(cell.columnName) }
                values.append(try PostgresExecutor.decode(cell))
            }
            if names == nil { names = rowNames }
            return SQLRow(names: names!, values: values)
        }
    }

    static func decode(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
        case .numeric:
            let text = try cell.decode(String.self)
            guard let i = Int64(text) else { throw StorageError.decoding(column: cell.columnName, expected: "integer", found: "numeric \(text)") }
            return .integer(i)
        case .bytea:
            let buffer = try cell.decode(ByteBuffer.self)
            return .blob(Array(buffer.readableBytesView))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        default: return .text(try cell.decode(String.self))
        }
    }
}

/// What a `copyFrom` run on the pool's executor reports to the thread waiting for it (written before
/// the semaphore is signalled, read after it is waited for).
private final class CopyOutcome: @unchecked Sendable {
    var error: (any Error)?
}
