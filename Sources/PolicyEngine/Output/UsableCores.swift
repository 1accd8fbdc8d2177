import Foundation

/// How many cores this process may run on: its CPU affinity (`taskset -c 0` gives 1), read from
/// `/proc/self/status` (`Cpus_allowed_list: 0-1`), which `ProcessInfo.activeProcessorCount` does not
/// look at on Linux.
public enum UsableCores {
    public static let count: Int = {
        let all = max(1, ProcessInfo.processInfo.activeProcessorCount)
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return all }
        let list = line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces)
        let n = allowed(list)
        return n > 0 ? min(n, all) : all
    }()

    /// The number of cores in a list such as `0-3,6,8-9`; 0 when it does not read as one.
    static func allowed(_ list: String) -> Int {
        var n = 0
        for part in list.split(separator: ",") {
            let bounds = part.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            if bounds.count == 1, bounds[0] != nil { n += 1 }
            else if bounds.count == 2, let lo = bounds[0], let hi = bounds[1], hi >= lo { n += hi - lo + 1 }
            else { return 0 }
        }
        return n
    }
}
