/// What each applicant has already used of one limit: an amount in fen or a number of grants,
/// per calendar year or over the whole policy period. Arrays are dense by applicant index and
/// allocated on first use, so a policy set with fifty limits costs memory only for those a
/// ledger touches. Claims arrive in date order, so an applicant's year only moves forward and
/// a yearly counter resets when it does.
struct ApplicantCounter {
    let yearly: Bool
    let applicants: Int
    /// Per applicant: amount or grants used, and (for yearly counters) the year they belong to, side by
    /// side so that one lookup is one cache miss.
    private struct Slot { var used: Int64; var year: Int32 }
    private var slots: [Slot] = []

    init(yearly: Bool, applicants: Int) {
        self.yearly = yearly
        self.applicants = applicants
    }

    func value(_ applicant: Int, _ y: Int32) -> Int64 {
        if slots.isEmpty { return 0 }
        let s = slots[applicant]
        if yearly && s.year != y { return 0 }
        return s.used
    }

    mutating func add(_ applicant: Int, _ y: Int32, _ amount: Int64) {
        if slots.isEmpty { slots = [Slot](repeating: Slot(used: 0, year: Int32.min), count: applicants) }
        if yearly && slots[applicant].year != y {
            slots[applicant] = Slot(used: 0, year: y)
        }
        slots[applicant].used += amount
    }
}
