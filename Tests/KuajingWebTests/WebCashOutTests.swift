import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KuajingApp
import KuajingDomain
import KuajingTestSupport
@testable import KuajingWeb
import NIOCore
import Testing

/// Cash-out through the API, role by role: a 免申即享 premium list imported (a bad row refused with
/// its line and field), the proposal confirmed by the enterprise, review refused to the wrong roles
/// and scopes, an approval refused where no city/district ratio is configured (never invented), the
/// audit trail for the auditor only.
@Suite struct WebCashOutTests {
    @Test func aProposalFromImportToReviewRoleByRole() async throws {
        let world = try await WebWorld.get()
        let accounts = Accounts(world.context)
        let admin = try await accounts.issueToken(user: "demo-admin"), analyst = try await accounts.issueToken(user: "demo-analyst")
        let mine = try await accounts.issueToken(user: "demo-enterprise"), auditor = try await accounts.issueToken(user: "demo-auditor")
        _ = try await accounts.addUser(.init(name: "xiaoshan-reviewer", role: .district, district: "萧山区", password: "xiaoshan-password-1"))
        let xiaoshan = try await accounts.issueToken(user: "xiaoshan-reviewer")
        let ent = world.users.enterpriseID
        @Sendable func auth(_ t: String) -> HTTPFields { [.authorization: "Bearer \(t)", .contentType: "application/json"] }
        let year = world.context.clock.today().year
        let bad = "enterprise_id,enterprise_name,policy_no,premium,paid_date,insurer\n\(ent),企业,P-1,12000.00,\(year)-01-15,中国信保\n\(ent.dropLast())0,企业,P-2,abc,\(year)-01-15,中国信保\n"
        let good = "enterprise_id,enterprise_name,policy_no,premium,paid_date,insurer\n\(ent),企业,P-WEB-1,12000.00,\(year)-01-15,中国信保\n"
        try await world.application().test(.router) { client in
            try await client.execute(uri: "/api/v1/facts?kind=credit_insurance_premiums&name=premiums.csv", method: .post, headers: auth(admin), body: ByteBuffer(string: bad)) { r in
                #expect(r.status == .unprocessableContent)
                let body = String(buffer: r.body)
                #expect(body.contains("premiums.csv:3") && body.contains("premium"), "the bad row is named by line and field: \(body)")
            }
            try await client.execute(uri: "/api/v1/facts?kind=credit_insurance_premiums&name=premiums.csv", method: .post, headers: auth(mine), body: ByteBuffer(string: good)) { #expect($0.status == .forbidden) }
            let proposal: Int64 = try await client.execute(uri: "/api/v1/facts?kind=credit_insurance_premiums&name=premiums.csv", method: .post, headers: auth(admin), body: ByteBuffer(string: good)) { r in
                #expect(r.status == .created)
                let o = try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
                return try #require((o["proposals"] as? [NSNumber])?.first?.int64Value)
            }
            try await client.execute(uri: "/api/v1/applications/\(proposal)/confirmation", method: .post, headers: auth(mine), body: ByteBuffer(string: "{}")) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body).contains("\"status\":\"submitted\""))
            }
            let review = ByteBuffer(string: #"{"decision": "approve", "reason": "材料齐全"}"#)
            try await client.execute(uri: "/api/v1/applications/\(proposal)/review", method: .post, headers: auth(mine), body: review) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/api/v1/applications/\(proposal)/review", method: .post, headers: auth(auditor), body: review) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/api/v1/applications/\(proposal)/review", method: .post, headers: auth(xiaoshan), body: review) { #expect($0.status == .notFound, "another district's reviewer does not see it") }
            try await client.execute(uri: "/api/v1/applications/\(proposal)", method: .get, headers: auth(xiaoshan)) { #expect($0.status == .notFound) }
            // The test world configures no city/district ratio: the approval is refused, not guessed.
            try await client.execute(uri: "/api/v1/applications/\(proposal)/review", method: .post, headers: auth(analyst), body: review) { r in
                #expect(r.status == .conflict)
                #expect(String(buffer: r.body).contains("未配置"), "\(String(buffer: r.body))")
            }
            try await client.execute(uri: "/api/v1/applications/\(proposal)", method: .get, headers: auth(analyst)) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body).contains("\"status\":\"submitted\""), "a refused approval writes nothing")
            }
            try await client.execute(uri: "/api/v1/audit/entries?limit=50", method: .get, headers: auth(mine)) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/api/v1/audit/entries?limit=50", method: .get, headers: auth(auditor)) { r in
                #expect(r.status == .ok)
                let body = String(buffer: r.body)
                #expect(body.contains("application.confirmed") && body.contains("facts.imported"))
            }
        }
        #expect(try await AuditDesk(world.context).verify().intact)
    }

    /// 免申即享 from the 梯度培育库: the enterprises that moved up a tier are proposed the 杭州 附件（一）
    /// incentive, once; the amount is the reviewer's (the text gives only the maximum).
    @Test func tierMovesBecomeProposalsOnce() async throws {
        let world = try await WebWorld.get()
        let admin = Viewer(name: "demo-admin", displayName: "admin", role: .admin, city: "杭州市")
        let desk = ApplicationDesk(world.context)
        let made = try await desk.proposeFromTiers(admin)
        #expect(!made.isEmpty, "the demo world has enterprises that moved up a tier")
        let again = try await desk.proposeFromTiers(admin)
        #expect(again.isEmpty, "a proposal is made once")
        let one = try await desk.detail(admin, id: made[0]).application
        #expect(one.status == .proposed && one.matter == "tier_incentive" && one.origin == "proposed")
        #expect(one.engineStatus == "needs_review" && one.engineAwardFen == 10_000_000_00, "the maximum the text allows, for a reviewer to decide")
        await #expect(throws: AppError.self) { _ = try await desk.proposeFromTiers(Viewer(name: "a", displayName: "a", role: .analyst, city: "杭州市")) }
    }
}
