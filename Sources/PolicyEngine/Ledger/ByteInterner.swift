/// A byte string inside a ledger's storage: offset (40 bits) and length (24 bits).
struct ByteRange: Hashable {
    var packed: UInt64

    init(offset: Int, length: Int) { packed = UInt64(offset) << 24 | UInt64(length) }
    init(packed: UInt64) { self.packed = packed }

    static let empty = ByteRange(packed: 0)

    var offset: Int { Int(packed >> 24) }
    var length: Int { Int(packed & 0xFF_FFFF) }
    var isEmpty: Bool { length == 0 }
}

/// Whether `n` bytes at `a` and `b` are equal: eight at a time, without a call (ids are short).
@inline(__always) func bytesEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    var i = 0
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    while i + 8 <= n {
        if ra.loadUnaligned(fromByteOffset: i, as: UInt64.self) != rb.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
        i += 8
    }
    while i < n {
        if a[i] != b[i] { return false }
        i += 1
    }
    return true
}

/// An open-addressing hash table that gives each distinct byte string of a storage buffer a dense
/// index (0, 1, 2, …). Keys stay in the buffer; the table stores only their ranges, so a million
/// enterprise ids cost three small arrays and no String allocations.
struct ByteInterner {
    /// Each slot holds the upper 32 bits of the key's hash and its index + 1 (0 = empty), so a probe
    /// touches one cache line and compares bytes only when the hashes agree.
    private var slots: [UInt64]
    private var mask: Int
    private(set) var keys: [ByteRange] = []

    init(expected: Int = 16) {
        var capacity = 16
        while capacity < expected * 2 { capacity <<= 1 }
        slots = [UInt64](repeating: 0, count: capacity)
        mask = capacity - 1
        keys.reserveCapacity(expected)
    }

    static func hash(_ base: UnsafePointer<UInt8>, _ r: ByteRange) -> UInt64 {
        // Eight bytes at a time, multiply-xorshift mixing; the tail byte by byte.
        let p = base + r.offset
        let n = r.length
        var h: UInt64 = 0x9E3779B97F4A7C15 ^ UInt64(n)
        var i = 0
        while i + 8 <= n {
            let w = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self)
            h = (h ^ w) &* 0xff51afd7ed558ccd
            h ^= h >> 32
            i += 8
        }
        while i < n {
            h = (h ^ UInt64(p[i])) &* 0x100000001b3
            i += 1
        }
        h ^= h >> 29
        h = h &* 0xc4ceb9fe1a85ec53
        return h ^ (h >> 32)
    }

    /// Where the key is: its index when the table holds it, else nil and the empty slot where it
    /// would go. Reads only, so several threads may probe one table at once.
    @inline(__always)
    private func probe(_ base: UnsafePointer<UInt8>, _ r: ByteRange, hash h: UInt64) -> (index: Int32?, slot: Int) {
        let tag = h & 0xFFFF_FFFF_0000_0000
        var i = Int(truncatingIfNeeded: h) & mask
        return slots.withUnsafeBufferPointer { slots in
            keys.withUnsafeBufferPointer { keys in
                while true {
                    let s = slots[i]
                    if s == 0 { return (nil, i) }
                    if s & 0xFFFF_FFFF_0000_0000 == tag {
                        let index = Int(s & 0xFFFF_FFFF) - 1
                        let k = keys[index]
                        if k.length == r.length && bytesEqual(base + k.offset, base + r.offset, r.length) { return (Int32(index), i) }
                    }
                    i = (i + 1) & mask
                }
            }
        }
    }

    /// The key's index, or nil when the table does not hold it; reads only, so several threads may
    /// look up in one table at once.
    func lookup(_ base: UnsafePointer<UInt8>, _ r: ByteRange) -> Int32? {
        probe(base, r, hash: ByteInterner.hash(base, r)).index
    }

    /// Returns the key's index and whether it was new.
    mutating func intern(_ base: UnsafePointer<UInt8>, _ r: ByteRange) -> (index: Int32, inserted: Bool) {
        let h = ByteInterner.hash(base, r)
        let (found, slot) = probe(base, r, hash: h)
        if let found { return (found, false) }
        let index = Int32(keys.count)
        slots[slot] = (h & 0xFFFF_FFFF_0000_0000) | UInt64(index + 1)
        keys.append(r)
        if keys.count * 2 > slots.count { grow(base) }
        return (index, true)
    }

    private mutating func grow(_ base: UnsafePointer<UInt8>) {
        let capacity = slots.count * 2
        slots = [UInt64](repeating: 0, count: capacity)
        mask = capacity - 1
        for (k, r) in keys.enumerated() {
            let h = ByteInterner.hash(base, r)
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = (h & 0xFFFF_FFFF_0000_0000) | UInt64(k + 1)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Dense indices for a column with few distinct values (districts, matters, applicant types): up to
/// 16 values are found by a short scan, without hashing each row's bytes; beyond that a hash table
/// takes over with the same indices.
struct FewValuesInterner {
    private var keys: [ByteRange] = []
    private var table: ByteInterner?
    static let scanLimit = 16

    mutating func intern(_ base: UnsafePointer<UInt8>, _ r: ByteRange) -> (index: Int32, inserted: Bool) {
        if table != nil { return table!.intern(base, r) }
        let n = r.length
        let p = base + r.offset
        for (i, k) in keys.enumerated() where k.length == n && bytesEqual(base + k.offset, p, n) {
            return (Int32(i), false)
        }
        keys.append(r)
        if keys.count > FewValuesInterner.scanLimit {
            var t = ByteInterner(expected: 64)
            for k in keys { _ = t.intern(base, k) }
            table = t
        }
        return (Int32(keys.count - 1), true)
    }
}
