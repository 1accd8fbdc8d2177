import Foundation
import GRDB

/// The embedded default: one SQLite file, through GRDB.
public final class SQLiteBackend: TradeBackend {
    let queue: DatabaseQueue
    public let dialect = SQLDialect.sqlite

    public init(path: String) throws {
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.prepareDatabase { db in
            // WAL with synchronous=NORMAL: a committed ingest survives a crash of the program; only a
            // power loss can take back the last transactions (SQLite's documented trade-off).
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Bulk ingest writes hundreds of megabytes: a 64 MB page cache and a checkpoint every
            // 10,000 pages (about 40 MB of WAL) instead of 1,000 (docs/benchmarks.md: bare loop 6.65 s → 5.43 s).
            try db.execute(sql: "PRAGMA cache_size = -65536")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 10000")
        }
        queue = try DatabaseQueue(path: path, configuration: config)
    }

    public func transaction<T>(_ body: (any SQLExecutor) throws -> T) throws -> T {
        var result: T?
        try queue.inTransaction { db in
            result = try body(GRDBExecutor(db: db))
            return .commit
        }
        return result!
    }

    public func close() throws { try queue.close() }
}

struct GRDBExecutor: SQLExecutor {
    let db: Database
    var dialect: SQLDialect { .sqlite }

    static func bind(_ values: [SQLValue]) -> StatementArguments {
        StatementArguments(values.map { v -> (any DatabaseValueConvertible)? in
            switch v {
            case .null: return nil
            case let .integer(i): return i
            case let .text(s): return s
            case let .blob(b): return Data(b)
            }
        })
    }

    /// Statements are compiled once per connection and reused (GRDB's statement cache).
    func execute(_ sql: String, _ arguments: [SQLValue]) throws {
        let statement = try db.cachedStatement(sql: sql)
        try statement.execute(arguments: GRDBExecutor.bind(arguments))
    }

    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [[SQLValue]] {
        let statement = try db.cachedStatement(sql: sql)
        return try Row.fetchAll(statement, arguments: GRDBExecutor.bind(arguments)).map { row in
            row.databaseValues.map { dv -> SQLValue in
                switch dv.storage {
                case .null: return .null
                case let .int64(i): return .integer(i)
                case let .double(d): return .text(String(d))
                case let .string(s): return .text(s)
                case let .blob(data): return .blob([UInt8](data))
                }
            }
        }
    }
}
