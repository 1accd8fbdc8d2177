import Foundation
import TradeData
import TradeStore
import PolicyEngine

/// Opens the ledger a `--db` value names: a SQLite file path (or `sqlite:PATH`), or a PostgreSQL URL.
public enum LedgerLocation {
    public static func open(_ value: String) throws -> TradeLedger {
        // A SQLite file is the embedded default; a postgres:// URL is the production store.
        if value.hasPrefix("postgres://") || value.hasPrefix("postgresql://") {
            let ledger = TradeLedger(backend: try PostgresBackend(url: value))
            try ledger.migrate()
            return ledger
        }
        let path = value.hasPrefix("sqlite:") ? String(value.dropFirst("sqlite:".count)) : value
        let ledger = TradeLedger(backend: try SQLiteBackend(path: path))
        try ledger.migrate()
        return ledger
    }
}

/// `kuajing ingest`: read, validate and store messages; a final summary (a progress line on a terminal).
public enum IngestJob {
    /// Records per transaction.
    public static let batchRecords = 1000

    public static func run(paths: [String], ledger: TradeLedger, validator: CEBValidator,
                           progress: ((Int, Int) -> Void)? = nil, out: (String) -> Void) throws -> IngestCounts {
        let files = try MessageSource.expand(paths)
        var total = IngestCounts()
        // Messages are committed together, about a thousand records per transaction.
        var pending: [(message: CEBMessage, verdicts: [RecordVerdict])] = []
        var pendingRecords = 0
        // Where the time goes (KUAJING_TIMING=1): reading, validating, storing.
        let clock = ContinuousClock()
        var (reading, validating, storing) = (Duration.zero, Duration.zero, Duration.zero)
        func flush() throws {
            guard !pending.isEmpty else { return }
            let start = clock.now
            defer { storing += clock.now - start }
            total += try ledger.ingest(batch: pending)
            pending.removeAll(keepingCapacity: true)
            pendingRecords = 0
        }
        for (i, source) in files.enumerated() {
            progress?(i, files.count)
            let loadStart = clock.now
            let data = try source.load()
            reading += clock.now - loadStart
            let file = source.name
            if source.isDeclarations {
                try flush()
                let result = try DeclarationReader.read(data, codes: validator.codes)
                total += try ledger.ingestDeclarations(source: file, bytes: [UInt8](data), digest: CEBReader.digest(data), result: result)
                continue
            }
            do {
                let start = clock.now
                let messages = try CEBReader.read(data: data, source: file)
                let read = clock.now
                for message in messages {
                    pending.append((message, validator.validate(message)))
                    pendingRecords += message.records.count
                }
                reading += read - start
                validating += clock.now - read
                if pendingRecords >= batchRecords { try flush() }
            } catch let e as CEBReader.MessageError {
                try flush()
                total += try ledger.quarantineUnreadable(source: file, bytes: [UInt8](data), digest: CEBReader.digest(data), line: e.line, message: e.message)
            }
        }
        try flush()
        // The months this run touched get their rollups recomputed (TradeRollups).
        let refreshStart = clock.now
        let months = try ledger.refreshRollups()
        if PhaseTimer.enabled { standardError("rollups: \(months) months in \(clock.now - refreshStart)\n") }
        if PhaseTimer.enabled { standardError("read \(reading), validate \(validating), store \(storing)\n") }
        progress?(files.count, files.count)
        out("文件 \(files.count) 个：新增 \(total.accepted) 条，重复 \(total.duplicates) 条，更新 \(total.updated) 条，删除 \(total.deleted) 条，隔离 \(total.quarantined) 条\n")
        for (reason, n) in total.quarantinedByReason.sorted(by: { $0.key < $1.key }) { out("  隔离原因 \(reason)：\(n) 条\n") }
        return total
    }
}

/// `kuajing stats`: inventories and value by the dimensions asked for, with the basis stated.
public enum StatsJob {
    public static func run(ledger: TradeLedger, by: [TradeLedger.Dimension], basis: StatsBasis, format: String, out: (String) -> Void) throws {
        let rows = try ledger.stats(by: by, basis: basis)
        let header = by.map(\.rawValue) + ["inventories", "value_cny", "other_currency_inventories"]
        func yuan(_ fen: Int64) -> String { "\(fen / 100).\(String(format: "%02d", fen % 100))" }
        switch format {
        case "json":
            out("{\"basis\": \(TradeCheckJob.quote(basis.description)), \"rows\": [")
            out(rows.enumerated().map { i, r in
                "\(i == 0 ? "" : ", "){" + zip(by.map(\.rawValue), r.keys).map { "\"\($0)\": \(TradeCheckJob.quote($1))" }.joined(separator: ", ")
                    + "\(by.isEmpty ? "" : ", ")\"inventories\": \(r.inventories), \"value_cny\": \"\(yuan(r.valueFen))\", \"other_currency_inventories\": \(r.otherCurrency)}"
            }.joined())
            out("]}\n")
        case "csv":
            out("\u{FEFF}" + header.joined(separator: ",") + "\n")
            for r in rows { out((r.keys + [String(r.inventories), yuan(r.valueFen), String(r.otherCurrency)]).joined(separator: ",") + "\n") }
        default:
            out(basis.description + "\n")
            out(header.joined(separator: "\t") + "\n")
            for r in rows { out((r.keys + [String(r.inventories), yuan(r.valueFen), String(r.otherCurrency)]).joined(separator: "\t") + "\n") }
            if rows.isEmpty { out("（无符合口径的清单）\n") }
        }
    }
}
