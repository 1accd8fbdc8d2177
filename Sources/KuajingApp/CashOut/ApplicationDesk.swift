import Foundation
import KuajingDomain
import PolicyEngine
import TradeData
import Storage

/// 申报, 免申即享 and 审核: an enterprise files a claim with its evidence and sees at once what the
/// engine grants and why; the platform proposes what it already holds and the enterprise confirms;
/// a reviewer in scope approves, reduces or rejects with a reason; an objection goes to a second
/// reviewer. Every step is a transaction with its audit entry; the timeline is read from the trail.
public struct ApplicationDesk: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    /// Evidence files: at most this size each, at most `maximumEvidence` per application.
    public static let maximumEvidenceBytes = 10 << 20
    public static let maximumEvidence = 20
    /// Attributes that the platform sets itself and an applicant may not.
    static let reservedAttributes: Set<String> = ["claim_id", "enterprise_id", "enterprise_name", "district", "applicant_type", "matter", "date", "amount", "serious_dishonesty"]

    // MARK: evidence

    /// Stores an evidence file under its SHA-256 and answers with it.
    public func uploadEvidence(_ viewer: Viewer, name: String, mediaType: String, content: [UInt8]) async throws(AppError) -> String {
        guard viewer.may(.uploadEvidence) else { throw .forbidden(message: "只有\(Permission.uploadEvidence.holders)可以上传证明材料") }
        guard !content.isEmpty else { throw .invalidInput(field: "file", location: nil, message: "证明材料为空文件") }
        guard content.count <= Self.maximumEvidenceBytes else {
            throw .tooLarge(message: "证明材料每个至多 \(Self.maximumEvidenceBytes >> 20) MiB，实为 \(String(format: "%.1f", Double(content.count) / 1_048_576)) MiB")
        }
        let sha = SHA256Hex.of(Data(content))
        let cleanName = String(name.split(separator: "/").last ?? "证明材料").prefix(120)
        let now = context.clock.timestamp()
        try await context.withStore { try await $0.applications.storeEvidence(sha256: sha, name: String(cleanName), mediaType: String(mediaType.prefix(100)), content: content, by: viewer.name, at: now) }
        return sha
    }

    /// An evidence file, to those who may see an application citing it (or who uploaded it).
    public func evidenceFile(_ viewer: Viewer, sha256: String) async throws(AppError) -> (info: ApplicationBook.EvidenceInfo, content: [UInt8]) {
        try await context.withStore { store in
            guard let found = try await store.applications.evidenceContent(sha256) else { throw AppError.notFound(message: "没有这份证明材料") }
            if found.info.uploadedBy == viewer.name { return found }
            let citing = try await store.applications.applicationsCiting([sha256], except: nil)
            for c in citing where try await store.applications.application(c.application, reach: Self.reach(viewer)) != nil { return found }
            throw AppError.notFound(message: "没有这份证明材料")
        }
    }

    // MARK: filing

    public struct Submission: Sendable {
        public var enterpriseID: String
        public var matter: String
        public var date: String
        public var amount: String
        public var attributes: [String: String]
        public var evidence: [String]
        public init(enterpriseID: String, matter: String, date: String, amount: String, attributes: [String: String] = [:], evidence: [String]) {
            self.enterpriseID = enterpriseID
            self.matter = matter
            self.date = date
            self.amount = amount
            self.attributes = attributes
            self.evidence = evidence
        }
    }

    public struct Filed: Sendable {
        public var application: ApplicationRow
        public var result: ClaimResult
    }

    /// An enterprise user files a claim of its own enterprise; the engine's entitlement and its
    /// explanation come back at once. A claim the engine grants nothing (no policy in force at that
    /// date and place, a condition that fails, a seriously dishonest enterprise) is refused with the
    /// engine's reason and nothing is stored.
    public func submit(_ viewer: Viewer, _ input: Submission) async throws(AppError) -> Filed {
        guard viewer.may(.fileApplications), let own = viewer.enterpriseID else { throw .forbidden(message: "只有企业用户可以提交申报") }
        try Self.checkCreditCode(input.enterpriseID, field: "enterprise_id")
        guard input.enterpriseID == own else { throw .forbidden(message: "只能为本企业（\(own)）申报") }
        guard !input.evidence.isEmpty else { throw .invalidInput(field: "evidence", location: nil, message: "请至少附一份证明材料（发票、合同或证书）") }
        guard input.evidence.count <= Self.maximumEvidence else { throw .invalidInput(field: "evidence", location: nil, message: "证明材料至多 \(Self.maximumEvidence) 份") }
        if input.matter == VoucherDesk.matter { throw .invalidInput(field: "matter", location: nil, message: "运力券按批次先到先得，请在“运力券”中申领（接口 requestVoucher）") }
        return try await file(viewer, input, origin: "applied", factID: nil, filedBy: viewer.name)
    }

    func file(_ viewer: Viewer?, _ input: Submission, origin: String, factID: Int64?, filedBy: String) async throws(AppError) -> Filed {
        let set = try context.policySet()
        guard set.matterKeys.contains(input.matter) else { throw .invalidInput(field: "matter", location: nil, message: "未知事项“\(input.matter.prefix(40))”") }
        let amount = try VoucherDesk.fen(input.amount, field: "amount")
        guard amount <= 10_000_000_000_00 else { throw .invalidInput(field: "amount", location: nil, message: "金额超过 100 亿元，不予受理") }
        guard input.date.count == 10, let day = Day.parse(input.date) else { throw .invalidInput(field: "date", location: nil, message: "日期应为 YYYY-MM-DD，实为“\(input.date.prefix(20))”") }
        guard day <= context.clock.today() else { throw .invalidInput(field: "date", location: nil, message: "日期 \(day.iso) 晚于今天") }
        guard input.attributes.count <= 20 else { throw .invalidInput(field: "attributes", location: nil, message: "附加属性至多 20 项") }
        for (k, v) in input.attributes {
            guard !k.isEmpty, k.count <= 40, k.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) else {
                throw .invalidInput(field: "attributes", location: nil, message: "属性名“\(k.prefix(40))”应为小写英文、数字和下划线")
            }
            guard !Self.reservedAttributes.contains(k) else { throw .invalidInput(field: "attributes.\(k)", location: nil, message: "“\(k)”由平台根据企业库填写，不能自报") }
            guard v.count <= 200 else { throw .invalidInput(field: "attributes.\(k)", location: nil, message: "属性值至多 200 个字符") }
            try AppError.checkFreeText(v, field: "attributes.\(k)")
        }
        let today = context.clock.today()
        let reviewDue = AppClock.timestamp(endOf: today.adding(days: context.configuration.reviewDays))
        return try await context.withStore { store in
            guard let enterprise = try await store.registry.enterprise(id: input.enterpriseID, reach: EnterpriseRegistry.Reach()) else {
                throw AppError.invalidInput(field: "enterprise_id", location: nil, message: "企业库中没有 \(input.enterpriseID)")
            }
            let facts = try await store.registry.creditFacts(enterprise: enterprise.id)
            if let dishonest = facts.last(where: { $0.kind == .seriousDishonesty }), dishonest.value == "true" || dishonest.value == "是" {
                throw AppError.invalidInput(field: "enterprise_id", location: nil, message: "企业被列为严重失信主体（\(dishonest.source)，\(dishonest.asOf)），按政策不予支持")
            }
            if !input.evidence.isEmpty {
                let known = Set(try await store.applications.evidenceInfo(input.evidence).map(\.sha256))
                if let missing = input.evidence.first(where: { !known.contains($0) }) {
                    throw AppError.invalidInput(field: "evidence", location: nil, message: "证明材料 \(missing.prefix(16))… 尚未上传")
                }
            }
            // The checks that do not depend on the award are read before the filing transaction:
            // they warn a reviewer and never decide.
            let early = try await ApplicationDesk.flags(store: store, enterprise: enterprise.id, evidence: input.evidence, attributes: input.attributes)
                .filter { origin != "proposed" || $0.rule != "no_own_trade" }
            let attributes = AuditValue.object(input.attributes.mapValues(AuditValue.text)).canonical
            let context = self.context, district = enterprise.district, filingDay = day
            let decided = ResultBox()
            let shared = set.limitKeys(matter: input.matter).filter { !$0.perEnterprise }.map(\.id)
            // The award is decided inside the transaction that writes it, from the limit rows as they
            // stand under the enterprise's lock (`ApplicationBook.file(enterprise:shared:at:decide:)`).
            let filed = try await store.applications.file(enterprise: enterprise.id, shared: shared, at: context.clock.timestamp()) { prior, limits in
                let e = try ApplicationDesk.entitlement(enterprise: enterprise.id, district: district, prior: prior, limits: limits, matter: input.matter,
                                                        date: filingDay.iso, amount: input.amount, attributes: input.attributes, context: context)
                let result = e.result
                guard result.status == .needsReview || result.award.value > 0 else {
                    throw AppError.invalidInput(field: "matter", location: nil, message: "按政策核定为 0 元，未受理：\(result.explanation)")
                }
                decided.set(result)
                let flags = early + ApplicationDesk.awardFlags(set: set, result: result, matter: input.matter, date: filingDay.iso, prior: prior)
                return ApplicationBook.FilingDecision(application: NewApplication(
                    enterpriseID: enterprise.id, district: district, matter: input.matter, claimDate: filingDay.iso, amountFen: amount, attributes: attributes,
                    origin: origin, factID: factID, engineStatus: result.status.rawValue, engineAwardFen: result.award.value, policy: result.policy, measure: result.measure,
                    clause: result.clause, year: Int64(filingDay.year), explanation: result.explanation, fundingCityFen: result.funding?.city?.value,
                    fundingDistrictFen: result.funding?.district?.value, fundingBasis: result.funding?.basis, flags: Flag.json(flags), evidence: input.evidence,
                    filedBy: filedBy, dueAt: origin == "proposed" ? nil : reviewDue),
                    holds: e.uses.map(LimitReplay.hold), earlierHolds: e.earlier)
            }
            let row = try filed.orThrow("申报")
            guard let result = decided.value else { throw AppError.internalFailure(detail: "申报已保存，但未取得核定结果") }
            return Filed(application: row, result: result)
        }
    }

    /// The statuses of an application still counted against caps and 就高不重复.
    static let liveStatuses = ApplicationBook.liveStatuses

    /// The engine's result handed out of the filing transaction's closure (set once, inside it).
    final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: ClaimResult?
        func set(_ r: ClaimResult) { lock.lock(); stored = r; lock.unlock() }
        var value: ClaimResult? { lock.lock(); defer { lock.unlock() }; return stored }
    }

    /// The engine's result for a new claim from the limit rows its filing locked: the engine takes
    /// the claim with its counters where the rows leave them, and what it awards is what the claim
    /// holds. Earlier live applications that hold nothing yet (filed before the rows existed) take
    /// their holds first, in server order, each within what the rows leave. Where a limit bound or
    /// was used up, the explanation names the earlier applications that hold it.
    static func entitlement(enterprise: String, district: String, prior: [ApplicationRow], limits: [LimitRow], matter: String, date: String,
                            amount: String, attributes: [String: String], context: AppContext)
        throws(AppError) -> (result: ClaimResult, uses: [LimitUse], earlier: [(application: Int64, holds: [LimitHold])]) {
        let set = try context.policySet()
        var usage = LimitReplay.Usage(LimitReplay.uses(limits, enterprise: enterprise))
        var earlier: [(application: Int64, holds: [LimitHold])] = []
        var holders: [String: [Int64]] = [:]
        for r in limits { holders[r.limitKey, default: []] += r.holders.filter { $0.amount > 0 }.map(\.application) }
        for a in prior.sorted(by: { $0.id < $1.id }) where !a.limitsHeld {
            guard let policy = a.policy, let measure = a.measure else { continue }
            let keys = set.limitKeys(policy: policy, measure: measure)
            let uses = usage.fitting(keys, fen: LimitReplay.heldFen(a), enterprise: a.enterpriseID, year: Int(a.year))
            for u in uses {
                usage.add(u)
                if u.amount > 0 { holders[u.key.id, default: []].append(a.id) }
            }
            earlier.append((a.id, uses.map(LimitReplay.hold)))
        }
        let day = Day.parse(date)?.year ?? 0
        let row = LimitReplay.claimRow(id: "NEW", enterprise: enterprise, district: district, matter: matter, date: date, amount: amount, attributes: attributes)
        var (result, uses, keys) = try LimitReplay.decide(claimRow: row, starting: usage.starting(year: day), context: context, source: "申报")
        if result.status == .capped || result.status == .ineligible {
            let used = Set(keys.filter(\.perEnterprise).flatMap { holders[$0.id] ?? [] }).sorted()
            if !used.isEmpty {
                let named = used.suffix(10).map { "第 \($0) 号" }.joined(separator: "、")
                result.explanation += "；同一限额已由本企业按受理顺序在先的申报占用：\(named)\(used.count > 10 ? " 等 \(used.count) 件" : "")"
            }
        }
        if result.status == .ineligible { uses = [] }
        return (result, uses, earlier)
    }

    // MARK: checks against abuse

    public struct Flag: Sendable, Equatable {
        public var rule: String
        public var message: String
        public var evidence: String

        static func json(_ flags: [Flag]) -> String {
            AuditValue.list(flags.map { .object(["rule": .text($0.rule), "message": .text($0.message), "evidence": .text($0.evidence)]) }).canonical
        }

        public static func parse(_ json: String) -> [Flag] {
            guard let list = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: String]] else { return [] }
            return list.map { Flag(rule: $0["rule"] ?? "", message: $0["message"] ?? "", evidence: $0["evidence"] ?? "") }
        }
    }

    /// The checks a reviewer sees, each with a rule id and its evidence. They warn; they never decide.
    /// These do not depend on the award: no trade of its own, the same evidence file (SHA-256) in
    /// another application of any enterprise, the same contract, invoice or policy number.
    static func flags(store: Store, enterprise: String, evidence: [String], attributes: [String: String] = [:]) async throws -> [Flag] {
        var out: [Flag] = []
        if try await store.rollups.enterpriseMonths(enterprise).isEmpty {
            out.append(Flag(rule: "no_own_trade", message: "企业名下在台账中没有任何进出口记录（可能为空壳或“买单出口”）", evidence: "trade_month_enterprise 无 \(enterprise) 的记录"))
        }
        for c in try await store.applications.applicationsCiting(evidence, except: nil) {
            out.append(Flag(rule: "evidence_reused", message: "同一份证明材料已用于第 \(c.application) 号申报（企业 \(c.enterprise)）", evidence: "SHA-256 \(c.sha256)"))
        }
        // A number that names one document (contract_no, invoice_no, policy_no …) in another application.
        for (key, value) in attributes.sorted(by: { $0.key < $1.key }) where key.hasSuffix("_no") && !value.trimmingCharacters(in: .whitespaces).isEmpty {
            for c in try await store.applications.applicationsWithAttribute(key: key, value: value) {
                out.append(Flag(rule: "number_reused", message: "同一编号（\(key) = \(value.prefix(60))）已用于第 \(c.application) 号申报（企业 \(c.enterprise)）",
                                evidence: "\(key) \(value.prefix(60))"))
            }
        }
        return out
    }

    /// The checks on the engine's result, decided in the filing transaction.
    static func awardFlags(set: PolicySet, result: ClaimResult, matter: String, date: String, prior: [ApplicationRow]) -> [Flag] {
        var out: [Flag] = []
        if let policy = result.policy, let measure = result.measure, let cap = set.capFen(policy: policy, measure: measure), result.status == .awarded, result.award.value == cap {
            out.append(Flag(rule: "sized_to_cap", message: "申报金额按比例计算恰好等于上限 \(Fen(cap).grouped) 元", evidence: "\(result.explanation)"))
        }
        for p in prior where p.matter == matter && p.policy != nil && p.policy != result.policy && p.claimDate.prefix(4) == date.prefix(4) {
            out.append(Flag(rule: "same_matter_two_policies", message: "同一事项已在另一政策（\(p.policy ?? "")）下申报：第 \(p.id) 号", evidence: "\(p.matter) \(p.claimDate) \(Fen(p.amountFen).grouped) 元"))
        }
        return out
    }

    /// The checks that depend on what happened after filing: a payee account shared with other applicants.
    func laterFlags(store: Store, application a: ApplicationRow) async throws -> [Flag] {
        var out: [Flag] = []
        for p in try await store.payouts.payees(enterprise: a.enterpriseID, statuses: ["entered", "confirmed"]) {
            let others = try await store.payouts.enterprisesSharing(accountNo: p.accountNo, except: a.enterpriseID)
            if !others.isEmpty {
                out.append(Flag(rule: "shared_bank_account", message: "收款账户与另外 \(others.count) 家申报企业相同", evidence: "账号 \(p.accountNo)；企业 \(others.joined(separator: "、"))"))
            }
        }
        return out
    }

    // MARK: 免申即享

    /// 免申即享 from the 梯度培育库: every enterprise of the viewer's city that moved up a tier gets a
    /// proposed `tier_incentive` claim (杭州 附件（一）), dated the first day of the month of the move,
    /// with the tier as an attribute; the measure needs a reviewer's amount (the text gives only the
    /// 1000 万 maximum). A move that the policies pay nothing for (before they were in force, or after
    /// the enterprise's cap is used) is not proposed; a proposal already made is not made again (a
    /// unique index, migration 11). Returns the new proposals' ids.
    public func proposeFromTiers(_ viewer: Viewer) async throws(AppError) -> [Int64] {
        guard viewer.may(.proposeFromTiers) else { throw .forbidden(message: "只有市级管理员可以生成免申即享建议") }
        guard let ladder = try context.ladders().first(where: { $0.city == viewer.city }) else { return [] }
        let moves = try await context.withStore { try await $0.rollups.tierMoves(ladder: ladder.city) }.filter { $0.to > $0.from && $0.to >= 1 }
        var made: [Int64] = []
        for move in moves {
            let day = move.month.count == 7 ? move.month + "-01" : String(move.month.prefix(10))
            let input = Submission(enterpriseID: move.enterprise, matter: "tier_incentive", date: day, amount: "0",
                                   attributes: ["tier": ladder.name(move.to), "trailing_twelve_months": Fen(move.trailingFen).plain], evidence: [])
            do {
                made.append(try await file(nil, input, origin: "proposed", factID: nil, filedBy: "免申即享").application.id)
            } catch {
                // Nothing to propose (an invalid input: no amount under the policies), or proposed before (a conflict).
                if case .invalidInput = error { continue }
                if case .conflict = error { continue }
                throw error
            }
        }
        return made
    }

    /// The enterprise confirms (意愿确认) or declines what the platform proposed.
    public func answerProposal(_ viewer: Viewer, id: Int64, confirm: Bool) async throws(AppError) -> ApplicationRow {
        guard viewer.may(.answerProposals) else { throw .forbidden(message: "只有企业用户可以确认免申即享") }
        let due = AppClock.timestamp(endOf: context.clock.today().adding(days: context.configuration.reviewDays))
        let now = context.clock.timestamp()
        return try await context.withStore { store in
            guard let a = try await store.applications.application(id, reach: Self.reach(viewer)) else { throw AppError.notFound(message: "没有第 \(id) 号申报") }
            if let refusal = ApplicationWorkflow.refusal(.confirm, by: viewer, on: a, now: now) { throw refusal }
            // A confirmed proposal becomes live: it holds its measure's limits from now on (refused
            // naming the limit when the rows have no room left for it).
            let set = try context.policySet()
            return try (try await store.applications.answerProposal(id, confirm: confirm, by: viewer.name, at: now, dueAt: due) { a in
                guard let policy = a.policy, let measure = a.measure else { return [] }
                return set.limitUses(policy: policy, measure: measure, award: a.engineAwardFen, enterprise: a.enterpriseID, year: Int(a.year)).map(LimitReplay.hold)
            }).orThrow("第 \(id) 号申报")
        }
    }

    // MARK: review

    public enum Decision: String, Sendable, CaseIterable {
        case approve, reduce, reject
        public var label: String {
            switch self {
            case .approve: return "核准"
            case .reduce: return "核减"
            case .reject: return "不予支持"
            }
        }
    }

    public struct ReviewInput: Sendable {
        public var decision: Decision
        public var amount: String?
        public var reason: String
        public init(decision: Decision, amount: String?, reason: String) {
            self.decision = decision
            self.amount = amount
            self.reason = reason
        }
    }

    /// A reviewer's decision: the first review of a submitted application, or the second reviewer's
    /// on an objection. Who may: 市级分析员, or a 区县用户 of the applicant's district; never the one
    /// who filed it, never a user of the applicant's own enterprise, and on an objection never the
    /// first reviewer. A `needs_review` measure needs the reviewer's amount and reason; a reduction
    /// is below the engine's amount; nothing passes the engine's amount (or, where the text names no
    /// amount, the claimed base). The amount reserves budget in the same transaction.
    public func review(_ viewer: Viewer, id: Int64, _ input: ReviewInput) async throws(AppError) -> ApplicationRow {
        guard viewer.may(.reviewApplications) else { throw .forbidden(message: "只有市级分析员和区县用户可以审核申报") }
        let reason = input.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        try AppError.checkFreeText(reason, field: "reason", lineBreaks: true)
        guard reason.count >= 2, reason.count <= 500 else { throw .invalidInput(field: "reason", location: nil, message: "请写明审核理由（2 到 500 字）") }
        let set = try context.policySet()
        let funding = try context.funding()
        let now = context.clock.timestamp()
        let objectionDue = AppClock.timestamp(endOf: context.clock.today().adding(days: context.configuration.objectionDays))
        return try await context.withStore { store in
            guard let a = try await store.applications.application(id, reach: Self.reach(viewer)) else { throw AppError.notFound(message: "没有第 \(id) 号申报") }
            if let refusal = ApplicationWorkflow.refusal(.review, by: viewer, on: a, now: now) { throw refusal }
            let stage = a.status == .objected ? "objection" : "review"
            var amount: Int64 = 0
            let needsReview = a.engineStatus == ClaimStatus.needsReview.rawValue
            switch input.decision {
            case .reject: amount = 0
            case .approve, .reduce:
                if let text = input.amount, !text.trimmingCharacters(in: .whitespaces).isEmpty {
                    amount = try VoucherDesk.fen(text, field: "amount")
                } else if input.decision == .approve && !needsReview {
                    amount = a.engineAwardFen
                } else {
                    throw AppError.invalidInput(field: "amount", location: nil, message: needsReview ? "本项政策只规定上限或需人工认定，核准须填写审核金额" : "核减须填写核减后的金额")
                }
                let ceiling = needsReview && a.engineAwardFen == 0 ? a.amountFen : a.engineAwardFen
                guard amount > 0 else { throw AppError.invalidInput(field: "amount", location: nil, message: "核准金额应大于 0；不予支持请选择“不予支持”") }
                guard amount <= ceiling else {
                    throw AppError.invalidInput(field: "amount", location: nil, message: "审核金额 \(Fen(amount).grouped) 元超过\(needsReview && a.engineAwardFen == 0 ? "申报基数" : "政策核定上限") \(Fen(ceiling).grouped) 元")
                }
                if input.decision == .approve && !needsReview && amount != a.engineAwardFen {
                    throw AppError.invalidInput(field: "amount", location: nil, message: "核准金额应等于政策核定的 \(Fen(a.engineAwardFen).grouped) 元；金额不同请选择“核减”")
                }
                if input.decision == .reduce && amount >= ceiling { throw AppError.invalidInput(field: "amount", location: nil, message: "核减后的金额应低于 \(Fen(ceiling).grouped) 元") }
                // The limits as they stand now are the limit rows: the store refuses, naming the limit,
                // an amount that would take more of them than is left (`LimitBook.setAmount`).
            }
            var city: Int64 = 0, district: Int64 = 0, basis = ""
            if input.decision != .reject {
                guard let policy = a.policy, let measure = a.measure,
                      let split = set.funding(award: Fen(amount), policy: policy, measure: measure, district: a.district, config: funding) else {
                    throw AppError.conflict(message: "第 \(id) 号申报没有适用的政策措施，无法核准")
                }
                guard let c = split.city, let d = split.district else {
                    throw AppError.conflict(message: "无法确定由哪一级预算支付：\(split.basis)")
                }
                city = c.value; district = d.value; basis = split.basis
            }
            let finalStage = stage == "objection"
            let status: String, holder: String, due: String?
            switch input.decision {
            case .approve: (status, holder, due) = ("approved", "finance", nil)
            case .reduce: (status, holder, due) = ("reduced", finalStage ? "finance" : "enterprise", finalStage ? nil : objectionDue)
            case .reject: (status, holder, due) = ("rejected", finalStage ? "closed" : "enterprise", finalStage ? nil : objectionDue)
            }
            let decision = ReviewDecision(stage: stage, reviewer: viewer.name, decision: input.decision.rawValue, amountFen: amount, cityFen: city, districtFen: district,
                                          fundingBasis: basis, reason: reason, status: status, holder: holder, dueAt: due)
            // An application that holds nothing of the limit rows yet (filed before they existed)
            // takes its holds first, at the amount decided now; past a bound that is refused.
            let held = amount
            return try (try await store.applications.decide(id, decision, at: now) { row in
                guard let policy = row.policy, let measure = row.measure else { return [] }
                return set.limitUses(policy: policy, measure: measure, award: held, enterprise: row.enterpriseID, year: Int(row.year)).map(LimitReplay.hold)
            }).orThrow("第 \(id) 号申报")
        }
    }

    /// 异议: the enterprise objects to a reduction or rejection within the objection period.
    public func object(_ viewer: Viewer, id: Int64, reason: String) async throws(AppError) -> ApplicationRow {
        guard viewer.may(.objectToDecisions) else { throw .forbidden(message: "只有申报企业可以提出异议") }
        let text = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        try AppError.checkFreeText(text, field: "reason", lineBreaks: true)
        guard text.count >= 2, text.count <= 1000 else { throw .invalidInput(field: "reason", location: nil, message: "请写明异议理由（2 到 1000 字）") }
        let now = context.clock.timestamp()
        let due = AppClock.timestamp(endOf: context.clock.today().adding(days: context.configuration.reviewDays))
        return try await context.withStore { store in
            guard let a = try await store.applications.application(id, reach: Self.reach(viewer)) else { throw AppError.notFound(message: "没有第 \(id) 号申报") }
            if let refusal = ApplicationWorkflow.refusal(.object, by: viewer, on: a, now: now) { throw refusal }
            return try (try await store.applications.object(id, by: viewer.name, reason: text, at: now, dueAt: due)).orThrow("第 \(id) 号申报")
        }
    }

    // MARK: reading

    public struct Detail: Sendable {
        public var application: ApplicationRow
        public var reviews: [ReviewRow]
        public var evidence: [ApplicationBook.EvidenceInfo]
        public var flags: [Flag]
        /// The application's entries in the audit trail, oldest first: who did what, when.
        public var timeline: [AuditEntry]
    }

    public func list(_ viewer: Viewer, statuses: [String] = [], limit: Int = 200, offset: Int = 0) async throws(AppError) -> [ApplicationRow] {
        let reach = Self.reach(viewer)
        return try await context.withStore { try await $0.applications.applications(reach: reach, statuses: statuses, limit: min(max(limit, 1), 10_000), offset: max(offset, 0)) }
    }

    public func detail(_ viewer: Viewer, id: Int64) async throws(AppError) -> Detail {
        let reach = Self.reach(viewer)
        return try await context.withStore { store in
            guard let a = try await store.applications.application(id, reach: reach) else { throw AppError.notFound(message: "没有第 \(id) 号申报") }
            let shas = try await store.applications.evidence(of: id)
            var flags = Flag.parse(a.flags)
            if viewer.role != .enterprise { flags += try await laterFlags(store: store, application: a) }
            return Detail(application: a, reviews: try await store.applications.reviews(of: id), evidence: try await store.applications.evidenceInfo(shas),
                          flags: viewer.role == .enterprise ? [] : flags, timeline: try await store.audit.recent(subject: "application:\(id)", limit: 100).reversed())
        }
    }

    // MARK: helpers

    /// Applications are seen in the viewer's scope: an enterprise its own, a district its district's,
    /// the city roles (analyst, administrator, auditor) all of the city (`Viewer.reach`).
    static func reach(_ viewer: Viewer) -> EnterpriseRegistry.Reach { viewer.reach }

    static func checkCreditCode(_ code: String, field: String) throws(AppError) {
        guard code.count == 18 else { throw .invalidInput(field: field, location: nil, message: "统一社会信用代码应为 18 位，实为 \(code.count) 位") }
        guard CreditCode.isValid(code) else {
            let expected = CreditCode.checkCharacter(String(code.prefix(17))).map { "，按前 17 位应为 \($0)" } ?? ""
            throw .invalidInput(field: field, location: nil, message: "统一社会信用代码 \(code) 的校验码不对\(expected)")
        }
    }

    public static func statusLabel(_ s: String) -> String { ApplicationStatus(rawValue: s)?.label ?? s }
    public static func statusLabel(_ s: ApplicationStatus) -> String { s.label }

    public static func holderLabel(_ s: String) -> String {
        switch s {
        case "enterprise": return "申报企业"
        case "reviewer": return "审核人（市级分析员或区县）"
        case "second_reviewer": return "复核人（另一名审核人）"
        case "finance": return "市级管理员（支付）"
        case "closed": return "已办结"
        default: return s
        }
    }
}

extension Result where Failure == CashOutRefusal {
    /// The stored row, or the refusal as the error a user reads (`subject` names what was refused).
    func orThrow(_ subject: String) throws(AppError) -> Success {
        switch self {
        case let .success(value): return value
        case let .failure(refusal): throw AppError(refusal: refusal, subject: subject)
        }
    }
}

extension AppError {
    init(refusal: CashOutRefusal, subject: String) {
        switch refusal {
        case let .wrongState(found): self = .conflict(message: "\(subject)当前为“\(ApplicationDesk.statusLabel(found))”，已被他人处理或不在此步骤")
        case let .budgetExceeded(payer, released, used, asked):
            self = .conflict(message: "预算不足，不能核准：\(payer)预算已下达 \(Fen(released).grouped) 元，已占用 \(Fen(used).grouped) 元，尚余 \(Fen(released - used).grouped) 元，本次需 \(Fen(asked).grouped) 元")
        case let .noBudget(payer): self = .conflict(message: "\(payer)尚未设立本政策措施本年度的预算，不能核准")
        case .notFound: self = .notFound(message: "没有\(subject)")
        case let .limitExceeded(message): self = .invalidInput(field: "amount", location: nil, message: message)
        case let .other(m): self = .conflict(message: m)
        }
    }
}
