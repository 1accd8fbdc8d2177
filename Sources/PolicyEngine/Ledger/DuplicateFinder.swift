/// Finds repeated byte strings among millions of ranges without a table the size of the input:
/// hashes are partitioned by their top bits into buckets small enough to stay in cache, and each
/// bucket is checked with its own little hash table. Far fewer cache misses than one big table.
enum DuplicateFinder {
    /// Pairs (earlier index, later index) of equal keys, in order of the later index.
    static func duplicates(_ base: UnsafePointer<UInt8>, _ keys: [ByteRange]) -> [(Int, Int)] {
        let n = keys.count
        guard n > 1 else { return [] }
        var bucketBits = 0
        while (1 << bucketBits) * 1024 < n { bucketBits += 1 }
        let buckets = 1 << bucketBits
        var hashes = [UInt64](repeating: 0, count: n)
        var start = [Int](repeating: 0, count: buckets + 1)
        for i in 0..<n {
            let h = ByteInterner.hash(base, keys[i])
            hashes[i] = h
            start[Int(h >> UInt64(64 - max(bucketBits, 1))) & (buckets - 1) + 1] += 1
        }
        for b in 0..<buckets { start[b + 1] += start[b] }
        // Scatter hash and index together, so each bucket is then read front to back.
        var memberHash = [UInt64](repeating: 0, count: n)
        var members = [Int32](repeating: 0, count: n)
        var next = start
        for i in 0..<n {
            let h = hashes[i]
            let b = Int(h >> UInt64(64 - max(bucketBits, 1))) & (buckets - 1)
            memberHash[next[b]] = h
            members[next[b]] = Int32(i)
            next[b] += 1
        }
        hashes = []
        var found: [(Int, Int)] = []
        var table = [Int32](repeating: -1, count: 16)
        for b in 0..<buckets {
            let lo = start[b], hi = start[b + 1]
            if hi - lo < 2 { continue }
            var size = 16
            while size < (hi - lo) * 2 { size <<= 1 }
            if table.count < size { table = [Int32](repeating: -1, count: size) } else {
                for k in 0..<size { table[k] = -1 }
            }
            let mask = size - 1
            for m in lo..<hi {
                let h = memberHash[m]
                var slot = Int(truncatingIfNeeded: h) & mask
                while true {
                    let t = Int(table[slot])
                    if t < 0 { table[slot] = Int32(m); break }
                    if memberHash[t] == h {
                        let i = Int(members[m]), j = Int(members[t])
                        let a = keys[j], c = keys[i]
                        if a.length == c.length && memcmp(base + a.offset, base + c.offset, a.length) == 0 {
                            found.append((min(i, j), max(i, j)))
                            break
                        }
                    }
                    slot = (slot + 1) & mask
                }
            }
        }
        return found.sorted { $0.1 < $1.1 }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
