import Foundation
/// Finds repeated byte strings among millions of ranges without a table the size of the input:
/// hashes are partitioned by their top bits into buckets small enough to stay in cache (about 8,000
/// keys: the bucket's hashes and its table fit a core's second-level cache), and each
/// bucket is checked with its own little hash table. Far fewer cache misses than one big table.
enum DuplicateFinder {
    struct Shared: @unchecked Sendable {
        let base: UnsafePointer<UInt8>
        let keys: UnsafeBufferPointer<ByteRange>
        let hashes: UnsafeBufferPointer<UInt64>
        let memberHash: UnsafeMutableBufferPointer<UInt64>
        let members: UnsafeMutableBufferPointer<Int32>
    }

    /// Pairs (earlier index, later index) of equal keys, in order of the later index. With several
    /// threads, each counts and scatters a slice of the keys and checks a range of buckets; every
    /// bucket still lists its members in index order, so the pairs are those of one thread.
    /// `hashes`, when given, holds `ByteInterner.hash` of each key (the ledger builder takes them while
    /// the key's bytes are read), so the keys' bytes are touched again only to compare keys whose
    /// hashes agree; without them, they are computed here first.
    static func duplicates(_ base: UnsafePointer<UInt8>, _ keys: [ByteRange], hashes known: [UInt64]? = nil, threads: Int = 1) -> [(Int, Int)] {
        let n = keys.count
        guard n > 1 else { return [] }
        precondition(known == nil || known!.count == n)
        var bucketBits = 0
        while (1 << bucketBits) * 8_192 < n { bucketBits += 1 }
        let buckets = 1 << bucketBits
        let shift = UInt64(64 - max(bucketBits, 1))
        let workers = max(1, min(threads, n / 100_000))
        let given = known ?? keys.map { ByteInterner.hash(base, $0) }
        let memberHash = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: n)
        let members = UnsafeMutableBufferPointer<Int32>.allocate(capacity: n)
        defer { memberHash.deallocate(); members.deallocate() }
        var timer = PhaseTimer(indent: "    ")
        return keys.withUnsafeBufferPointer { keyBuffer in given.withUnsafeBufferPointer { hashes in
            let shared = Shared(base: base, keys: keyBuffer, hashes: hashes, memberHash: memberHash, members: members)
            @Sendable func slice(_ w: Int) -> Range<Int> { (n * w / workers)..<(n * (w + 1) / workers) }
            // Count per bucket, per slice.
            var counts = [[Int]](repeating: [], count: workers)
            counts.withUnsafeMutableBufferPointer { countSlots in
                let slots = CountSlots(base: countSlots.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    var c = [Int](repeating: 0, count: buckets)
                    for i in slice(w) { c[Int(shared.hashes[i] >> shift) & (buckets - 1)] += 1 }
                    slots.base[w] = c
                }
            }
            timer.mark("count by bucket")
            // Where each slice's members of each bucket go: buckets in order, slices in order within.
            var start = [Int](repeating: 0, count: buckets + 1)
            var offsets = [[Int]](repeating: [Int](repeating: 0, count: buckets), count: workers)
            var at = 0
            for b in 0..<buckets {
                start[b] = at
                for w in 0..<workers {
                    offsets[w][b] = at
                    at += counts[w][b]
                }
            }
            start[buckets] = at
            let bucketStart = start
            offsets.withUnsafeMutableBufferPointer { offsetSlots in
                let slots = CountSlots(base: offsetSlots.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    var next = slots.base[w]
                    slots.base[w] = []
                    next.withUnsafeMutableBufferPointer { next in
                        for i in slice(w) {
                            let h = shared.hashes[i]
                            let b = Int(h >> shift) & (buckets - 1)
                            let k = next[b]
                            shared.memberHash[k] = h
                            shared.members[k] = Int32(i)
                            next[b] = k + 1
                        }
                    }
                }
            }
            timer.mark("scatter")
            // Check the buckets, a range of them per thread.
            var found = [[(Int, Int)]](repeating: [], count: workers)
            found.withUnsafeMutableBufferPointer { foundSlots in
                let slots = PairSlots(base: foundSlots.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    slots.base[w] = checkBuckets((buckets * w / workers)..<(buckets * (w + 1) / workers), start: bucketStart, shared)
                }
            }
            timer.mark("check")
            return found.flatMap { $0 }.sorted { $0.1 < $1.1 }
        } }
    }

    struct CountSlots: @unchecked Sendable { let base: UnsafeMutablePointer<[Int]> }
    struct PairSlots: @unchecked Sendable { let base: UnsafeMutablePointer<[(Int, Int)]> }

    static func checkBuckets(_ range: Range<Int>, start: [Int], _ s: Shared) -> [(Int, Int)] {
        var found: [(Int, Int)] = []
        var table = [Int32](repeating: -1, count: 16)
        for b in range {
            let lo = start[b], hi = start[b + 1]
            if hi - lo < 2 { continue }
            var size = 16
            while size < (hi - lo) * 2 { size <<= 1 }
            if table.count < size { table = [Int32](repeating: -1, count: size) } else {
                for k in 0..<size { table[k] = -1 }
            }
            let mask = size - 1
            for m in lo..<hi {
                let h = s.memberHash[m]
                var slot = Int(truncatingIfNeeded: h) & mask
                while true {
                    let t = Int(table[slot])
                    if t < 0 { table[slot] = Int32(m); break }
                    if s.memberHash[t] == h {
                        let i = Int(s.members[m]), j = Int(s.members[t])
                        let a = s.keys[j], c = s.keys[i]
                        if a.length == c.length && bytesEqual(s.base + a.offset, s.base + c.offset, a.length) {
                            found.append((min(i, j), max(i, j)))
                            break
                        }
                    }
                    slot = (slot + 1) & mask
                }
            }
        }
        return found
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
