/// A small deterministic random number generator (SplitMix64) for the synthetic-data generators:
/// the same seed gives the same data on every machine.
public struct SplitMix64: Sendable {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }

    /// Uniform enough for synthetic data in 0..<n (modulo bias is irrelevant here).
    public mutating func below(_ n: UInt64) -> UInt64 { next() % n }
}
