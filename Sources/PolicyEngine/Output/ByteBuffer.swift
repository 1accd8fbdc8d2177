#if canImport(Glibc)
import Glibc
#endif

/// A growable buffer of output bytes written through a pointer: one capacity check and one copy per
/// piece, no uniqueness check per append (the renderers write hundreds of millions of pieces).
/// One buffer belongs to one thread at a time.
final class ByteBuffer: @unchecked Sendable {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private(set) var capacity: Int

    init(capacity: Int = 1 << 16) {
        self.capacity = max(64, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    func removeAll() { count = 0 }

    @inline(__always) func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    private func grow(_ needed: Int) {
        var c = capacity * 2
        while c < needed { c *= 2 }
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        bigger.update(from: base, count: count)
        base.deallocate()
        base = bigger
        capacity = c
    }

    @inline(__always) func append(_ b: UInt8) {
        reserve(1)
        base[count] = b
        count += 1
    }

    @inline(__always) func append(_ a: UInt8, _ b: UInt8) {
        reserve(2)
        base[count] = a
        base[count + 1] = b
        count += 2
    }

    @inline(__always) func append(contentsOf p: UnsafeBufferPointer<UInt8>) {
        guard p.count > 0 else { return }
        reserve(p.count)
        (base + count).update(from: p.baseAddress!, count: p.count)
        count += p.count
    }

    @inline(__always) func append(contentsOf a: [UInt8]) {
        a.withUnsafeBufferPointer { append(contentsOf: $0) }
    }

    func append(contentsOf other: ByteBuffer) {
        append(contentsOf: UnsafeBufferPointer(start: other.base, count: other.count))
    }

    /// A string written in the source (no copy through `String`).
    @inline(__always) func literal(_ s: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    func append(_ s: String) {
        var s = s
        s.withUTF8 { append(contentsOf: $0) }
    }

    static func += (lhs: ByteBuffer, rhs: [UInt8]) { lhs.append(contentsOf: rhs) }
}
