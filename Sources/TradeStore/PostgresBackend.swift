import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// The production store: a PostgreSQL server, through PostgresNIO. Calls block the calling thread
/// on NIO futures (never on an event loop), so the ledger's logic is the same synchronous code for
/// both engines.
public final class PostgresBackend: TradeBackend, @unchecked Sendable {
    public let dialect = SQLDialect.postgres
    let group: MultiThreadedEventLoopGroup
    let connection: PostgresConnection
    let logger = Logger(label: "kuajing.postgres")

    /// `url`: postgres://user[:password]@host[:port]/database. `schema`: a schema to create if needed
    /// and work in (tests give each run its own).
    public init(url: String, schema: String? = nil) throws {
        guard let u = URLComponents(string: url), let host = u.host, let user = u.user else {
            throw PostgresBackendError("无法识别的 PostgreSQL 地址：\(url)（应为 postgres://用户@主机:端口/数据库）")
        }
        let database = u.path.split(separator: "/").first.map(String.init)
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let config = PostgresConnection.Configuration(host: host, port: u.port ?? 5432, username: user, password: u.password,
                                                      database: database, tls: .disable)
        do {
            connection = try PostgresConnection.connect(on: group.next(), configuration: config, id: 1, logger: logger).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw PostgresBackendError("无法连接 PostgreSQL（\(host):\(u.port ?? 5432)）：\(String(reflecting: error))")
        }
        if let schema {
            let executor = PostgresExecutor(connection: connection, logger: logger)
            try executor.execute("CREATE SCHEMA IF NOT EXISTS \"\(schema)\"", [])
            try executor.execute("SET search_path TO \"\(schema)\"", [])
        }
    }

    public func transaction<T>(_ body: (any SQLExecutor) throws -> T) throws -> T {
        let executor = PostgresExecutor(connection: connection, logger: logger)
        try executor.execute("BEGIN", [])
        do {
            let result = try body(executor)
            try executor.execute("COMMIT", [])
            return result
        } catch {
            try? executor.execute("ROLLBACK", [])
            throw error
        }
    }

    public func close() throws {
        try connection.close().wait()
        try group.syncShutdownGracefully()
    }

    deinit { try? close() }
}

public struct PostgresBackendError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}

struct PostgresExecutor: SQLExecutor {
    let connection: PostgresConnection
    let logger: Logger
    var dialect: SQLDialect { .postgres }

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
        } catch let e as PSQLError {
            throw PostgresBackendError("PostgreSQL：\(e.serverInfo?[.message] ?? String(reflecting: e))")
        }
    }

    func execute(_ sql: String, _ arguments: [SQLValue]) throws { _ = try query(sql, arguments) }

    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [[SQLValue]] { try decode(try query(sql, arguments)) }

    func decode(_ result: PostgresQueryResult) throws -> [[SQLValue]] {
        try result.rows.map { row in
            try row.map { cell -> SQLValue in
                guard cell.bytes != nil else { return .null }
                switch cell.dataType {
                case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
                case .numeric:
                    let text = try cell.decode(String.self)
                    return Int64(text).map(SQLValue.integer) ?? .text(text)
                case .bytea:
                    let buffer = try cell.decode(ByteBuffer.self)
                    return .blob(Array(buffer.readableBytesView))
                case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
                default: return .text(try cell.decode(String.self))
                }
            }
        }
    }
}
