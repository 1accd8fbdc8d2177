/// The one chart component of the platform: inline SVG (no script, no external file) for the
/// dashboard, 运行监测 and the monthly report alike. Every chart has its unit written on it, a value
/// axis with gridlines at round values, and labels laid out so that none is cut or overlaps:
/// margins are measured from the labels themselves (a CJK character counts as one em, others as
/// 0.6 em), and the category labels of a crowded axis are thinned to every n-th.
/// Values are fen (integers); a unit divides them for display only (rounded half away from zero to
/// its stated decimals, `ReportFormat`), never for geometry. Its `escape` and `scaled` serve the
/// report's other charts too.
public enum SVGChart {
    /// How values are shown: 亿元 (10^10 fen) or 万元 (10^6 fen), with two decimals.
    public struct Unit: Sendable {
        public var name: String
        public var fenPerUnit: Int64

        public static let yi = Unit(name: "亿元", fenPerUnit: 10_000_000_000)
        public static let wan = Unit(name: "万元", fenPerUnit: 1_000_000)

        /// 亿元 once the largest value reaches 1 亿元 (the axis then reads 150, not 1500000), else 万元.
        public static func fitting(_ largest: Int64) -> Unit { largest >= yi.fenPerUnit ? .yi : .wan }

        /// Two decimals, half away from zero (`ReportFormat.units`, as the report's tables).
        public func text(_ fen: Int64) -> String { ReportFormat.units(fen, fenPerUnit: fenPerUnit) }

        /// An axis tick: as few decimals as the round value needs (0, 0.5, 1.25).
        func tick(_ fen: Int64) -> String {
            var t = text(fen)
            while t.hasSuffix("0") && t.contains(".") { t.removeLast() }
            if t.hasSuffix(".") { t.removeLast() }
            return t
        }
    }

    /// The font size every text of a chart is drawn at (the page's CSS may make it smaller, never larger).
    static let fontSize = 10

    /// The width a text takes at `fontSize`: CJK and full-width characters one em, others 0.6 em.
    static func textWidth(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { w, u in w + (u.value >= 0x2E80 ? fontSize * 10 : fontSize * 6) } / 10 + 1
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// `value` against `top` over `length` units (integer arithmetic, negative values as 0).
    static func scaled(_ value: Int64, _ top: Int64, _ length: Int) -> Int {
        top > 0 ? Int(Int128(max(value, 0)) * Int128(length) / Int128(top)) : 0
    }

    /// A round step (1, 2 or 5 × 10^k fen) so that `top` needs at most `ticks` steps.
    static func step(for top: Int64, ticks: Int64 = 4) -> Int64 {
        let raw = max((top + ticks - 1) / ticks, 1)
        var magnitude: Int64 = 1
        while magnitude <= raw / 10 { magnitude *= 10 }
        for m in [1, 2, 5, 10] as [Int64] where m * magnitude >= raw { return m * magnitude }
        return 10 * magnitude
    }

    // MARK: columns

    public struct Column: Sendable {
        public var label: String
        public var value: Int64
        /// A second series drawn as a dashed line over the columns (the same month a year before).
        public var comparison: Int64?
        public var tooltip: String
        public init(label: String, value: Int64, comparison: Int64? = nil, tooltip: String) {
            self.label = label; self.value = value; self.comparison = comparison; self.tooltip = tooltip
        }
    }

    /// Vertical columns over categories (months), with a value axis in `unit`, the value over each
    /// column when there is room for it, and a legend for the comparison line when there is one.
    public static func columns(_ columns: [Column], unit: Unit, title: String, series: String, comparisonSeries: String? = nil,
                               width: Int = 640, plotHeight: Int = 180) -> String {
        guard !columns.isEmpty else { return "" }
        let topValue = max(columns.map { max($0.value, $0.comparison ?? 0) }.max() ?? 0, 1)
        let step = step(for: topValue)
        let top = (topValue + step - 1) / step * step
        let ticks = stride(from: Int64(0), through: top, by: Int(step)).map { $0 }
        let tickWidth = ticks.map { textWidth(unit.tick($0)) }.max() ?? 10
        let left = max(tickWidth, textWidth(unit.name)) + 8, right = 6, above = 18
        let plotWidth = width - left - right
        let slot = max(plotWidth / columns.count, 1)
        let labelWidth = columns.map { textWidth($0.label) }.max() ?? 10
        let every = max((labelWidth + 6 + slot - 1) / slot, 1)
        let valuesFit = columns.allSatisfy { textWidth(unit.text($0.value)) + 2 <= slot }
        let legendHeight = comparisonSeries == nil ? 0 : 16
        let height = above + plotHeight + 18 + legendHeight
        let baseline = above + plotHeight
        var s = "<svg viewBox=\"0 0 \(width) \(height)\" width=\"100%\" class=\"chart\" font-size=\"\(fontSize)\" role=\"img\" aria-label=\"\(escape(title))（\(unit.name)）\">\n"
        s += "<text x=\"\(left - 4)\" y=\"10\" text-anchor=\"end\" class=\"unit\">\(unit.name)</text>\n"
        for t in ticks {
            let y = baseline - scaled(t, top, plotHeight)
            s += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(width - right)\" y2=\"\(y)\" stroke=\"#ddd\" class=\"grid\"/>"
            s += "<text x=\"\(left - 4)\" y=\"\(y + 3)\" text-anchor=\"end\">\(unit.tick(t))</text>\n"
        }
        var points: [String] = []
        for (k, c) in columns.enumerated() {
            let x = left + k * slot
            let h = scaled(c.value, top, plotHeight)
            s += "<rect x=\"\(x + slot / 6)\" y=\"\(baseline - h)\" width=\"\(max(slot * 2 / 3, 1))\" height=\"\(h)\" fill=\"#b71c1c\" class=\"bar\"><title>\(escape(c.tooltip))</title></rect>\n"
            if valuesFit { s += "<text x=\"\(x + slot / 2)\" y=\"\(baseline - h - 3)\" text-anchor=\"middle\">\(unit.text(c.value))</text>\n" }
            if k % every == 0 { s += "<text x=\"\(x + slot / 2)\" y=\"\(baseline + 13)\" text-anchor=\"middle\">\(escape(c.label))</text>\n" }
            if let v = c.comparison { points.append("\(x + slot / 2),\(baseline - scaled(v, top, plotHeight))") }
        }
        s += "<line x1=\"\(left)\" y1=\"\(baseline)\" x2=\"\(width - right)\" y2=\"\(baseline)\" stroke=\"#999\"/>\n"
        if let comparisonSeries {
            if !points.isEmpty {
                s += "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"#455a64\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>\n"
            }
            let y = height - 6
            s += "<rect x=\"\(left)\" y=\"\(y - 8)\" width=\"10\" height=\"8\" fill=\"#b71c1c\" class=\"bar\"/><text x=\"\(left + 14)\" y=\"\(y)\">\(escape(series))</text>"
            let next = left + 14 + textWidth(series) + 16
            s += "<line x1=\"\(next)\" y1=\"\(y - 4)\" x2=\"\(next + 20)\" y2=\"\(y - 4)\" stroke=\"#455a64\" stroke-width=\"2\" stroke-dasharray=\"5 3\"/>"
            s += "<text x=\"\(next + 24)\" y=\"\(y)\">\(escape(comparisonSeries))</text>\n"
        }
        return s + "</svg>"
    }

    // MARK: bars

    public struct Bar: Sendable {
        public var label: String
        /// The long bar (近12个月) and the short one inside it (1—n月), and a mark (the target).
        public var value: Int64
        public var inner: Int64?
        public var mark: Int64?
        public var markTitle: String?
        public var tooltip: String
        public var innerTooltip: String?
        public init(label: String, value: Int64, inner: Int64? = nil, mark: Int64? = nil, markTitle: String? = nil, tooltip: String, innerTooltip: String? = nil) {
            self.label = label; self.value = value; self.inner = inner; self.mark = mark; self.markTitle = markTitle
            self.tooltip = tooltip; self.innerTooltip = innerTooltip
        }
    }

    /// Horizontal bars, one row per category, each row's figures written after its bar (value and,
    /// with a mark, " / mark"), in a right margin as wide as the widest figure; a value axis in
    /// `unit` under the rows; a legend naming the series.
    public static func bars(_ bars: [Bar], unit: Unit, title: String, series: String, innerSeries: String? = nil, markSeries: String? = nil,
                            width: Int = 640) -> String {
        guard !bars.isEmpty else { return "" }
        let rowHeight = 18
        let figures = bars.map { b in unit.text(b.value) + (b.mark.map { " / " + unit.text($0) } ?? "") }
        let left = (bars.map { textWidth($0.label) }.max() ?? 10) + 8
        let topValue = max(bars.map { max($0.value, $0.mark ?? 0, $0.inner ?? 0) }.max() ?? 0, 1)
        let step = step(for: topValue)
        let top = (topValue + step - 1) / step * step
        // The axis's last tick is centred on the plot's right edge: the unit is written after its half.
        let lastTickHalf = textWidth(unit.tick(top)) / 2
        let right = max(figures.map(textWidth).max() ?? 10, lastTickHalf + 4 + textWidth(unit.name)) + 8
        let plotWidth = max(width - left - right, 40)
        let rowsHeight = bars.count * rowHeight
        let height = rowsHeight + 18 + 18
        var s = "<svg viewBox=\"0 0 \(width) \(height)\" width=\"100%\" class=\"chart\" font-size=\"\(fontSize)\" role=\"img\" aria-label=\"\(escape(title))（\(unit.name)）\">\n"
        for t in stride(from: Int64(0), through: top, by: Int(step)) {
            let x = left + scaled(t, top, plotWidth)
            s += "<line x1=\"\(x)\" y1=\"0\" x2=\"\(x)\" y2=\"\(rowsHeight)\" stroke=\"#ddd\" class=\"grid\"/>"
            s += "<text x=\"\(x)\" y=\"\(rowsHeight + 12)\" text-anchor=\"middle\">\(unit.tick(t))</text>\n"
        }
        s += "<text x=\"\(left + plotWidth + lastTickHalf + 4)\" y=\"\(rowsHeight + 12)\" class=\"unit\">\(unit.name)</text>\n"
        for (k, b) in bars.enumerated() {
            let y = k * rowHeight
            s += "<text x=\"\(left - 4)\" y=\"\(y + 12)\" text-anchor=\"end\">\(escape(b.label))</text>\n"
            s += "<rect x=\"\(left)\" y=\"\(y + 2)\" width=\"\(scaled(b.value, top, plotWidth))\" height=\"12\" fill=\"#ef9a9a\"><title>\(escape(b.tooltip))</title></rect>\n"
            if let inner = b.inner {
                s += "<rect x=\"\(left)\" y=\"\(y + 5)\" width=\"\(scaled(inner, top, plotWidth))\" height=\"6\" fill=\"#b71c1c\"><title>\(escape(b.innerTooltip ?? ""))</title></rect>\n"
            }
            if let mark = b.mark {
                let x = left + scaled(mark, top, plotWidth)
                s += "<line x1=\"\(x)\" y1=\"\(y)\" x2=\"\(x)\" y2=\"\(y + 16)\" stroke=\"#1b5e20\" stroke-width=\"2\"><title>\(escape(b.markTitle ?? ""))</title></line>\n"
            }
            s += "<text x=\"\(left + plotWidth + 4)\" y=\"\(y + 12)\">\(escape(figures[k]))</text>\n"
        }
        let y = height - 4
        var x = left
        s += "<rect x=\"\(x)\" y=\"\(y - 8)\" width=\"10\" height=\"8\" fill=\"#ef9a9a\"/><text x=\"\(x + 14)\" y=\"\(y)\">\(escape(series))</text>"
        x += 14 + textWidth(series) + 14
        if let innerSeries {
            s += "<rect x=\"\(x)\" y=\"\(y - 6)\" width=\"10\" height=\"4\" fill=\"#b71c1c\"/><text x=\"\(x + 14)\" y=\"\(y)\">\(escape(innerSeries))</text>"
            x += 14 + textWidth(innerSeries) + 14
        }
        if let markSeries {
            s += "<line x1=\"\(x + 4)\" y1=\"\(y - 9)\" x2=\"\(x + 4)\" y2=\"\(y)\" stroke=\"#1b5e20\" stroke-width=\"2\"/><text x=\"\(x + 10)\" y=\"\(y)\">\(escape(markSeries))</text>"
        }
        return s + "\n</svg>"
    }
}
