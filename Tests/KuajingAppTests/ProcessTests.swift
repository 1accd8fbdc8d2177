import Foundation
import KuajingApp
import KuajingTestSupport
import Testing
import Storage

let kuajingBinary = Repository.root + "/.build/debug/kuajing"

/// The command line as a user runs it: from any directory, several at once on one SQLite file.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: kuajingBinary), "没有 .build/debug/kuajing：先运行 swift build --build-tests"))
struct ProcessTests {
    /// Runs `kuajing` with `arguments` in `directory`, with no KUAJING_* settings; its exit code and
    /// output. The wait happens on a thread of its own, never on the test runner's cooperative
    /// threads (two on this machine), so the other suites' tasks, PostgreSQL's pool among them, run on.
    static func run(_ arguments: [String], in directory: String) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do { continuation.resume(returning: try runBlocking(arguments, in: directory)) } catch { continuation.resume(throwing: error) }
            }
        }
    }

    static func runBlocking(_ arguments: [String], in directory: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: kuajingBinary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("KUAJING_") }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Eight processes update the same task in the same SQLite file at the same moment: every one
    /// succeeds (the writer lock is taken at BEGIN IMMEDIATE and waited for), and none is lost.
    @Test func severalProcessesWriteOneFile() async throws {
        let dir = try Repository.temporaryDirectory("procs")
        let db = dir + "/shared.sqlite"
        #expect(try await Self.run(["migrate", "--db", db], in: dir).status == 0)
        let n = 8
        let results = try await withThrowingTaskGroup(of: (Int32, String).self) { group in
            for k in 0..<n {
                group.addTask {
                    try await Self.run(["tasks", "update", "--plan", "hangzhou-2024", "--clause", "19", "--status", "进行中", "--note", "进程 \(k)", "--by", "市商务局", "--db", db], in: dir)
                }
            }
            var all: [(Int32, String)] = []
            for try await r in group { all.append(r) }
            return all
        }
        for (status, output) in results { #expect(status == 0, "\(output)") }
        let store = try await Store.open(.sqlite(path: db))
        #expect(try await store.planRecords.taskState(planID: "hangzhou-2024", clause: "19").version == Int64(n))
        #expect(try await store.planRecords.taskUpdates(planID: "hangzhou-2024").count == n)
        try await store.close()
    }

    /// From a directory that is not the repository, the program finds its reference data, policies and plans.
    @Test func worksFromAnyDirectory() async throws {
        let dir = try Repository.temporaryDirectory("elsewhere")
        let ingest = try await Self.run(["ingest", Repository.samples + "/CEB603Message.gacc2018.xml", "--db", dir + "/k.sqlite"], in: dir)
        #expect(ingest.status == 0, "\(ingest.output)")
        #expect(ingest.output.contains("隔离 10 条"))
        let plans = try await Self.run(["plans", "check"], in: dir)
        #expect(plans.status == 0, "\(plans.output)")
        #expect(plans.output.contains("处引文已与原文比对"))
        let policies = try await Self.run(["policies", "check"], in: dir)
        #expect(policies.status == 0 && policies.output.contains("处引文已与原文比对"), "\(policies.output)")
    }

    /// `kuajing tax import` answers the worked case as calculateImportTax does, and refuses a bad order with exit code 2.
    @Test func theImportTaxCommandAnswersTheWorkedCase() async throws {
        let dir = try Repository.temporaryDirectory("tax")
        let body = #"{"orders": [{"order_id": "T2", "date": "2025-03-01", "buyer_id": "B2", "lines": [{"hs_code": "3304990099", "qty": 1, "value": "1000.00", "consumption_tax_rate": "15%"}]}]}"#
        try Data(body.utf8).write(to: URL(fileURLWithPath: dir + "/orders.json"))
        let run = try await Self.run(["tax", "import", "--orders", dir + "/orders.json"], in: dir)
        #expect(run.status == 0, "\(run.output)")
        let expected = String(decoding: try ImportTaxCalculation(testContext()).answer(json: Array(body.utf8), source: dir + "/orders.json"), as: UTF8.self)
        #expect(run.output == expected + "\n")
        #expect(run.output.contains("\"total\" : \"230.59\""))
        try Data(#"{"orders": [{"order_id": "T2", "date": "2025-02-30", "buyer_id": "B2", "lines": []}]}"#.utf8).write(to: URL(fileURLWithPath: dir + "/bad.json"))
        let bad = try await Self.run(["tax", "import", "--orders", dir + "/bad.json"], in: dir)
        #expect(bad.status == 2, "\(bad.output)")
        #expect(bad.output.contains("订单 T2 的 date"), "\(bad.output)")
    }

    /// An error is one Chinese sentence on standard error and an exit code by its kind.
    @Test func errorsHaveTheirExitCodes() async throws {
        let dir = try Repository.temporaryDirectory("errors")
        let missing = try await Self.run(["plans", "show", "nope"], in: dir)
        #expect(missing.status == 3 && missing.output.contains("没有编号为 nope 的计划"))
        let bad = try await Self.run(["targets", "--month", "2025-13", "--db", dir + "/k.sqlite"], in: dir)
        #expect(bad.status == 2 && bad.output.contains("month"), "\(bad.output)")
    }
}
