import Foundation
import KuajingDomain
import Monitoring
import Storage

/// 企业库: enterprises by name or 统一社会信用代码 and an enterprise's profile, within the viewer's
/// scope. The scope is part of each query's WHERE clause: an enterprise outside it is "not found",
/// exactly like one that does not exist, so that nothing about it leaks.
public struct EnterpriseDirectory: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public static let maximumLimit = 10_000

    public struct Page: Sendable {
        public var items: [EnterpriseRow]
        public var total: Int
        public var limit: Int
        public var offset: Int
    }

    public func search(_ viewer: Viewer, text: String = "", district: String? = nil, limit: Int = 50, offset: Int = 0) async throws(AppError) -> Page {
        guard (1...Self.maximumLimit).contains(limit) else { throw .invalidInput(field: "limit", location: nil, message: "应在 1 到 \(Self.maximumLimit) 之间，实为 \(limit)") }
        guard offset >= 0 else { throw .invalidInput(field: "offset", location: nil, message: "不能为负数，实为 \(offset)") }
        guard text.count <= 100 else { throw .invalidInput(field: "q", location: nil, message: "查询词至多 100 个字符") }
        guard (district?.count ?? 0) <= 40 else { throw .invalidInput(field: "district", location: nil, message: "区县名至多 40 个字符") }
        let query = text.trimmingCharacters(in: .whitespaces)
        return try await context.withStore { store in
            let found = try await store.registry.search(text: query, district: district, reach: viewer.reach, limit: limit, offset: offset)
            return Page(items: found.rows, total: found.total, limit: limit, offset: offset)
        }
    }

    public struct MonthTrade: Sendable {
        public var month: String
        public var exportsFen: Int64
        public var importsFen: Int64
        public var records: Int64
    }

    public struct TierStep: Sendable {
        public var ladder: String
        public var month: String
        public var from: String
        public var to: String
        public var trailingFen: Int64
    }

    public struct Profile: Sendable {
        public var enterprise: EnterpriseRow
        public var months: [MonthTrade]
        public var tierMoves: [TierStep]
        /// The current tier on each ladder of its city (nil: none reached).
        public var currentTier: String?
        public var creditFacts: [CreditFact]
        /// Claims and awards: filed through the cash-out (申报与兑现), none stored before it.
        public var claimsNote: String
    }

    public func profile(_ viewer: Viewer, id: String) async throws(AppError) -> Profile {
        // An id longer than any stored one cannot be found (a 404, like any other unknown id).
        guard id.count <= 64 else { throw .notFound(message: "企业库中没有你可查看的企业 \(id.prefix(64))…") }
        let ladders = try context.ladders()
        return try await context.withStore { store in
            guard let row = try await store.registry.enterprise(id: id, reach: viewer.reach) else {
                throw AppError.notFound(message: "企业库中没有你可查看的企业 \(id)")
            }
            var byMonth: [String: MonthTrade] = [:]
            for m in try await store.rollups.enterpriseMonths(id) {
                var t = byMonth[m.month] ?? MonthTrade(month: m.month, exportsFen: 0, importsFen: 0, records: 0)
                if m.direction == "E" { t.exportsFen += m.fen } else { t.importsFen += m.fen }
                t.records += m.records
                byMonth[m.month] = t
            }
            let moves = try await store.rollups.tierMoves(enterprise: id)
            func label(_ ladder: String, _ tier: Int) -> String {
                guard let l = ladders.first(where: { $0.city == ladder }), tier <= l.tiers.count else { return tier == 0 ? "未入库" : "第 \(tier) 档" }
                return l.name(tier)
            }
            let steps = moves.map { TierStep(ladder: $0.ladder, month: $0.move.month, from: label($0.ladder, $0.move.from), to: label($0.ladder, $0.move.to), trailingFen: $0.move.trailingFen) }
            return Profile(enterprise: row, months: byMonth.values.sorted { $0.month < $1.month }, tierMoves: steps, currentTier: steps.last?.to,
                           creditFacts: try await store.registry.creditFacts(enterprise: id),
                           claimsNote: "申报与兑现（第 10 项）上线后，这里列出本企业的申报、审核结果与拨付记录。")
        }
    }
}
