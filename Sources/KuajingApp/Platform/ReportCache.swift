import Foundation
import Monitoring

/// Monthly reports kept by a server between requests, so that the 总览 of many users does not
/// rebuild the same report. An entry is reused only while the store's change stamp (the district
/// rollup's count and sums, the latest manual entry and task update, the tier moves) is the one it
/// was built on, and for at most `maximumAge` seconds: a change the stamp cannot see (trade moved
/// between two districts with the same totals) shows within that time.
public actor ReportCache {
    public static let maximumAge: TimeInterval = 10
    private var entries: [String: (stamp: String, built: Date, report: MonthlyReport)] = [:]

    public init() {}

    public func report(scope: String, month: Month, context: AppContext) async throws(AppError) -> MonthlyReport {
        let stamp = try await context.withStore { try await $0.changeStamp() }
        let key = "\(scope)|\(month)"
        if let hit = entries[key], hit.stamp == stamp, Date().timeIntervalSince(hit.built) < Self.maximumAge { return hit.report }
        let report = try await MonthlyReporting(context).build(scope: scope, month: month)
        if entries.count > 200 { entries.removeAll() }
        entries[key] = (stamp, Date(), report)
        return report
    }
}
