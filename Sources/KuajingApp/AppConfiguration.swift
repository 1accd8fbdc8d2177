import Foundation
import KuajingDomain
import Storage
import Yams

/// Every setting of the program, in one place. Each comes from, in order: a command-line flag, a
/// `KUAJING_*` environment variable, the configuration file (`config/kuajing.yaml` in the
/// installation, or `--config` / `KUAJING_CONFIG`), else its default. Reference data, policies,
/// plans and configuration are found from the installation (the repository the program was built
/// in, found from the program's own location, or `KUAJING_HOME`), never from the working directory.
/// Relative paths in the file are relative to the installation, except `database`: the store is the
/// user's file, relative to the working directory wherever it is named.
///
/// | setting | flag | environment | file key | default |
/// |---|---|---|---|---|
/// | installation | – | `KUAJING_HOME` | – | found from the executable |
/// | database | `--db` | `KUAJING_DB` | `database` | `kuajing.sqlite` (working directory) |
/// | PostgreSQL TLS | – | `KUAJING_POSTGRES_TLS` | `postgres_tls` | `disable` (or the URL's `sslmode`) |
/// | policies | `--policies` | `KUAJING_POLICIES` | `policies` | `<home>/policies` |
/// | plans | `--plans` | `KUAJING_PLANS` | `plans` | `<home>/plans` |
/// | tier ladders | `--tiers` | `KUAJING_TIERS` | `tiers` | `<home>/config/tiers.yaml` |
/// | funding split | `--funding` | `KUAJING_FUNDING` | `funding` | `<home>/config/funding.yaml` if present |
/// | CEB schemas | `--schemas` | `KUAJING_CEB_SCHEMAS` | `schemas` | `<home>/reference/customs-samples/xsd` |
/// | code tables | `--codes` | `KUAJING_CUSTOMS_CODES` | `codes` | `<home>/reference/customs-codes` |
/// | seed texts | `--seeds` | `KUAJING_SEEDS` | `seeds` | `<home>/reference/seeds` |
/// | audit signing key (Ed25519, kept outside the database) | – | `KUAJING_AUDIT_KEY` | `audit_key` | `<SQLite file>.audit-key`; for PostgreSQL `~/.kuajing/audit.key` |
/// | cash-out periods | – | – | `review_days`, `objection_days` | 20 and 7 days: no seed states a period; a recorded reading (docs/cash-out.md) |
/// | server log level | – | `KUAJING_LOG` | `log_level` | `warning` (or `info`, `debug`) |
/// | cookies only over HTTPS (`Secure`) | – | `KUAJING_SECURE_COOKIES` | `secure_cookies` | off (on behind a TLS proxy) |
/// | bcrypt cost of new passwords | – | `KUAJING_BCRYPT_COST` | `bcrypt_cost` | 12 (4–16; tests lower it) |
/// | every SQL statement to standard error (SQLite) | – | `KUAJING_SQL_TRACE` | `sql_trace` | off |
/// | phase timings to standard error (docs/benchmarks.md) | – | `KUAJING_TIMING` | `timing` | off |
/// | the demo users' password at `serve --demo` | – | `KUAJING_DEMO_PASSWORD` | – (a secret, never in a file) | a new readable password |
/// | the password of `users add` | – | `KUAJING_PASSWORD` | – (a secret) | read from standard input |
public struct AppConfiguration: Sendable, Equatable {
    public var home: String
    public var database: String
    public var postgresTLS: PostgresTLSMode
    public var policies: String
    public var plans: String
    public var tiers: String
    public var funding: String?
    public var schemas: String
    public var codes: String
    public var seeds: String
    /// The Ed25519 key that signs audit checkpoints: a file outside the database (created on first use).
    public var auditKey: String
    /// How long a reviewer has for an application, and an enterprise for an objection (异议), in days.
    public var reviewDays: Int
    public var objectionDays: Int
    /// The server's log level: `warning`, `info` or `debug`.
    public var logLevel: String
    /// Session and sign-in cookies carry `Secure` (the site is served over HTTPS).
    public var secureCookies: Bool
    /// bcrypt's cost for passwords set from now on (2^12 rounds, about 0.25 s here).
    public var bcryptCost: UInt8
    /// Diagnosis: every SQLite statement, and each phase's duration, to standard error.
    public var sqlTrace: Bool
    public var timing: Bool
    /// 排名通报: a district user sees every district's target progress in its city (off: its own
    /// district's and the city's only).
    public var districtRanking: Bool = false
    /// Secrets given to a command through the environment (never read from a file, never shown).
    public var demoPassword: String?
    public var userPassword: String?
    /// Where each setting came from (flag, environment, file, default), for `kuajing config`.
    public var origins: [String: String]

    /// What the command line gave (nil: not given).
    public struct Flags: Sendable {
        public var config: String?
        public var database: String?
        public var policies: String?
        public var plans: String?
        public var tiers: String?
        public var funding: String?
        public var schemas: String?
        public var codes: String?
        public var seeds: String?
        public init(config: String? = nil, database: String? = nil, policies: String? = nil, plans: String? = nil, tiers: String? = nil, funding: String? = nil,
                    schemas: String? = nil, codes: String? = nil, seeds: String? = nil) {
            self.config = config
            self.database = database
            self.policies = policies
            self.plans = plans
            self.tiers = tiers
            self.funding = funding
            self.schemas = schemas
            self.codes = codes
            self.seeds = seeds
        }
    }

    static let fileKeys: Set<String> = ["database", "postgres_tls", "policies", "plans", "tiers", "funding", "schemas", "codes", "seeds", "audit_key", "review_days", "objection_days",
                                        "log_level", "secure_cookies", "bcrypt_cost", "sql_trace", "timing", "district_ranking"]

    public static func resolve(_ flags: Flags = Flags(), environment: [String: String] = ProcessInfo.processInfo.environment) throws(AppError) -> AppConfiguration {
        guard let home = environment["KUAJING_HOME"].map(absolute) ?? Installation.locate() else {
            throw .unavailable(message: "找不到 Kuajing 的安装目录（含 policies/、plans/、reference/ 的目录）；请设置环境变量 KUAJING_HOME")
        }
        let configPath = flags.config.map(absolute) ?? environment["KUAJING_CONFIG"].map(absolute) ?? home + "/config/kuajing.yaml"
        var file: [String: String] = [:]
        if FileManager.default.fileExists(atPath: configPath) {
            file = try readFile(configPath, required: flags.config != nil || environment["KUAJING_CONFIG"] != nil)
        } else if flags.config != nil || environment["KUAJING_CONFIG"] != nil {
            throw .notFound(message: "找不到配置文件 \(configPath)")
        }
        var origins: [String: String] = [:]
        func pick(_ key: String, flag: String?, env: String, fallback: String?) -> String? {
            if let flag { origins[key] = "命令行参数"; return absolute(flag) }
            if let v = environment[env], !v.isEmpty { origins[key] = "环境变量 \(env)"; return absolute(v) }
            if let v = file[key] { origins[key] = "配置文件 \(configPath)"; return v.hasPrefix("/") || v.contains("://") ? v : home + "/" + v }
            origins[key] = "默认值"
            return fallback
        }
        let database: String
        if let flag = flags.database { database = flag; origins["database"] = "命令行参数" }
        else if let v = environment["KUAJING_DB"], !v.isEmpty { database = v; origins["database"] = "环境变量 KUAJING_DB" }
        else if let v = file["database"] { database = v; origins["database"] = "配置文件 \(configPath)" }
        else { database = "kuajing.sqlite"; origins["database"] = "默认值" }
        let tlsText = environment["KUAJING_POSTGRES_TLS"] ?? file["postgres_tls"] ?? "disable"
        guard let tls = PostgresTLSMode(rawValue: tlsText) else {
            throw .invalidInput(field: "postgres_tls", location: nil, message: "应为 \(PostgresTLSMode.allCases.map(\.rawValue).joined(separator: "、"))，实为“\(tlsText)”")
        }
        let fundingDefault = home + "/config/funding.yaml"
        let keyDefault: String
        switch Store.Location(database) {
        case let .sqlite(path): keyDefault = absolute(path) + ".audit-key"
        case .postgres: keyDefault = (environment["HOME"] ?? "/root") + "/.kuajing/audit.key"
        }
        var days: [String: Int] = [:]
        for (key, fallback) in [("review_days", 20), ("objection_days", 7)] {
            guard let text = file[key] else { days[key] = fallback; continue }
            guard let n = Int(text), n >= 1, n <= 365 else { throw .invalidInput(field: key, location: configPath, message: "应为 1 到 365 的天数，实为“\(text)”") }
            days[key] = n
        }
        func setting(_ key: String, env: String) -> String? {
            if let v = environment[env], !v.isEmpty { origins[key] = "环境变量 \(env)"; return v }
            if let v = file[key] { origins[key] = "配置文件 \(configPath)"; return v }
            origins[key] = "默认值"
            return nil
        }
        func flag(_ key: String, env: String) throws(AppError) -> Bool {
            guard let text = setting(key, env: env) else { return false }
            switch text.lowercased() {
            case "1", "true", "yes", "on": return true
            case "0", "false", "no", "off": return false
            default: throw .invalidInput(field: key, location: origins[key], message: "应为 1 或 0（true 或 false），实为“\(text.prefix(20))”")
            }
        }
        let logLevel = setting("log_level", env: "KUAJING_LOG") ?? "warning"
        guard ["warning", "info", "debug"].contains(logLevel) else {
            throw .invalidInput(field: "log_level", location: origins["log_level"], message: "应为 warning、info 或 debug，实为“\(logLevel.prefix(20))”")
        }
        let costText = setting("bcrypt_cost", env: "KUAJING_BCRYPT_COST")
        let bcryptCost: UInt8
        if let costText {
            guard let n = UInt8(costText), (4...16).contains(n) else {
                throw .invalidInput(field: "bcrypt_cost", location: origins["bcrypt_cost"], message: "应为 4 到 16 的整数，实为“\(costText.prefix(20))”")
            }
            bcryptCost = n
        } else { bcryptCost = 12 }
        let secrets = ["demo_password": "KUAJING_DEMO_PASSWORD", "user_password": "KUAJING_PASSWORD"]
        var secret: [String: String] = [:]
        for (key, env) in secrets {
            if let v = environment[env], !v.isEmpty { secret[key] = v; origins[key] = "环境变量 \(env)" } else { origins[key] = "未设置" }
        }
        return AppConfiguration(
            home: home, database: database, postgresTLS: tls,
            policies: pick("policies", flag: flags.policies, env: "KUAJING_POLICIES", fallback: home + "/policies")!,
            plans: pick("plans", flag: flags.plans, env: "KUAJING_PLANS", fallback: home + "/plans")!,
            tiers: pick("tiers", flag: flags.tiers, env: "KUAJING_TIERS", fallback: home + "/config/tiers.yaml")!,
            funding: pick("funding", flag: flags.funding, env: "KUAJING_FUNDING", fallback: FileManager.default.fileExists(atPath: fundingDefault) ? fundingDefault : nil),
            schemas: pick("schemas", flag: flags.schemas, env: "KUAJING_CEB_SCHEMAS", fallback: home + "/reference/customs-samples/xsd")!,
            codes: pick("codes", flag: flags.codes, env: "KUAJING_CUSTOMS_CODES", fallback: home + "/reference/customs-codes")!,
            seeds: pick("seeds", flag: flags.seeds, env: "KUAJING_SEEDS", fallback: home + "/reference/seeds")!,
            auditKey: pick("audit_key", flag: nil, env: "KUAJING_AUDIT_KEY", fallback: keyDefault)!,
            reviewDays: days["review_days"] ?? 20, objectionDays: days["objection_days"] ?? 7,
            logLevel: logLevel, secureCookies: try flag("secure_cookies", env: "KUAJING_SECURE_COOKIES"), bcryptCost: bcryptCost,
            sqlTrace: try flag("sql_trace", env: "KUAJING_SQL_TRACE"), timing: try flag("timing", env: "KUAJING_TIMING"),
            districtRanking: try flag("district_ranking", env: "KUAJING_DISTRICT_RANKING"),
            demoPassword: secret["demo_password"], userPassword: secret["user_password"],
            origins: origins)
    }

    static func readFile(_ path: String, required: Bool) throws(AppError) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .unavailable(message: "无法以 UTF-8 读取配置文件 \(path)")
        }
        let node: Any?
        do { node = try Yams.load(yaml: text) } catch {
            throw .invalidInput(field: nil, location: path, message: "不是有效的 YAML：\(error)")
        }
        guard let node else { return [:] }
        guard let map = node as? [String: Any] else { throw .invalidInput(field: nil, location: path, message: "应为“设置: 值”的映射") }
        var out: [String: String] = [:]
        for (k, v) in map {
            guard fileKeys.contains(k) else {
                throw .invalidInput(field: k, location: path, message: "未知设置；可用：\(fileKeys.sorted().joined(separator: "、"))")
            }
            out[k] = "\(v)"
        }
        return out
    }

    static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") || path.contains("://") || path.hasPrefix("sqlite:") { return path }
        return FileManager.default.currentDirectoryPath + "/" + path
    }

    /// The store this configuration names.
    public var storeLocation: Store.Location { Store.Location(database) }
}

/// Finds the installation: the directory that holds `policies/`, `plans/` and `reference/`, walking
/// up from the executable (a build under `.build/…/kuajing`, or a copy installed beside them), then
/// from the sources this program was compiled from.
enum Installation {
    static func locate() -> String? {
        var starts: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { starts.append(exe) }
        if let first = CommandLine.arguments.first { starts.append(AppConfiguration.absolute(first)) }
        starts.append(#filePath)
        for start in starts {
            var dir = URL(fileURLWithPath: start).resolvingSymlinksInPath().deletingLastPathComponent()
            while dir.path != "/" {
                if isInstallation(dir.path) { return dir.path }
                dir = dir.deletingLastPathComponent()
            }
        }
        return nil
    }

    static func isInstallation(_ path: String) -> Bool {
        let fm = FileManager.default
        return ["policies", "plans", "reference/customs-codes"].allSatisfy { fm.fileExists(atPath: path + "/" + $0) }
    }
}
