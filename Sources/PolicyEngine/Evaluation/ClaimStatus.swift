/// The outcome of a claim (shared/spec/claims.md).
public enum ClaimStatus: String, Sendable, CaseIterable, Codable {
    case awarded
    case capped
    case needsReview = "needs_review"
    case excludedByHigher = "excluded_by_higher"
    case ineligible
    case notApplicable = "not_applicable"

    /// Position in `allCases`.
    var index: Int {
        switch self {
        case .awarded: return 0
        case .capped: return 1
        case .needsReview: return 2
        case .excludedByHigher: return 3
        case .ineligible: return 4
        case .notApplicable: return 5
        }
    }

    public var chinese: String {
        switch self {
        case .awarded: return "足额核定"
        case .capped: return "受上限限制"
        case .needsReview: return "需人工审核"
        case .excludedByHigher: return "就高不重复"
        case .ineligible: return "不符合条件"
        case .notApplicable: return "无适用政策"
        }
    }
}

/// A limit tested against a claim: a measure's cap, a shared cap, or a pool.
public struct LimitCheck: Sendable {
    public enum Kind: String, Sendable { case cap, group, pool }
    public var kind: Kind
    public var label: String
    public var scope: String
    public var limit: Fen
    /// What was left of the limit before this claim.
    public var room: Fen
    public var clause: String
    public var binding: Bool
}

/// Why a candidate measure did not pay.
public enum IneligibleReason: Sendable, Equatable {
    case applicantType
    case seriousDishonesty
    case condition(Int)
    case onceUsed(group: Int?)
    case yearlyCountUsed
    case zeroAward
    case evaluation(String)
}

import KuajingDomain

/// What one applicable measure gives one claim.
public struct CandidateOutcome: Sendable {
    public var entry: Int
    public var status: ClaimStatus
    /// Fen, rounded half up once.
    public var award: Int64
    /// The formula's exact value before limits, in fen.
    public var raw: Rational
    public var reason: IneligibleReason?
    /// Filled only when details are requested.
    public var limits: [LimitCheck]
}
