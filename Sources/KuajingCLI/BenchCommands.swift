import ArgumentParser
import Foundation
import TradeStore

/// `kuajing bench insert-loop`: the writer's limit for docs/benchmarks.md (see `BareInsertLoop`).
public enum InsertLoopJob {
    public static func run(from source: String, into target: String, out: (String) -> Void) throws {
        let rows = try BareInsertLoop.load(from: try LedgerLocation.open(source))
        let ledger = try LedgerLocation.open(target)
        guard try ledger.counts()["record", default: 0] == 0 else { throw ValidationError("目标账本 \(target) 不是空的") }
        let time = try BareInsertLoop.insert(rows, into: ledger)
        let seconds = Double(time.components.seconds) + Double(time.components.attoseconds) / 1e18
        out("裸插入：报文 \(rows.messages.count) 份，记录 \(rows.recordCount) 条，用时 \(String(format: "%.2f", seconds)) 秒，每秒 \(Int(Double(rows.recordCount) / seconds)) 条\n")
    }
}

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks for docs/benchmarks.md.", subcommands: [InsertLoop.self])

    struct InsertLoop: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "insert-loop",
            abstract: "Insert the rows of an ingested ledger into an empty one by a bare loop (the writer's limit).")
        @Option(help: "A ledger that holds ingested messages (SQLite file or postgres:// URL).") var from: String
        @Option(help: "An empty ledger to insert into.") var db: String
        func run() throws {
            let out = StandardOutput()
            try InsertLoopJob.run(from: from, into: db, out: out.write)
            out.flush()
        }
    }
}
