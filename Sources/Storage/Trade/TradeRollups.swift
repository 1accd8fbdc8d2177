import Foundation

/// Monthly rollups of the ledger on the default basis (released 800/899, not cancelled), by district,
/// direction, supervision code and country, and by enterprise: what the monthly report and the
/// targets read, so that none of their figures recounts the ledger.
///
/// Maintenance: every ingest, replacement (appType 2), removal (appType 3), receipt and declaration
/// adjusts the rollup rows it touches by delta, in the same transaction (`RollupDelta`). A change to
/// the registry (an enterprise's district) marks the months of that enterprise's trade
/// (`rollup_dirty_month`) and `refresh` recomputes exactly those months from the base rows.
/// `verify` recounts everything and names any row that differs.
/// An enterprise's district is the registry's; failing that, the declaration's; failing that '' (未登记).
/// Its tables: `trade_month_district`, `trade_month_enterprise`, `rollup_dirty_month`, `tier_move`.
public struct TradeRollups: Sendable {
    public let backend: any StoreBackend

    public init(backend: any StoreBackend) { self.backend = backend }

    /// The base rows on the rollup basis, for months in [from, to) (declared_on as YYYY-MM-DD).
    static let basisRows = """
        SELECT substr(declared_on, 1, 7) AS month, ent, direction, supervision_code, country, hs_chapter, value_fen, district FROM (
            SELECT declared_on, ebc_code AS ent, direction, supervision_code, COALESCE(country, '') AS country, COALESCE(hs_chapter, '') AS hs_chapter,
                   COALESCE(value_fen, 0) AS value_fen, CAST(NULL AS TEXT) AS district
            FROM inventory WHERE cancelled = 0 AND customs_status IN (800, 899) AND declared_on >= ? AND declared_on < ?
            UNION ALL
            SELECT declared_on, enterprise_id, direction, supervision_code, country, substr(hs_code, 1, 2), value_fen, district
            FROM declaration WHERE status IN ('放行', '800', '结关', '899') AND declared_on >= ? AND declared_on < ?
        ) AS base
        """

    static let districtOf = "COALESCE(e.district, b.district, '')"

    static func monthRange(_ month: String) -> (String, String) {
        let y = Int(month.prefix(4)) ?? 0, m = Int(month.suffix(2)) ?? 1
        let next = m == 12 ? String(format: "%04d-01", y + 1) : String(format: "%04d-%02d", y, m + 1)
        return (month + "-01", next + "-01")
    }

    /// The rollup rows of inventories matching `condition` (on `i`), as they count now.
    static func inventoryContributions(_ db: any SQLExecutor, where condition: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        try db.rows("""
            SELECT substr(i.declared_on, 1, 7) AS month, i.ebc_code AS ent, COALESCE(e.district, '') AS district, i.direction AS direction,
                   i.supervision_code AS code, COALESCE(i.country, '') AS country, COALESCE(i.hs_chapter, '') AS chapter, COALESCE(i.value_fen, 0) AS fen
            FROM inventory i LEFT JOIN enterprise e ON e.id = i.ebc_code
            WHERE i.cancelled = 0 AND i.customs_status IN (800, 899) AND \(condition)
            """, arguments)
    }

    /// The rollup rows of these declarations, as they count now.
    static func declarationContributions(_ db: any SQLExecutor, numbers: [String]) throws -> [SQLRow] {
        var out: [SQLRow] = []
        for chunk in numbers.chunked(500) {
            out += try db.rows("""
                SELECT substr(d.declared_on, 1, 7) AS month, d.enterprise_id AS ent, COALESCE(e.district, d.district, '') AS district, d.direction AS direction,
                       d.supervision_code AS code, d.country AS country, substr(d.hs_code, 1, 2) AS chapter, d.value_fen AS fen
                FROM declaration d LEFT JOIN enterprise e ON e.id = d.enterprise_id
                WHERE d.status IN ('放行', '800', '结关', '899') AND d.declaration_no IN (\(SQLText.placeholders(chunk.count)))
                """, chunk.map(SQLValue.text))
        }
        return out
    }

    /// Marks months whose rollups must be recomputed (inside the transaction that changed them).
    static func markDirty(_ db: any SQLExecutor, months: Set<String>) throws {
        for m in months.sorted() where m.count == 7 {
            try db.execute(db.dialect == .sqlite ? "INSERT OR IGNORE INTO rollup_dirty_month (month) VALUES (?)"
                                                 : "INSERT INTO rollup_dirty_month (month) VALUES (?) ON CONFLICT DO NOTHING", [.text(m)])
        }
    }

    /// Months in which these enterprises have trade in the rollups (their district may be about to change).
    static func monthsOfEnterprises(_ db: any SQLExecutor, _ ids: [String]) throws -> Set<String> {
        guard !ids.isEmpty else { return [] }
        return Set(try db.rows("SELECT DISTINCT month FROM trade_month_enterprise WHERE enterprise_id IN (\(SQLText.placeholders(ids.count)))", ids.map(SQLValue.text))
            .map { try $0.text("month") })
    }


    /// Recomputes the rollups of every month marked since the last refresh, one transaction.
    @discardableResult
    public func refresh() async throws -> Int {
        try await backend.write { db in
            let months = try db.rows("SELECT month FROM rollup_dirty_month ORDER BY month", []).map { try $0.text("month") }
            for month in months {
                let (from, to) = TradeRollups.monthRange(month)
                let range: [SQLValue] = [.text(from), .text(to), .text(from), .text(to)]
                try db.execute("DELETE FROM trade_month_district WHERE month = ?", [.text(month)])
                try db.execute("DELETE FROM trade_month_enterprise WHERE month = ?", [.text(month)])
                try db.execute("""
                    INSERT INTO trade_month_district (month, district, direction, supervision_code, country, hs_chapter, records, value_fen)
                    SELECT b.month, \(TradeRollups.districtOf), b.direction, b.supervision_code, b.country, b.hs_chapter, COUNT(*), SUM(b.value_fen)
                    FROM (\(TradeRollups.basisRows)) b LEFT JOIN enterprise e ON e.id = b.ent
                    GROUP BY b.month, \(TradeRollups.districtOf), b.direction, b.supervision_code, b.country, b.hs_chapter
                    """, range)
                try db.execute("""
                    INSERT INTO trade_month_enterprise (month, enterprise_id, district, direction, records, value_fen)
                    SELECT b.month, b.ent, MAX(\(TradeRollups.districtOf)), b.direction, COUNT(*), SUM(b.value_fen)
                    FROM (\(TradeRollups.basisRows)) b LEFT JOIN enterprise e ON e.id = b.ent
                    GROUP BY b.month, b.ent, b.direction
                    """, range)
                try db.execute("DELETE FROM rollup_dirty_month WHERE month = ?", [.text(month)])
            }
            if !months.isEmpty { try TradeRollups.bumpVersion(db) }
            return months.count
        }
    }

    /// Counts every change of the rollups and tier moves (`rollup_version`, one row), in the
    /// transaction that made it: what a server's caches compare (`Store.changeStamp`).
    static func bumpVersion(_ db: any SQLExecutor) throws {
        try db.execute("UPDATE rollup_version SET version = version + 1 WHERE id = 1", [])
    }

    /// Recounts the whole ledger and compares it with the rollups; the differences, in Chinese
    /// (empty when they agree). Months still marked for refresh are reported as such.
    public func verify() async throws -> RollupVerification {
        try await backend.read { db in
            var differences: [String] = []
            let dirty = try db.rows("SELECT month FROM rollup_dirty_month ORDER BY month", []).map { try $0.text("month") }
            if !dirty.isEmpty { differences.append("尚未刷新的月份：\(dirty.joined(separator: ", "))") }
            let all: [SQLValue] = [.text("0000-01-01"), .text("9999-12-31"), .text("0000-01-01"), .text("9999-12-31")]
            func key(_ row: SQLRow, _ n: Int) -> String { row.rawValues[0..<n].map(\.description).joined(separator: "|") }
            func figures(_ row: SQLRow, _ n: Int) throws -> (Int64, Int64) {
                guard case let .integer(records) = row.rawValues[n], case let .integer(fen) = row.rawValues[n + 1] else {
                    throw StorageError.decoding(column: "records, value_fen", expected: "integer", found: "\(row.rawValues[n]), \(row.rawValues[n + 1])")
                }
                return (records, fen)
            }
            var checked = 0
            for (label, recount, rollup, n) in [
                ("区县", """
                    SELECT b.month, \(TradeRollups.districtOf), b.direction, b.supervision_code, b.country, b.hs_chapter, CAST(COUNT(*) AS BIGINT), CAST(SUM(b.value_fen) AS BIGINT)
                    FROM (\(TradeRollups.basisRows)) b LEFT JOIN enterprise e ON e.id = b.ent
                    GROUP BY b.month, \(TradeRollups.districtOf), b.direction, b.supervision_code, b.country, b.hs_chapter
                    """, "SELECT month, district, direction, supervision_code, country, hs_chapter, records, value_fen FROM trade_month_district", 6),
                ("企业", """
                    SELECT b.month, b.ent, b.direction, CAST(COUNT(*) AS BIGINT), CAST(SUM(b.value_fen) AS BIGINT)
                    FROM (\(TradeRollups.basisRows)) b GROUP BY b.month, b.ent, b.direction
                    """, "SELECT month, enterprise_id, direction, records, value_fen FROM trade_month_enterprise", 3),
            ] {
                var expected: [String: (Int64, Int64)] = [:]
                for row in try db.rows(recount, all) { expected[key(row, n)] = try figures(row, n) }
                var seen: Set<String> = []
                for row in try db.rows(rollup, []) {
                    checked += 1
                    let k = key(row, n)
                    seen.insert(k)
                    let got = try figures(row, n)
                    if let e = expected[k] {
                        if e != got { differences.append("\(label)汇总 \(k)：汇总 \(got.0) 条 \(got.1) 分，重新计数 \(e.0) 条 \(e.1) 分") }
                    } else {
                        differences.append("\(label)汇总 \(k)：汇总中有而明细中没有")
                    }
                }
                for k in expected.keys where !seen.contains(k) { differences.append("\(label)汇总 \(k)：明细中有而汇总中没有") }
            }
            return RollupVerification(checkedRows: checked, differences: differences.sorted())
        }
    }
}

/// What `stats verify` found: the rollup rows compared, and every difference in Chinese (none when they agree).
public struct RollupVerification: Sendable {
    public var checkedRows: Int
    public var differences: [String]

    public init(checkedRows: Int, differences: [String]) {
        self.checkedRows = checkedRows
        self.differences = differences
    }
}

/// The queries the monitoring makes, all on the rollups (never the ledger's rows).
extension TradeRollups {
    /// One month, direction and district of the district rollup.
    public struct DistrictMonth: Sendable {
        public var district: String
        public var month: String
        public var direction: String
        public var fen: Int64
    }

    /// Every district's value per month and direction.
    public func districtMonths() async throws -> [DistrictMonth] {
        try await backend.read { db in
            let sql = "SELECT district, month, direction, CAST(SUM(value_fen) AS BIGINT) AS fen FROM trade_month_district GROUP BY district, month, direction"
            return try db.rows(sql, []).map {
                DistrictMonth(district: try $0.text("district"), month: try $0.text("month"), direction: try $0.text("direction"), fen: try $0.int("fen"))
            }
        }
    }

    /// A column of the district rollup that a breakdown may group by.
    public enum BreakdownColumn: String, Sendable { case supervisionCode = "supervision_code", country, district }

    /// Value (fen) by a column of the district rollup, within some districts, months in [from, to] (YYYY-MM).
    public func breakdown(by column: BreakdownColumn, direction: String, from: String, to: String, districts: [String]) async throws -> [(key: String, fen: Int64)] {
        try await backend.read { db in
            let sql = """
                SELECT \(column.rawValue) AS k, CAST(SUM(value_fen) AS BIGINT) AS fen FROM trade_month_district
                WHERE direction = ? AND month >= ? AND month <= ? AND district IN (\(SQLText.placeholders(districts.count)))
                GROUP BY \(column.rawValue) ORDER BY 2 DESC, 1
                """
            return try db.rows(sql, [.text(direction), .text(from), .text(to)] + districts.map(SQLValue.text)).map { (try $0.text("k"), try $0.int("fen")) }
        }
    }

    /// Each enterprise's trade (exports and imports, fen) in the months after `after` up to `through` (YYYY-MM).
    public func enterpriseTotals(after: String, through: String) async throws -> [(enterprise: String, district: String, fen: Int64)] {
        try await backend.read { db in
            let sql = """
                SELECT enterprise_id, MAX(district) AS district, CAST(SUM(value_fen) AS BIGINT) AS fen FROM trade_month_enterprise
                WHERE month > ? AND month <= ? GROUP BY enterprise_id
                """
            return try db.rows(sql, [.text(after), .text(through)]).map { (try $0.text("enterprise_id"), try $0.text("district"), try $0.int("fen")) }
        }
    }

    /// The last month the rollups hold any trade for (YYYY-MM).
    public func latestMonth() async throws -> String? {
        try await backend.read { db in try db.rows("SELECT MAX(month) AS month FROM trade_month_district", []).first?.optionalText("month") }
    }

    /// The first and last months of the enterprise rollup (YYYY-MM).
    public func enterpriseMonthRange() async throws -> (first: String, last: String)? {
        try await backend.read { db in
            guard let row = try db.rows("SELECT MIN(month) AS first, MAX(month) AS last FROM trade_month_enterprise", []).first,
                  let first = try row.optionalText("first"), let last = try row.optionalText("last") else { return nil }
            return (first, last)
        }
    }
}

/// The 运行监测 queries: the district rollup filtered and grouped as a page or the API asks,
/// and one enterprise's months; every one limited to the caller's districts in its WHERE clause.
extension TradeRollups {
    public enum MonitorDimension: String, Sendable, CaseIterable {
        case month, district, code, direction, country, chapter
        var column: String { self == .code ? "supervision_code" : self == .chapter ? "hs_chapter" : rawValue }
    }

    public struct MonitorFilter: Sendable, Equatable {
        public var codes: [String] = []
        public var direction: String?
        public var fromMonth: String?
        public var toMonth: String?
        public var districts: [String]?
        public var country: String?
        /// HS chapters (two digits).
        public var chapters: [String] = []
        public init() {}
    }

    public struct MonitorRow: Sendable, Equatable {
        public var keys: [String]
        public var records: Int64
        public var fen: Int64
        public init(keys: [String], records: Int64, fen: Int64) {
            self.keys = keys
            self.records = records
            self.fen = fen
        }
    }

    /// Rows of the district rollup within `reach` (nil: every district) and the filter, grouped by `dimensions`.
    public func monitor(by dimensions: [MonitorDimension], filter: MonitorFilter, reach: [String]?) async throws -> [MonitorRow] {
        try await backend.read { db in
            var conditions: [String] = [], args: [SQLValue] = []
            if let reach {
                conditions.append(reach.isEmpty ? "1 = 0" : "district IN (\(SQLText.placeholders(reach.count)))")
                args += reach.map(SQLValue.text)
            }
            if let d = filter.districts {
                conditions.append(d.isEmpty ? "1 = 0" : "district IN (\(SQLText.placeholders(d.count)))")
                args += d.map(SQLValue.text)
            }
            if !filter.codes.isEmpty { conditions.append("supervision_code IN (\(SQLText.placeholders(filter.codes.count)))"); args += filter.codes.map(SQLValue.text) }
            if let v = filter.direction { conditions.append("direction = ?"); args.append(.text(v)) }
            if let v = filter.fromMonth { conditions.append("month >= ?"); args.append(.text(v)) }
            if let v = filter.toMonth { conditions.append("month <= ?"); args.append(.text(v)) }
            if let v = filter.country { conditions.append("country = ?"); args.append(.text(v)) }
            if !filter.chapters.isEmpty { conditions.append("hs_chapter IN (\(SQLText.placeholders(filter.chapters.count)))"); args += filter.chapters.map(SQLValue.text) }
            let keys = dimensions.map(\.column)
            let select = keys.isEmpty ? "'全部' AS k0" : keys.enumerated().map { "\($0.element) AS k\($0.offset)" }.joined(separator: ", ")
            let group = keys.isEmpty ? "" : " GROUP BY " + keys.joined(separator: ", ") + " ORDER BY " + keys.joined(separator: ", ")
            let sql = "SELECT \(select), CAST(SUM(records) AS BIGINT) AS records, CAST(SUM(value_fen) AS BIGINT) AS fen FROM trade_month_district"
                + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")) + group
            return try db.rows(sql, args).compactMap { row in
                let records = try row.optionalInt("records") ?? 0
                if keys.isEmpty && records == 0 { return nil }
                return MonitorRow(keys: try (0..<max(1, keys.count)).map { try row.text("k\($0)") }, records: records, fen: try row.optionalInt("fen") ?? 0)
            }
        }
    }

    /// One enterprise's months: exports and imports (fen) and records, oldest first.
    public func enterpriseMonths(_ id: String) async throws -> [(month: String, direction: String, records: Int64, fen: Int64)] {
        try await backend.read { db in
            try db.rows("SELECT month, direction, records, value_fen FROM trade_month_enterprise WHERE enterprise_id = ? ORDER BY month, direction", [.text(id)]).map {
                (try $0.text("month"), try $0.text("direction"), try $0.int("records"), try $0.int("value_fen"))
            }
        }
    }

    /// One enterprise's tier moves on every ladder, oldest first.
    public func tierMoves(enterprise id: String) async throws -> [(ladder: String, move: TierMove)] {
        try await backend.read { db in
            try db.rows("SELECT ladder, on_month, from_tier, to_tier, trailing_fen FROM tier_move WHERE enterprise_id = ? ORDER BY on_month, ladder", [.text(id)]).map {
                (try $0.text("ladder"), TierMove(enterprise: id, month: try $0.text("on_month"), from: Int(try $0.int("from_tier")), to: Int(try $0.int("to_tier")),
                                                 trailingFen: try $0.int("trailing_fen")))
            }
        }
    }
}

/// A recorded tier move of the 梯度培育库.
public struct TierMove: Sendable, Equatable {
    public var enterprise: String
    public var month: String
    public var from: Int
    public var to: Int
    public var trailingFen: Int64

    public init(enterprise: String, month: String, from: Int, to: Int, trailingFen: Int64) {
        self.enterprise = enterprise
        self.month = month
        self.from = from
        self.to = to
        self.trailingFen = trailingFen
    }
}

extension TradeRollups {
    /// Replaces the moves of one ladder (a recomputation from the rollups), in one transaction.
    public func replaceTierMoves(ladder: String, moves: [TierMove]) async throws {
        try await backend.write { db in
            try db.execute("DELETE FROM tier_move WHERE ladder = ?", [.text(ladder)])
            try TradeRollups.bumpVersion(db)
            try db.insert(BulkInsert(table: "tier_move", columns: [("enterprise_id", "text"), ("ladder", "text"), ("on_month", "text"), ("from_tier", "integer"),
                                                                  ("to_tier", "integer"), ("trailing_fen", "bigint")]),
                          rows: moves.map { [.text($0.enterprise), .text(ladder), .text($0.month), .integer(Int64($0.from)), .integer(Int64($0.to)), .integer($0.trailingFen)] })
        }
    }

    public func tierMoves(ladder: String) async throws -> [TierMove] {
        try await backend.read { db in
            try db.rows("SELECT enterprise_id, on_month, from_tier, to_tier, trailing_fen FROM tier_move WHERE ladder = ? ORDER BY on_month, enterprise_id", [.text(ladder)]).map {
                TierMove(enterprise: try $0.text("enterprise_id"), month: try $0.text("on_month"), from: Int(try $0.int("from_tier")), to: Int(try $0.int("to_tier")),
                         trailingFen: try $0.int("trailing_fen"))
            }
        }
    }
}

/// Changes to the rollups gathered within one transaction (rows that start or stop counting, with
/// their sign) and applied together at its end, in the same transaction: the rollups follow every
/// ingest, replacement, removal and receipt without recomputing a month.
final class RollupDelta {
    struct DistrictKey: Hashable { var month, district, direction, code, country, chapter: String }
    struct EnterpriseKey: Hashable { var month, enterprise, direction: String }
    var district: [DistrictKey: (records: Int64, fen: Int64)] = [:]
    var enterprise: [EnterpriseKey: (district: String, records: Int64, fen: Int64)] = [:]

    var isEmpty: Bool { district.isEmpty && enterprise.isEmpty }

    /// Rows (from `inventoryContributions` or `declarationContributions`) added (+1) or taken away (−1).
    func add(_ rows: [SQLRow], sign: Int64) throws {
        for row in rows {
            let month = try row.text("month"), ent = try row.text("ent"), d = try row.text("district"), direction = try row.text("direction")
            let fen = try row.int("fen") * sign
            let dk = DistrictKey(month: month, district: d, direction: direction, code: try row.text("code"), country: try row.text("country"),
                                 chapter: try row.text("chapter"))
            let dv = district[dk] ?? (0, 0)
            district[dk] = (dv.records + sign, dv.fen + fen)
            let ek = EnterpriseKey(month: month, enterprise: ent, direction: direction)
            let ev = enterprise[ek] ?? ("", 0, 0)
            enterprise[ek] = (max(ev.district, d), ev.records + sign, ev.fen + fen)
        }
    }

    /// Adds the changes to the rollup rows (creating the rows they lack) and removes rows left at
    /// zero records. An enterprise row keeps the greatest district name it has seen, as the recount's
    /// MAX does for an enterprise the registry does not hold.
    func apply(_ db: any SQLExecutor) throws {
        let d = district.filter { $0.value.records != 0 || $0.value.fen != 0 }
        let e = enterprise.filter { $0.value.records != 0 || $0.value.fen != 0 }
        try db.insert(BulkInsert(table: "trade_month_district",
                                 columns: [("month", "text"), ("district", "text"), ("direction", "text"), ("supervision_code", "text"), ("country", "text"),
                                           ("hs_chapter", "text"), ("records", "bigint"), ("value_fen", "bigint")],
                                 suffix: """
                                     ON CONFLICT (month, district, direction, supervision_code, country, hs_chapter) DO UPDATE SET
                                     records = trade_month_district.records + excluded.records, value_fen = trade_month_district.value_fen + excluded.value_fen
                                     """),
                      rows: d.map { [.text($0.key.month), .text($0.key.district), .text($0.key.direction), .text($0.key.code), .text($0.key.country),
                                     .text($0.key.chapter), .integer($0.value.records), .integer($0.value.fen)] })
        let greatest = db.dialect == .sqlite ? "MAX" : "GREATEST"
        try db.insert(BulkInsert(table: "trade_month_enterprise",
                                 columns: [("month", "text"), ("enterprise_id", "text"), ("district", "text"), ("direction", "text"), ("records", "bigint"), ("value_fen", "bigint")],
                                 suffix: """
                                     ON CONFLICT (month, enterprise_id, direction) DO UPDATE SET district = \(greatest)(trade_month_enterprise.district, excluded.district),
                                     records = trade_month_enterprise.records + excluded.records, value_fen = trade_month_enterprise.value_fen + excluded.value_fen
                                     """),
                      rows: e.map { [.text($0.key.month), .text($0.key.enterprise), .text($0.value.district), .text($0.key.direction),
                                     .integer($0.value.records), .integer($0.value.fen)] })
        let months = Set(d.keys.map(\.month)).union(e.keys.map(\.month)).sorted()
        for chunk in months.chunked(200) where !chunk.isEmpty {
            let list = SQLText.placeholders(chunk.count)
            try db.execute("DELETE FROM trade_month_district WHERE records = 0 AND month IN (\(list))", chunk.map(SQLValue.text))
            try db.execute("DELETE FROM trade_month_enterprise WHERE records = 0 AND month IN (\(list))", chunk.map(SQLValue.text))
        }
        if !d.isEmpty || !e.isEmpty { try TradeRollups.bumpVersion(db) }
        district.removeAll()
        enterprise.removeAll()
    }
}
