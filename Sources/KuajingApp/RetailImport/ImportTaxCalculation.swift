import Foundation
import KuajingDomain
import PolicyEngine

/// `calculateImportTax`: the retail-import tax of orders and returns under the regime file
/// (`policies/retail-import/retail-import-tax.yaml`), a what-if that stores nothing; the same answer
/// for the API (`POST /api/v1/import-tax`) and `kuajing tax import --orders FILE.json`.
public struct ImportTaxCalculation: Sendable {
    public let context: AppContext

    public init(_ context: AppContext) { self.context = context }

    /// The largest body read (a stated limit): 1,000 orders of a few lines fit well within it.
    public static let maxBodyBytes = 2 * 1024 * 1024

    public func regime() throws(AppError) -> RetailImportRegime { try context.importRegime() }

    /// The answer to a JSON body, as the API sends it.
    public func answer(json body: [UInt8], source: String) throws(AppError) -> [UInt8] {
        let results = try calculate(json: body, source: source)
        let object: [String: Any] = ["orders": results.map(ImportTaxRequest.answer)]
        do { return [UInt8](try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])) } catch {
            throw .internalFailure(detail: "import-tax answer: \(error)")
        }
    }

    /// The results of a JSON body; a malformed one is refused naming its order and field.
    public func calculate(json body: [UInt8], source: String) throws(AppError) -> [ImportTaxResult] {
        guard body.count <= Self.maxBodyBytes else { throw .tooLarge(message: "请求体超过 \(Self.maxBodyBytes / 1024 / 1024) MB 的上限") }
        let root: Any
        do { root = try JSONSerialization.jsonObject(with: Data(body)) } catch {
            throw .invalidInput(field: nil, location: source, message: "不是有效的 JSON：\(error.localizedDescription)")
        }
        return try calculate(root, source: source)
    }

    /// Orders as parsed objects (JSON or YAML).
    public func calculate(_ root: Any, source: String) throws(AppError) -> [ImportTaxResult] {
        let regime = try regime()
        do {
            return try ImportTaxCalculator(regime: regime).calculate(try ImportTaxRequest.items(root))
        } catch {
            let place = error.orderID.isEmpty ? error.field : "订单 \(error.orderID) 的 \(error.field)"
            throw .invalidInput(field: error.field, location: source + (error.orderID.isEmpty ? "" : "#" + error.orderID), message: "\(place)：\(error.message)")
        }
    }

    /// The regime's worked cases (`retail-import-tax.tests.yaml`), as `kuajing policies test` runs them.
    public func test() throws(AppError) -> PolicyTestSuite.Report? {
        let file = context.configuration.policies + "/retail-import/retail-import-tax.tests.yaml"
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        let regime = try regime()
        return try AppError.wrappingSync { try ImportTaxTestSuite.run(file: file, regime: regime) }
    }
}

extension AppContext {
    /// The retail-import regime, read once per process and again when its file changes.
    public func importRegime() throws(AppError) -> RetailImportRegime {
        try AppError.wrappingSync { try RetailImportRegimeCache.shared.regime(path: configuration.policies + "/retail-import/retail-import-tax.yaml") }
    }
}

final class RetailImportRegimeCache: @unchecked Sendable {
    static let shared = RetailImportRegimeCache()
    private let lock = NSLock()
    private var entries: [String: (fingerprint: String, regime: RetailImportRegime)] = [:]

    func regime(path: String) throws -> RetailImportRegime {
        let a = try? FileManager.default.attributesOfItem(atPath: path)
        let fingerprint = "\((a?[.size] as? Int) ?? -1):\(((a?[.modificationDate] as? Date)?.timeIntervalSince1970) ?? 0)"
        lock.lock()
        if let hit = entries[path], hit.fingerprint == fingerprint { lock.unlock(); return hit.regime }
        lock.unlock()
        let loaded = try RetailImportRegime.load(path: path)
        lock.lock()
        entries[path] = (fingerprint, loaded)
        lock.unlock()
        return loaded
    }
}
