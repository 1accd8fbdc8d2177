import Foundation
import KuajingDomain
import Monitoring
import Storage

/// The work lists of cash-out: the applications a viewer may read, narrowed, ordered and paged as
/// a reviewer works through them (and downloaded whole as CSV or a workbook), and 我的待办 — what
/// waits for this viewer now, the overdue first. The scope is the query's (`Viewer.reach`); what a
/// viewer may do to each is the workflow's (`ApplicationWorkflow`), never a copy of its guards.
public struct WorkLists: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    /// Rows on one page of a list.
    public static let pageSize = 50
    /// The most rows a download holds (a list larger than this is narrowed first; the file says so).
    public static let maximumDownloadRows = 50_000

    /// What a person asks of the list, as typed on the page (`?status=…&district=…&matter=…&due=…&sort=…&page=…`).
    public struct Query: Sendable, Equatable {
        public enum Due: String, Sendable, CaseIterable {
            /// The deadline has passed.
            case overdue
            /// Due within seven days from now (or overdue).
            case week
        }

        public var status: ApplicationStatus?
        public var district: String?
        public var matter: String?
        public var due: Due?
        public var sort: ApplicationFilter.Sort
        /// 1-based.
        public var page: Int

        public init(status: ApplicationStatus? = nil, district: String? = nil, matter: String? = nil, due: Due? = nil, sort: ApplicationFilter.Sort = .newest, page: Int = 1) {
            self.status = status
            self.district = district
            self.matter = matter
            self.due = due
            self.sort = sort
            self.page = page
        }

        /// Reads the page's query parameters; an unknown value is a 422 naming its parameter (not a silent "all").
        public init(parameters get: (String) -> String?) throws(AppError) {
            func value(_ name: String) -> String? { get(name).map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 } }
            self.init()
            if let s = value("status") {
                guard let status = ApplicationStatus(rawValue: s) else { throw .invalidInput(field: "status", location: nil, message: "没有“\(s.prefix(20))”这一状态") }
                self.status = status
            }
            if let d = value("district") {
                guard d.count <= 20 else { throw .invalidInput(field: "district", location: nil, message: "区县名称过长") }
                district = d
            }
            if let m = value("matter") {
                guard m.count <= 60, m.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else { throw .invalidInput(field: "matter", location: nil, message: "没有“\(m.prefix(20))”这一事项") }
                matter = m
            }
            if let d = value("due") {
                guard let due = Due(rawValue: d) else { throw .invalidInput(field: "due", location: nil, message: "期限筛选应为 overdue（已超期）或 week（7 日内到期）") }
                self.due = due
            }
            if let s = value("sort") {
                guard let sort = ApplicationFilter.Sort(rawValue: s) else {
                    throw .invalidInput(field: "sort", location: nil, message: "排序应为 \(ApplicationFilter.Sort.allCases.map(\.rawValue).joined(separator: "、")) 之一")
                }
                self.sort = sort
            }
            if let p = value("page") {
                guard let n = Int(p), n >= 1, n <= 100_000 else { throw .invalidInput(field: "page", location: nil, message: "页码应为 1 到 100000 的整数") }
                page = n
            }
        }

        /// The query as parameters again (for links: the pager, the sortable headers, the downloads), without the defaults.
        public var parameters: [(String, String)] {
            var out: [(String, String)] = []
            if let status { out.append(("status", status.rawValue)) }
            if let district { out.append(("district", district)) }
            if let matter { out.append(("matter", matter)) }
            if let due { out.append(("due", due.rawValue)) }
            if sort != .newest { out.append(("sort", sort.rawValue)) }
            if page != 1 { out.append(("page", String(page))) }
            return out
        }
    }

    public struct Page: Sendable {
        public var rows: [ApplicationRow]
        /// How many applications pass the filter in all.
        public var total: Int64
        public var query: Query
        public var pageSize: Int
        public var pageCount: Int { max(1, Int((total + Int64(pageSize) - 1) / Int64(pageSize))) }
    }

    /// The filter the query means at `now` (the deadline filters compare with the clock's time).
    func filter(_ q: Query, now: Date) -> ApplicationFilter {
        var f = ApplicationFilter(statuses: q.status.map { [$0.rawValue] } ?? [], district: q.district, matter: q.matter, sort: q.sort)
        switch q.due {
        case .overdue?: f.dueBefore = AppClock.timestamp(now)
        case .week?: f.dueBefore = AppClock.timestamp(now.addingTimeInterval(7 * 86_400))
        case nil: break
        }
        return f
    }

    /// One page of the applications within the viewer's reach.
    public func applications(_ viewer: Viewer, _ q: Query, pageSize: Int = WorkLists.pageSize) async throws(AppError) -> Page {
        let reach = viewer.reach, filter = filter(q, now: context.clock.now()), size = min(max(pageSize, 1), 1_000)
        let offset = (q.page - 1) * size
        return try await context.withStore { store in
            Page(rows: try await store.applications.applications(reach: reach, filter, limit: size, offset: offset),
                 total: try await store.applications.applicationCount(reach: reach, filter), query: q, pageSize: size)
        }
    }

    /// Every application the query passes (all pages), for a download; at most `maximumDownloadRows`.
    public func allApplications(_ viewer: Viewer, _ q: Query) async throws(AppError) -> (rows: [ApplicationRow], total: Int64) {
        let reach = viewer.reach, filter = filter(q, now: context.clock.now())
        return try await context.withStore { store in
            (try await store.applications.applications(reach: reach, filter, limit: Self.maximumDownloadRows, offset: 0),
             try await store.applications.applicationCount(reach: reach, filter))
        }
    }

    // MARK: 我的待办

    /// One thing that waits for the viewer.
    public struct Task: Sendable {
        public var application: ApplicationRow
        /// What to do, as the viewer reads it (审核, 异议复核, 确认免申即享, 提出异议 (可选), 列入支付批次, 登记支付).
        public var todo: String
        public var overdue: Bool
    }

    /// The candidates a role's tasks come from (status and holder), before the workflow decides.
    static func candidates(_ viewer: Viewer) -> ApplicationFilter? {
        if viewer.may(.reviewApplications) { return ApplicationFilter(statuses: ["submitted", "objected"], sort: .due) }
        if viewer.may(.answerProposals) { return ApplicationFilter(statuses: ["proposed", "reduced", "rejected"], holders: ["enterprise"], enterprise: viewer.enterpriseID, sort: .due) }
        if viewer.may(.managePayouts) { return ApplicationFilter(statuses: ["approved", "reduced", "committed"], holders: ["finance"], sort: .due) }
        return nil
    }

    /// What waits for the viewer now: the applications on which the workflow allows it an action
    /// (a review, a second review, a proposal to confirm, an objection still open), and for the
    /// 市级管理员 the approved awards to put in a payment batch or record paid. Deadlines first,
    /// the overdue at the top; at most `limit`.
    public func myTasks(_ viewer: Viewer, limit: Int = 500) async throws(AppError) -> [Task] {
        guard let filter = Self.candidates(viewer) else { return [] }
        let reach = viewer.reach, now = context.clock.timestamp()
        let rows = try await context.withStore { try await $0.applications.applications(reach: reach, filter, limit: 5_000, offset: 0) }
        var tasks: [Task] = []
        for a in rows {
            let overdue = a.dueAt.map { $0 < now } ?? false
            let allowed = ApplicationWorkflow.actions(viewer, on: a, now: now)
            let todo: String?
            if allowed.contains(.review) { todo = a.status == .objected ? "异议复核" : "审核" }
            else if allowed.contains(.confirm) { todo = "确认或放弃免申即享" }
            else if allowed.contains(.object) { todo = "可在期限内提出异议" }
            else if viewer.may(.managePayouts), a.holder == "finance" { todo = a.status == .committed ? "登记支付" : "列入支付批次" }
            else { todo = nil }
            if let todo { tasks.append(Task(application: a, todo: todo, overdue: overdue)) }
            if tasks.count >= limit { break }
        }
        return tasks
    }

    // MARK: downloads

    /// The header of a downloaded list.
    static let header = ["编号", "企业", "统一社会信用代码", "区县", "事项", "发生日期", "金额（元）", "政策核定（元）", "审核金额（元）", "状态", "当前办理", "期限", "政策依据", "来源"]

    func cells(_ a: ApplicationRow, matters: [String: String]) -> [Workbook.Cell] {
        [.count(a.id), .text(a.enterpriseName), .text(a.enterpriseID), .text(a.district), .text(matters[a.matter] ?? a.matter),
         Day.parse(a.claimDate).map { .date($0) } ?? .text(a.claimDate), .money(a.amountFen), .money(a.engineAwardFen),
         a.decidedFen.map { .money($0) } ?? .text(""), .text(a.status.label), .text(ApplicationDesk.holderLabel(a.holder)),
         .text(a.dueAt.map(Self.localTime) ?? ""), .text([a.policy, a.clause].compactMap { $0 }.joined(separator: " ")),
         .text(a.origin == "proposed" ? "免申即享" : "企业申报")]
    }

    /// A stored time as people read it (`2026-12-03 09:15:30`, Beijing time).
    static func localTime(_ iso: String) -> String {
        guard iso.count >= 19 else { return iso }
        return String(iso.prefix(10)) + " " + String(iso.dropFirst(11).prefix(8))
    }

    /// The list as a file: rows of the query (every page), the filter and the time it was made below.
    public func download(_ viewer: Viewer, _ q: Query, format: String) async throws(AppError) -> (bytes: [UInt8], name: String) {
        let (rows, total) = try await allApplications(viewer, q)
        let matters = Dictionary(try context.policySet().matters.map { ($0.key, $0.chinese) }, uniquingKeysWith: { a, _ in a })
        var note = "\(viewer.scopeName)，\(viewer.displayName) 于 \(Self.localTime(context.clock.timestamp())) 导出，共 \(total) 笔"
        if Int64(rows.count) < total { note += "（仅前 \(rows.count) 笔，请缩小筛选范围）" }
        let filters = q.parameters.filter { $0.0 != "page" }.map { "\($0.0)=\($0.1)" }
        if !filters.isEmpty { note += "；筛选 " + filters.joined(separator: "&") }
        let table: [[Workbook.Cell]] = [Self.header.map { .text($0) }] + rows.map { cells($0, matters: matters) } + [[.text(note)]]
        switch format {
        case "csv":
            let text = "\u{FEFF}" + table.map { $0.map { CSVText.cell($0.plain) }.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
            return (Array(text.utf8), "申报列表.csv")
        case "xlsx":
            var book = Workbook()
            book.sheets = [Workbook.Sheet(name: "申报列表", rows: table)]
            return (try AppError.wrappingSync { try book.bytes() }, "申报列表.xlsx")
        default:
            throw .invalidInput(field: "format", location: nil, message: "下载格式应为 csv 或 xlsx")
        }
    }
}
