import KuajingDomain

/// The report as HTML: print-ready on A4, charts as inline SVG, no script, no external file.
public struct MonthlyReportView {
    public var report: MonthlyReport
    /// Customs country code → Chinese name (customs-codes/countries.csv).
    public var countryNames: [String: String]

    public init(report: MonthlyReport, countryNames: [String: String]) {
        self.report = report
        self.countryNames = countryNames
    }

    public static let codeNames = ["9610": "9610 跨境电商B2C直邮", "9710": "9710 跨境电商B2B直接出口", "9810": "9810 跨境电商出口海外仓",
                                   "1210": "1210 保税跨境贸易电子商务"]

    public func html() -> String {
        let r = report
        let e = SVGChart.escape
        let title = "\(r.scope)跨境电商运行监测月报（\(r.month.chinese)）"
        var h = """
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>\(e(title))</title>
            <style>
            @page { size: A4; margin: 16mm 14mm; }
            body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "SimSun", sans-serif; color: #222; font-size: 10.5pt; max-width: 182mm; margin: 0 auto; }
            h1 { font-size: 17pt; text-align: center; margin: 0 0 2mm; } h2 { font-size: 12.5pt; border-left: 4px solid #b71c1c; padding-left: 6px; margin: 7mm 0 3mm; page-break-after: avoid; }
            .sub { text-align: center; color: #555; margin-bottom: 4mm; } .synthetic { border: 2px solid #c62828; color: #c62828; text-align: center; font-weight: bold; padding: 2mm; margin: 3mm 0; }
            .kpis { display: flex; gap: 3mm; } .kpi { flex: 1; border: 1px solid #ccc; padding: 2mm 3mm; } .kpi b { display: block; font-size: 15pt; color: #b71c1c; }
            table { border-collapse: collapse; width: 100%; font-size: 9.5pt; page-break-inside: auto; } tr.target td { border-bottom: 0; } tr.quote td { border-top: 0; padding-top: 0; } tr.target, tr.quote { page-break-inside: avoid; } th, td { border: 1px solid #bbb; padding: 1.2mm 2mm; } th { background: #f3f3f3; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; } .nw { white-space: nowrap; } .status { color: #fff; padding: 0.3mm 2mm; border-radius: 2mm; white-space: nowrap; }
            .note { color: #555; font-size: 8.5pt; } figure { margin: 0; page-break-inside: avoid; } svg text { font-size: 9px; }
            </style></head><body>
            <h1>\(e(title))</h1>
            <div class="sub">\(e(r.basis))</div>

            """
        if r.synthetic { h += "<div class=\"synthetic\">模拟数据：本报告数据为系统生成的模拟数据，仅供演示，不代表真实统计</div>\n" }
        h += """
            <div class="kpis">
            <div class="kpi">1—\(r.month.month)月出口<b>\(ReportFormat.yi(r.exportsYearToDate)) 亿元</b>同比 \(ReportFormat.percent(r.growthBasisPoints))</div>
            <div class="kpi">上年同期出口<b>\(ReportFormat.yi(r.exportsLastYearToDate)) 亿元</b>\(r.month.year - 1)年1—\(r.month.month)月</div>
            <div class="kpi">1—\(r.month.month)月进口<b>\(ReportFormat.yi(r.importsYearToDate)) 亿元</b>跨境电商进口</div>
            </div>

            """
        // Sections are numbered as they appear (a district has no districts below it).
        var number = 0
        func section(_ title: String) -> String {
            number += 1
            return "<h2>\(["一", "二", "三", "四", "五", "六", "七", "八"][number - 1])、\(e(title))</h2>\n"
        }
        h += section("月度出口走势（亿元）") + trendChart()
        if !r.districts.isEmpty { h += section("各区县出口与目标（亿元）") + districtChart() }
        h += section("监管方式结构（1—\(r.month.month)月出口）") + mixChart()
        h += section("主要出口目的地（1—\(r.month.month)月，前十位）") + destinationChart()
        if !r.tiers.isEmpty {
            h += section("梯度培育库（近12个月交易额）") + "<table><tr><th>档次</th><th>企业数（家）</th></tr>\n"
            for t in r.tiers { h += "<tr><td>\(e(t.label))</td><td class=\"n\">\(t.enterprises)</td></tr>\n" }
            h += "</table>\n"
        }
        h += section("目标进展") + targetsTable()
        h += "<p class=\"note\">\(e(TargetStatus.rule))</p>\n"
        if let c = r.auditCheckpoint { h += "<p class=\"note\">\(e(c))</p>\n" }
        h += "<p class=\"note\">生成：\(e(r.generatedBy))。金额由分（整数）汇总，展示时四舍五入到 0.01 亿元。</p>\n</body></html>\n"
        return h
    }

    /// Monthly exports as columns, the same month a year before as a dashed line (`SVGChart`).
    public func trendChart() -> String {
        let r = report
        let columns = r.trend.map { t in
            SVGChart.Column(label: "\(t.month.month)月", value: t.exports, comparison: t.lastYear,
                            tooltip: "\(t.month.chinese) \(ReportFormat.yi(t.exports)) 亿元（上年同月 \(ReportFormat.yi(t.lastYear)) 亿元）")
        }
        return "<figure>" + SVGChart.columns(columns, unit: .yi, title: "月度出口走势", series: "\(r.month.year)年", comparisonSeries: "\(r.month.year - 1)年同月") + "</figure>\n"
    }

    /// Horizontal bars: each district's exports so far this year, its trailing twelve months, and a mark at its target.
    public func districtChart() -> String {
        let r = report
        let bars = r.districts.map { d in
            SVGChart.Bar(label: d.name, value: d.trailingTwelve, inner: d.exportsYearToDate, mark: d.target, markTitle: d.target == nil ? nil : "目标 \(d.targetLabel ?? "")",
                         tooltip: "近12个月 \(ReportFormat.yi(d.trailingTwelve)) 亿元", innerTooltip: "1—\(r.month.month)月 \(ReportFormat.yi(d.exportsYearToDate)) 亿元")
        }
        return "<figure>" + SVGChart.bars(bars, unit: .yi, title: "各区县出口与目标", series: "近12个月", innerSeries: "1—\(r.month.month)月",
                                          markSeries: "行动计划目标（右侧数字：近12个月 / 目标）") + "</figure>\n"
    }

    func mixChart() -> String {
        let r = report
        let total = max(r.codeMix.reduce(0) { $0 + $1.fen }, 1)
        let colours = ["#b71c1c", "#ef6c00", "#1565c0", "#2e7d32", "#6a1b9a", "#546e7a"]
        var s = "<figure><svg viewBox=\"0 0 640 \(30 + r.codeMix.count * 14)\" width=\"100%\" role=\"img\" aria-label=\"监管方式结构\">\n"
        var x = 0
        for (k, c) in r.codeMix.enumerated() {
            let w = SVGChart.scaled(c.fen, total, 640)
            s += "<rect x=\"\(x)\" y=\"0\" width=\"\(w)\" height=\"20\" fill=\"\(colours[k % colours.count])\"/>\n"
            x += w
        }
        for (k, c) in r.codeMix.enumerated() {
            let share = ProgressCalculator.basisPoints(c.fen, total)
            s += "<rect x=\"0\" y=\"\(28 + k * 14)\" width=\"10\" height=\"9\" fill=\"\(colours[k % colours.count])\"/>"
            s += "<text x=\"14\" y=\"\(36 + k * 14)\">\(SVGChart.escape(Self.codeNames[c.code] ?? c.code))：\(ReportFormat.yi(c.fen)) 亿元，\(ReportFormat.percent(share))</text>\n"
        }
        return s + "</svg></figure>\n"
    }

    func destinationChart() -> String {
        let r = report
        let maxValue = max(r.destinations.first?.fen ?? 0, 1)
        var s = "<figure><svg viewBox=\"0 0 640 \(r.destinations.count * 16 + 4)\" width=\"100%\" role=\"img\" aria-label=\"主要出口目的地\">\n"
        for (k, d) in r.destinations.enumerated() {
            let name = countryNames[d.country] ?? d.country
            s += "<text x=\"86\" y=\"\(k * 16 + 11)\" text-anchor=\"end\">\(SVGChart.escape(name))</text>"
            s += "<rect x=\"90\" y=\"\(k * 16 + 2)\" width=\"\(SVGChart.scaled(d.fen, maxValue, 460))\" height=\"11\" fill=\"#1565c0\"/>"
            s += "<text x=\"\(96 + SVGChart.scaled(d.fen, maxValue, 460))\" y=\"\(k * 16 + 11)\">\(ReportFormat.yi(d.fen))</text>\n"
        }
        return s + "</svg></figure>\n"
    }

    /// One row per target with its figures only (nothing in them wraps on A4 portrait); the
    /// target's verbatim quotation, how the current value was counted and how the projection was
    /// made follow in a note under the row, across the whole width.
    public func targetsTable() -> String {
        let e = SVGChart.escape
        var s = "<table class=\"targets\"><tr><th>目标</th><th>范围</th><th>目标值</th><th>期限</th><th>当前值</th><th>完成度</th><th>时间进度</th><th>预测</th><th>状态</th></tr>\n"
        for p in report.targets {
            let t = p.target
            let current = p.text(p.current), projection = p.text(p.projection)
            s += "<tr class=\"target\"><td>\(e(t.label))</td><td class=\"nw\">\(e(t.scope))</td><td class=\"n nw\">\(e(t.value.text))</td>"
            s += "<td class=\"nw\">\(t.perYear ? "每年" : t.deadline.map { "\($0.year)年\($0.components.month)月底" } ?? "")</td>"
            s += "<td class=\"n nw\">\(e(current))</td><td class=\"n nw\">\(ReportFormat.percent(p.shareOfTarget))</td>"
            s += "<td class=\"n nw\">\(ReportFormat.percent(p.shareOfTime))</td><td class=\"n nw\">\(e(projection))</td>"
            s += "<td><span class=\"status\" style=\"background:\(p.status.colour)\">\(e(p.status.chinese))</span></td></tr>\n"
            s += "<tr class=\"quote\"><td colspan=\"9\" class=\"note\">\(e(p.plan)) \(e(t.clause))：“\(e(t.text))”　当前值：\(e(p.currentLabel))　预测：\(e(p.method))</td></tr>\n"
        }
        return s + "</table>\n"
    }
}
