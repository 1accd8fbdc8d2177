import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KuajingApp
import KuajingDomain
import KuajingTestSupport
@testable import KuajingWeb
import Monitoring
import NIOCore
import Testing

/// Issue 24's work in the browser, below the browser: the work list (filters, orders, pages, the
/// download), 我的待办 as the workflow allows it, the decision notice (only once decided, only in
/// scope), the credit-facts import (a bad line refuses the whole file) and 排名通报.
@Suite struct WorkListTests {
    /// Three applications of one enterprise of 上城区 (no other test files there), amounts 30, 10
    /// and 20 thousand yuan.
    static let filed = Task { () throws -> (company: String, ids: [Int64], me: Viewer) in
        let world = try await WebWorld.get()
        let admin = Viewer(name: "t", displayName: "t", role: .admin, city: "杭州市")
        let page = try await EnterpriseDirectory(world.context).search(admin, district: "上城区", limit: 20)
        let desk = ApplicationDesk(world.context)
        for candidate in page.items {
            let me = Viewer(name: "worklist-\(candidate.id)", displayName: "企业", role: .enterprise, city: "杭州市", district: "上城区", enterpriseID: candidate.id)
            let invoice = try await desk.uploadEvidence(me, name: "发票.pdf", mediaType: "application/pdf", content: Array("发票 \(candidate.id)".utf8))
            var ids: [Int64] = []
            for (amount, date) in [("30000.00", "2025-03-01"), ("10000.00", "2025-03-02"), ("20000.00", "2025-03-03")] {
                let filed = try await desk.submit(me, .init(enterpriseID: candidate.id, matter: "credit_insurance", date: date, amount: amount, evidence: [invoice]))
                ids.append(filed.application.id)
            }
            return (candidate.id, ids, me)
        }
        throw AppError.notFound(message: "no enterprise in 上城区")
    }

    static let analyst = Viewer(name: "demo-analyst", displayName: "分析员", role: .analyst, city: "杭州市")

    @Test func theListIsFilteredOrderedAndPagedWithoutOverlap() async throws {
        let world = try await WebWorld.get()
        let (company, ids, me) = try await Self.filed.value
        let lists = WorkLists(world.context)
        var q = WorkLists.Query(district: "上城区", matter: "credit_insurance", sort: .amount)
        let first = try await lists.applications(Self.analyst, q, pageSize: 2)
        #expect(first.total >= 3)
        q.page = 2
        let second = try await lists.applications(Self.analyst, q, pageSize: 2)
        #expect(Set(first.rows.map(\.id)).isDisjoint(with: second.rows.map(\.id)), "pages never overlap")
        let mine = (first.rows + second.rows).filter { $0.enterpriseID == company }.map(\.amountFen)
        #expect(mine == mine.sorted(by: >), "largest amount first: \(mine)")
        #expect((first.rows + second.rows).allSatisfy { $0.district == "上城区" && $0.matter == "credit_insurance" })
        // The enterprise sees its own three, newest first; a 滨江区 user sees none of them.
        let own = try await lists.applications(me, WorkLists.Query())
        #expect(own.rows.map(\.id) == ids.reversed())
        let binjiang = Viewer(name: "demo-binjiang", displayName: "滨江", role: .district, city: "杭州市", district: "滨江区")
        #expect(try await lists.applications(binjiang, WorkLists.Query(district: "上城区")).total == 0, "the district filter never widens the scope")
        // Deadlines first: the three are due in order of filing.
        let byDue = try await lists.applications(me, WorkLists.Query(sort: .due))
        #expect(byDue.rows.compactMap(\.dueAt) == byDue.rows.compactMap(\.dueAt).sorted())
    }

    @Test(arguments: [("status", "bogus"), ("due", "soon"), ("sort", "price"), ("page", "0"), ("matter", "a b")])
    func anUnknownFilterValueIsRefusedByName(_ parameter: String, _ value: String) {
        #expect(throws: AppError.self) { try WorkLists.Query(parameters: { $0 == parameter ? value : nil }) }
        do { _ = try WorkLists.Query(parameters: { $0 == parameter ? value : nil }) } catch {
            if case let .invalidInput(field, _, _, _) = error { #expect(field == parameter) } else { Issue.record("\(error)") }
        }
    }

    @Test func theDownloadHoldsEveryPageAndSaysWhatWasFiltered() async throws {
        let world = try await WebWorld.get()
        let (company, ids, me) = try await Self.filed.value
        let file = try await WorkLists(world.context).download(me, WorkLists.Query(status: .submitted, page: 3), format: "csv")
        let text = String(decoding: file.bytes, as: UTF8.self)
        #expect(text.hasPrefix("\u{FEFF}编号,企业,统一社会信用代码"))
        for id in ids { #expect(text.contains("\r\n\(id),"), "row \(id) is in the file whatever page was shown") }
        #expect(text.contains(company) && text.contains("筛选 status=submitted") && !text.contains("page="))
        let book = try await WorkLists(world.context).download(me, WorkLists.Query(), format: "xlsx")
        #expect(book.bytes.starts(with: [0x50, 0x4B]), "an xlsx is a zip")
        await #expect(throws: AppError.self) { try await WorkLists(world.context).download(me, WorkLists.Query(), format: "pdf") }
    }

    @Test func myTasksFollowTheWorkflowAndTheNoticeComesWithTheDecision() async throws {
        let world = try await WebWorld.get()
        let (_, ids, me) = try await Self.filed.value
        let lists = WorkLists(world.context), desk = ApplicationDesk(world.context)
        let target = ids[1]
        let reviewerTasks = try await lists.myTasks(Self.analyst)
        #expect(reviewerTasks.contains { $0.application.id == target && $0.todo == "审核" })
        let due = reviewerTasks.compactMap(\.application.dueAt)
        #expect(due == due.sorted(), "deadlines first")
        #expect(try await lists.myTasks(me).allSatisfy { $0.application.id != target }, "nothing waits for the enterprise before a decision")
        #expect(try await lists.myTasks(Viewer(name: "demo-auditor", displayName: "审计", role: .auditor, city: "杭州市")).isEmpty)
        // No notice before the decision.
        await #expect(throws: AppError.self) { try await desk.notice(me, id: target) }
        _ = try await desk.review(Self.analyst, id: target, .init(decision: .reject, amount: nil, reason: "保费凭证与保单不符"))
        #expect(try await lists.myTasks(Self.analyst).allSatisfy { $0.application.id != target })
        #expect(try await lists.myTasks(me).contains { $0.application.id == target && $0.todo == "可在期限内提出异议" })
        let notice = try await desk.notice(me, id: target)
        #expect(notice.title == "不予支持告知书" && notice.kind == .refusal && notice.issuer == "杭州市商务局")
        #expect(notice.review.reason == "保费凭证与保单不符" && notice.objectionDue != nil)
        let entry = try #require(notice.entry)
        #expect(entry.action == "application.reviewed" && entry.subject == "application:\(target)" && entry.hash.count == 64)
        #expect(notice.evidence.count == 1 && notice.evidence[0].sha256.count == 64)
        let view = Site.noticeView(notice)
        #expect(view.docNumber.contains("杭政办函") && view.auditHash == entry.hash && !view.approval && view.decided == nil)
        // Out of scope: not found, the same answer as for no such application.
        let xiaoshan = Viewer(name: "xs", displayName: "萧山", role: .district, city: "杭州市", district: "萧山区")
        await #expect(throws: AppError.self) { try await desk.notice(xiaoshan, id: target) }
    }

    @Test func theNoticePageIsServedInScopeOnly() async throws {
        let world = try await WebWorld.get()
        let (company, ids, _) = try await Self.filed.value
        let accounts = Accounts(world.context)
        _ = try await accounts.addUser(.init(name: "worklist-company", role: .enterprise, district: "上城区", enterpriseID: company, password: "worklist-password-1", reset: true))
        let mine = try await accounts.issueToken(user: "worklist-company"), other = try await accounts.issueToken(user: "demo-enterprise")
        let analyst = try await accounts.issueToken(user: "demo-analyst")
        let target = ids[2]
        _ = try? await ApplicationDesk(world.context).review(Self.analyst, id: target, .init(decision: .reject, amount: nil, reason: "不符合条件"))
        try await world.application().test(.router) { client in
            try await client.execute(uri: "/applications/\(target)/notice", method: .get, headers: [.authorization: "Bearer \(mine)"]) { r in
                #expect(r.status == .ok)
                let html = String(buffer: r.body)
                #expect(html.contains("不予支持告知书") && html.contains("杭州市商务局") && html.contains("SHA-256"))
            }
            try await client.execute(uri: "/applications/\(target)/notice", method: .get, headers: [.authorization: "Bearer \(other)"]) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/applications/\(ids[0])/notice", method: .get, headers: [.authorization: "Bearer \(analyst)"]) { r in
                #expect(r.status == .conflict, "not decided yet")
            }
            try await client.execute(uri: "/applications?status=bogus", method: .get, headers: [.authorization: "Bearer \(analyst)"]) { #expect($0.status == .unprocessableContent) }
            try await client.execute(uri: "/applications?district=%E4%B8%8A%E5%9F%8E%E5%8C%BA&format=csv", method: .get, headers: [.authorization: "Bearer \(analyst)"]) { r in
                #expect(r.status == .ok && r.headers[.contentDisposition]?.contains("attachment") == true)
                #expect(String(buffer: r.body).contains(company))
            }
        }
    }

    @Test func aCreditFactsFileWithOneBadLineStoresNothingAndAGoodOneIsAudited() async throws {
        let world = try await WebWorld.get()
        let (company, _, _) = try await Self.filed.value
        let admin = Viewer(name: "demo-admin", displayName: "管理员", role: .admin, city: "杭州市")
        let header = "enterprise_id,enterprise_name,fact,value,source,date\n"
        let bad = header + "\(company),企业,customs_grade,高级认证,海关企业信用信息公示平台,2025-06-01\n\(company),企业,customs_grade,AA,海关,2025-06-02\n\(company),企业,rating,A,x,2025-06-01\n"
        do {
            _ = try await ProposalImport(world.context).run(admin, kind: "credit_facts", bytes: Array(bad.utf8), fileName: "credit.csv")
            Issue.record("a bad file was imported")
        } catch {
            guard case let .invalidInput(_, _, _, problems) = error else { Issue.record("\(error)"); return }
            #expect(problems.count == 2 && problems[0].hasPrefix("credit.csv:3 列 4（value）") && problems[1].hasPrefix("credit.csv:4 列 3（fact）"), "\(problems)")
        }
        let before = try await EnterpriseDirectory(world.context).profile(admin, id: company).creditFacts
        #expect(!before.contains { $0.source == "海关企业信用信息公示平台" }, "nothing of the bad file is stored")
        let good = header + "\(company),企业,customs_grade,高级认证,海关企业信用信息公示平台,2025-06-01\n\(company),企业,serious_dishonesty,false,信用中国（浙江）,2025-06-01\n"
        await #expect(throws: AppError.self) {
            try await ProposalImport(world.context).run(Viewer(name: "demo-analyst", displayName: "分析员", role: .analyst, city: "杭州市"), kind: "credit_facts", bytes: Array(good.utf8), fileName: "c.csv")
        }
        let report = try await ProposalImport(world.context).run(admin, kind: "credit_facts", bytes: Array(good.utf8), fileName: "credit.csv")
        #expect(report.rows == 2 && report.kind == .creditFacts)
        let facts = try await EnterpriseDirectory(world.context).profile(admin, id: company).creditFacts
        #expect(facts.contains { $0.kind == .customsGrade && $0.value == "高级认证" && $0.asOf == "2025-06-01" })
        #expect(facts.contains { $0.kind == .seriousDishonesty && $0.value == "否" })
        let trail = try await AuditDesk(world.context).trail(admin, limit: 50)
        #expect(trail.entries.contains { $0.action == "credit_facts.imported" && $0.content.contains(report.sha256) })
    }

    @Test func districtRankingShowsSiblingDistrictsOnlyWhenTurnedOn() async throws {
        let world = try await WebWorld.get()
        let binjiang = Viewer(name: "demo-binjiang", displayName: "滨江", role: .district, city: "杭州市", district: "滨江区")
        let month = Month(year: 2025, month: 12)
        func scopes(_ context: AppContext) async throws -> Set<String> {
            Set(try await TargetProgressReport(context).progress(binjiang, month: month).flatMap { $0.targets.map(\.target.scope) })
        }
        let off = try await scopes(world.context)
        #expect(!off.contains("萧山区") && off.contains("杭州市"))
        var settings = world.context.configuration
        settings.districtRanking = true
        let on = try await scopes(AppContext(configuration: settings, clock: world.context.clock, store: world.context.shared))
        #expect(on.contains("萧山区") && on.contains("杭州市") && on.isSuperset(of: off))
        #expect(!on.contains("台州市") && !on.contains("平湖市"), "never another city's targets")
    }

    /// What each role's 运力券 page offers, from its view model: the batch form for the 市级管理员,
    /// the request form for an enterprise, neither for the auditor; a city without a 运力券 measure
    /// is told so (and shown no other city's pool).
    @Test func theVoucherPageOffersEachRoleItsOwnForms() async throws {
        let world = try await WebWorld.get()
        let site = try await Site(context: world.context)
        let accounts = Accounts(world.context)
        func view(_ v: Viewer) async throws -> Site.VouchersView { Site.vouchersView(try await site.vouchersQuery(v, status: nil, page: 1, message: nil)) }
        let admin = try await view(try await accounts.viewer(named: "demo-admin"))
        #expect(admin.hasPool && admin.admin && !admin.enterprise && admin.citation.contains("附件（七）") && admin.figures.count == 7)
        let enterprise = try await view(try await accounts.viewer(named: "demo-enterprise"))
        #expect(enterprise.hasPool && enterprise.enterprise && !enterprise.admin && !enterprise.requestKey.isEmpty)
        #expect(enterprise.vouchers.allSatisfy { $0.enterprise == world.users.enterpriseID }, "an enterprise sees its own vouchers only")
        let auditor = try await view(try await accounts.viewer(named: "demo-auditor"))
        #expect(auditor.hasPool && !auditor.admin && !auditor.enterprise && auditor.vouchers.allSatisfy { !$0.cancellable })
        let taizhou = try await view(Viewer(name: "tz", displayName: "台州", role: .admin, city: "台州市"))
        #expect(!taizhou.hasPool && taizhou.missing != nil && taizhou.figures.isEmpty)
        #expect(VoucherForm.timestamp(fromLocal: "2026-12-03T09:30") == "2026-12-03T09:30:00+08:00")
        #expect(VoucherForm.timestamp(fromLocal: "2026-12-03T25:30") == nil && VoucherForm.timestamp(fromLocal: "tomorrow") == nil)
    }
}
