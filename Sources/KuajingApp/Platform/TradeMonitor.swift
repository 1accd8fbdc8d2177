import Foundation
import KuajingDomain
import Monitoring
import Storage

/// 运行监测: the rollups filtered by supervision code, direction, period, district and destination,
/// grouped as asked, limited to the viewer's districts in the query itself. An enterprise user sees
/// only its own enterprise's months (by month and direction). Answered from the rollups, never by
/// scanning the ledger.
public struct TradeMonitor: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public static let basis = "口径：海关放行或结关（清单 800/899、报关单“放行/结关”）且未撤销的跨境电商清单与报关单，按申报日期所在月份汇总；金额为人民币（清单币制 142 的表体总价，报关单 value_cny）；区县为企业库登记的区县，未登记的按报关单所填区县；HS 章按报关单商品编码前两位，清单按其金额最大的一行商品编码前两位"

    public struct Table: Sendable {
        public var dimensions: [MonitorDimension]
        public var filter: MonitorFilter
        public var rows: [TradeRollups.MonitorRow]
        public var basis: String
        public var scope: String
        public var latestMonth: String?
        public var totalFen: Int64 { rows.reduce(0) { $0 + $1.fen } }
        public var totalRecords: Int64 { rows.reduce(0) { $0 + $1.records } }
    }

    /// Whether the store holds the synthetic world (模拟数据): every page then says so.
    public func holdsSyntheticData() async -> Bool {
        (try? await context.withStore { try await $0.registry.holdsSyntheticEnterprises() }) ?? false
    }

    /// The last month the rollups hold trade for.
    public func latestMonth() async throws(AppError) -> Month? {
        try await context.withStore { try await $0.rollups.latestMonth().flatMap(Month.init) }
    }

    /// Parses `by=code,direction,month` (empty: the total).
    public static func dimensions(_ text: String) throws(AppError) -> [MonitorDimension] {
        var out: [MonitorDimension] = []
        for part in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !part.isEmpty {
            guard let d = MonitorDimension(rawValue: part) else {
                throw .invalidInput(field: "by", location: nil, message: "未知维度“\(part)”；可用：\(MonitorDimension.allCases.map(\.rawValue).joined(separator: "、"))")
            }
            if !out.contains(d) { out.append(d) }
        }
        return out
    }

    /// Checks a filter's values (months YYYY-MM, direction E/I, codes of four digits).
    public static func validate(_ f: MonitorFilter) throws(AppError) {
        for (field, m) in [("from", f.fromMonth), ("to", f.toMonth)] {
            if let m, Month(m) == nil { throw .invalidInput(field: field, location: nil, message: "月份应为 YYYY-MM，实为“\(m.prefix(20))”") }
        }
        if let d = f.direction, d != "E", d != "I" { throw .invalidInput(field: "direction", location: nil, message: "方向应为 E（出口）或 I（进口），实为“\(d.prefix(20))”") }
        for c in f.codes where c.count != 4 || !c.allSatisfy(\.isNumber) {
            throw .invalidInput(field: "code", location: nil, message: "监管方式代码应为 4 位数字（9610、9710、9810、1210 等），实为“\(c.prefix(20))”")
        }
        for c in f.chapters where c.count != 2 || !c.allSatisfy(\.isNumber) {
            throw .invalidInput(field: "chapter", location: nil, message: "HS 章应为 2 位数字（如 61、85），实为“\(c.prefix(20))”")
        }
        if let c = f.country, c.count > 3 || !c.allSatisfy({ $0.isNumber || $0.isLetter }) {
            throw .invalidInput(field: "country", location: nil, message: "国别应为海关国别代码，实为“\(c.prefix(20))”")
        }
    }

    /// `enterprise`: one enterprise's months only (by month and direction), when it is within the viewer's scope.
    public func table(_ viewer: Viewer, by dimensions: [MonitorDimension], filter: MonitorFilter, enterprise: String? = nil) async throws(AppError) -> Table {
        try Self.validate(filter)
        if let enterprise, enterprise.count > 64 { throw .invalidInput(field: "enterprise", location: nil, message: "企业编号至多 64 个字符") }
        if let asked = filter.districts, viewer.role != .enterprise, let outside = asked.first(where: { !viewer.districts.contains($0) }) {
            throw .forbidden(message: "“\(outside.prefix(20))”不在你可查看的范围（\(viewer.scopeName)）内")
        }
        return try await context.withStore { store in
            let latest = try await store.rollups.latestMonth()
            if viewer.role == .enterprise || enterprise != nil {
                let id = viewer.role == .enterprise ? (viewer.enterpriseID ?? "") : (enterprise ?? "")
                if viewer.role != .enterprise, try await store.registry.enterprise(id: id, reach: viewer.reach) == nil {
                    throw AppError.notFound(message: "企业库中没有你可查看的企业 \(id)")
                }
                guard dimensions.allSatisfy({ $0 == .month || $0 == .direction }), filter.codes.isEmpty, filter.country == nil, filter.districts == nil,
                      filter.chapters.isEmpty else {
                    let why = "单个企业的数据只能按月份和进出口方向查看（企业汇总表不分监管方式、国别和 HS 章）"
                    throw viewer.role == .enterprise ? AppError.forbidden(message: "企业用户只能查看本企业的数据：" + why) : AppError.invalidInput(field: "by", location: nil, message: why)
                }
                let months = try await store.rollups.enterpriseMonths(id)
                var grouped: [[String]: (Int64, Int64)] = [:]
                for m in months {
                    if let d = filter.direction, m.direction != d { continue }
                    if let f = filter.fromMonth, m.month < f { continue }
                    if let t = filter.toMonth, m.month > t { continue }
                    let key = dimensions.isEmpty ? ["全部"] : dimensions.map { $0 == .month ? m.month : m.direction }
                    let v = grouped[key] ?? (0, 0)
                    grouped[key] = (v.0 + m.records, v.1 + m.fen)
                }
                let rows = grouped.map { TradeRollups.MonitorRow(keys: $0.key, records: $0.value.0, fen: $0.value.1) }.sorted { $0.keys.lexicographicallyPrecedes($1.keys) }
                return Table(dimensions: dimensions, filter: filter, rows: rows, basis: Self.basis, scope: id, latestMonth: latest)
            }
            let rows = try await store.rollups.monitor(by: dimensions, filter: filter, reach: viewer.districts)
            return Table(dimensions: dimensions, filter: filter, rows: rows, basis: Self.basis, scope: viewer.scopeName, latestMonth: latest)
        }
    }

    /// The column header of a dimension, as users read it.
    public static func header(_ d: MonitorDimension) -> String {
        switch d {
        case .month: return "月份"
        case .district: return "区县"
        case .code: return "监管方式"
        case .direction: return "进出口"
        case .country: return "国别（地区）"
        case .chapter: return "HS 章"
        }
    }

    /// A key as users read it: a direction in Chinese, a country by its name, an empty district as 未登记.
    public static func display(_ d: MonitorDimension, _ key: String, countries: [String: String]) -> String {
        switch d {
        case .direction: return key == "E" ? "出口" : key == "I" ? "进口" : key
        case .country: return key.isEmpty ? "未填" : countries[key].map { "\($0)（\(key)）" } ?? key
        case .district: return key.isEmpty ? "未登记" : key
        case .chapter: return key.isEmpty ? "未知（迁移前入库的清单）" : "第 \(key) 章"
        case .code: return key
        case .month: return key
        }
    }

    /// A row's keys as users read them, in the table's dimension order ("全部" for the total).
    public static func displayKeys(_ r: TradeRollups.MonitorRow, of t: Table, countries: [String: String]) -> [String] {
        t.dimensions.isEmpty ? ["全部"] : zip(t.dimensions, r.keys).map { display($0.0, $0.1, countries: countries) }
    }

    /// The table as CSV (UTF-8 with BOM, for Excel and WPS): one row per group, amounts in yuan with two decimals.
    public func csv(_ t: Table) throws(AppError) -> String {
        let names = try context.codeTables().byField["country"]?.codes ?? [:]
        var out = "\u{FEFF}" + (t.dimensions.map(Self.header) + ["记录数", "金额（元）"]).map(CSVText.cell).joined(separator: ",") + "\r\n"
        for r in t.rows {
            let keys = Self.displayKeys(r, of: t, countries: names)
            out += (keys + [String(r.records), Fen(r.fen).plain]).map(CSVText.cell).joined(separator: ",") + "\r\n"
        }
        out += CSVText.cell(t.basis) + "\r\n"
        return out
    }

    /// The table as a workbook: amounts as numbers with separators, the basis below.
    public func workbook(_ t: Table) throws(AppError) -> [UInt8] {
        let names = try context.codeTables().byField["country"]?.codes ?? [:]
        var rows: [[Workbook.Cell]] = [(t.dimensions.map(Self.header) + ["记录数", "金额（元）"]).map { .text($0) }]
        for r in t.rows {
            rows.append(Self.displayKeys(r, of: t, countries: names).map { .text($0) } + [.count(r.records), .money(r.fen)])
        }
        rows.append([.text(t.basis)])
        var book = Workbook()
        book.sheets = [Workbook.Sheet(name: "运行监测", rows: rows)]
        return try AppError.wrappingSync { try book.bytes() }
    }
}
