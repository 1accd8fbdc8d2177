import ArgumentParser
import Foundation
import KuajingApp
import KuajingDomain
import TradeData

struct Trade: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Customs CEB messages: check them against the specification.",
                                                    subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Read CEB messages (files or directories) and report each record accepted or quarantined, with reason codes.")
        @Argument(help: "Message files or directories.") var paths: [String]
        @Option(help: "table or json.") var format: String = "table"
        @OptionGroup var options: AppOptions

        func run() async throws {
            try await runCommand { () throws(AppError) in
                let json = format == "json"
                let out = StandardOutput()
                if json { out.write("{\"records\": [") }
                var first = true
                let summary = try TradeCheck(options.context()).run(paths: paths) { event in
                    switch event {
                    case let .unreadable(_, message):
                        if !json { out.write("✗ \(message)\n") }
                    case let .verdict(v):
                        let r = v.record
                        if json {
                            let findings = v.findings.map {
                                "{\"code\": \"\($0.code)\", \"severity\": \"\($0.severity.rawValue)\", \"field\": \(JSONText.quote($0.field)), \"line\": \($0.line), \"message\": \(JSONText.quote($0.message))}"
                            }.joined(separator: ", ")
                            out.write((first ? "\n" : ",\n") + "  {\"source\": \(JSONText.quote(r.source)), \"line\": \(r.line), \"message\": \"\(r.messageType)\", \"record\": \"\(r.name)\", \"key\": \(JSONText.quote(TradeCheck.key(r))), \"schema\": \(v.schemaID.map(JSONText.quote) ?? "null"), \"status\": \"\(v.accepted ? "accepted" : "quarantined")\", \"reasons\": [\(v.reasons.map(JSONText.quote).joined(separator: ", "))], \"sha256\": \"\(r.messageDigest)\", \"findings\": [\(findings)]}")
                            first = false
                        } else {
                            out.write("\(v.accepted ? "✓ 接收" : "✗ 隔离") \(r.source):\(r.line) \(r.messageType) \(r.name) \(TradeCheck.key(r))\(v.schemaID.map { "（\($0)）" } ?? "")\n")
                            for f in v.findings { out.write("    \(f.severity == .error ? "错误" : "提示") [\(f.code)] \(f.field)：\(f.message)\n") }
                        }
                    }
                }
                if json {
                    out.write("\n], \"summary\": {\"messages\": \(summary.messages), \"records\": \(summary.records), \"accepted\": \(summary.accepted), \"quarantined\": \(summary.quarantined), \"unreadable_files\": \(summary.unreadable)}}\n")
                } else {
                    out.write("\n报文 \(summary.messages) 份，记录 \(summary.records) 条：接收 \(summary.accepted) 条，隔离 \(summary.quarantined) 条，无法读取的文件 \(summary.unreadable) 个\n")
                    for (k, n) in summary.errorsByReason.sorted(by: { $0.key < $1.key }) { out.write("  隔离原因 \(k)：\(n) 处\n") }
                    for (k, n) in summary.warningsByReason.sorted(by: { $0.key < $1.key }) { out.write("  提示 \(k)：\(n) 处\n") }
                }
                out.flush()
            }
        }
    }
}

enum IngestText {
    static func summary(_ r: TradeIngest.Report) -> String {
        let t = r.counts
        var s = "文件 \(r.files) 个：新增 \(t.accepted) 条，重复 \(t.duplicates) 条，更新 \(t.updated) 条，删除 \(t.deleted) 条，隔离 \(t.quarantined) 条\n"
        for (reason, n) in t.quarantinedByReason.sorted(by: { $0.key < $1.key }) { s += "  隔离原因 \(reason)：\(n) 条\n" }
        return s
    }
}

struct Ingest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Read, validate and store CEB messages and declarations extracts (files, directories, .zip) in the trade ledger.")
    @Argument(help: "Message files or directories.") var paths: [String]
    @Option(name: .customLong("as"), help: "Ingest on behalf of this platform user: only records of enterprises in the user's scope are taken (any other refuses the whole run, nothing stored), as for the user's upload.") var asUser: String?
    @OptionGroup var options: AppOptions

    func run() async throws {
        let show: @Sendable (Int, Int) -> Void = { (done: Int, total: Int) in
            standardError("\r已处理 \(done)/\(total) 个文件" + (done == total ? "\n" : ""))
        }
        let progress = isatty(2) == 1 ? show : nil
        try await runCommand { () async throws(AppError) in
            let context = try options.context()
            let sender = try await asUser.asyncMap { name throws(AppError) in try await Accounts(context).viewer(named: name) }
            let report = try await TradeIngest(context).run(paths: paths, as: sender, progress: progress)
            if context.configuration.timing {
                standardError("rollups: \(report.refreshedMonths) months in \(report.refreshing)\nread \(report.reading), validate \(report.validating), compress \(report.compressing), store \(report.storing) (reader waited \(report.waiting))\n")
            }
            print(IngestText.summary(report), terminator: "")
        }
    }
}

struct Quarantine: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Records held back by validation.", subcommands: [List.self, Show.self, Resubmit.self])

    struct List: AsyncParsableCommand {
        @OptionGroup var options: AppOptions
        @Flag(help: "Include resolved entries.") var all = false
        func run() async throws {
            try await runCommand { () async throws(AppError) in
                for e in try await QuarantineCases(options.context()).list(includeResolved: all) {
                    print("\(e.id)\t\(e.messageType)\t\(e.recordName)\t\(e.recordKey)\t\(e.reasons.joined(separator: ","))\t\(e.source):\(e.line)\(e.resolvedAt.map { "\t已处理 \($0)" } ?? "")")
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        @Argument var id: Int64
        @OptionGroup var options: AppOptions
        @Flag(help: "Write the original message bytes to standard output.") var original = false
        func run() async throws {
            try await runCommand { () async throws(AppError) in
                let cases = QuarantineCases(try options.context())
                if original {
                    let out = StandardOutput()
                    out.write(bytes: try await cases.original(id))
                    out.flush()
                    return
                }
                let e = try await cases.entry(id)
                print("隔离记录 \(e.id)：\(e.messageType) \(e.recordName) \(e.recordKey)\n来源：\(e.source):\(e.line)\n原报文 SHA-256：\(e.digest)\n原因：\(e.reasons.joined(separator: ", "))\n隔离时间：\(e.quarantinedAt)\(e.resolvedAt.map { "\n已处理：\($0)" } ?? "")\n明细：\(e.findings)")
            }
        }
    }

    struct Resubmit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ingest a corrected message for a quarantine entry; the entry is resolved when the record is now accepted.")
        @Argument var id: Int64
        @Option(help: "The corrected message file.") var file: String
        @OptionGroup var options: AppOptions
        func run() async throws {
            var held = false
            try await runCommand { () async throws(AppError) in
                switch try await QuarantineCases(options.context()).resubmit(id, file: file) {
                case .resolved: print("隔离记录 \(id) 已处理")
                case .stillHeld:
                    print("更正后的报文仍未通过校验，隔离记录 \(id) 保留")
                    held = true
                }
            }
            if held { throw ExitCode(1) }
        }
    }
}

enum StatsText {
    static func yuan(_ fen: Int64) -> String { Fen(fen).plain }

    static func render(_ t: Statistics.Table, format: String, out: (String) -> Void) {
        let header = t.dimensions.map(\.rawValue) + ["inventories", "value_cny", "other_currency_inventories"]
        switch format {
        case "json":
            out("{\"basis\": \(JSONText.quote(t.basis.description)), \"rows\": [")
            out(t.rows.enumerated().map { i, r in
                "\(i == 0 ? "" : ", "){" + zip(t.dimensions.map(\.rawValue), r.keys).map { "\"\($0)\": \(JSONText.quote($1))" }.joined(separator: ", ")
                    + "\(t.dimensions.isEmpty ? "" : ", ")\"inventories\": \(r.inventories), \"value_cny\": \"\(yuan(r.valueFen))\", \"other_currency_inventories\": \(r.otherCurrency)}"
            }.joined())
            out("]}\n")
        case "csv":
            out("\u{FEFF}" + header.joined(separator: ",") + "\n")
            for r in t.rows { out((r.keys.map(CSVText.field) + [String(r.inventories), yuan(r.valueFen), String(r.otherCurrency)]).joined(separator: ",") + "\n") }
        default:
            out(t.basis.description + "\n")
            out(header.joined(separator: "\t") + "\n")
            for r in t.rows { out((r.keys + [String(r.inventories), yuan(r.valueFen), String(r.otherCurrency)]).joined(separator: "\t") + "\n") }
            if t.rows.isEmpty { out("（无符合口径的清单）\n") }
        }
    }
}

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Cross-border trade from the ledger, with the basis (口径) stated; verify the rollups.",
                                                    subcommands: [Show.self, Refresh.self, Verify.self, Imports.self, AssessImports.self], defaultSubcommand: Show.self)

    struct Imports: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Retail imports of a year: tax collected, over-limit orders, returns by month; buyers in aggregate (never an ID number).")
        @Option(help: "Year (default: this year).") var year: Int?
        @Option(help: "table or csv.") var format: String = "table"
        @OptionGroup var options: AppOptions
        func run() async throws {
            try await runCommand { () async throws(AppError) in
                guard ["table", "csv"].contains(format) else { throw .invalidInput(field: "format", location: nil, message: "应为 table 或 csv") }
                let o = try await ImportMonitor(options.context()).overview(year: year)
                if format == "csv" {
                    FileHandle.standardOutput.write(Data(ImportMonitor.csv(o).utf8))
                    return
                }
                print("\(o.year) 年零售进口（\(o.limits)）")
                print(["月份", "清单数", "计征货值", "关税", "消费税", "增值税", "退货不予征收", "实征税款", "超限单数", "超限货值", "单件全额"].joined(separator: "\t"))
                for r in o.byMonth + (o.total.map { [$0] } ?? []) {
                    print([r.keys.first == "全部" ? "合计" : r.keys.first ?? "", "\(r.orders)", Fen(r.priceFen).grouped, Fen(r.dutyFen).grouped, Fen(r.consumptionTaxFen).grouped,
                           Fen(r.vatFen).grouped, Fen(r.returnedTaxFen).grouped, Fen(r.collectedFen).grouped, "\(r.overLimitOrders)", Fen(r.overLimitPriceFen).grouped,
                           "\(r.fullRateOrders)"].joined(separator: "\t"))
                }
                if let b = o.buyers {
                    print("订购人 \(b.buyers) 名，年度累计 \(Fen(b.usedFen).grouped) 元；达到限值 \(o.nearAnnualShare) 以上 \(b.nearLimit) 名，用满 \(b.atLimit) 名；向 \(b.manyConsignees) 个以上收件地址下单 \(b.manyConsigneeBuyers) 名")
                }
                print(o.basis)
            }
        }
    }

    struct AssessImports: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "assess-imports",
            abstract: "Assess the import 申报清单 stored without tax and quota (before the import side existed); safe to run again.")
        @OptionGroup var options: AppOptions
        func run() async throws {
            try await runCommand { () async throws(AppError) in
                let n = try await Statistics(options.context()).assessStoredImports()
                print(n == 0 ? "没有尚未计税的进口清单" : "已为 \(n) 张进口清单计税并计入订购人年度额度")
            }
        }
    }

    struct Refresh: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recompute the monthly rollups of every month marked since the last refresh (ingest does this itself).")
        @OptionGroup var options: AppOptions
        func run() async throws {
            try await runCommand { () async throws(AppError) in
                let clock = ContinuousClock()
                let start = clock.now
                let months = try await Statistics(options.context()).refresh()
                print("已刷新 \(months) 个月的汇总，用时 \(clock.now - start)")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Inventories and declarations grouped by the dimensions asked for.")
        @Option(help: "Dimensions, comma separated: code,direction,month,district,country,enterprise.") var by: String = "code,direction,month"
        @Option(help: "table, json or csv.") var format: String = "table"
        @Flag(help: "Count every accepted inventory whatever its customs status (default: released 800 / cleared 899 only).") var anyStatus = false
        @OptionGroup var options: AppOptions
        func run() async throws {
            try await runCommand { () async throws(AppError) in
                guard ["table", "json", "csv"].contains(format) else { throw .invalidInput(field: "format", location: nil, message: "应为 table、json 或 csv") }
                let table = try await Statistics(options.context()).table(by: Statistics.dimensions(by), basis: anyStatus ? .anyStatus : .released)
                let out = StandardOutput()
                StatsText.render(table, format: format, out: out.write)
                out.flush()
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recount the whole ledger and compare it with the monthly rollups, the import-tax rollup and the buyers' quotas.")
        @OptionGroup var options: AppOptions
        func run() async throws {
            var differ = false
            try await runCommand { () async throws(AppError) in
                let v = try await Statistics(options.context()).verify()
                for d in v.differences.prefix(50) { print(d) }
                if v.differences.isEmpty {
                    print("汇总与明细重新计数一致：核对汇总行 \(v.checkedRows) 行")
                } else {
                    print("汇总与明细不一致：\(v.differences.count) 处（已列出前 \(min(50, v.differences.count)) 处）；可运行 kuajing ingest 或刷新后再核对")
                    differ = true
                }
            }
            if differ { throw ExitCode(1) }
        }
    }
}

struct Match: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "三单对碰: match orders with payments/receipts, waybills and inventories in the messages given, or in the stored ledger (--db) when none are given.")
    @Argument(help: "Message files or directories (none: the records of the stored ledger).") var paths: [String] = []
    @OptionGroup var options: AppOptions
    func run() async throws {
        try await runCommand { () async throws(AppError) in
            let matching = OrderMatching(try options.context())
            let report = paths.isEmpty ? try await matching.matchStored() : try matching.match(paths: paths)
            let out = StandardOutput()
            for u in report.unreadable { out.write("✗ \(u)\n") }
            for r in report.orders {
                out.write("\(r.complete ? "✓ 三单一致" : "✗ 三单不一致") \(r.direction == "E" ? "出口" : "进口")订单 \(r.orderNo)（电商平台 \(r.ebpCode)）\n")
                if !r.missing.isEmpty { out.write("    缺少：\(r.missing.map(\.chinese).joined(separator: "、"))\n") }
                for m in r.mismatches { out.write("    不一致 \(m.description)\n") }
            }
            for (doc, orderNo) in report.unlinked { out.write("  未关联任何订单的\(doc.chinese)：orderNo \(orderNo)\n") }
            let complete = report.orders.filter(\.complete).count
            out.write("\n订单 \(report.orders.count) 笔：三单一致 \(complete) 笔，缺单 \(report.orders.filter { !$0.missing.isEmpty }.count) 笔，字段不一致 \(report.orders.filter { !$0.mismatches.isEmpty }.count) 笔\n")
            out.flush()
        }
    }
}

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks for docs/benchmarks.md.", subcommands: [InsertLoop.self])

    struct InsertLoop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "insert-loop",
            abstract: "Insert the rows of an ingested ledger into an empty one (--db) by a bare loop (the writer's limit).")
        @Option(help: "A ledger that holds ingested messages (SQLite file or postgres:// URL).") var from: String
        @OptionGroup var options: AppOptions
        func run() async throws {
            try await runCommand { () async throws(AppError) in
                let r = try await InsertLoopBenchmark(options.context()).run(from: from)
                let seconds = Double(r.time.components.seconds) + Double(r.time.components.attoseconds) / 1e18
                print("裸插入：报文 \(r.messages) 份，记录 \(r.records) 条，用时 \(String(format: "%.2f", seconds)) 秒，每秒 \(Int(Double(r.records) / seconds)) 条")
            }
        }
    }
}

extension Optional {
    /// The value transformed by an async function, or nil.
    func asyncMap<T>(_ transform: (Wrapped) async throws(AppError) -> T) async throws(AppError) -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
