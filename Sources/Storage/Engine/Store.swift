import Foundation
import KuajingDomain

/// One database with its contexts, each reaching only its own tables: the trade ledger, the
/// enterprise registry and its credit facts, the plan records (entries, task updates), the rollups.
public struct Store: Sendable {
    public let backend: any StoreBackend
    public let clock: AppClock

    public init(backend: any StoreBackend, clock: AppClock = .system) {
        self.backend = backend
        self.clock = clock
    }

    public var ledger: TradeLedger { TradeLedger(backend: backend, clock: clock) }
    public var registry: EnterpriseRegistry { EnterpriseRegistry(backend: backend) }
    public var planRecords: PlanRecords { PlanRecords(backend: backend) }
    public var rollups: TradeRollups { TradeRollups(backend: backend) }
    public var accounts: AccountStore { AccountStore(backend: backend) }
    public var vouchers: LogisticsVoucherPool { LogisticsVoucherPool(backend: backend) }
    public var audit: AuditTrail { AuditTrail(backend: backend) }
    public var applications: ApplicationBook { ApplicationBook(backend: backend) }
    public var budgets: BudgetBook { BudgetBook(backend: backend) }
    public var payouts: PayoutBook { PayoutBook(backend: backend) }
    public var importTax: ImportTaxLedger { ImportTaxLedger(backend: backend) }

    /// Where a store is: a SQLite file path (or `sqlite:PATH`), or a `postgres://` URL.
    public enum Location: Sendable, Equatable, CustomStringConvertible {
        case sqlite(path: String)
        case postgres(url: String)

        public init(_ value: String) {
            if value.hasPrefix("postgres://") || value.hasPrefix("postgresql://") {
                self = .postgres(url: value)
            } else {
                self = .sqlite(path: value.hasPrefix("sqlite:") ? String(value.dropFirst("sqlite:".count)) : value)
            }
        }

        /// For messages: a PostgreSQL URL without its password.
        public var description: String {
            switch self {
            case let .sqlite(path): return path
            case let .postgres(url):
                guard var u = URLComponents(string: url) else { return "postgres://…" }
                if u.password != nil { u.password = "***" }
                return u.string ?? "postgres://…"
            }
        }
    }

    /// Opens (without migrating) the store at `location`; `schema` (PostgreSQL only) works in a
    /// schema of its own; `traceSQL` (SQLite) writes every statement to standard error.
    public static func open(_ location: Location, tls: PostgresTLSMode = .disable, schema: String? = nil, clock: AppClock = .system,
                            traceSQL: Bool = false) async throws -> Store {
        switch location {
        case let .sqlite(path):
            return Store(backend: try SQLiteBackend(path: path, trace: traceSQL), clock: clock)
        case let .postgres(url):
            return Store(backend: try await PostgresBackend(url: url, schema: schema, tls: tls), clock: clock)
        }
    }

    /// Applies the migrations not yet applied (under the migration lock); what it applied.
    @discardableResult
    public func migrate() async throws -> [AppliedMigration] {
        let applied = try await Migrator.migrate(backend, now: clock.timestamp())
        // Migration 7 rebuilt the district rollup: its months are marked, recomputed here.
        if applied.contains(where: { $0.version == 7 }) { try await rollups.refresh() }
        return applied
    }

    public func close() async throws { try await backend.close() }

    /// Across contexts (the rollups, the plan records): the one query that spans them, so it lives
    /// on the store rather than in any one context.
    /// What the monthly report and the 运行监测 read changes exactly when this does: the rollup
    /// version (bumped in every transaction that changes the rollups or the tier moves), the latest
    /// manual entry and the latest task update. Three indexed lookups.
    public func changeStamp() async throws -> String {
        try await backend.read { db in
            let row = try db.rows("""
                SELECT (SELECT version FROM rollup_version WHERE id = 1) AS v, (SELECT MAX(id) FROM indicator_entry) AS d, (SELECT MAX(id) FROM task_update) AS e
                """, []).first
            return try ["v", "d", "e"].map { try row?.optionalInt($0).map(String.init) ?? "-" }.joined(separator: ":")
        }
    }
}
