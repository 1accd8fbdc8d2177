import Foundation
import GRDB

/// The embedded default: one SQLite file in WAL mode, through GRDB's `DatabasePool`: readers never
/// wait for the writer, writers queue in process and wait out a busy timeout between processes.
public final class SQLiteBackend: StoreBackend {
    let pool: DatabasePool
    public let dialect = SQLDialect.sqlite
    public var migrationLockStatement: String? { nil }

    /// How long a writer waits for another process's write lock before it gives up.
    public static let busyTimeout: TimeInterval = 60

    /// Reader connections at most (GRDB's default is 5).
    public init(path: String, readers: Int = 5, trace: Bool = false) throws {
        var config = Configuration()
        config.maximumReaderCount = max(1, readers)
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(SQLiteBackend.busyTimeout)
        config.prepareDatabase { db in
            // The sql_trace setting: every statement to standard error (diagnosis).
            if trace { db.trace { FileHandle.standardError.write("sql: \($0)\n".data(using: .utf8)!) } }
            // WAL (DatabasePool's own mode) with synchronous=NORMAL: a committed ingest survives a
            // crash of the program; only a power loss can take back the last transactions.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Bulk ingest writes hundreds of megabytes: a 64 MB page cache and a checkpoint every
            // 10,000 pages (about 40 MB of WAL) instead of 1,000 (docs/benchmarks.md: bare loop 6.65 s → 5.43 s).
            try db.execute(sql: "PRAGMA cache_size = -65536")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 10000")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw StorageError.unavailable("无法打开 SQLite 文件 \(path)：\(SQLiteBackend.message(error))")
        }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) throws -> T) async throws -> T {
        let origin = RequestOrigin.current
        do {
            return try await pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(GRDBExecutor(db: db, origin: origin))
                    return .commit
                }
                return result!
            }
        } catch let e as DatabaseError {
            throw SQLiteBackend.storageError(e)
        }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) throws -> T) async throws -> T {
        do {
            return try await pool.read { db in try body(GRDBExecutor(db: db)) }
        } catch let e as DatabaseError {
            throw SQLiteBackend.storageError(e)
        }
    }

    public func close() async throws { try pool.close() }

    static func message(_ error: any Error) -> String {
        if let e = error as? DatabaseError { return e.message ?? e.description }
        return String(describing: error)
    }

    static func storageError(_ e: DatabaseError) -> StorageError {
        switch e.resultCode {
        case .SQLITE_CONSTRAINT: return .constraint(e.message ?? e.description)
        case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_CANTOPEN, .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY: return .unavailable(e.message ?? e.description)
        default: return .engine(e.message ?? e.description)
        }
    }
}

struct GRDBExecutor: SQLExecutor {
    func copy(into table: String, columns: [String], rows: [[SQLValue]]) throws { try copyByInserting(into: table, columns: columns, rows: rows) }
    let db: Database
    var origin: RequestOrigin? = nil
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

    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        let statement = try db.cachedStatement(sql: sql)
        let names = statement.columnNames
        return try Row.fetchAll(statement, arguments: GRDBExecutor.bind(arguments)).map { row in
            SQLRow(names: names, values: row.databaseValues.map { dv -> SQLValue in
                switch dv.storage {
                case .null: return .null
                case let .int64(i): return .integer(i)
                case let .double(d): return .text(String(d))
                case let .string(s): return .text(s)
                case let .blob(data): return .blob([UInt8](data))
                }
            })
        }
    }
}
