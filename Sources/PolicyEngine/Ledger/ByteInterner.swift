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

/// An open-addressing hash table that gives each distinct byte string of a storage buffer a dense
/// index (0, 1, 2, …). Keys stay in the buffer; the table stores only their ranges, so a million
/// enterprise ids cost three small arrays and no String allocations.
struct ByteInterner {
    private var slots: [Int32]
    private var mask: Int
    private(set) var keys: [ByteRange] = []
    private var hashes: [UInt64] = []

    init(expected: Int = 16) {
        var capacity = 16
        while capacity < expected * 2 { capacity <<= 1 }
        slots = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        keys.reserveCapacity(expected)
        hashes.reserveCapacity(expected)
    }

    var count: Int { keys.count }

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

    /// Returns the key's index and whether it was new.
    mutating func intern(_ base: UnsafePointer<UInt8>, _ r: ByteRange) -> (index: Int32, inserted: Bool) {
        let h = ByteInterner.hash(base, r)
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let s = slots[i]
            if s < 0 { break }
            let k = keys[Int(s)]
            if hashes[Int(s)] == h && k.length == r.length && memcmp(base + k.offset, base + r.offset, r.length) == 0 {
                return (s, false)
            }
            i = (i + 1) & mask
        }
        let index = Int32(keys.count)
        slots[i] = index
        keys.append(r)
        hashes.append(h)
        if keys.count * 2 > slots.count { grow() }
        return (index, true)
    }

    private mutating func grow() {
        let capacity = slots.count * 2
        slots = [Int32](repeating: -1, count: capacity)
        mask = capacity - 1
        for (k, h) in hashes.enumerated() {
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(k)
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
