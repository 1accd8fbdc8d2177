import KuajingDomain

/// A plan's scope (杭州市, 滨江区, 平湖市, 浙江省) as the set of division names whose trade it sums:
/// the division itself and everything under it (districts, counties, functional zones).
public struct Scope: Sendable, Hashable {
    public var name: String
    public var districts: [String]

    public init(_ name: String, divisions: DivisionCatalog = .standard) throws {
        guard let d = divisions.lookup(name) else { throw MonitoringError("范围“\(name)”不在行政区划表中") }
        self.name = d.name
        districts = divisions.divisions.filter { divisions.isWithin($0.index, d.index) }.map(\.name).sorted()
    }

    /// The scope's divisions one level down (districts of a city), for the "districts against targets" view.
    public static func children(of name: String, divisions: DivisionCatalog = .standard) -> [String] {
        guard let d = divisions.lookup(name) else { return [] }
        return divisions.divisions.filter { $0.parentIndex == d.index }.map(\.name)
    }
}

public struct MonitoringError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ d: String) { description = d }
}
