import Foundation
import KuajingDomain
import PolicyEngine
import Storage

/// The 梯度培育库 ladders (config/tiers.yaml): per city, named tiers over thresholds of trailing
/// twelve-month trade. Tier 0 is below the first threshold; tier k is over the k-th ("超" is strict).
public struct TierLadder: Sendable {
    public var city: String
    public var plan: String
    public var clause: String
    public var text: String
    public var tiers: [(name: String, threshold: PlanQuantity)]

    /// The tier for a trailing twelve-month value in fen.
    public func tier(of fen: Int64) -> Int { tiers.lastIndex { fen > $0.threshold.amount }.map { $0 + 1 } ?? 0 }
    public func name(_ tier: Int) -> String { tier == 0 ? "未入库" : tiers[tier - 1].name }
}

public enum TierConfiguration {
    public static func load(path: String) throws -> [TierLadder] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw PolicyFileError(SourceLocation(file: path, line: 0, column: 0), "无法读取梯度配置")
        }
        let root = try YAMLNode.parse(text, file: path).map(allowed: ["ladders"])
        return try root.require("ladders").list().map { node in
            let m = try node.map(allowed: ["city", "plan", "clause", "text", "tiers"])
            var previous: Int64 = -1
            let tiers = try m.require("tiers").list().map { t -> (String, PlanQuantity) in
                let tm = try t.map(allowed: ["name", "threshold"])
                let q = try PlanLoader.quantity(tm.require("threshold"))
                guard q.kind == .money, q.amount > previous else { throw PolicyFileError(tm.location, "门槛须为金额且逐档递增") }
                previous = q.amount
                return (try tm.string("name"), q)
            }
            return TierLadder(city: try m.string("city"), plan: try m.string("plan"), clause: try m.string("clause"), text: try m.string("text"), tiers: tiers)
        }
    }
}

/// Tier moves: for every month the rollups hold, each enterprise's tier on its trailing twelve months,
/// and a move recorded whenever it differs from the month before (dated by that month).
public struct TierTracker {
    public let store: Store
    public init(store: Store) { self.store = store }

    /// Recomputes the moves of one ladder from the rollups (replacing the ladder's earlier moves).
    @discardableResult
    public func refresh(_ ladder: TierLadder, divisions: DivisionCatalog = .standard) async throws -> Int {
        guard !ladder.tiers.isEmpty else { return 0 }
        let scope = try Scope(ladder.city, divisions: divisions)
        let queries = RollupQueries(store: store)
        guard let range = try await store.rollups.enterpriseMonthRange(), let first = Month(range.first), let last = Month(range.last) else { return 0 }
        let registered = Set(try await store.registry.all().map(\.id))
        var current: [String: Int] = [:]
        var moves: [TierMove] = []
        var month = first
        while month <= last {
            var seen: Set<String> = []
            for row in try await queries.trailingTwelve(scope, end: month) where registered.contains(row.enterprise) {
                seen.insert(row.enterprise)
                let tier = ladder.tier(of: row.fen)
                if tier != current[row.enterprise, default: 0] {
                    moves.append(TierMove(enterprise: row.enterprise, month: month.description, from: current[row.enterprise, default: 0], to: tier, trailingFen: row.fen))
                    current[row.enterprise] = tier
                }
            }
            for (enterprise, tier) in current where tier != 0 && !seen.contains(enterprise) {
                moves.append(TierMove(enterprise: enterprise, month: month.description, from: tier, to: 0, trailingFen: 0))
                current[enterprise] = 0
            }
            month = month.adding(1)
        }
        try await store.rollups.replaceTierMoves(ladder: ladder.city, moves: moves)
        return moves.count
    }

    /// Each enterprise's tier at the end of `month` (from the recorded moves).
    public func tiers(_ ladder: TierLadder, at month: Month) async throws -> [String: Int] {
        Self.tiers(from: try await store.rollups.tierMoves(ladder: ladder.city), at: month)
    }

    /// Each enterprise's tier at the end of `month`, from moves already read (in month order).
    public static func tiers(from moves: [TierMove], at month: Month) -> [String: Int] {
        var out: [String: Int] = [:]
        for move in moves where move.month <= month.description { out[move.enterprise] = move.to }
        return out.filter { $0.value > 0 }
    }

    /// Enterprises that entered each tier (or a higher one) during a year: "how many sellers over 1亿 this year".
    public func entries(_ ladder: TierLadder, year: Int) async throws -> [Int: Int] {
        var out: [Int: Set<String>] = [:]
        for move in try await store.rollups.tierMoves(ladder: ladder.city) where move.month.hasPrefix("\(year)-") && move.to > move.from {
            for k in (move.from + 1)...move.to { out[k, default: []].insert(move.enterprise) }
        }
        return out.mapValues(\.count)
    }
}
