#if canImport(Glibc)
import Glibc
#endif

/// Hands the memory a large one-off job freed (the demo world's generation and ingest) back to the
/// system: glibc's allocator otherwise keeps the freed pages of its arenas, and a server that seeded
/// its world in-process would stay at the job's peak for its whole life. `malloc_trim` is glibc's
/// (not in Swift's Glibc module), found at run time; elsewhere this does nothing.
enum ReleasedMemory {
    static func returnToSystem() {
        #if canImport(Glibc)
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
        #endif
    }
}
