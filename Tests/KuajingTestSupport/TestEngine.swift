import Foundation
import KuajingApp
import KuajingDomain
import PolicyEngine
import Testing
import TradeData
import Storage

/// The repository and the reference data that travels with it (no `../shared` needed).
public enum Repository {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized.path
    public static let reference = root + "/reference"
    public static let samples = reference + "/customs-samples"
    public static let schemas = samples + "/xsd"
    public static let codes = reference + "/customs-codes"
    public static let plans = root + "/plans"
    public static let policies = root + "/policies"
    public static let tiers = root + "/config/tiers.yaml"
    /// `../shared` beside the repository, where the reference copies come from (absent in a bare clone).
    public static let shared = URL(fileURLWithPath: root).appendingPathComponent("../shared").standardized.path

    public static func validator() throws -> CEBValidator { try CEBValidator.load(schemaDirectory: schemas, codeDirectory: codes) }

    /// A fresh temporary directory.
    public static func temporaryDirectory(_ prefix: String = "kuajing") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// The engines every storage test runs on. SQLite always; PostgreSQL when the test command started a
/// server (`KUAJING_TEST_POSTGRES_URL`). Each storage suite exists once per engine; the PostgreSQL
/// ones carry `.postgresRequired`, so without a server the run shows them skipped with the reason,
/// never passed; in CI a missing server fails the run (`postgresIsThereInCI` in the storage tests).
public enum TestEngine: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres
    public var testDescription: String { rawValue }

    public static var postgresURL: String? { ProcessInfo.processInfo.environment["KUAJING_TEST_POSTGRES_URL"] }
    public static let skipReason = "没有 PostgreSQL：设置 KUAJING_TEST_POSTGRES_URL（scripts/test.sh 会启动一个临时服务器）"

    /// A migrated store of its own: a new SQLite file, or a new schema on the PostgreSQL server.
    public func store(clock: AppClock = .system) async throws -> Store {
        let location: Store.Location
        var schema: String?
        switch self {
        case .sqlite:
            location = .sqlite(path: FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString).sqlite").path)
        case .postgres:
            guard let url = Self.postgresURL else { throw AppError.unavailable(message: Self.skipReason) }
            location = .postgres(url: url)
            schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        }
        let store = try await Store.open(location, schema: schema, clock: clock)
        try await store.migrate()
        return store
    }

    /// The `--db` value that reaches the same database as `store` would (SQLite only: a schema
    /// cannot be named in a URL).
    public static func sqlitePath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString).sqlite").path
    }
}

/// An application context on the repository's own files and a given store.
/// The audit signing key is a new file of its own (outside the repository); `funding` names a
/// funding split file (tests of payouts need one: the repository ships none). No `KUAJING_*`
/// variable of the process reaches it: a test gives its settings here (bcrypt's cost is 4 unless
/// asked: a test signs in many times), never through `setenv`.
public func testContext(store: Store? = nil, database: String = "kuajing-test.sqlite", clock: AppClock = .system, funding: String? = nil,
                        auditKey: String = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString).key").path,
                        bcryptCost: UInt8 = 4, demoPassword: String? = nil) throws -> AppContext {
    var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("KUAJING_") }
    env["KUAJING_HOME"] = Repository.root
    env["KUAJING_DB"] = database
    env["KUAJING_FUNDING"] = funding
    env["KUAJING_AUDIT_KEY"] = auditKey
    env["KUAJING_BCRYPT_COST"] = "\(bcryptCost)"
    env["KUAJING_DEMO_PASSWORD"] = demoPassword
    return AppContext(configuration: try AppConfiguration.resolve(.init(), environment: env), clock: clock, store: store)
}

/// Builds valid messages from the published samples: one record, with the sample's quirks
/// corrected (SOURCES.md), under the keys and values asked for.
public enum Synthetic {
    public static func inventory(copNo: String, appType: String = "1", price: String = "20", tradeMode: String = "9610", ieDate: String = "20250315") throws -> Data {
        var s = try String(contentsOfFile: Repository.samples + "/CEB603Message.gacc2018.xml", encoding: .utf8)
        let first = s.range(of: "</ceb:Inventory>")!
        let transfer = s.range(of: "<ceb:BaseTransfer>")!
        s = String(s[..<first.upperBound]) + "\n\t" + String(s[transfer.lowerBound...])
        s = s.replacingOccurrences(of: "<ceb:ieFlag>a</ceb:ieFlag>", with: "<ceb:ieFlag>E</ceb:ieFlag>")
            .replacingOccurrences(of: "<ceb:tradeMode>0101</ceb:tradeMode>", with: "<ceb:tradeMode>\(tradeMode)</ceb:tradeMode>")
            .replacingOccurrences(of: "<ceb:country>001</ceb:country>", with: "<ceb:country>502</ceb:country>")
            .replacingOccurrences(of: "<ceb:copNo>Cop20180507001</ceb:copNo>", with: "<ceb:copNo>\(copNo)</ceb:copNo>")
            .replacingOccurrences(of: "<ceb:appType>1</ceb:appType>", with: "<ceb:appType>\(appType)</ceb:appType>")
            .replacingOccurrences(of: "<ceb:ieDate>20180508</ceb:ieDate>", with: "<ceb:ieDate>\(ieDate)</ceb:ieDate>")
            .replacingOccurrences(of: "<ceb:price>20</ceb:price>", with: "<ceb:price>\(price)</ceb:price>")
        let total = (Decimal(string: price)! * 100) as NSDecimalNumber
        s = s.replacingOccurrences(of: "<ceb:totalPrice>200</ceb:totalPrice>", with: "<ceb:totalPrice>\(total.stringValue)</ceb:totalPrice>")
        return Data(s.utf8)
    }

    public static func receipt(copNo: String, status: String, time: String) throws -> Data {
        var s = try String(contentsOfFile: Repository.samples + "/CEB604Message.gacc2018.xml", encoding: .utf8)
        if let first = s.range(of: "</ceb:InventoryReturn>"), let end = s.range(of: "</ceb:CEB604Message>") {
            s = String(s[..<first.upperBound]) + "\n" + String(s[end.lowerBound...])
        }
        s = s.replacingOccurrences(of: "<ceb:statisticsFlag>1</ceb:statisticsFlag>", with: "<ceb:statisticsFlag>A</ceb:statisticsFlag>")
            .replacingOccurrences(of: "<ceb:copNo>Cop20180507001</ceb:copNo>", with: "<ceb:copNo>\(copNo)</ceb:copNo>")
            .replacingOccurrences(of: "<ceb:returnStatus>2</ceb:returnStatus>", with: "<ceb:returnStatus>\(status)</ceb:returnStatus>")
            .replacingOccurrences(of: "<ceb:returnTime>20180507153001001</ceb:returnTime>", with: "<ceb:returnTime>\(time)</ceb:returnTime>")
        return Data(s.utf8)
    }
}

/// `kuajing calc --format json` as the application layer and the engine's writer give it.
public func calculatedJSON(claimsFile: String, policyIDs: [String] = [], context: AppContext? = nil, trace: Bool = false) throws -> String {
    let result = try ClaimsCalculation(context ?? testContext()).evaluate(claimsFile: claimsFile, policyIDs: policyIDs, trace: trace)
    var json = ""
    result.write(.json, trace: trace, to: { json += $0 })
    return json
}

extension Trait where Self == ConditionTrait {
    /// A suite on PostgreSQL: skipped, with its reason, when no server was started for the tests.
    public static var postgresRequired: Self {
        .enabled(if: TestEngine.postgresURL != nil, Comment(rawValue: TestEngine.skipReason))
    }
}

/// Runs seconds of synchronous work on a Dispatch thread and waits for it without holding a thread
/// of Swift's cooperative pool (two on this machine): the storage suites running beside a heavy
/// test still get their answers from their servers in time.
public func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}
