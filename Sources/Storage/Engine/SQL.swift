import Foundation

/// A value bound to or read from SQL, the same for every engine.
public enum SQLValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case integer(Int64)
    case text(String)
    case blob([UInt8])

    public var description: String {
        switch self {
        case .null: return "NULL"
        case let .integer(i): return String(i)
        case let .text(s): return s
        case let .blob(b): return "<\(b.count) bytes>"
        }
    }

    var typeName: String {
        switch self {
        case .null: return "NULL"
        case .integer: return "integer"
        case .text: return "text"
        case .blob: return "blob"
        }
    }
}

public enum SQLDialect: Sendable { case sqlite, postgres }

/// What can go wrong in storage, as a front end needs to tell it apart.
public enum StorageError: Error, Sendable, CustomStringConvertible {
    /// The database cannot be reached or opened.
    case unavailable(String)
    /// A constraint of the schema refused the change (NOT NULL, UNIQUE, CHECK, a foreign key).
    case constraint(String)
    /// A row did not have the column or type the code expects: a bug or a schema drift, never defaulted.
    case decoding(column: String, expected: String, found: String)
    /// Anything else the engine reported.
    case engine(String)

    public var description: String {
        switch self {
        case let .unavailable(m): return "数据库不可用：\(m)"
        case let .constraint(m): return "数据库约束拒绝了这次修改：\(m)"
        case let .decoding(column, expected, found): return "数据库列 \(column) 应为 \(expected)，实为 \(found)"
        case let .engine(m): return "数据库错误：\(m)"
        }
    }
}

/// One result row, read by column name and type. A missing column or a value of another type is a
/// `StorageError.decoding`, never a silent default.
public struct SQLRow: Sendable {
    let names: [String]
    let values: [SQLValue]

    init(names: [String], values: [SQLValue]) {
        self.names = names
        self.values = values
    }

    func value(_ column: String) throws -> SQLValue {
        guard let i = names.firstIndex(of: column) else { throw StorageError.decoding(column: column, expected: "a column of the result", found: "no such column (\(names.joined(separator: ", ")))") }
        return values[i]
    }

    public func int(_ column: String) throws -> Int64 {
        let v = try value(column)
        if case let .integer(i) = v { return i }
        throw StorageError.decoding(column: column, expected: "integer", found: v.typeName)
    }

    public func optionalInt(_ column: String) throws -> Int64? {
        let v = try value(column)
        switch v {
        case .null: return nil
        case let .integer(i): return i
        default: throw StorageError.decoding(column: column, expected: "integer or NULL", found: v.typeName)
        }
    }

    public func text(_ column: String) throws -> String {
        let v = try value(column)
        if case let .text(s) = v { return s }
        throw StorageError.decoding(column: column, expected: "text", found: v.typeName)
    }

    public func optionalText(_ column: String) throws -> String? {
        let v = try value(column)
        switch v {
        case .null: return nil
        case let .text(s): return s
        default: throw StorageError.decoding(column: column, expected: "text or NULL", found: v.typeName)
        }
    }

    public func bytes(_ column: String) throws -> [UInt8] {
        let v = try value(column)
        if case let .blob(b) = v { return b }
        throw StorageError.decoding(column: column, expected: "blob", found: v.typeName)
    }

    public func bool(_ column: String) throws -> Bool {
        let i = try int(column)
        guard i == 0 || i == 1 else { throw StorageError.decoding(column: column, expected: "0 or 1", found: String(i)) }
        return i == 1
    }

    /// The values as stored, in column order (the bare insert loop copies rows as they are).
    public var rawValues: [SQLValue] { values }
}

/// Runs statements inside one transaction. Statements are written with `?` placeholders; a
/// backend that numbers them (`$1`) rewrites them. The ledger's SQL never writes `?` inside a
/// string literal (values are always bound).
public protocol SQLExecutor {
    var dialect: SQLDialect { get }
    func execute(_ sql: String, _ arguments: [SQLValue]) throws
    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow]
    /// Appends `rows` (values in `columns` order) to `table` by the engine's fastest path: PostgreSQL's
    /// `COPY … FROM STDIN`; multi-row inserts on SQLite (`copyByInserting`). Constraints and foreign
    /// keys hold as for an INSERT; nothing comes back.
    func copy(into table: String, columns: [String], rows: [[SQLValue]]) throws
    /// The web request this write transaction serves (`RequestOrigin.current` when it began), whose
    /// access-log entry a change writes beside its audit event; nil for reads and commands.
    var origin: RequestOrigin? { get }
}

extension SQLExecutor {
    public var origin: RequestOrigin? { nil }
}

/// Who asked for a change and how: set by the web layer around each signed-in request
/// (`RequestOrigin.$current.withValue`), captured by a backend's `write` when its transaction begins
/// (the body runs on another thread, where task-local values are not seen) and handed to the body
/// through `SQLExecutor.origin`. `AuditTrail.append` writes the request's access-log entry in the
/// same transaction as the change, so the log can never miss a change that was committed, nor
/// show one that was rolled back.
public struct RequestOrigin: Sendable, Equatable {
    public var id: String
    public var user: String
    public var address: String
    public var method: String
    public var path: String

    public init(id: String, user: String, address: String, method: String, path: String) {
        self.id = id; self.user = user; self.address = address; self.method = method; self.path = String(path.prefix(500))
    }

    @TaskLocal public static var current: RequestOrigin?
}

/// A database engine shared by every context of the store: SQLite (embedded, the default) or
/// PostgreSQL (production). `Sendable` and async, so a concurrent server can share one.
///
/// A transaction's body is synchronous SQL code (the same for both engines) and runs off the
/// caller's executor: on SQLite in GRDB's writer or a reader connection of a `DatabasePool`, on
/// PostgreSQL on a blocking thread pool, with a connection that `PostgresClient.withTransaction`
/// lends from its pool. Either all of a body is committed, or none of it.
public protocol StoreBackend: Sendable {
    var dialect: SQLDialect { get }
    /// A read-write transaction. SQLite takes the write lock at its start (BEGIN IMMEDIATE), so a
    /// read-then-write never fails half-way on a lock; writers queue (in process) or wait out the
    /// busy timeout (between processes).
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) throws -> T) async throws -> T
    /// A read-only transaction: on SQLite it never waits for the writer (WAL).
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) throws -> T) async throws -> T
    /// The statement that takes the migration lock inside a write transaction (nil where the write
    /// transaction itself is the lock).
    var migrationLockStatement: String? { get }
    func close() async throws
}

extension SQLExecutor {
    func execute(_ sql: String, _ arguments: SQLValue...) throws { try execute(sql, arguments) }
    func rows(_ sql: String, _ arguments: SQLValue...) throws -> [SQLRow] { try rows(sql, arguments) }
}

/// Many rows into one table in few statements: what ingest and the bare insert loop use for
/// records and inventories.
public struct BulkInsert: Sendable {
    public var table: String
    /// Column names with their SQL types (text, bigint, integer).
    public var columns: [(name: String, type: String)]
    /// What follows the rows: `ON CONFLICT …`, `RETURNING …`, or nothing.
    public var suffix: String

    public init(table: String, columns: [(name: String, type: String)], suffix: String = "") {
        self.table = table
        self.columns = columns
        self.suffix = suffix
    }

    var head: String { "INSERT INTO \(table) (\(columns.map(\.name).joined(separator: ", ")))" }
}

extension SQLExecutor {
    func copyByInserting(into table: String, columns: [String], rows: [[SQLValue]]) throws {
        try insert(BulkInsert(table: table, columns: columns.map { ($0, "") }), rows: rows)
    }

    /// Inserts `rows` (values in `insert.columns` order) as multi-row `VALUES`, 200 rows a statement
    /// (well under SQLite's 32,766 and PostgreSQL's 65,535 bound values); returns what `RETURNING` gives.
    /// PostgreSQL's `unnest` of array literals was tried and measured no faster (docs/benchmarks.md).
    @discardableResult
    func insert(_ insert: BulkInsert, rows: [[SQLValue]]) throws -> [SQLRow] {
        var out: [SQLRow] = []
        let tuple = "(" + Array(repeating: "?", count: insert.columns.count).joined(separator: ", ") + ")"
        for start in stride(from: 0, to: rows.count, by: 200) {
            let chunk = rows[start..<min(start + 200, rows.count)]
            let sql = "\(insert.head) VALUES \(Array(repeating: tuple, count: chunk.count).joined(separator: ", ")) \(insert.suffix)"
            if insert.suffix.contains("RETURNING") { out += try self.rows(sql, chunk.flatMap { $0 }) } else { try execute(sql, chunk.flatMap { $0 }) }
        }
        return out
    }
}

enum SQLText {
    static func placeholders(_ n: Int) -> String { Array(repeating: "?", count: n).joined(separator: ", ") }
}

extension Array {
    /// Consecutive pieces of at most `size` elements.
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
