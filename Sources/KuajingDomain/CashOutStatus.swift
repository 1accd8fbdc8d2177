/// Where an application (申报) stands. Stored as its raw value; the schema's CHECK lists the same
/// nine (migration 10).
public enum ApplicationStatus: String, Sendable, CaseIterable, Codable {
    case proposed, submitted, approved, reduced, rejected, objected, declined, committed, paid

    /// The name users read.
    public var label: String {
        switch self {
        case .proposed: return "待企业确认（免申即享）"
        case .submitted: return "待审核"
        case .approved: return "已核准"
        case .reduced: return "已核减"
        case .rejected: return "不予支持"
        case .objected: return "异议复核中"
        case .declined: return "企业已放弃"
        case .committed: return "已列入支付批次"
        case .paid: return "已拨付"
        }
    }

    /// The statuses that count against the limits (besides a first rejection during its objection period).
    public static let live: [ApplicationStatus] = [.submitted, .approved, .reduced, .objected, .committed, .paid]
}

/// Where a 运力券 stands (migration 9's CHECK lists the same).
public enum VoucherStatus: String, Sendable, CaseIterable, Codable {
    case issued, waitlisted, cancelled, expired, paid

    public var label: String {
        switch self {
        case .issued: return "已发放"
        case .waitlisted: return "候补"
        case .cancelled: return "已取消"
        case .expired: return "已过期"
        case .paid: return "已支付"
        }
    }
}
