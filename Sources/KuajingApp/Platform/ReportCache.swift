import Foundation
import Monitoring

/// What a server keeps between requests so that many users asking the same figures do not rebuild
/// them: monthly reports (总览, 月报) and 运行监测 tables. An entry is reused only while the store's
/// change stamp is the one it was built on (`Store.changeStamp`: the rollup version, bumped in the
/// transaction of every change, and the latest manual entry and task update), so a cached answer is
/// never older than the data: an upload shows on the next request after its commit.
public actor ReportCache {
    public static let maximumEntries = 500
    private var entries: [String: (stamp: String, value: any Sendable)] = [:]

    public init() {}

    public func cached<T: Sendable>(_ key: String, context: AppContext, build: () async throws(AppError) -> T) async throws(AppError) -> T {
        let stamp = try await context.withStore { try await $0.changeStamp() }
        if let hit = entries[key], hit.stamp == stamp, let value = hit.value as? T { return value }
        let value = try await build()
        if entries.count >= Self.maximumEntries { entries.removeAll() }
        entries[key] = (stamp, value)
        return value
    }

    public func report(scope: String, month: Month, context: AppContext) async throws(AppError) -> MonthlyReport {
        try await cached("report|\(scope)|\(month)", context: context) { () async throws(AppError) in
            try await MonthlyReporting(context).build(scope: scope, month: month)
        }
    }

    /// A 运行监测 table for this viewer's scope (the key holds the scope, so no viewer ever gets
    /// another scope's table).
    public func monitor(_ viewer: Viewer, by dimensions: [MonitorDimension], filter: MonitorFilter, enterprise: String?, context: AppContext) async throws(AppError) -> TradeMonitor.Table {
        let f = filter
        let key = ["monitor", viewer.role.rawValue, viewer.districts.joined(separator: ","), viewer.enterpriseID ?? "", enterprise ?? "",
                   dimensions.map(\.rawValue).joined(separator: ","), f.codes.joined(separator: ","), f.direction ?? "", f.fromMonth ?? "", f.toMonth ?? "",
                   f.districts?.joined(separator: ",") ?? "*", f.country ?? "", f.chapters.joined(separator: ",")].joined(separator: "|")
        return try await cached(key, context: context) { () async throws(AppError) in
            try await TradeMonitor(context).table(viewer, by: dimensions, filter: filter, enterprise: enterprise)
        }
    }
}
