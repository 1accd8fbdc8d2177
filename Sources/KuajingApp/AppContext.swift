import Foundation
import KuajingDomain
import Monitoring
import PolicyEngine
import TradeData
import Storage

/// What every use case runs with: the configuration, the clock, and the store it names. A server
/// keeps one open store for its life (`shared`); a command opens it for one use case and closes it.
public struct AppContext: Sendable {
    public let configuration: AppConfiguration
    public let clock: AppClock
    /// A store kept open by the caller (a server, a test); nil: opened per use case.
    public let shared: Store?

    /// The `timing` setting switches the engines' phase timer (a diagnostic of the process).
    public init(configuration: AppConfiguration, clock: AppClock = .system, store: Store? = nil) {
        if configuration.timing { PhaseTimer.enabled = true }
        self.configuration = configuration
        self.clock = clock
        shared = store
    }

    /// Opens the configured store and applies the migrations it lacks.
    public func openStore() async throws(AppError) -> Store {
        try await AppError.wrapping {
            let store = try await Store.open(configuration.storeLocation, tls: configuration.postgresTLS, clock: clock, traceSQL: configuration.sqlTrace)
            do { try await store.migrate() } catch {
                try? await store.close()
                throw error
            }
            return store
        }
    }

    /// Runs `body` on the store: the shared one, or one opened for it and closed after.
    public func withStore<T: Sendable>(_ body: (Store) async throws -> T) async throws(AppError) -> T {
        if let shared { return try await AppError.wrapping { try await body(shared) } }
        var timer = PhaseTimer(indent: "  store ")
        let store = try await openStore()
        timer.mark("open and migrate")
        do {
            let result = try await body(store)
            timer.mark("use case")
            try? await store.close()
            timer.mark("close")
            return result
        } catch {
            try? await store.close()
            throw AppError(error)
        }
    }

    public func validator() throws(AppError) -> CEBValidator {
        try AppError.wrappingSync {
            do { return try CEBValidator.load(schemaDirectory: configuration.schemas, codeDirectory: configuration.codes) } catch let e as TradeDataError {
                throw AppError.unavailable(message: "无法读取报文规范或代码表：\(e.description)（报文规范 \(configuration.schemas)，代码表 \(configuration.codes)）")
            }
        }
    }

    public func codeTables() throws(AppError) -> CodeTables {
        try AppError.wrappingSync {
            do { return try CodeTables.load(directory: configuration.codes) } catch let e as TradeDataError {
                throw AppError.unavailable(message: "无法读取海关代码表 \(configuration.codes)：\(e.description)")
            }
        }
    }

    public func plans() throws(AppError) -> [Plan] { try AppError.wrappingSync { try PlanLoader.loadAll(directory: configuration.plans) } }

    public func plan(_ id: String) throws(AppError) -> Plan {
        guard let p = try plans().first(where: { $0.id == id }) else {
            throw .notFound(message: "没有编号为 \(id) 的计划；可用 kuajing plans list 查看")
        }
        return p
    }

    public func ladders() throws(AppError) -> [TierLadder] { try AppError.wrappingSync { try TierConfiguration.load(path: configuration.tiers) } }

    /// The policies, loaded once per process and again whenever a policy file changes (its size or
    /// modification time): a server does not parse YAML on every request.
    /// The configured city/district funding split (none configured: every split says so).
    func funding() throws(AppError) -> FundingConfiguration {
        try AppError.wrappingSync { try configuration.funding.map { try FundingConfiguration.load(path: $0) } ?? FundingConfiguration() }
    }

    public func policySet(only ids: [String] = []) throws(AppError) -> PolicySet {
        try AppError.wrappingSync { try PolicySetCache.shared.set(directory: configuration.policies, only: ids) }
    }
}

/// Loaded policy sets by directory and selection, each with the fingerprint of the files it was read from.
final class PolicySetCache: @unchecked Sendable {
    static let shared = PolicySetCache()
    private let lock = NSLock()
    private var entries: [String: (fingerprint: String, set: PolicySet)] = [:]

    func set(directory: String, only ids: [String]) throws -> PolicySet {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.filter { $0.hasSuffix(".yaml") }.sorted() ?? []
        let fingerprint = files.map { f -> String in
            let a = try? FileManager.default.attributesOfItem(atPath: directory + "/" + f)
            return "\(f):\((a?[.size] as? Int) ?? -1):\(((a?[.modificationDate] as? Date)?.timeIntervalSince1970) ?? 0)"
        }.joined(separator: "|")
        let key = directory + "|" + ids.joined(separator: ",")
        lock.lock()
        if let hit = entries[key], hit.fingerprint == fingerprint { lock.unlock(); return hit.set }
        lock.unlock()
        let loaded = try PolicySet.load(directory: directory, only: ids)
        lock.lock()
        entries[key] = (fingerprint, loaded)
        lock.unlock()
        return loaded
    }
}
