#if canImport(Glibc)
import Glibc
#endif

/// The bytes of a ledger file that its claims' strings point into: the file mapped into memory
/// (private: the few quoted fields unescaped in place are copied on write, never written back), or
/// a copy when the input is not a regular file. Read-only once the ledger is built, so threads may
/// share it. A ledger file must not be truncated by another program while `calc` runs: the mapping
/// would lose its pages, which are read again while the results are written.
final class LedgerBytes: @unchecked Sendable {
    let base: UnsafeMutablePointer<UInt8>
    let count: Int
    private let mapped: Bool

    init(copying bytes: [UInt8]) {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, bytes.count))
        bytes.withUnsafeBufferPointer { if let b = $0.baseAddress { p.update(from: b, count: $0.count) } }
        base = p
        count = bytes.count
        mapped = false
    }

    /// Maps `size` bytes of an open regular file (pages come in as the readers touch them); nil if mapping fails.
    init?(mapping fd: Int32, size: Int) {
        guard size > 0 else { return nil }
        let p = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else { return nil }
        base = p.assumingMemoryBound(to: UInt8.self)
        count = size
        mapped = true
    }

    deinit {
        if mapped { munmap(base, count) } else { base.deallocate() }
    }

    var buffer: UnsafeMutableBufferPointer<UInt8> { UnsafeMutableBufferPointer(start: base, count: count) }

    func text(_ r: ByteRange) -> String {
        String(decoding: UnsafeBufferPointer(start: base + r.offset, count: r.length), as: UTF8.self)
    }
}
