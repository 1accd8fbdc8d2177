/// What each applicant has already used of one limit: an amount in fen or a number of grants,
/// per calendar year or over the whole policy period. Arrays are dense by applicant index and
/// allocated on first use, so a policy set with fifty limits costs memory only for those a
/// ledger touches. Claims arrive in date order, so an applicant's year only moves forward and
/// a yearly counter resets when it does.
struct ApplicantCounter {
    let yearly: Bool
    let applicants: Int
    private var used: [Int64] = []
    private var year: [Int32] = []

    init(yearly: Bool, applicants: Int) {
        self.yearly = yearly
        self.applicants = applicants
    }

    func value(_ applicant: Int, _ y: Int32) -> Int64 {
        if used.isEmpty { return 0 }
        if yearly && year[applicant] != y { return 0 }
        return used[applicant]
    }

    mutating func add(_ applicant: Int, _ y: Int32, _ amount: Int64) {
        if used.isEmpty {
            used = [Int64](repeating: 0, count: applicants)
            if yearly { year = [Int32](repeating: Int32.min, count: applicants) }
        }
        if yearly && year[applicant] != y {
            year[applicant] = y
            used[applicant] = 0
        }
        used[applicant] += amount
    }
}
