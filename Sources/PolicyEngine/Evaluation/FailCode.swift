/// Why a candidate fails in the column-wise phase, as one small integer per candidate.
struct FailCode: Equatable {
    var raw: Int16
    static let none = FailCode(raw: -1)
    static let applicantType = FailCode(raw: 0)
    static let seriousDishonesty = FailCode(raw: 1)
    static let evaluation = FailCode(raw: 2)

    init(raw: Int16) { self.raw = raw }
    /// Condition `k` of the measure failed.
    init(condition k: Int) { raw = 100 + Int16(k) }

    func reason(message: String?) -> IneligibleReason {
        switch raw {
        case 0: return .applicantType
        case 1: return .seriousDishonesty
        case 2: return .evaluation(message ?? "")
        default: return .condition(Int(raw) - 100)
        }
    }
}
