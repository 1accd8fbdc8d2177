import Foundation

/// Prints the duration of each phase to standard error when KUAJING_TIMING=1 (for docs/benchmarks.md).
struct PhaseTimer {
    static let enabled = ProcessInfo.processInfo.environment["KUAJING_TIMING"] == "1"
    private var last = ContinuousClock.now

    mutating func mark(_ name: String) {
        guard PhaseTimer.enabled else { return }
        let now = ContinuousClock.now
        FileHandle.standardError.write("  \(name): \(now - last)\n".data(using: .utf8)!)
        last = now
    }
}
