import ArgumentParser
import Foundation
import PolicyEngine
import TradeData
import TradeStore

/// Buffered standard output: results are written in large chunks.
final class StandardOutput: @unchecked Sendable {
    var buffer: [UInt8] = []
    func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count > 1 << 20 { flush() }
    }
    func flush() {
        buffer.withUnsafeBytes { p in
            var offset = 0
            while offset < p.count {
                let n = Foundation.write(1, p.baseAddress! + offset, p.count - offset)
                if n <= 0 { break }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

func standardError(_ s: String) {
    FileHandle.standardError.write(s.data(using: .utf8)!)
}

/// Where the policy files are: `--policies`, else $KUAJING_POLICIES, else ./policies.
struct PolicyDirectoryOption: ParsableArguments {
    @Option(name: .customLong("policies"), help: "Directory of policy files (default: $KUAJING_POLICIES or ./policies).")
    var directory: String?

    var path: String { directory ?? ProcessInfo.processInfo.environment["KUAJING_POLICIES"] ?? "policies" }
}

public struct Kuajing: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "kuajing",
        abstract: "跨境电商政策计算与监测平台 (Kuajing).",
        subcommands: [Policies.self, Calc.self, Generate.self, Trade.self, Ingest.self, Quarantine.self, Stats.self, Match.self, Bench.self, Plans.self, Targets.self, Report.self, Demo.self, Tiers.self, Claims.self, Tasks.self])

    public init() {}
}

struct Policies: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List, show, check and test policy files.",
                                                    subcommands: [List.self, Show.self, Check.self, Test.self])

    struct List: ParsableCommand {
        @OptionGroup var policies: PolicyDirectoryOption
        func run() throws {
            let out = StandardOutput()
            defer { out.flush() }
            try PolicyJobs.list(directory: policies.path, out: out.write)
        }
    }

    struct Show: ParsableCommand {
        @Argument(help: "Policy id, e.g. hangzhou-2024.") var id: String
        @OptionGroup var policies: PolicyDirectoryOption
        func run() throws {
            let out = StandardOutput()
            defer { out.flush() }
            try PolicyJobs.show(id: id, directory: policies.path, out: out.write)
        }
    }

    struct Check: ParsableCommand {
        @Argument(help: "One policy file; all files of the policy directory when omitted.") var file: String?
        @OptionGroup var policies: PolicyDirectoryOption
        @Option(help: "Directory of the seed texts, to check quotations (default: ../shared/seeds if present).") var seeds: String?
        func run() throws {
            let out = StandardOutput()
            let seedDir = seeds ?? (FileManager.default.fileExists(atPath: "../shared/seeds") ? "../shared/seeds" : nil)
            let problems = PolicyJobs.check(file: file, directory: policies.path, seeds: seedDir, out: out.write)
            out.flush()
            if problems > 0 { throw ExitCode(1) }
        }
    }

    struct Test: ParsableCommand {
        @OptionGroup var policies: PolicyDirectoryOption
        func run() throws {
            let out = StandardOutput()
            let (cases, checks, failures) = try PolicyJobs.test(directory: policies.path, out: out.write)
            out.write("共 \(cases) 个用例，\(checks) 项检查\n")
            out.write("\(checks - failures) passed, \(failures) failed\n")
            out.flush()
            if failures > 0 { throw ExitCode(1) }
        }
    }
}

struct Calc: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Evaluate a claims ledger (CSV or JSON) against the policies.")
    @Option(help: "Claims ledger, CSV or JSON (shared/spec/claims.md).") var claims: String
    @Option(name: .customLong("policy"), help: "Only this policy (repeatable); all policies when omitted.") var policyIDs: [String] = []
    @Option(help: "table, json, csv or summary.") var format: String = "table"
    @Flag(help: "Include the structured steps: parameters with clauses, conditions, every limit tested.") var trace = false
    @Option(help: "Funding split configuration (default: config/funding.yaml if present).") var funding: String?
    @OptionGroup var policies: PolicyDirectoryOption

    func run() throws {
        guard let f = OutputFormat(rawValue: format) else {
            throw ValidationError("unknown format \(format); use table, json, csv or summary")
        }
        let fundingFile = funding ?? (FileManager.default.fileExists(atPath: "config/funding.yaml") ? "config/funding.yaml" : nil)
        let out = StandardOutput()
        do {
            try CalcJob.run(claims: claims, policyIDs: policyIDs, directory: policies.path, format: f, trace: trace,
                            fundingFile: fundingFile, out: out.write)
        } catch let e as LedgerError {
            standardError(e.description + "\n")
            throw ExitCode(2)
        } catch let e as PolicyFileError {
            standardError(e.description + "\n")
            throw ExitCode(2)
        }
        out.flush()
    }
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Generate synthetic data (模拟数据).", subcommands: [Claims.self, TradeMessages.self])

    struct TradeMessages: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "trade", abstract: "Synthetic CEB603 export inventories, 100 per message file.")
        @Option(help: "Number of inventory records.") var records: Int = 1000
        @Option(help: "Random seed.") var seed: UInt64 = 1
        @Option(help: "Output directory.") var out: String = "synthetic-trade"
        func run() throws {
            let files = try TradeGenerator.write(records: records, seed: seed, to: out)
            print("已生成 \(records) 条模拟清单，\(files.count) 个报文文件，位于 \(out)")
        }
    }

    struct Claims: ParsableCommand {
        @Option(help: "Number of enterprises (4 claims each).") var enterprises: Int = 1000
        @Option(help: "Random seed.") var seed: UInt64 = 1
        @Option(help: "Output file (default: standard output).") var out: String?
        func run() throws {
            if let path = out {
                FileManager.default.createFile(atPath: path, contents: nil)
                guard let h = FileHandle(forWritingAtPath: path) else { throw ValidationError("cannot write \(path)") }
                ClaimGenerator.generate(enterprises: enterprises, seed: seed) { h.write($0.data(using: .utf8)!) }
                try h.close()
            } else {
                let o = StandardOutput()
                ClaimGenerator.generate(enterprises: enterprises, seed: seed, sink: o.write)
                o.flush()
            }
        }
    }
}

struct Trade: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Customs CEB messages: check them against the specification.",
                                                    subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Read CEB messages (files or directories) and report each record accepted or quarantined, with reason codes.")
        @Argument(help: "Message files or directories.") var paths: [String]
        @Option(help: "Directory of the CEB XSD schemas (default: ../shared/reference/customs-samples/xsd or $KUAJING_CEB_SCHEMAS).") var schemas: String?
        @Option(help: "Directory of the customs code tables (default: ../shared/reference/customs-codes or $KUAJING_CUSTOMS_CODES).") var codes: String?
        @Option(help: "table or json.") var format: String = "table"

        func run() throws {
            let validator = try ReferenceOptions(schemas: schemas, codes: codes).validator()
            let out = StandardOutput()
            _ = try TradeCheckJob.run(paths: paths, validator: validator, json: format == "json", out: out.write)
            out.flush()
        }
    }
}

/// Where the CEB schemas and code tables are.
struct ReferenceOptions: ParsableArguments {
    @Option(help: "Directory of the CEB XSD schemas (default: ../shared/reference/customs-samples/xsd or $KUAJING_CEB_SCHEMAS).") var schemas: String?
    @Option(help: "Directory of the customs code tables (default: ../shared/reference/customs-codes or $KUAJING_CUSTOMS_CODES).") var codes: String?

    init() {}
    init(schemas: String?, codes: String?) {
        self.schemas = schemas
        self.codes = codes
    }

    /// The code tables alone (no schemas): for commands that only name codes.
    func codeTables() throws -> CodeTables {
        try CodeTables.load(directory: codes ?? ProcessInfo.processInfo.environment["KUAJING_CUSTOMS_CODES"] ?? "../shared/reference/customs-codes")
    }

    func validator() throws -> CEBValidator {
        let env = ProcessInfo.processInfo.environment
        return try CEBValidator.load(
            schemaDirectory: schemas ?? env["KUAJING_CEB_SCHEMAS"] ?? "../shared/reference/customs-samples/xsd",
            codeDirectory: codes ?? env["KUAJING_CUSTOMS_CODES"] ?? "../shared/reference/customs-codes")
    }
}

struct DatabaseOption: ParsableArguments {
    @Option(help: "The ledger: a SQLite file (default kuajing.sqlite) or postgres://user@host:port/database.") var db: String = "kuajing.sqlite"
}

struct Ingest: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Read, validate and store CEB messages (files or directories) in the trade ledger.")
    @Argument(help: "Message files or directories.") var paths: [String]
    @OptionGroup var database: DatabaseOption
    @OptionGroup var reference: ReferenceOptions

    func run() throws {
        let ledger = try LedgerLocation.open(database.db)
        let out = StandardOutput()
        let terminal = isatty(2) == 1
        _ = try IngestJob.run(paths: paths, ledger: ledger, validator: try reference.validator(), progress: terminal ? { done, total in
            standardError("\r已处理 \(done)/\(total) 个文件" + (done == total ? "\n" : ""))
        } : nil, out: out.write)
        out.flush()
    }
}

struct Quarantine: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Records held back by validation.", subcommands: [List.self, Show.self, Resubmit.self])

    struct List: ParsableCommand {
        @OptionGroup var database: DatabaseOption
        @Flag(help: "Include resolved entries.") var all = false
        func run() throws {
            let ledger = try LedgerLocation.open(database.db)
            for e in try ledger.quarantine(includeResolved: all) {
                print("\(e.id)\t\(e.messageType)\t\(e.recordName)\t\(e.recordKey)\t\(e.reasons.joined(separator: ","))\t\(e.source):\(e.line)\(e.resolvedAt.map { "\t已处理 \($0)" } ?? "")")
            }
        }
    }

    struct Show: ParsableCommand {
        @Argument var id: Int64
        @OptionGroup var database: DatabaseOption
        @Flag(help: "Write the original message bytes to standard output.") var original = false
        func run() throws {
            let ledger = try LedgerLocation.open(database.db)
            guard let e = try ledger.quarantine(includeResolved: true, id: id).first else { throw ValidationError("没有编号为 \(id) 的隔离记录") }
            if original, let bytes = try ledger.messageBytes(digest: e.digest) {
                FileHandle.standardOutput.write(Data(bytes))
                return
            }
            print("隔离记录 \(e.id)：\(e.messageType) \(e.recordName) \(e.recordKey)\n来源：\(e.source):\(e.line)\n原报文 SHA-256：\(e.digest)\n原因：\(e.reasons.joined(separator: ", "))\n隔离时间：\(e.quarantinedAt)\(e.resolvedAt.map { "\n已处理：\($0)" } ?? "")\n明细：\(e.findings)")
        }
    }

    struct Resubmit: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ingest a corrected message for a quarantine entry; the entry is resolved when the record is now accepted.")
        @Argument var id: Int64
        @Option(help: "The corrected message file.") var file: String
        @OptionGroup var database: DatabaseOption
        @OptionGroup var reference: ReferenceOptions
        func run() throws {
            let ledger = try LedgerLocation.open(database.db)
            guard let entry = try ledger.quarantine(includeResolved: true, id: id).first else { throw ValidationError("没有编号为 \(id) 的隔离记录") }
            let validator = try reference.validator()
            var stillHeld = false
            for message in try CEBReader.read(path: file) {
                let verdicts = validator.validate(message)
                if verdicts.contains(where: { !$0.accepted && TradeLedger.key($0.record) == entry.recordKey }) { stillHeld = true }
                _ = try ledger.ingest(message, verdicts: verdicts)
            }
            if stillHeld {
                print("更正后的报文仍未通过校验，隔离记录 \(id) 保留")
                throw ExitCode(1)
            }
            try ledger.resolve(ids: [id])
            print("隔离记录 \(id) 已处理")
        }
    }
}

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Cross-border trade from the ledger, with the basis (口径) stated; verify the rollups.",
                                                    subcommands: [Show.self, Refresh.self, Verify.self], defaultSubcommand: Show.self)

    struct Refresh: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recompute the monthly rollups of every month marked since the last refresh (ingest does this itself).")
        @OptionGroup var database: DatabaseOption
        func run() throws {
            let clock = ContinuousClock()
            let start = clock.now
            let months = try LedgerLocation.open(database.db).refreshRollups()
            print("已刷新 \(months) 个月的汇总，用时 \(clock.now - start)")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Inventories and declarations grouped by the dimensions asked for.")
        @Option(help: "Dimensions, comma separated: code,direction,month,district,country,enterprise.") var by: String = "code,direction,month"
        @Option(help: "table, json or csv.") var format: String = "table"
        @Flag(help: "Count every accepted inventory whatever its customs status (default: released 800 / cleared 899 only).") var anyStatus = false
        @OptionGroup var database: DatabaseOption
        func run() throws {
            let dims = try by.split(separator: ",").map { s -> TradeLedger.Dimension in
                guard let d = TradeLedger.Dimension(rawValue: String(s)) else { throw ValidationError("未知维度 \(s)；可用：\(TradeLedger.Dimension.allCases.map(\.rawValue).joined(separator: ", "))") }
                return d
            }
            let out = StandardOutput()
            try StatsJob.run(ledger: try LedgerLocation.open(database.db), by: dims, basis: anyStatus ? .anyStatus : .released, format: format, out: out.write)
            out.flush()
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recount the whole ledger and compare it with the monthly rollups.")
        @OptionGroup var database: DatabaseOption
        func run() throws {
            let ledger = try LedgerLocation.open(database.db)
            let (checked, differences) = try ledger.verifyRollups()
            for d in differences.prefix(50) { print(d) }
            if differences.isEmpty {
                print("汇总与明细重新计数一致：核对汇总行 \(checked) 行")
            } else {
                print("汇总与明细不一致：\(differences.count) 处（已列出前 \(min(50, differences.count)) 处）；可运行 kuajing ingest 或刷新后再核对")
                throw ExitCode(1)
            }
        }
    }
}

struct Match: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "三单对碰: match orders with payments/receipts, waybills and inventories in the messages given.")
    @Argument(help: "Message files or directories.") var paths: [String]
    func run() throws {
        let out = StandardOutput()
        _ = try MatchJob.run(paths: paths, out: out.write)
        out.flush()
    }
}
