import Foundation
import Synchronization

/// Prints the duration of each phase to standard error when the `timing` setting is on
/// (`AppConfiguration.timing`, set by the command line once it has read the configuration; for
/// docs/benchmarks.md).
public struct PhaseTimer {
    private static let switchedOn = Atomic<Bool>(false)
    public static var enabled: Bool {
        get { switchedOn.load(ordering: .relaxed) }
        set { switchedOn.store(newValue, ordering: .relaxed) }
    }
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
