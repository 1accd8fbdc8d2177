import Foundation
import KuajingDomain

/// The policies a calculation runs with, compiled for evaluation: measures flattened, indexed by
/// matter, and each policy's territory resolved to the divisions it covers.
public struct PolicySet: Sendable {
    public let policies: [Policy]
    public let divisions: DivisionCatalog
    /// Standard matters first, then those the policies add, in file order.
    public let matters: [Matter]
    public var matterKeys: [String] { matters.map(\.key) }

    struct Entry: Sendable {
        let policy: Int
        let measure: Measure
        /// Global indices into `groups` / `pools`.
        let groups: [Int]
        let pools: [Int]
    }

    let entries: [Entry]
    let groups: [(policy: Int, group: CapGroup)]
    let pools: [(policy: Int, pool: Pool)]
    /// `byMatter[matterIndex]` lists entry indices, policy order then file order.
    let byMatter: [[Int]]
    /// `covers[policy][division]`.
    let covers: [[Bool]]

    public init(policies: [Policy], divisions: DivisionCatalog = .standard) throws {
        var ids = Set<String>()
        for p in policies {
            guard ids.insert(p.id).inserted else {
                throw PolicyFileError(SourceLocation(file: p.file, line: 1, column: 1), "政策编号“\(p.id)”与另一文件重复")
            }
        }
        self.policies = policies
        self.divisions = divisions
        var matters = Matter.standard
        for p in policies { for m in p.matters where !matters.contains(where: { $0.key == m.key }) { matters.append(m) } }
        self.matters = matters
        let matterIndex = Dictionary(uniqueKeysWithValues: matters.enumerated().map { ($1.key, $0) })

        var groups: [(Int, CapGroup)] = []
        var pools: [(Int, Pool)] = []
        var entries: [Entry] = []
        var byMatter = [[Int]](repeating: [], count: matters.count)
        for (pi, p) in policies.enumerated() {
            let g0 = groups.count, q0 = pools.count
            groups += p.capGroups.map { (pi, $0) }
            pools += p.pools.map { (pi, $0) }
            for m in p.measures {
                let gs = p.capGroups.enumerated().filter { $0.element.measures.contains(m.id) }.map { g0 + $0.offset }
                let qs = p.pools.enumerated().filter { $0.element.measures.contains(m.id) }.map { q0 + $0.offset }
                byMatter[matterIndex[m.matter]!].append(entries.count)
                entries.append(Entry(policy: pi, measure: m, groups: gs, pools: qs))
            }
        }
        self.entries = entries
        self.groups = groups
        self.pools = pools
        self.byMatter = byMatter
        covers = policies.map { p in
            let include = p.scope.include.compactMap { divisions.lookup($0)?.index }
            let exclude = p.scope.exclude.compactMap { divisions.lookup($0)?.index }
            let reference = p.scope.referenceAreas.compactMap { divisions.lookup($0)?.index }
            return divisions.divisions.map { d in
                let inside = include.contains { divisions.isWithin(d.index, $0) }
                    || (p.scope.includeReferenceAreas && reference.contains { divisions.isWithin(d.index, $0) })
                return inside && !exclude.contains { divisions.isWithin(d.index, $0) }
            }
        }
    }

    /// Loads every `*.yaml` policy file of a directory (test files `*.tests.yaml` excluded).
    public static func load(directory: String, only ids: [String] = [], divisions: DivisionCatalog = .standard) throws -> PolicySet {
        let files = try policyFiles(in: directory)
        var policies: [Policy] = []
        for f in files {
            let p = try PolicyLoader.load(path: f, divisions: divisions)
            if ids.isEmpty || ids.contains(p.id) { policies.append(p) }
        }
        for id in ids where !policies.contains(where: { $0.id == id }) {
            throw PolicyFileError(SourceLocation(file: directory, line: 0, column: 0),
                                  "找不到政策“\(id)”；可用：\(try files.map { try PolicyLoader.load(path: $0, divisions: divisions).id }.joined(separator: ", "))")
        }
        return try PolicySet(policies: policies, divisions: divisions)
    }

    public static func policyFiles(in directory: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        return names.filter { $0.hasSuffix(".yaml") && !$0.hasSuffix(".tests.yaml") }.sorted().map { directory + "/" + $0 }
    }

    public func matter(_ key: String) -> Matter? { matters.first { $0.key == key } }

    /// Whether the policy's territory covers a division (a district, a city, a functional zone), as
    /// the engine decides eligibility by place. An unknown policy or division covers nothing.
    public func covers(policy id: String, division name: String) -> Bool {
        guard let p = policies.firstIndex(where: { $0.id == id }), let d = divisions.lookup(name)?.index else { return false }
        return covers[p][d]
    }

    /// Whether the policy is in force anywhere in these divisions (a city's districts): the policies a
    /// city may budget, open voucher batches of and pay.
    public func covers(policy id: String, anyOf names: [String]) -> Bool {
        names.contains { covers(policy: id, division: $0) }
    }
}
