import Foundation

/// Prints the duration of each phase to standard error when KUAJING_TIMING=1 (for docs/benchmarks.md).
public struct PhaseTimer {
    public static let enabled = ProcessInfo.processInfo.environment["KUAJING_TIMING"] == "1"
    private var last = ContinuousClock.now
    private let indent: String

    /// `indent` sets phases inside a phase apart.
    public init(indent: String = "  ") { self.indent = indent }

    public mutating func mark(_ name: String) {
        guard PhaseTimer.enabled else { return }
        let now = ContinuousClock.now
        FileHandle.standardError.write("\(indent)\(name): \(now - last)\n".data(using: .utf8)!)
        last = now
    }
}
