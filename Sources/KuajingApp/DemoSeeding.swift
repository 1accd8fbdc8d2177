import Foundation
import KuajingDomain
import Monitoring
import TradeData
import Storage

/// `kuajing demo seed`: the synthetic world (模拟数据) into the store, through the same ingest path
/// as real extracts: registry and credit facts first, then the declarations extract, then the
/// rollups; a synthetic entry for each manual indicator; the tier moves.
public struct DemoSeeding: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public struct Input: Sendable {
        public var seed: UInt64
        public var scale: Int
        /// The last month of trade (nil: the month before today, Asia/Shanghai).
        public var through: Month?
        /// Where the generated declarations extract and claims ledger are written.
        public var directory: String
        /// Shrinks the world for tests (the city totals stay the same).
        public var enterpriseDivisor: Int
        public init(seed: UInt64 = 1, scale: Int = 1, through: Month? = nil, directory: String = "demo", enterpriseDivisor: Int = 1) {
            self.seed = seed
            self.scale = scale
            self.through = through
            self.directory = directory
            self.enterpriseDivisor = enterpriseDivisor
        }
    }

    public struct Report: Sendable {
        public var world: DemoWorld.World
        public var declarationsFile: String
        public var claimsFile: String
        public var ingest: TradeIngest.Report
        public var manualEntries: Int
        public var manualAsOf: String
        public var tierMoves: [(city: String, moves: Int)]
        /// The demo users (one per role) with their password and the demo enterprise.
        public var users: DemoUsers.Created?
    }

    /// Rows per file of the generated extract (see `seed`).
    static let rowsPerPart = 40_000
    /// Retail-import orders of the demo world per scale.
    static let importOrders = 800

    public func seed(_ input: Input) async throws(AppError) -> Report {
        guard input.scale >= 1, input.scale <= 100 else { throw .invalidInput(field: "scale", location: nil, message: "应在 1 到 100 之间，实为 \(input.scale)") }
        let today = context.clock.today()
        let through = input.through ?? Month(year: today.year, month: today.components.month).adding(-1)
        let validator = try context.validator()
        let importTax = try context.importTaxAssessor()
        let plans = try context.plans()
        let ladders = try context.ladders()
        let timestamp = context.clock.timestamp()
        var report = try await context.withStore { store in
            var world = DemoWorld.generate(seed: input.seed, scale: input.scale, through: through, enterpriseDivisor: input.enterpriseDivisor)
            try FileManager.default.createDirectory(atPath: input.directory, withIntermediateDirectories: true)
            // The extract in parts of 40,000 rows, ingested one after the other (each its own
            // message): the seeding holds one part's rows at a time, not the world's.
            var parts: [String] = []
            for (k, text) in world.declarationParts(rows: Self.rowsPerPart).enumerated() {
                let path = input.directory + "/demo-declarations-seed\(input.seed)-scale\(input.scale)-part\(k + 1).csv"
                try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
                parts.append(path)
            }
            world.declarationLines = []
            let csv = parts.first ?? ""
            let claimsPath = input.directory + "/demo-claims-seed\(input.seed)-scale\(input.scale).csv"
            try Data(world.claimsCSV.utf8).write(to: URL(fileURLWithPath: claimsPath), options: .atomic)
            try await store.registry.upsert(world.enterprises)
            try await store.registry.addCreditFacts(world.creditFacts)
            // Retail imports (1210 / 9610) of the bonded-zone enterprises of 杭州 over the year so far:
            // 申报清单 taxed at ingest, their release receipts, a few returns.
            let importers = ["钱塘区", "萧山区"].flatMap { d in world.enterprises.filter { $0.district == d }.prefix(3).map(\.id) }
            if !importers.isEmpty {
                parts += try ImportTradeGenerator.write(count: Self.importOrders * input.scale, buyers: Self.importOrders * input.scale / 4, seed: input.seed,
                                                        year: through.year, months: through.month, ebcCodes: Array(importers), to: input.directory + "/imports")
            }
            let ingest = try await TradeIngest.run(paths: parts, store: store, validator: validator, importTax: importTax, progress: nil)
            // Manual indicators get a synthetic entry each (between 40% and 110% of the target), marked as such.
            var rng = SplitMix64(seed: input.seed &+ 99)
            let asOf = Day(year: through.year, month: through.month, day: Day.daysInMonth(year: through.year, month: through.month))!.iso
            var entered = 0
            for plan in plans {
                for t in plan.targets where t.indicator == .manual {
                    let amount = max(1, t.value.amount * Int64(40 + rng.below(71)) / 100)
                    let value = t.value.kind == .money ? "\(amount / 100)元" : "\(amount)\(t.value.kind == .area ? "平方米" : t.value.unit)"
                    guard PlanQuantity.parse(value)?.kind == t.value.kind else { continue }
                    try await store.planRecords.addIndicatorEntry(IndicatorEntry(planID: plan.id, targetID: t.id, value: value, asOf: asOf, enteredBy: "模拟数据",
                                                                                 evidence: "模拟数据（演示用，非真实填报）", enteredAt: timestamp))
                    entered += 1
                }
            }
            var moves: [(String, Int)] = []
            for ladder in ladders {
                let n = try await TierTracker(store: store).refresh(ladder)
                if n > 0 { moves.append((ladder.city, n)) }
            }
            return Report(world: world, declarationsFile: csv, claimsFile: claimsPath, ingest: ingest, manualEntries: entered, manualAsOf: asOf, tierMoves: moves)
        }
        // The 杭州 world holds 滨江区 enterprises only when it is not shrunk to nothing.
        if report.world.enterprises.contains(where: { $0.district == DemoUsers.district }) {
            report.users = try await DemoUsers(context).create()
            if let id = report.users?.enterpriseID { try await CashOutDemo(context).seed(enterpriseID: id) }
        }
        ReleasedMemory.returnToSystem()
        return report
    }
}

/// `kuajing migrate`: the migrations applied now (none when the database is current).
public struct SchemaMigration: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public struct Result: Sendable {
        public var applied: [AppliedMigration]
        public var current: Int
        public var location: String
    }

    public func run() async throws(AppError) -> Result {
        try await AppError.wrapping {
            let store = try await Store.open(context.configuration.storeLocation, tls: context.configuration.postgresTLS, clock: context.clock)
            do {
                let applied = try await store.migrate()
                try await store.close()
                return Result(applied: applied, current: Migrator.latestVersion, location: context.configuration.storeLocation.description)
            } catch {
                try? await store.close()
                throw error
            }
        }
    }
}

/// `kuajing bench insert-loop`: the writer's limit (see `BareInsertLoop`).
public struct InsertLoopBenchmark: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public struct Result: Sendable {
        public var messages: Int
        public var records: Int
        public var time: Duration
    }

    public func run(from source: String) async throws(AppError) -> Result {
        var sourceConfiguration = context.configuration
        sourceConfiguration.database = source
        let rows = try await AppContext(configuration: sourceConfiguration, clock: context.clock).withStore { try await BareInsertLoop.load(from: $0) }
        return try await context.withStore { store in
            guard try await store.ledger.counts()["record", default: 0] == 0 else {
                throw AppError.conflict(message: "目标账本 \(context.configuration.storeLocation) 不是空的")
            }
            let time = try await BareInsertLoop.insert(rows, into: store)
            return Result(messages: rows.messages.count, records: rows.recordCount, time: time)
        }
    }
}

/// Synthetic data (模拟数据) for benchmarks: CEB603 messages.
public struct TradeGeneration: Sendable {
    public init() {}
    public func write(records: Int, seed: UInt64, to directory: String) throws(AppError) -> [String] {
        guard records > 0 else { throw .invalidInput(field: "records", location: nil, message: "应为正数") }
        return try AppError.wrappingSync { try TradeGenerator.write(records: records, seed: seed, to: directory) }
    }

    /// Synthetic retail-import messages: `orders` 申报清单 of `buyers` buyers, their release receipts and a few returns.
    public func writeImports(orders: Int, buyers: Int, seed: UInt64, to directory: String) throws(AppError) -> [String] {
        guard orders > 0, buyers > 0 else { throw .invalidInput(field: orders > 0 ? "buyers" : "orders", location: nil, message: "应为正数") }
        return try AppError.wrappingSync { try ImportTradeGenerator.write(count: orders, buyers: buyers, seed: seed, to: directory) }
    }
}
