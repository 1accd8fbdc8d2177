import Foundation
import KuajingApp
import KuajingDomain
import KuajingTestSupport
import Testing

@Suite struct ConfigurationTests {
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var env: [String: String] = ["KUAJING_HOME": Repository.root]
        for (k, v) in extra { env[k] = v }
        return env
    }

    /// A flag beats the environment, the environment beats the file, the file beats the default;
    /// each setting says where it came from.
    @Test func flagsThenEnvironmentThenFileThenDefault() throws {
        let dir = try Repository.temporaryDirectory("config")
        let file = dir + "/kuajing.yaml"
        try "database: from-file.sqlite\nplans: other-plans\ncodes: /abs/codes\n".write(toFile: file, atomically: true, encoding: .utf8)
        let fromFile = try AppConfiguration.resolve(.init(config: file), environment: environment())
        #expect(fromFile.database == "from-file.sqlite" && fromFile.origins["database"]?.hasPrefix("配置文件") == true)
        #expect(fromFile.plans == Repository.root + "/other-plans")
        #expect(fromFile.codes == "/abs/codes")
        #expect(fromFile.policies == Repository.root + "/policies" && fromFile.origins["policies"] == "默认值")
        let fromEnv = try AppConfiguration.resolve(.init(config: file), environment: environment(["KUAJING_DB": "env.sqlite", "KUAJING_PLANS": "/env/plans"]))
        #expect(fromEnv.database == "env.sqlite" && fromEnv.plans == "/env/plans" && fromEnv.origins["plans"] == "环境变量 KUAJING_PLANS")
        let fromFlag = try AppConfiguration.resolve(.init(config: file, database: "postgres://u@h/db", plans: "/flag/plans"),
                                                    environment: environment(["KUAJING_DB": "env.sqlite"]))
        #expect(fromFlag.database == "postgres://u@h/db" && fromFlag.plans == "/flag/plans" && fromFlag.origins["database"] == "命令行参数")
        #expect(fromFlag.storeLocation == .postgres(url: "postgres://u@h/db"))
    }

    @Test func aWrongSettingIsNamed() throws {
        let dir = try Repository.temporaryDirectory("config")
        let file = dir + "/kuajing.yaml"
        try "databse: typo.sqlite\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: AppError.invalidInput(field: "databse", location: file, message: "未知设置；可用：audit_key、bcrypt_cost、codes、database、district_ranking、funding、log_level、objection_days、plans、policies、postgres_tls、review_days、schemas、secure_cookies、seeds、sql_trace、tiers、timing")) {
            try AppConfiguration.resolve(.init(config: file), environment: environment())
        }
        #expect(throws: AppError.notFound(message: "找不到配置文件 /nowhere/kuajing.yaml")) {
            try AppConfiguration.resolve(.init(config: "/nowhere/kuajing.yaml"), environment: environment())
        }
        #expect(throws: AppError.self) { try AppConfiguration.resolve(.init(), environment: environment(["KUAJING_POSTGRES_TLS": "maybe"])) }
    }

    /// The settings once read where they were used (log level, secure cookies, bcrypt's cost, SQL
    /// trace, timings, the demo and user passwords) are the configuration's, with their source; a
    /// secret comes only from the environment and is never shown.
    @Test func everySettingIsTheConfigurations() throws {
        let defaults = try AppConfiguration.resolve(.init(), environment: environment())
        #expect(defaults.logLevel == "warning" && !defaults.secureCookies && defaults.bcryptCost == 12 && !defaults.sqlTrace && !defaults.timing)
        #expect(defaults.demoPassword == nil && defaults.origins["bcrypt_cost"] == "默认值" && defaults.origins["demo_password"] == "未设置")
        let dir = try Repository.temporaryDirectory("config")
        let file = dir + "/kuajing.yaml"
        try "log_level: info\nsecure_cookies: true\nbcrypt_cost: 10\ntiming: 0\n".write(toFile: file, atomically: true, encoding: .utf8)
        let c = try AppConfiguration.resolve(.init(config: file), environment: environment(["KUAJING_BCRYPT_COST": "5", "KUAJING_SQL_TRACE": "1", "KUAJING_DEMO_PASSWORD": "x-secret-123"]))
        #expect(c.logLevel == "info" && c.secureCookies && c.bcryptCost == 5 && c.sqlTrace && !c.timing && c.demoPassword == "x-secret-123")
        #expect(c.origins["bcrypt_cost"] == "环境变量 KUAJING_BCRYPT_COST" && c.origins["secure_cookies"] == "配置文件 \(file)")
        #expect(throws: AppError.self) { try AppConfiguration.resolve(.init(), environment: environment(["KUAJING_BCRYPT_COST": "3"])) }
        #expect(throws: AppError.self) { try AppConfiguration.resolve(.init(), environment: environment(["KUAJING_SECURE_COOKIES": "maybe"])) }
        #expect(throws: AppError.self) { try AppConfiguration.resolve(.init(), environment: environment(["KUAJING_LOG": "loud"])) }
        // A secret in the file is an unknown setting, not a password.
        try "demo_password: in-a-file\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: AppError.self) { try AppConfiguration.resolve(.init(config: file), environment: environment()) }
    }

    /// The installation is found from the program's location, never the working directory.
    @Test func theInstallationIsFoundWithoutTheWorkingDirectory() throws {
        let configuration = try AppConfiguration.resolve(.init(), environment: [:])
        #expect(configuration.home == Repository.root)
        #expect(configuration.schemas == Repository.root + "/reference/customs-samples/xsd")
        #expect(FileManager.default.fileExists(atPath: configuration.seeds + "/000_797a3265bdbe2e65.txt"))
    }
}

/// "Today" is the Asia/Shanghai day everywhere.
@Suite struct ClockTests {
    @Test(arguments: [
        ("2026-11-30T23:30:00Z", "2026-12-01", "2026-12-01T07:30:00+08:00"), // before 08:00 Beijing time the UTC date is yesterday
        ("2026-12-01T15:59:59Z", "2026-12-01", "2026-12-01T23:59:59+08:00"),
        ("2026-12-01T16:00:00Z", "2026-12-02", "2026-12-02T00:00:00+08:00"),
    ])
    func todayIsTheBeijingDay(utc: String, day: String, timestamp: String) throws {
        let date = try #require(ISO8601DateFormatter().date(from: utc))
        let clock = AppClock.fixed(date)
        #expect(clock.today().iso == day)
        #expect(clock.timestamp() == timestamp)
    }

    /// Overdue flags follow the injected clock's day: 杭州 19's milestone due 2025-12-31 is not
    /// overdue at 2025-12-31T23:00 Beijing time (15:00 UTC) and is at 2026-01-01T00:30 Beijing time
    /// (16:30 UTC, still the 31st in UTC).
    @Test func overdueIsJudgedOnTheBeijingDay() async throws {
        let store = try await TestEngine.sqlite.store()
        func overdue(at utc: String) async throws -> Int {
            let clock = AppClock.fixed(try #require(ISO8601DateFormatter().date(from: utc)))
            let tasks = try await PlanFollowUp(testContext(store: store, clock: clock)).tasks(planID: "hangzhou-2024")
            return try #require(tasks.first?.tasks.first { $0.clause == "19" }).overdue.count
        }
        let late = try await overdue(at: "2025-12-31T16:30:00Z")
        let onTime = try await overdue(at: "2025-12-31T15:00:00Z")
        #expect(late == onTime + 1)
    }
}

/// The copies in reference/ are the shared material, byte for byte (where ../shared is beside the repository).
@Suite(.enabled(if: FileManager.default.fileExists(atPath: Repository.shared + "/reference"), "../shared 不在仓库旁：无从比对 reference/ 的副本"))
struct ReferenceCopyTests {
    @Test(arguments: [("reference/customs-samples", "reference/customs-samples"), ("reference/customs-codes", "reference/customs-codes"),
                      ("reference/divisions.csv", "reference/divisions.csv"), ("seeds", "reference/seeds")])
    func copiesAreEqual(origin: String, copy: String) throws {
        let fm = FileManager.default
        let from = Repository.shared + "/" + origin, to = Repository.root + "/" + copy
        var isDirectory: ObjCBool = false
        _ = fm.fileExists(atPath: from, isDirectory: &isDirectory)
        let files = isDirectory.boolValue ? try fm.subpathsOfDirectory(atPath: from) : [""]
        var compared = 0
        for f in files {
            let a = f.isEmpty ? from : from + "/" + f, b = f.isEmpty ? to : to + "/" + f
            var dir: ObjCBool = false
            guard fm.fileExists(atPath: a, isDirectory: &dir), !dir.boolValue else { continue }
            #expect(fm.contents(atPath: a) == fm.contents(atPath: b), "\(copy)/\(f) differs from \(origin)/\(f)")
            compared += 1
        }
        #expect(compared > 0)
    }
}
