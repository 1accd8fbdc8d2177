import Foundation
import KuajingDomain
import Storage

/// Feeds the registry into a claims ledger (shared/spec/claims.md) before the policy engine reads it:
/// for each claim whose enterprise is registered, the credit facts in force on the claim's date and
/// its 梯度培育库 tier in the claim's month, as the attribute columns the engine and reviewers read.
///
/// - `serious_dishonesty`: `true` when the registry lists the enterprise as seriously dishonest on that
///   day (the engine then excludes it where a policy says so, e.g. 台州 附件 五、（一）); `false` when
///   the registry says it is not; a value already in the claim is kept when the registry says nothing
///   and never turned from `true` to `false` by an older fact.
/// - `customs_grade`, `credit_source`: the customs grade and where each fact came from, with its date.
/// - `tier`, `trailing_trade`: the tier name and the twelve months' trade (yuan) it rests on. The
///   measures' texts leave the tier criteria to 实施细则, so the tier informs the review; it does not
///   change an award by itself.
public enum ClaimEnrichment {
    public struct Summary: Sendable {
        public var claims = 0
        public var registered = 0
        public var dishonest = 0
        public var tiered = 0
    }

    static func split(_ line: Substring) -> [String] { DivisionCatalog.splitCSVLine(String(line)) }

    static func quote(_ s: String) -> String { CSVText.field(s) }

    /// Returns the enriched CSV text; throws (and returns nothing) when the input is not a claims CSV.
    public static func enrich(csv text: String, store: Store, ladders: [TierLadder], divisions: DivisionCatalog = .standard) async throws -> (String, Summary) {
        var body = Substring(text)
        let bom = body.hasPrefix("\u{FEFF}")
        if bom { body = body.dropFirst() }
        let lines = body.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        guard let headerLine = lines.first else { throw MonitoringError("申报台账为空") }
        var header = split(headerLine)
        let originalColumns = header.count
        guard let enterpriseColumn = header.firstIndex(of: "enterprise_id"), let dateColumn = header.firstIndex(of: "date"),
              let districtColumn = header.firstIndex(of: "district") else {
            throw MonitoringError("申报台账第 1 行缺少 enterprise_id、date 或 district 列（见 shared/spec/claims.md）")
        }
        let added = ["serious_dishonesty", "customs_grade", "credit_source", "tier", "trailing_trade"]
        var columns: [String: Int] = [:]
        for name in added {
            if let k = header.firstIndex(of: name) { columns[name] = k } else { columns[name] = header.count; header.append(name) }
        }
        let registered = Set(try await store.registry.all().map(\.id))
        // Each ladder's scope and recorded moves, read once for the whole file.
        let ladderScopes = try ladders.filter { !$0.tiers.isEmpty }.map { ($0, try Scope($0.city, divisions: divisions)) }
        var moves: [String: [TierMove]] = [:]
        for (ladder, _) in ladderScopes { moves[ladder.city] = try await store.rollups.tierMoves(ladder: ladder.city) }
        var tierCache: [String: [String: Int]] = [:] // "city|month" → tiers
        let queries = RollupQueries(store: store)
        var trailingCache: [String: [String: Int64]] = [:]
        var factsCache: [String: [String: [CreditFact.Kind: CreditFact]]] = [:]
        var summary = Summary()
        var out = [header.map(quote).joined(separator: ",")]
        for (n, line) in lines.dropFirst().enumerated() {
            var row = split(line)
            guard row.count <= originalColumns else {
                throw MonitoringError("申报台账第 \(n + 2) 行的列数多于表头")
            }
            while row.count < header.count { row.append("") }
            summary.claims += 1
            let enterprise = row[enterpriseColumn], date = row[dateColumn]
            guard registered.contains(enterprise), let day = Day.parse(date) else { out.append(row.map(quote).joined(separator: ",")); continue }
            summary.registered += 1
            if factsCache[day.iso] == nil { factsCache[day.iso] = try await store.registry.creditFacts(asOf: day.iso) }
            let facts = factsCache[day.iso]?[enterprise] ?? [:]
            var sources: [String] = []
            if let f = facts[.seriousDishonesty] {
                let listed = f.value == "是" || f.value == "true"
                if listed || row[columns["serious_dishonesty"]!] != "true" { row[columns["serious_dishonesty"]!] = listed ? "true" : "false" }
                if listed { summary.dishonest += 1 }
                sources.append("\(f.source) \(f.asOf)")
            }
            if let g = facts[.customsGrade] {
                row[columns["customs_grade"]!] = g.value
                sources.append("\(g.source) \(g.asOf)")
            }
            row[columns["credit_source"]!] = sources.joined(separator: "；")
            // The tier in the claim's month, on the ladder of the city the claim's district lies in.
            let month = Month(year: day.year, month: day.components.month)
            let district = divisions.lookup(row[districtColumn])?.name ?? ""
            if let (ladder, scope) = ladderScopes.first(where: { $0.1.districts.contains(district) }) {
                let key = "\(ladder.city)|\(month)"
                if tierCache[key] == nil {
                    tierCache[key] = TierTracker.tiers(from: moves[ladder.city] ?? [], at: month)
                    trailingCache[key] = Dictionary(try await queries.trailingTwelve(scope, end: month).map { ($0.enterprise, $0.fen) },
                                                    uniquingKeysWith: +)
                }
                let tier = tierCache[key]?[enterprise] ?? 0
                row[columns["tier"]!] = ladder.name(tier)
                row[columns["trailing_trade"]!] = ReportFormat.yuan(trailingCache[key]?[enterprise] ?? 0)
                if tier > 0 { summary.tiered += 1 }
            }
            out.append(row.map(quote).joined(separator: ","))
        }
        return ((bom ? "\u{FEFF}" : "") + out.joined(separator: "\n") + "\n", summary)
    }
}
