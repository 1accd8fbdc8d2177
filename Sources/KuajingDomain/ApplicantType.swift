/// Who files a claim (the ledger's `applicant_type`, fixed by shared/spec/claims.md).
public enum ApplicantType: String, CaseIterable, Sendable, Codable {
    case enterprise
    case platform
    case serviceProvider = "service_provider"
    case parkOperator = "park_operator"
    case logistics
    case trainingInstitution = "training_institution"
    case association
    case school
    /// A district or county government applying to the city (杭州 附件（二）、（十三）). An addition
    /// of this project; the spec allows more values than it lists.
    case districtGovernment = "district_government"

    public var chinese: String {
        switch self {
        case .enterprise: return "企业"
        case .platform: return "平台企业"
        case .serviceProvider: return "服务商"
        case .parkOperator: return "园区运营方"
        case .logistics: return "物流企业"
        case .trainingInstitution: return "培训机构"
        case .association: return "行业组织"
        case .school: return "院校"
        case .districtGovernment: return "区、县（市）政府"
        }
    }
}
