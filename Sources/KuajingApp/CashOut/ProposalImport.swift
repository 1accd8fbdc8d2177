import Foundation
import KuajingDomain
import TradeData
import Storage

/// 免申即享: an insurer's 出口信保 premium list or a logistics provider's 运力 contracts (the CSV
/// files of web-api.md), imported by the 市级管理员. Each premium becomes a proposal that the
/// enterprise only confirms (数据比对 → 意愿确认); each contract becomes a prefilled 运力券 request
/// that the enterprise confirms in one step. The file is checked whole first: a bad row refuses the
/// file with every bad row's line and field, and nothing is stored.
public struct ProposalImport: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public enum Kind: String, Sendable, CaseIterable {
        case creditInsurancePremiums = "credit_insurance_premiums"
        case logisticsContracts = "logistics_contracts"
        /// Credit facts (web-api.md, Trust operations): the customs grade, the public-credit grade,
        /// a listing as seriously dishonest; each with its source and date, into the registry.
        case creditFacts = "credit_facts"
        public var header: [String] {
            switch self {
            case .creditInsurancePremiums: return ["enterprise_id", "enterprise_name", "policy_no", "premium", "paid_date", "insurer"]
            case .logisticsContracts: return ["enterprise_id", "enterprise_name", "contract_no", "contract_amount", "provider", "signed_date"]
            case .creditFacts: return ["enterprise_id", "enterprise_name", "fact", "value", "source", "date"]
            }
        }

        /// What users call the file.
        public var label: String {
            switch self {
            case .creditInsurancePremiums: return "出口信用保险保费清单（免申即享）"
            case .logisticsContracts: return "物流运力合同（运力券免申即享）"
            case .creditFacts: return "信用信息（海关信用等级、公共信用评价、严重失信名单）"
            }
        }
    }

    public static let maximumBytes = 5 << 20
    public static let maximumRows = 10_000

    public struct Report: Sendable {
        public var kind: Kind
        public var rows: Int
        public var added: Int
        public var alreadyHeld: Int
        public var proposals: [Int64]
        public var encoding: String
        /// The stored file's SHA-256 (its evidence).
        public var sha256: String
    }

    /// The customs grades of 海关总署令第251号 as the import takes them.
    public static let customsGrades = ["高级认证", "常规", "失信"]

    public func run(_ viewer: Viewer, kind kindText: String, bytes: [UInt8], fileName: String) async throws(AppError) -> Report {
        guard viewer.may(.importFacts) else { throw .forbidden(message: "只有市级管理员可以导入免申即享数据") }
        guard let kind = Kind(rawValue: kindText) else {
            throw .invalidInput(field: "kind", location: nil, message: "kind 应为 \(Kind.allCases.map(\.rawValue).joined(separator: " 或 "))，实为“\(kindText.prefix(40))”")
        }
        guard bytes.count <= Self.maximumBytes else { throw .tooLarge(message: "文件至多 \(Self.maximumBytes >> 20) MiB") }
        guard let (text, encoding) = DeclarationReader.decode(Data(bytes)) else {
            throw .invalidInput(field: "file", location: fileName, message: "文件既不是 UTF-8 也不是 GBK/GB18030 文本")
        }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: "\r")) }
        guard let headerLine = lines.first, !headerLine.isEmpty else { throw .invalidInput(field: "file", location: fileName, message: "文件为空") }
        let header = DivisionCatalog.splitCSVLine(headerLine).map { $0.trimmingCharacters(in: .whitespaces) }.map { $0.hasPrefix("\u{FEFF}") ? String($0.dropFirst()) : $0 }
        guard header == kind.header else {
            throw .invalidInput(field: "header", location: "\(fileName):1", message: "表头应为 \(kind.header.joined(separator: ","))，实为 \(header.joined(separator: ","))")
        }
        if kind == .creditFacts { return try await importCreditFacts(viewer, lines: lines, bytes: bytes, fileName: fileName, encoding: encoding) }
        let today = context.clock.today()
        var seen = Set<String>()
        let facts = try await checkedRows(viewer, kind: kind, lines: lines, fileName: fileName, enterprise: \.enterpriseID) { f, n, bad -> ApplicationBook.NewFact? in
            var ok = true
            if f[2].isEmpty || f[2].count > 60 { bad(2, "应为 1 到 60 个字符"); ok = false }
            var fen: Int64 = 0
            do { fen = try VoucherDesk.fen(f[3], field: kind.header[3]) } catch { bad(3, "金额应为元，至多两位小数，实为“\(f[3].prefix(20))”"); ok = false }
            if ok && (fen <= 0 || fen > 10_000_000_000_00) { bad(3, "金额应大于 0 且不超过 100 亿元"); ok = false }
            let dateColumn = kind == .creditInsurancePremiums ? 4 : 5
            let day = Self.pastDay(f[dateColumn], today: today) { bad(dateColumn, $0) }
            let counterpartyColumn = kind == .creditInsurancePremiums ? 5 : 4
            let counterparty = f[counterpartyColumn]
            if counterparty.isEmpty || counterparty.count > 100 { bad(counterpartyColumn, "应为 1 到 100 个字符") }
            if !seen.insert(f[0] + "\u{1F}" + f[2]).inserted { bad(2, "与前面的行重复") }
            return day.map { ApplicationBook.NewFact(kind: kind.rawValue, enterpriseID: f[0], enterpriseName: f[1], referenceNo: f[2], amountFen: fen, date: $0.iso,
                                                    counterparty: counterparty, line: n) }
        }
        let sha = SHA256Hex.of(Data(bytes))
        let now = context.clock.timestamp()
        let stored = try await context.withStore { store in
            try await store.applications.storeEvidence(sha256: sha, name: fileName, mediaType: "text/csv", content: bytes, by: viewer.name, at: now)
            return try await store.applications.importFacts(facts, sourceSHA256: sha, by: viewer.name, at: now)
        }
        var proposals: [Int64] = []
        if kind == .creditInsurancePremiums {
            let desk = ApplicationDesk(context)
            for (fact, id) in stored {
                guard let id else { continue }
                // A premium the policies pay nothing for (say, before they were in force) is held as a fact, not proposed.
                do {
                    let filed = try await desk.file(nil, ApplicationDesk.Submission(enterpriseID: fact.enterpriseID, matter: "credit_insurance", date: fact.date,
                                                                                    amount: Fen(fact.amountFen).plain, evidence: [sha]),
                                                    origin: "proposed", factID: id, filedBy: "免申即享")
                    proposals.append(filed.application.id)
                } catch let e where e.isInvalidInput { continue }
            }
        }
        let added = stored.filter { $0.id != nil }.count
        return Report(kind: kind, rows: facts.count, added: added, alreadyHeld: facts.count - added, proposals: proposals, encoding: encoding, sha256: sha)
    }

    /// The credit-facts file, checked whole like the others (every bad line named; nothing stored
    /// when one is bad), then stored with the file as its evidence. The same enterprise, fact and
    /// date again replaces the value (a corrected list).
    func importCreditFacts(_ viewer: Viewer, lines: [String], bytes: [UInt8], fileName: String, encoding: String) async throws(AppError) -> Report {
        let kind = Kind.creditFacts, today = context.clock.today()
        var seen = Set<String>()
        let stored = try await checkedRows(viewer, kind: kind, lines: lines, fileName: fileName, enterprise: \.enterpriseID) { f, _, bad -> CreditFact? in
            var factKind: CreditFact.Kind?
            var value = f[3]
            switch f[2] {
            case "customs_grade":
                factKind = .customsGrade
                if !Self.customsGrades.contains(value) { bad(3, "海关信用等级应为 \(Self.customsGrades.joined(separator: "、")) 之一，实为“\(value.prefix(20))”") }
            case "public_credit":
                factKind = .publicCreditGrade
                if value.isEmpty || value.count > 20 { bad(3, "公共信用评价等级应为 1 到 20 个字符（按发布的写法）") }
            case "serious_dishonesty":
                factKind = .seriousDishonesty
                switch value { case "true": value = "是"; case "false": value = "否"; default: bad(3, "应为 true 或 false，实为“\(value.prefix(20))”") }
            default:
                bad(2, "应为 customs_grade、public_credit 或 serious_dishonesty，实为“\(f[2].prefix(30))”")
            }
            do throws(AppError) { try AppError.checkFreeText(f[4], field: "source") } catch { bad(4, error.message) }
            if f[4].isEmpty || f[4].count > 100 { bad(4, "来源应为 1 到 100 个字符") }
            let day = Self.pastDay(f[5], today: today) { bad(5, $0) }
            if !seen.insert([f[0], f[2], f[5]].joined(separator: "\u{1F}")).inserted { bad(2, "与前面的行重复（同一企业、同一信息、同一日期）") }
            guard let factKind, let day else { return nil }
            return CreditFact(enterpriseID: f[0], kind: factKind, value: value, source: f[4], asOf: day.iso)
        }
        let sha = SHA256Hex.of(Data(bytes)), now = context.clock.timestamp()
        try await context.withStore { store in
            try await store.applications.storeEvidence(sha256: sha, name: fileName, mediaType: "text/csv", content: bytes, by: viewer.name, at: now)
            try await store.registry.importCreditFacts(stored, sourceSHA256: sha, by: viewer.name, at: now)
        }
        return Report(kind: kind, rows: stored.count, added: stored.count, alreadyHeld: 0, proposals: [], encoding: encoding, sha256: sha)
    }

    /// Every line of a file after its header, checked whole: the row limit, the column count and the
    /// 统一社会信用代码 of the first column (the same for every kind), then `row` for the kind's own
    /// fields (`bad` names a field's problem; a line with any problem gives no row), then that each
    /// row's enterprise is one of the viewer's city. Any problem refuses the file, every one named
    /// by line and field; nothing is stored.
    func checkedRows<Row>(_ viewer: Viewer, kind: Kind, lines: [String], fileName: String, enterprise: (Row) -> String,
                          row: (_ fields: [String], _ line: Int, _ bad: (Int, String) -> Void) -> Row?) async throws(AppError) -> [Row] {
        var rows: [(row: Row, line: Int)] = [], problems: [String] = []
        for (i, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let n = i + 1
            guard rows.count < Self.maximumRows else { throw .tooLarge(message: "一次至多导入 \(Self.maximumRows) 行") }
            let f = DivisionCatalog.splitCSVLine(line).map { $0.trimmingCharacters(in: .whitespaces) }
            var failed = false
            func bad(_ column: Int, _ message: String) {
                problems.append("\(fileName):\(n) 列 \(column + 1)（\(kind.header[column])）：\(message)")
                failed = true
            }
            guard f.count == kind.header.count else { problems.append("\(fileName):\(n)：应有 \(kind.header.count) 列，实为 \(f.count) 列"); continue }
            if f[0].count != 18 || !CreditCode.isValid(f[0]) { bad(0, "不是有效的统一社会信用代码（“\(f[0].prefix(20))”）") }
            if let r = row(f, n, bad), !failed { rows.append((r, n)) }
        }
        let reach = EnterpriseRegistry.Reach(districts: viewer.districts)
        let ids = Set(rows.map { enterprise($0.row) })
        let known = try await context.withStore { store in
            var found = Set<String>()
            for id in ids where try await store.registry.enterprise(id: id, reach: reach) != nil { found.insert(id) }
            return found
        }
        for r in rows where !known.contains(enterprise(r.row)) { problems.append("\(fileName):\(r.line) 列 1（enterprise_id）：企业库中没有\(viewer.city)的企业 \(enterprise(r.row))") }
        guard problems.isEmpty else {
            throw .invalidInput(field: "file", location: fileName, message: "\(problems.count) 行有误，整份文件未导入", problems: Array(problems.prefix(50)))
        }
        return rows.map(\.row)
    }

    /// A date column: YYYY-MM-DD, not after today; nil (and the problem said) otherwise.
    static func pastDay(_ text: String, today: Day, bad: (String) -> Void) -> Day? {
        guard text.count == 10, let day = Day.parse(text) else { bad("日期应为 YYYY-MM-DD"); return nil }
        guard day <= today else { bad("日期晚于今天"); return nil }
        return day
    }
}

extension AppError {
    var isInvalidInput: Bool { if case .invalidInput = self { return true } else { return false } }
}
