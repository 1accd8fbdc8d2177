#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What each applicant has used of each limit: an amount in fen or a number of grants, per calendar
/// year or over the whole policy period. Counter `k` is a dense array by applicant index, allocated on
/// first use (a policy set with fifty limits costs memory only for those a ledger touches), on memory
/// managed here so the hot loop does no reference counting. Claims arrive in date order, so an
/// applicant's year only moves forward and a yearly counter resets when it does.
final class ApplicantCounters {
    struct Slot {
        var used: Int64
        var year: Int32
    }

    let applicants: Int
    let count: Int
    private let yearly: UnsafeMutablePointer<Bool>
    private let tables: UnsafeMutablePointer<UnsafeMutablePointer<Slot>?>

    /// One counter per element of `yearly`.
    init(yearly kinds: [Bool], applicants: Int) {
        self.applicants = applicants
        count = kinds.count
        yearly = .allocate(capacity: max(1, kinds.count))
        tables = .allocate(capacity: max(1, kinds.count))
        for (k, y) in kinds.enumerated() {
            yearly[k] = y
            tables[k] = nil
        }
    }

    deinit {
        for k in 0..<count { if let t = tables[k] { free(t) } }
        tables.deallocate()
        yearly.deallocate()
    }

    @inline(__always)
    func value(_ counter: Int, _ applicant: Int, _ year: Int32) -> Int64 {
        guard let t = tables[counter] else { return 0 }
        let s = t[applicant]
        if yearly[counter] && s.year != year { return 0 }
        return s.used
    }

    /// Makes the tables of `counters` now, so that threads which each add only for their own
    /// applicants never make one at the same time.
    func prepare(_ counters: [Int], touch: Bool = false) {
        for k in counters where tables[k] == nil {
            // Zeroed memory is a table of empty slots (nothing used, year 0, which no claim has): the
            // system zeroes its pages as they are first touched; with `touch`, that happens here,
            // because threads faulting in fresh pages at once wait for each other.
            guard let memory = calloc(max(1, applicants), MemoryLayout<Slot>.stride) else { fatalError("out of memory for limit counters") }
            tables[k] = memory.bindMemory(to: Slot.self, capacity: max(1, applicants))
            if touch { memset(memory, 0, max(1, applicants) * MemoryLayout<Slot>.stride) }
        }
    }

    @inline(__always)
    func add(_ counter: Int, _ applicant: Int, _ year: Int32, _ amount: Int64) {
        if tables[counter] == nil { prepare([counter]) }
        let t = tables[counter]!
        if yearly[counter] && t[applicant].year != year { t[applicant] = Slot(used: 0, year: year) }
        t[applicant].used += amount
    }
}
