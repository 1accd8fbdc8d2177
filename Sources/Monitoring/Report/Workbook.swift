import CXlsxWriter
import Foundation
import KuajingDomain

/// A workbook (.xlsx) written by libxlsxwriter, as an office suite expects a report: amounts as
/// numbers with thousands separators (the unit in the header), percentages as percentages, dates
/// as dates, a frozen and filterable header row, column widths that fit Chinese text, A4 landscape
/// fitted to the page width with the header repeated on every page, and native charts.
public struct Workbook {
    public enum Cell: Sendable, Equatable {
        case text(String)
        /// An amount in fen, written as yuan (fen ÷ 100, a binary double: exact to the fen for any
        /// amount under 90 万亿元) with the format #,##0.00. The conversion happens here only.
        case money(Int64)
        /// A share in basis points (2345 = 23.45%), written as 0.2345 with the format 0.0%.
        case percent(Int?)
        case count(Int64)
        case date(Day)

        /// The cell as plain text (CSV), exact: money as yuan with two decimals.
        public var plain: String {
            switch self {
            case let .text(t): return t
            case let .money(fen): return ReportFormat.yuan(fen)
            case let .percent(bp): return ReportFormat.percent(bp)
            case let .count(n): return String(n)
            case let .date(d): return d.iso
            }
        }
    }

    /// A native chart drawn from a sheet's own columns, placed below its table.
    public struct Chart: Sendable {
        public enum Kind: Sendable { case line, column }
        public var kind: Kind
        public var title: String
        /// The column holding the categories (months, districts).
        public var categories: Int
        /// The columns holding the series; each series is named by its header.
        public var series: [Int]

        public init(kind: Kind, title: String, categories: Int, series: [Int]) {
            self.kind = kind
            self.title = title
            self.categories = categories
            self.series = series
        }
    }

    public struct Sheet: Sendable {
        public var name: String
        public var rows: [[Cell]]
        public var charts: [Chart]

        public init(name: String, rows: [[Cell]], charts: [Chart] = []) {
            self.name = name
            self.rows = rows
            self.charts = charts
        }
    }

    public var sheets: [Sheet] = []

    public init() {}

    /// The widest a column gets; longer text wraps within it.
    static let maximumWidth = 40.0

    /// Display width in character cells: CJK and full-width characters count two.
    static func displayWidth(_ s: String) -> Double {
        s.unicodeScalars.reduce(0.0) { w, u in
            let v = u.value
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v)
            return w + (wide ? 2 : 1)
        }
    }

    static func width(_ cell: Cell) -> Double {
        switch cell {
        case let .text(t): return displayWidth(t)
        case let .money(fen):
            let digits = ReportFormat.yuan(fen).count
            return Double(digits + digits / 4)
        case .percent: return 7
        case let .count(n): return Double(String(n).count + String(n).count / 3)
        case .date: return 10
        }
    }

    /// Writes the .xlsx to `path`; the file appears only when complete (written beside it, then moved).
    public func write(to path: String) throws {
        let temporary = path + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: temporary)
        do {
            try writeDirectly(to: temporary)
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: temporary, toPath: path)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }

    /// The .xlsx as bytes (for a download, or a file written whole by its caller).
    public func bytes() throws -> [UInt8] {
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("kuajing-\(UUID().uuidString).xlsx").path
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        try writeDirectly(to: temporary)
        guard let data = FileManager.default.contents(atPath: temporary) else { throw MonitoringError("无法读取生成的工作簿") }
        return [UInt8](data)
    }

    func writeDirectly(to path: String) throws {
        guard let book = workbook_new(path) else { throw MonitoringError("无法创建工作簿 \(path)") }
        func format(_ configure: (UnsafeMutablePointer<lxw_format>) -> Void) -> UnsafeMutablePointer<lxw_format> {
            let f = workbook_add_format(book)!
            format_set_font_name(f, "Noto Sans CJK SC")
            format_set_align(f, UInt8(LXW_ALIGN_VERTICAL_TOP.rawValue))
            configure(f)
            return f
        }
        let header = format {
            format_set_bold($0)
            format_set_text_wrap($0)
            format_set_bg_color($0, 0xDDE4EE)
            format_set_border($0, UInt8(LXW_BORDER_THIN.rawValue))
        }
        let text = format { _ in }
        let wrapped = format { format_set_text_wrap($0) }
        let money = format { format_set_num_format($0, "#,##0.00") }
        let percent = format { format_set_num_format($0, "0.0%") }
        let count = format { format_set_num_format($0, "#,##0") }
        let date = format { format_set_num_format($0, "yyyy-mm-dd") }
        for sheet in sheets {
            guard let ws = workbook_add_worksheet(book, sheet.name) else { throw MonitoringError("无法添加工作表 \(sheet.name)") }
            let columns = sheet.rows.map(\.count).max() ?? 0
            var widths = Array(repeating: 6.0, count: columns)
            for row in sheet.rows { for (c, cell) in row.enumerated() { widths[c] = max(widths[c], Self.width(cell) + 2) } }
            for c in 0..<columns {
                let wraps = widths[c] > Self.maximumWidth
                worksheet_set_column(ws, lxw_col_t(c), lxw_col_t(c), min(widths[c], Self.maximumWidth), wraps ? wrapped : nil)
            }
            for (r, row) in sheet.rows.enumerated() {
                // libxlsxwriter does not size rows: a row is as tall as its most wrapped cell.
                let lines = row.enumerated().map { c, cell in
                    widths[c] > Self.maximumWidth ? Int((Self.width(cell) / (Self.maximumWidth - 2)).rounded(.up)) : 1
                }.max() ?? 1
                if lines > 1 || r == 0 { worksheet_set_row(ws, lxw_row_t(r), 15.0 * Double(max(lines, r == 0 ? 2 : 1)), nil) }
                for (c, cell) in row.enumerated() {
                    let (rr, cc) = (lxw_row_t(r), lxw_col_t(c))
                    if r == 0 { worksheet_write_string(ws, rr, cc, cell.plain, header); continue }
                    switch cell {
                    case let .text(t): worksheet_write_string(ws, rr, cc, t, widths[c] > Self.maximumWidth ? wrapped : text)
                    case let .money(fen): worksheet_write_number(ws, rr, cc, Double(fen) / 100, money)
                    case let .percent(bp):
                        if let bp { worksheet_write_number(ws, rr, cc, Double(bp) / 10_000, percent) } else { worksheet_write_string(ws, rr, cc, "—", text) }
                    case let .count(n): worksheet_write_number(ws, rr, cc, Double(n), count)
                    case let .date(d):
                        var dt = lxw_datetime(year: Int32(d.year), month: Int32(d.components.month), day: Int32(d.components.day), hour: 0, min: 0, sec: 0)
                        worksheet_write_datetime(ws, rr, cc, &dt, date)
                    }
                }
            }
            if sheet.rows.count > 1, columns > 0 {
                worksheet_freeze_panes(ws, 1, 0)
                worksheet_autofilter(ws, 0, 0, lxw_row_t(sheet.rows.count - 1), lxw_col_t(columns - 1))
            }
            worksheet_set_paper(ws, 9) // A4
            worksheet_set_landscape(ws)
            worksheet_set_margins(ws, 0.4, 0.4, 0.5, 0.5)
            worksheet_fit_to_pages(ws, 1, 0)
            worksheet_repeat_rows(ws, 0, 0)
            var below = sheet.rows.count + 1
            for chart in sheet.charts where sheet.rows.count > 1 {
                let kind = chart.kind == .line ? LXW_CHART_LINE : LXW_CHART_COLUMN
                guard let ch = workbook_add_chart(book, UInt8(kind.rawValue)) else { continue }
                chart_title_set_name(ch, chart.title)
                let last = lxw_row_t(sheet.rows.count - 1)
                for column in chart.series {
                    let s = chart_add_series(ch, nil, nil)
                    chart_series_set_categories(s, sheet.name, 1, lxw_col_t(chart.categories), last, lxw_col_t(chart.categories))
                    chart_series_set_values(s, sheet.name, 1, lxw_col_t(column), last, lxw_col_t(column))
                    chart_series_set_name(s, sheet.rows[0][column].plain)
                }
                chart_legend_set_position(ch, UInt8(LXW_CHART_LEGEND_BOTTOM.rawValue))
                chart_axis_set_num_format(ch.pointee.y_axis, "#,##0")
                var options = lxw_chart_options()
                options.x_scale = 1.5
                options.y_scale = 1.2
                worksheet_insert_chart_opt(ws, lxw_row_t(below), 0, ch, &options)
                below += 20
            }
        }
        let status = workbook_close(book)
        guard status == LXW_NO_ERROR else { throw MonitoringError("写出工作簿失败：\(String(cString: lxw_strerror(status)))") }
    }
}
