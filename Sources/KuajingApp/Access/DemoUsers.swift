import Foundation
import Storage

/// The demo users of `../shared/spec/web-api.md`, one per role, on the synthetic world of 杭州市.
/// Their password is `KUAJING_DEMO_PASSWORD` when set, else a new random one (printed at start).
public struct DemoUsers: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public static let city = "杭州市"
    public static let district = "滨江区"

    public struct Created: Sendable {
        public var users: [Viewer]
        public var password: String
        /// The 统一社会信用代码 of the demo enterprise (demo-enterprise's scope).
        public var enterpriseID: String
        public var enterpriseName: String
    }

    /// Whether the demo users exist already (a restart keeps their password).
    public func exist() async throws(AppError) -> Bool {
        try await context.withStore { try await $0.accounts.user(named: "demo-admin") != nil }
    }

    /// Creates (or resets) the five demo users.
    public func create(password given: String? = nil) async throws(AppError) -> Created {
        let password = given ?? context.configuration.demoPassword ?? Self.readablePassword()
        let enterprise = try await context.withStore { store in
            // The first 滨江区 enterprise in good standing (not listed as seriously dishonest), so
            // that the demo enterprise can file claims; the first one otherwise.
            let rows = try await store.registry.search(text: "", district: Self.district, reach: EnterpriseRegistry.Reach(districts: [Self.district]), limit: 50, offset: 0).rows
            for row in rows where try await !store.registry.creditFacts(enterprise: row.id).contains(where: { $0.kind == .seriousDishonesty && $0.value != "false" && $0.value != "否" }) {
                return Optional(row)
            }
            return rows.first
        }
        guard let enterprise, enterprise.synthetic else {
            throw .unavailable(message: "企业库中没有\(Self.district)的模拟企业：请先生成模拟数据（kuajing demo seed）")
        }
        let accounts = Accounts(context)
        var users: [Viewer] = []
        let specs: [(String, String, Role, String?, String?)] = [
            ("demo-admin", "演示·市级管理员", .admin, nil, nil),
            ("demo-analyst", "演示·市级分析员", .analyst, nil, nil),
            ("demo-binjiang", "演示·滨江区商务局", .district, Self.district, nil),
            ("demo-enterprise", "演示·\(enterprise.name)", .enterprise, nil, enterprise.id),
            ("demo-auditor", "演示·审计员", .auditor, nil, nil),
        ]
        for (name, display, role, district, ent) in specs {
            users.append(try await accounts.addUser(Accounts.NewUser(name: name, displayName: display, role: role, city: Self.city, district: district, enterpriseID: ent, password: password, actor: "演示数据")))
        }
        return Created(users: users, password: password, enterpriseID: enterprise.id, enterpriseName: enterprise.name)
    }

    /// Twelve characters without look-alikes (0/O, 1/l/I), from the system's cryptographic generator.
    static func readablePassword() -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var g = SystemRandomNumberGenerator()
        return String((0..<12).map { _ in alphabet[Int(g.next(upperBound: UInt64(alphabet.count)))] })
    }
}
