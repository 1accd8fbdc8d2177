import Foundation

/// A value bound to or read from SQL, the same for every engine.
public enum SQLValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case integer(Int64)
    case text(String)
    case blob([UInt8])

    public var int: Int64? { if case let .integer(v) = self { return v } else { return nil } }
    public var string: String? {
        switch self {
        case let .text(s): return s
        case let .integer(i): return String(i)
        default: return nil
        }
    }
    public var bytes: [UInt8]? { if case let .blob(b) = self { return b } else { return nil } }

    public var description: String {
        switch self {
        case .null: return "NULL"
        case let .integer(i): return String(i)
        case let .text(s): return s
        case let .blob(b): return "<\(b.count) bytes>"
        }
    }
}

public enum SQLDialect: Sendable { case sqlite, postgres }

/// Runs statements inside one transaction. Statements are written with `?` placeholders; a
/// backend that numbers them (`$1`) rewrites them.
public protocol SQLExecutor {
    var dialect: SQLDialect { get }
    func execute(_ sql: String, _ arguments: [SQLValue]) throws
    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [[SQLValue]]
}

/// A database engine behind the trade ledger: SQLite (embedded, the default) or PostgreSQL (production).
public protocol TradeBackend: AnyObject {
    var dialect: SQLDialect { get }
    /// Runs `body` in one transaction: all of it is committed, or none of it.
    func transaction<T>(_ body: (any SQLExecutor) throws -> T) throws -> T
    func close() throws
}

extension SQLExecutor {
    func execute(_ sql: String, _ arguments: SQLValue...) throws { try execute(sql, arguments) }
    func rows(_ sql: String, _ arguments: SQLValue...) throws -> [[SQLValue]] { try rows(sql, arguments) }
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
    /// Inserts `rows` (values in `insert.columns` order) as multi-row `VALUES`, 200 rows a statement
    /// (well under SQLite's 32,766 and PostgreSQL's 65,535 bound values); returns what `RETURNING` gives.
    /// PostgreSQL's `unnest` of array literals was tried and measured no faster (docs/benchmarks.md).
    func insert(_ insert: BulkInsert, rows: [[SQLValue]]) throws -> [[SQLValue]] {
        var out: [[SQLValue]] = []
        let tuple = "(" + Array(repeating: "?", count: insert.columns.count).joined(separator: ", ") + ")"
        for start in stride(from: 0, to: rows.count, by: 200) {
            let chunk = rows[start..<min(start + 200, rows.count)]
            let sql = "\(insert.head) VALUES \(Array(repeating: tuple, count: chunk.count).joined(separator: ", ")) \(insert.suffix)"
            if insert.suffix.contains("RETURNING") { out += try self.rows(sql, chunk.flatMap { $0 }) } else { try execute(sql, chunk.flatMap { $0 }) }
        }
        return out
    }
}
