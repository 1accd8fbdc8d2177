import ArgumentParser
import Foundation
import KuajingApp
import Monitoring

/// Buffered standard output: results are written in large chunks.
final class StandardOutput: @unchecked Sendable {
    var buffer: [UInt8] = []
    func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
        if buffer.count > 1 << 20 { flush() }
    }
    func write(bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count > 1 << 20 { flush() }
    }
    /// Large buffers go straight to the descriptor, small ones through the buffer.
    func write(raw: UnsafeRawBufferPointer) {
        if raw.count < 1 << 16 {
            buffer.append(contentsOf: raw)
            if buffer.count > 1 << 20 { flush() }
            return
        }
        flush()
        writeAll(raw)
    }
    private func writeAll(_ p: UnsafeRawBufferPointer) {
        var offset = 0
        while offset < p.count {
            let n = Foundation.write(1, p.baseAddress! + offset, p.count - offset)
            if n <= 0 { break }
            offset += n
        }
    }
    func flush() {
        buffer.withUnsafeBytes { writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }
}

func standardError(_ s: String) {
    FileHandle.standardError.write(s.data(using: .utf8)!)
}

/// The settings every command may take; each falls back to its `KUAJING_*` variable, then the
/// configuration file, then its default (`AppConfiguration`).
struct AppOptions: ParsableArguments {
    @Option(help: "Configuration file (default: config/kuajing.yaml of the installation, or $KUAJING_CONFIG).") var config: String?
    @Option(help: "The store: a SQLite file (default kuajing.sqlite, or $KUAJING_DB) or postgres://user@host:port/database[?sslmode=require].") var db: String?
    @Option(help: "Directory of policy files (default: the installation's policies/, or $KUAJING_POLICIES).") var policies: String?
    @Option(help: "Directory of plan files (default: the installation's plans/, or $KUAJING_PLANS).") var plans: String?
    @Option(help: "Tier ladders (default: the installation's config/tiers.yaml, or $KUAJING_TIERS).") var tiers: String?
    @Option(help: "Funding split configuration (default: config/funding.yaml if present, or $KUAJING_FUNDING).") var funding: String?
    @Option(help: "Directory of the CEB XSD schemas (default: reference/customs-samples/xsd, or $KUAJING_CEB_SCHEMAS).") var schemas: String?
    @Option(help: "Directory of the customs code tables (default: reference/customs-codes, or $KUAJING_CUSTOMS_CODES).") var codes: String?
    @Option(help: "Directory of the seed texts for quotation checks (default: reference/seeds, or $KUAJING_SEEDS).") var seeds: String?

    func context() throws(AppError) -> AppContext {
        let configuration = try AppConfiguration.resolve(.init(config: config, database: db, policies: policies, plans: plans, tiers: tiers, funding: funding,
                                                               schemas: schemas, codes: codes, seeds: seeds))
        return AppContext(configuration: configuration)
    }
}

/// Exit codes: 0 done; 1 the check found problems; 2 invalid input; 3 not found; 4 conflict;
/// 5 forbidden; 6 unavailable (the database, a reference file); 7 an input over its size limit;
/// 8 throttled (too many attempts); 70 an internal failure (EX_SOFTWARE: a fault of the program, its detail printed).
extension AppError {
    var exitCode: Int32 {
        switch self {
        case .invalidInput, .refused, .methodNotAllowed: return 2
        case .notFound: return 3
        case .conflict: return 4
        case .forbidden, .unauthenticated, .crossSite: return 5
        case .unavailable: return 6
        case .tooLarge: return 7
        case .throttled: return 8
        case .internalFailure: return 70
        }
    }
}

/// Runs a command's body: an `AppError` is printed to standard error (nothing on standard
/// output) and becomes the exit code.
func runCommand(_ body: () async throws(AppError) -> Void) async throws {
    do { try await body() } catch {
        if case let .internalFailure(detail) = error { standardError("内部错误：\(detail)\n") }
        standardError(error.message + "\n")
        throw ExitCode(error.exitCode)
    }
}

/// A `YYYY-MM` option, parsed or refused with the option's name.
func parseMonth(_ text: String, option: String) throws(AppError) -> Month {
    guard let m = Month(text) else { throw .invalidInput(field: option, location: nil, message: "应为 YYYY-MM，实为“\(text)”") }
    return m
}

@available(macOS 10.15, *)
public struct Kuajing: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "kuajing",
        abstract: "跨境电商政策计算与监测平台 (Kuajing).",
        subcommands: [Policies.self, Calc.self, Audit.self, Generate.self, Trade.self, Ingest.self, Quarantine.self, Stats.self, Match.self, Bench.self, Plans.self,
                      Targets.self, Report.self, Demo.self, Tiers.self, Claims.self, Tasks.self, Migrate.self, Config.self, Serve.self, Users.self, Tax.self])

    public init() {}
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply the store's migrations not yet applied (under a lock), and say which.")
    @OptionGroup var options: AppOptions
    func run() async throws {
        try await runCommand { () async throws(AppError) in
            let r = try await SchemaMigration(options.context()).run()
            if r.applied.isEmpty { print("\(r.location)：已是最新结构（版本 \(r.current)），无需迁移") }
            for m in r.applied { print("已应用迁移 \(m.version)：\(m.name)") }
            if !r.applied.isEmpty { print("\(r.location)：结构版本 \(r.current)") }
        }
    }
}

struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show every setting in force and where it came from (flag, environment, file, default).")
    @OptionGroup var options: AppOptions
    func run() async throws {
        try await runCommand { () async throws(AppError) in
            let c = try options.context().configuration
            print("安装目录\t\(c.home)")
            for (key, value) in [("database", StoreLocation(c.database).description), ("policies", c.policies), ("plans", c.plans), ("tiers", c.tiers),
                                 ("funding", c.funding ?? "（未配置）"), ("schemas", c.schemas), ("codes", c.codes), ("seeds", c.seeds),
                                 ("postgres_tls", c.postgresTLS.rawValue), ("audit_key", c.auditKey), ("review_days", "\(c.reviewDays)"), ("objection_days", "\(c.objectionDays)"),
                                 ("log_level", c.logLevel), ("secure_cookies", c.secureCookies ? "1" : "0"), ("bcrypt_cost", "\(c.bcryptCost)"),
                                 ("sql_trace", c.sqlTrace ? "1" : "0"), ("timing", c.timing ? "1" : "0"),
                                 ("demo_password", c.demoPassword == nil ? "（未设置）" : "（已设置，不显示）"),
                                 ("user_password", c.userPassword == nil ? "（未设置）" : "（已设置，不显示）")] {
                print("\(key)\t\(value)\t\(c.origins[key] ?? "默认值")")
            }
        }
    }
}

/// The program's entry: parse the arguments, run the command (async), exit with its code.
public func runKuajing() async {
    do {
        var command = try Kuajing.parseAsRoot()
        if var asyncCommand = command as? AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    } catch {
        Kuajing.exit(withError: error)
    }
}
