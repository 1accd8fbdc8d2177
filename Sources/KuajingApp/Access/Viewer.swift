import Foundation
import Monitoring
import Storage

/// The five roles of the platform (`../shared/spec/web-api.md`).
public enum Role: String, Sendable, CaseIterable, Codable {
    case admin, analyst, district, enterprise, auditor

    /// The name users read.
    public var label: String {
        switch self {
        case .admin: return "市级管理员"
        case .analyst: return "市级分析员"
        case .district: return "区县用户"
        case .enterprise: return "企业用户"
        case .auditor: return "审计员"
        }
    }
}

/// Who is asking, with the scope every query of theirs is limited to. A city role sees the whole
/// city; a district user one district; an enterprise user one enterprise. Built only from a stored
/// user, session or token (`Accounts`), never from what a request claims.
public struct Viewer: Sendable, Equatable {
    public var name: String
    public var displayName: String
    public var role: Role
    public var city: String
    public var district: String?
    public var enterpriseID: String?

    public init(name: String, displayName: String, role: Role, city: String, district: String? = nil, enterpriseID: String? = nil) {
        self.name = name
        self.displayName = displayName
        self.role = role
        self.city = city
        self.district = district
        self.enterpriseID = enterpriseID
    }

    /// The districts whose data this viewer may read (an enterprise user reads only its own enterprise).
    public var districts: [String] {
        switch role {
        case .admin, .analyst, .auditor: return (try? Scope(city).districts) ?? []
        case .district: return district.map { [$0] } ?? []
        case .enterprise: return []
        }
    }

    /// The scope's name as reports title it: the city, or the district.
    public var scopeName: String {
        switch role {
        case .district: return district ?? city
        default: return city
        }
    }

    /// The registry reach of this viewer, put into the WHERE clause of every enterprise query.
    var reach: EnterpriseRegistry.Reach {
        switch role {
        case .enterprise: return EnterpriseRegistry.Reach(districts: nil, enterpriseID: enterpriseID ?? "")
        default: return EnterpriseRegistry.Reach(districts: districts)
        }
    }

    /// May change users and configuration.
    public var administers: Bool { may(.manageUsers) }
    /// May write follow-up data (task updates, uploads): not the auditor, not an enterprise.
    public var writesFollowUp: Bool { may(.updateTasks) }
    /// May read the access log.
    public var readsAccessLog: Bool { may(.readAccessLog) }

    init(_ user: UserRow) throws(AppError) {
        guard let role = Role(rawValue: user.role) else { throw .unavailable(message: "用户 \(user.name) 的角色“\(user.role)”无法识别") }
        self.init(name: user.name, displayName: user.displayName, role: role, city: user.city, district: user.district, enterpriseID: user.enterpriseID)
    }
}
