import Foundation
import KuajingDomain
import Monitoring
import PolicyEngine
import TradeData
import Storage

/// 梯度培育库: tier moves recomputed from the rollups, and a city's tiers in a month.
public struct TierRegister: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public struct Refreshed: Sendable {
        public var city: String
        /// nil: the ladder has no thresholds (nothing computed), with its clause.
        public var moves: Int?
        public var clause: String
    }

    public func refresh() async throws(AppError) -> [Refreshed] {
        let ladders = try context.ladders()
        return try await context.withStore { store in
            var out: [Refreshed] = []
            for ladder in ladders {
                if ladder.tiers.isEmpty { out.append(Refreshed(city: ladder.city, moves: nil, clause: ladder.clause)); continue }
                out.append(Refreshed(city: ladder.city, moves: try await TierTracker(store: store).refresh(ladder), clause: ladder.clause))
            }
            return out
        }
    }

    public struct CityTiers: Sendable {
        public var ladder: TierLadder
        public var month: Month
        /// Enterprises in each tier or above (index 0 = the first tier).
        public var atOrAbove: [Int]
        /// Enterprises that reached each tier (1-based key) during the month's year.
        public var enteredThisYear: [Int: Int]
    }

    public func show(city: String, month: Month) async throws(AppError) -> CityTiers {
        guard let ladder = try context.ladders().first(where: { $0.city == city }) else {
            throw .notFound(message: "\(context.configuration.tiers) 中没有 \(city) 的梯度设置")
        }
        return try await context.withStore { store in
            let tracker = TierTracker(store: store)
            let now = try await tracker.tiers(ladder, at: month)
            let entered = try await tracker.entries(ladder, year: month.year)
            return CityTiers(ladder: ladder, month: month, atOrAbove: ladder.tiers.indices.map { k in now.values.filter { $0 > k }.count }, enteredThisYear: entered)
        }
    }
}

/// Feeds the registry's credit facts and tiers into a claims CSV before the engine reads it.
public struct CreditEnrichment: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    /// Writes the enriched CSV to `outFile` whole (atomically), or nothing.
    public func enrich(claimsFile: String, outFile: String) async throws(AppError) -> ClaimEnrichment.Summary {
        guard let data = FileManager.default.contents(atPath: claimsFile) else { throw .notFound(message: "找不到申报台账 \(claimsFile)") }
        guard let text = String(data: data, encoding: .utf8) else { throw .invalidInput(field: nil, location: claimsFile, message: "无法以 UTF-8 读取") }
        let ladders = try context.ladders()
        return try await context.withStore { store in
            let (csv, summary) = try await ClaimEnrichment.enrich(csv: text, store: store, ladders: ladders)
            try Data(csv.utf8).write(to: URL(fileURLWithPath: outFile), options: .atomic)
            return summary
        }
    }
}

/// The 运行监测月报 of a scope and month, and its export as HTML, .xlsx or CSV.
public struct MonthlyReporting: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public enum Format: String, Sendable, CaseIterable {
        case html, xlsx, csv
        /// By the file's extension; anything but .xlsx and .csv is HTML.
        public init(path: String) {
            let lower = path.lowercased()
            self = lower.hasSuffix(".xlsx") ? .xlsx : lower.hasSuffix(".csv") ? .csv : .html
        }
    }

    public func build(scope: String, month: Month) async throws(AppError) -> MonthlyReport {
        let plans = try context.plans()
        let ladders = try context.ladders()
        return try await context.withStore { store in
            let synthetic = try await store.registry.holdsSyntheticEnterprises()
            var report = try await MonthlyReport.build(scope: scope, month: month, plans: plans, ladders: ladders, queries: RollupQueries(store: store), synthetic: synthetic)
            if let c = try await store.audit.latestCheckpoint() {
                report.auditCheckpoint = "审计检查点：第 \(c.sequence) 条，链头 \(c.headHash)，\(c.signedAt) 由 Ed25519 密钥签名（公钥 \(c.publicKey)；kuajing audit verify 可核对）"
            }
            return report
        }
    }

    /// The report rendered in a format: what a file or a download holds.
    public func render(_ report: MonthlyReport, as format: Format) throws(AppError) -> [UInt8] {
        let names = try context.codeTables().byField["country"]?.codes ?? [:]
        return try AppError.wrappingSync {
            switch format {
            case .xlsx: return try report.workbook(countryNames: names).bytes()
            case .csv: return Array(report.csv(countryNames: names).utf8)
            case .html: return Array(MonthlyReportView(report: report, countryNames: names).html().utf8)
            }
        }
    }

    /// Builds, renders by the file's extension and writes the file whole (or not at all).
    public func write(scope: String, month: Month, to path: String) async throws(AppError) -> MonthlyReport {
        let clock = ContinuousClock()
        let start = clock.now
        let report = try await build(scope: scope, month: month)
        let built = clock.now
        let bytes = try render(report, as: Format(path: path))
        try AppError.wrappingSync { try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic) }
        if PhaseTimer.enabled { FileHandle.standardError.write("report figures: \(built - start), written: \(clock.now - built)\n".data(using: .utf8)!) }
        return report
    }
}
