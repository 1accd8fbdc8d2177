import Foundation
import KuajingDomain

extension MonthlyReport {
    /// The report's tables, shared by the workbook and the CSV.
    public func tables(countryNames: [String: String]) -> [(name: String, rows: [[Workbook.Cell]])] {
        typealias C = Workbook.Cell
        let yuan = { (fen: Int64) in C.money(fen) }
        var summary: [[C]] = [[.text("项目"), .text("数值"), .text("说明")]]
        summary.append([.text("报告"), .text("\(scope)跨境电商运行监测月报（\(month.chinese)）"), .text(synthetic ? "模拟数据，仅供演示" : "")])
        summary.append([.text("1—\(month.month)月出口（元）"), yuan(exportsYearToDate), .text(basis)])
        summary.append([.text("上年同期出口（元）"), yuan(exportsLastYearToDate), .text("")])
        summary.append([.text("出口同比"), .percent(growthBasisPoints), .text("")])
        summary.append([.text("1—\(month.month)月进口（元）"), yuan(importsYearToDate), .text("")])
        var trendRows: [[C]] = [[.text("月份"), .text("出口（元）"), .text("上年同月出口（元）")]]
        trendRows += trend.map { [.text($0.month.description), yuan($0.exports), yuan($0.lastYear)] }
        var districtRows: [[C]] = [[.text("区县"), .text("1—\(month.month)月出口（元）"), .text("近12个月进出口（元）"), .text("出口目标（元）"), .text("目标")]]
        districtRows += districts.map { [.text($0.name), yuan($0.exportsYearToDate), yuan($0.trailingTwelve), $0.target.map(yuan) ?? .text(""), .text($0.targetLabel ?? "")] }
        var mixRows: [[C]] = [[.text("监管方式"), .text("出口（元）")]]
        mixRows += codeMix.map { [.text(MonthlyReportView.codeNames[$0.code] ?? $0.code), yuan($0.fen)] }
        var destinationRows: [[C]] = [[.text("国别（地区）代码"), .text("国别（地区）"), .text("出口（元）")]]
        destinationRows += destinations.map { [.text($0.country), .text(countryNames[$0.country] ?? ""), yuan($0.fen)] }
        var tierRows: [[C]] = [[.text("档次（近12个月交易额）"), .text("企业数")]]
        tierRows += tiers.map { [.text($0.label), .count(Int64($0.enterprises))] }
        var targetRows: [[C]] = [[.text("计划"), .text("条款"), .text("目标"), .text("范围"), .text("目标值"), .text("期限"), .text("当前值"), .text("当前值说明"),
                                  .text("完成度"), .text("时间进度"), .text("预测"), .text("预测方法"), .text("状态"), .text("原文")]]
        for p in targets {
            let t = p.target
            func figure(_ v: Int64?) -> C {
                guard let v else { return .text("") }
                switch p.figure {
                case .money: return yuan(v)
                case .basisPoints: return .percent(Int(v))
                case .count: return .count(v)
                }
            }
            targetRows.append([.text(p.plan), .text(t.clause), .text(t.label), .text(t.scope), .text(t.value.text),
                               t.perYear ? .text("每年") : t.deadline.map(C.date) ?? .text(""), figure(p.current), .text(p.currentLabel),
                               .percent(p.shareOfTarget), .percent(p.shareOfTime), figure(p.projection),
                               .text(p.method), .text(p.status.chinese), .text(t.text)])
        }
        return [("概况", summary), ("月度走势", trendRows), ("区县", districtRows), ("监管方式", mixRows), ("出口目的地", destinationRows),
                ("梯度培育库", tierRows), ("目标进展", targetRows)]
    }

    /// The workbook: every table a sheet, with a line chart of the monthly trend and a column chart of the districts.
    public func workbook(countryNames: [String: String]) -> Workbook {
        var book = Workbook()
        book.sheets = tables(countryNames: countryNames).map { table in
            var sheet = Workbook.Sheet(name: table.name, rows: table.rows)
            if table.name == "月度走势" { sheet.charts = [.init(kind: .line, title: "\(scope)跨境电商出口（元）", categories: 0, series: [1, 2])] }
            if table.name == "区县" { sheet.charts = [.init(kind: .column, title: "各区县 1—\(month.month)月出口（元）", categories: 0, series: [1])] }
            return sheet
        }
        return book
    }

    /// One CSV (UTF-8 with BOM, so Excel and WPS read the Chinese): every table, the first column naming it.
    public func csv(countryNames: [String: String]) -> String {
        func field(_ c: Workbook.Cell) -> String { CSVText.cell(c.plain) }
        var out = "\u{FEFF}"
        for (name, rows) in tables(countryNames: countryNames) {
            for (k, row) in rows.enumerated() { out += ([k == 0 ? "表" : name] + row.map(field)).joined(separator: ",") + "\r\n" }
        }
        if let c = auditCheckpoint { out += "审计检查点," + CSVText.cell(c) + "\r\n" }
        return out
    }
}
