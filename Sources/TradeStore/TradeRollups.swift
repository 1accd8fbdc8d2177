import Foundation

/// Monthly rollups of the ledger on the default basis (released 800/899, not cancelled), by district,
/// direction, supervision code and country, and by enterprise: what the monthly report and the
/// targets read, so that none of their figures recounts the ledger.
///
/// Maintenance: every change to the ledger marks the months it touches (`rollup_dirty_month`, in
/// the same transaction as the change); `refreshRollups` recomputes exactly those months from the
/// base rows. `verifyRollups` recounts everything and names any month that differs.
/// An enterprise's district is the registry's; failing that, the declaration's; failing that '' (未登记).
extension TradeLedger {
    /// The base rows on the rollup basis, for months in [from, to) (declared_on as YYYY-MM-DD).
    static let basisRows = """
        SELECT substr(declared_on, 1, 7) AS month, ent, direction, supervision_code, country, value_fen, district FROM (
            SELECT declared_on, ebc_code AS ent, direction, supervision_code, COALESCE(country, '') AS country, COALESCE(value_fen, 0) AS value_fen,
                   CAST(NULL AS TEXT) AS district
            FROM inventory WHERE cancelled = 0 AND customs_status IN (800, 899) AND declared_on >= ? AND declared_on < ?
            UNION ALL
            SELECT declared_on, enterprise_id, direction, supervision_code, country, value_fen, district
            FROM declaration WHERE status IN ('放行', '800', '结关', '899') AND declared_on >= ? AND declared_on < ?
        ) AS base
        """

    static let districtOf = "COALESCE(e.district, b.district, '')"

    static func monthRange(_ month: String) -> (String, String) {
        let y = Int(month.prefix(4)) ?? 0, m = Int(month.suffix(2)) ?? 1
        let next = m == 12 ? String(format: "%04d-01", y + 1) : String(format: "%04d-%02d", y, m + 1)
        return (month + "-01", next + "-01")
    }

    /// Marks months whose rollups must be recomputed (inside the transaction that changed them).
    func markDirty(_ db: any SQLExecutor, months: Set<String>) throws {
        for m in months.sorted() where m.count == 7 {
            try db.execute(db.dialect == .sqlite ? "INSERT OR IGNORE INTO rollup_dirty_month (month) VALUES (?)"
                                                 : "INSERT INTO rollup_dirty_month (month) VALUES (?) ON CONFLICT DO NOTHING", [.text(m)])
        }
    }

    /// Months of the inventories a receipt or cancellation is about to change.
    func monthsOfInventories(_ db: any SQLExecutor, column: String, value: String) throws -> Set<String> {
        Set(try db.rows("SELECT DISTINCT substr(declared_on, 1, 7) FROM inventory WHERE \(column) = ?", [.text(value)]).compactMap { $0[0].string })
    }

    /// Recomputes the rollups of every month marked since the last refresh, one transaction.
    @discardableResult
    public func refreshRollups() throws -> Int {
        try backend.transaction { db in
            let months = try db.rows("SELECT month FROM rollup_dirty_month ORDER BY month", []).compactMap { $0[0].string }
            for month in months {
                let (from, to) = TradeLedger.monthRange(month)
                let range: [SQLValue] = [.text(from), .text(to), .text(from), .text(to)]
                try db.execute("DELETE FROM trade_month_district WHERE month = ?", [.text(month)])
                try db.execute("DELETE FROM trade_month_enterprise WHERE month = ?", [.text(month)])
                try db.execute("""
                    INSERT INTO trade_month_district (month, district, direction, supervision_code, country, records, value_fen)
                    SELECT b.month, \(TradeLedger.districtOf), b.direction, b.supervision_code, b.country, COUNT(*), SUM(b.value_fen)
                    FROM (\(TradeLedger.basisRows)) b LEFT JOIN enterprise e ON e.id = b.ent
                    GROUP BY b.month, \(TradeLedger.districtOf), b.direction, b.supervision_code, b.country
                    """, range)
                try db.execute("""
                    INSERT INTO trade_month_enterprise (month, enterprise_id, district, direction, records, value_fen)
                    SELECT b.month, b.ent, MAX(\(TradeLedger.districtOf)), b.direction, COUNT(*), SUM(b.value_fen)
                    FROM (\(TradeLedger.basisRows)) b LEFT JOIN enterprise e ON e.id = b.ent
                    GROUP BY b.month, b.ent, b.direction
                    """, range)
                try db.execute("DELETE FROM rollup_dirty_month WHERE month = ?", [.text(month)])
            }
            return months.count
        }
    }

    /// Recounts the whole ledger and compares it with the rollups; the differences, in Chinese
    /// (empty when they agree). Months still marked for refresh are reported as such.
    public func verifyRollups() throws -> (checkedRows: Int, differences: [String]) {
        try backend.transaction { db in
            var differences: [String] = []
            let dirty = try db.rows("SELECT month FROM rollup_dirty_month ORDER BY month", []).compactMap { $0[0].string }
            if !dirty.isEmpty { differences.append("尚未刷新的月份：\(dirty.joined(separator: ", "))") }
            let all: [SQLValue] = [.text("0000-01-01"), .text("9999-12-31"), .text("0000-01-01"), .text("9999-12-31")]
            func key(_ row: [SQLValue], _ n: Int) -> String { row[0..<n].map { $0.string ?? "" }.joined(separator: "|") }
            var checked = 0
            for (label, recount, rollup, n) in [
                ("区县", """
                    SELECT b.month, \(TradeLedger.districtOf), b.direction, b.supervision_code, b.country, CAST(COUNT(*) AS BIGINT), CAST(SUM(b.value_fen) AS BIGINT)
                    FROM (\(TradeLedger.basisRows)) b LEFT JOIN enterprise e ON e.id = b.ent
                    GROUP BY b.month, \(TradeLedger.districtOf), b.direction, b.supervision_code, b.country
                    """, "SELECT month, district, direction, supervision_code, country, records, value_fen FROM trade_month_district", 5),
                ("企业", """
                    SELECT b.month, b.ent, b.direction, CAST(COUNT(*) AS BIGINT), CAST(SUM(b.value_fen) AS BIGINT)
                    FROM (\(TradeLedger.basisRows)) b GROUP BY b.month, b.ent, b.direction
                    """, "SELECT month, enterprise_id, direction, records, value_fen FROM trade_month_enterprise", 3),
            ] {
                var expected: [String: (Int64, Int64)] = [:]
                for row in try db.rows(recount, all) { expected[key(row, n)] = (row[n].int ?? 0, row[n + 1].int ?? 0) }
                var seen: Set<String> = []
                for row in try db.rows(rollup, []) {
                    checked += 1
                    let k = key(row, n)
                    seen.insert(k)
                    let got = (row[n].int ?? 0, row[n + 1].int ?? 0)
                    if let e = expected[k] {
                        if e != got { differences.append("\(label)汇总 \(k)：汇总 \(got.0) 条 \(got.1) 分，重新计数 \(e.0) 条 \(e.1) 分") }
                    } else {
                        differences.append("\(label)汇总 \(k)：汇总中有而明细中没有")
                    }
                }
                for k in expected.keys where !seen.contains(k) { differences.append("\(label)汇总 \(k)：明细中有而汇总中没有") }
            }
            return (checked, differences.sorted())
        }
    }
}
