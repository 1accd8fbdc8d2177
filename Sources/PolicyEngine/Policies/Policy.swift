import KuajingDomain

/// One policy document (政策文件) as the engine runs it: its identity, period, place, stacking and
/// funding rules, and its measures. Loaded from `policies/<id>.yaml`.
public struct Policy: Sendable {
    public var id: String
    public var title: String
    public var document: String
    public var docNumber: String
    public var issuer: String
    public var issued: Day?
    public var seed: String
    public var status: String
    public var inForce: InForce
    public var scope: TerritorialScope
    public var stacking: Cited
    public var eligibility: Eligibility
    public var funding: Funding
    public var measures: [Measure]
    public var capGroups: [CapGroup]
    public var pools: [Pool]
    public var matters: [Matter]
    public var readings: [Reading]
    public var file: String

    public struct InForce: Sendable {
        public var from: Day
        public var to: Day
        public var clause: String
        public var text: String
        public var reading: String?
    }

    public struct TerritorialScope: Sendable {
        /// Division names as written in the file.
        public var include: [String]
        public var exclude: [String]
        /// Divisions that only "参照执行": covered only when `includeReferenceAreas` is true.
        public var referenceAreas: [String]
        public var includeReferenceAreas: Bool
        public var clause: String
        public var text: String
        public var reading: String?
    }

    /// A rule quoted from the text with its clause (stacking: 就高不重复).
    public struct Cited: Sendable {
        public var rule: String
        public var clause: String?
        public var text: String?
        public var reading: String?
    }

    public struct Eligibility: Sendable {
        /// Claims flagged `serious_dishonesty` are ineligible.
        public var excludeSeriousDishonesty: Bool
        public var clause: String?
        public var text: String?
        public var reading: String?
    }

    public struct Funding: Sendable {
        /// `city_and_district` (shared by the fiscal system, ratio configured per district),
        /// `single_level` (the issuing government pays alone).
        public var rule: String
        /// Measures paid by the city alone (杭州 附件（十）、（十三）).
        public var cityOnlyMeasures: [String]
        public var payer: String
        public var clause: String?
        public var text: String?
        public var reading: String?
    }
}

/// A typed input a measure reads from a claim's extra columns.
public struct MeasureInput: Sendable {
    public var name: String
    public var type: ValueType
    public var label: String
    public var defaultValue: Value?
}

/// A cited constant: a rate, a cap, a threshold, with the words of the clause that set it.
public struct MeasureParameter: Sendable {
    public var name: String
    public var value: Value
    public var text: String
    public var clause: String
}

/// How far a cap reaches.
public enum CapScope: String, Sendable, CaseIterable {
    /// Each claim on its own: per event, per training session, per center, per case.
    case claim
    /// Each applicant in each calendar year of the claim date.
    case enterpriseYear = "enterprise_year"
    /// Each applicant over the whole period the policy is in force.
    case enterprise

    public var chinese: String {
        switch self {
        case .claim: return "每项"
        case .enterpriseYear: return "每家每年"
        case .enterprise: return "每家（政策期内累计）"
        }
    }
}

public struct Cap: Sendable {
    public var parameter: String
    public var limit: Fen
    public var scope: CapScope
    /// How the cap reads in an explanation: 单个企业上限, 每场次上限.
    public var label: String
}

/// A condition of a measure with the reason shown when it fails.
public struct Condition: Sendable {
    public var expression: Expression
    public var source: String
    public var reason: String
}

/// One support measure (一项扶持措施): who may claim it, on what conditions, what it pays and up to what.
public struct Measure: Sendable {
    public var id: String
    public var name: String
    public var matter: String
    public var clause: String
    public var text: String
    public var applicants: [ApplicantType]
    public var inputs: [MeasureInput]
    public var parameters: [MeasureParameter]
    public var conditions: [Condition]
    public var award: Expression
    public var awardSource: String
    /// How `amount` reads in an explanation: 境外商标注册费用.
    public var baseLabel: String
    public var caps: [Cap]
    public var oncePerEnterprise: Bool
    public var maxClaimsPerYear: Int?
    /// Set when the text leaves the amount or the criteria to a person's judgement: what must be judged.
    public var review: String?
    public var readings: [String]
    public var fundedByCityOnly: Bool
}

/// A cap shared by several measures of one policy (平湖 8: certification, trademark and patent together).
public struct CapGroup: Sendable {
    public var id: String
    public var name: String
    public var measures: [String]
    public var limit: Fen?
    public var scope: CapScope
    /// The group grants at most once per applicant (平湖 2: 入驻平台或独立站, one grant).
    public var oncePerEnterprise: Bool
    public var clause: String
    public var text: String
    public var reading: String?
}

/// A first-come-first-served fund (杭州 运力券资金池 3000万元), consumed in ledger order.
public struct Pool: Sendable {
    public var id: String
    public var name: String
    public var measures: [String]
    public var limit: Fen
    public var clause: String
    public var text: String
    public var reading: String?
}

/// A reading chosen where the text is ambiguous, and why. Each is a field of the policy file a
/// bureau can change.
public struct Reading: Sendable {
    public var id: String
    public var clause: String
    public var question: String
    public var choice: String
    public var setting: String
}
