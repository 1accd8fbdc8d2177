import Foundation

/// The one source of "now" and "today" for every use case: injected, so tests fix it. Today is
/// the Asia/Shanghai day (before 08:00 Beijing time the UTC date is still yesterday), and a
/// timestamp is ISO 8601 with its offset (`2026-12-01T09:00:00+08:00`).
public struct AppClock: Sendable {
    public static let zone = TimeZone(identifier: "Asia/Shanghai")!
    let current: @Sendable () -> Date

    public init(_ current: @escaping @Sendable () -> Date) { self.current = current }

    /// The machine's clock.
    public static let system = AppClock { Date() }

    /// A clock that always says `date` (tests).
    public static func fixed(_ date: Date) -> AppClock { AppClock { date } }

    public func now() -> Date { current() }

    /// The day in Asia/Shanghai.
    public func today() -> Day { AppClock.day(of: current()) }

    public static func day(of date: Date) -> Day {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return Day(year: c.year!, month: c.month!, day: c.day!)!
    }

    /// ISO 8601 with the Asia/Shanghai offset, to the second.
    public func timestamp() -> String { AppClock.timestamp(current()) }

    public static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = zone
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }
}

extension AppClock {
    /// The last second of `day` in Asia/Shanghai (a deadline "until the end of that day").
    public static func timestamp(endOf day: Day) -> String { day.iso + "T23:59:59+08:00" }
}

extension Day {
    public func adding(days: Int) -> Day { Day(ordinal: ordinal + Int32(days)) }
}
