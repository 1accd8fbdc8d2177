import Foundation
@testable import Monitoring
import Testing

/// The chart component: round axis steps, the unit written on every chart, and no text cut at the
/// edge of the drawing or overlapping its neighbour, whatever the labels and figures.
@Suite struct SVGChartTests {
    @Test(arguments: [
        (Int64(1), Int64(1)), (7, 2), (399, 100), (401, 200), (1_999, 500), (2_001, 1_000),
        (125_000_000_000, 50_000_000_000), (1_000_000_000_000, 500_000_000_000),
    ]) func roundSteps(top: Int64, step: Int64) {
        #expect(SVGChart.step(for: top) == step)
        #expect(SVGChart.step(for: top) * 4 >= top, "four steps reach the top")
    }

    @Test func theUnitFitsTheFigures() {
        #expect(SVGChart.Unit.fitting(9_999_999_999).name == "万元")
        #expect(SVGChart.Unit.fitting(10_000_000_000).name == "亿元")
        #expect(SVGChart.Unit.yi.tick(15_000_000_000_000) == "1500" && SVGChart.Unit.yi.tick(5_000_000_000) == "0.5")
    }

    /// Each `<text>`'s horizontal extent (its anchor and estimated width), with the drawing's width.
    static func extents(_ svg: String) throws -> (width: Int, texts: [(from: Int, to: Int, y: Int, text: String)]) {
        let viewBox = try #require(svg.firstMatch(of: /viewBox="0 0 (\d+) (\d+)"/))
        var texts: [(Int, Int, Int, String)] = []
        for m in svg.matches(of: /<text x="(-?\d+)" y="(-?\d+)"( text-anchor="(\w+)")?[^>]*>([^<]*)<\/text>/) {
            let x = Int(m.output.1)!, y = Int(m.output.2)!, text = String(m.output.5), w = SVGChart.textWidth(text)
            switch m.output.4.map(String.init) {
            case "end": texts.append((x - w, x, y, text))
            case "middle": texts.append((x - w / 2, x + w / 2, y, text))
            default: texts.append((x, x + w, y, text))
            }
        }
        return (Int(viewBox.output.1)!, texts)
    }

    @Test func barFiguresAndLabelsStayInsideTheDrawing() throws {
        let bars = [("台州湾新区", Int64(987_654_321_000_000), Int64?.some(1_200_000_000_000_000)), ("滨江区", 26_122_000_000_000, nil), ("淳安县", 1_000, 5_000)]
            .map { SVGChart.Bar(label: $0.0, value: $0.1, inner: $0.1 / 2, mark: $0.2, markTitle: "目标", tooltip: "t") }
        let svg = SVGChart.bars(bars, unit: .yi, title: "各区县出口与目标", series: "近12个月", innerSeries: "1—11月", markSeries: "行动计划目标（右侧数字：近12个月 / 目标）")
        let (width, texts) = try Self.extents(svg)
        #expect(texts.contains { $0.text == "98765.43 / 120000.00" }, "the figures of the longest row are written")
        for t in texts { #expect(t.from >= 0 && t.to <= width, "“\(t.text)” spans \(t.from)–\(t.to) of \(width)") }
        #expect(svg.contains(">亿元</text>"), "the unit is on the chart")
        let axis = texts.filter { $0.y == texts.first { $0.text == "亿元" }?.y }.sorted { $0.from < $1.from }
        for (a, b) in zip(axis, axis.dropFirst()) { #expect(a.to <= b.from, "axis texts “\(a.text)” and “\(b.text)” overlap") }
        #expect(texts.filter { $0.text == "0" }.count == 1, "the axis starts at 0")
    }

    @Test func crowdedMonthLabelsAreThinnedAndNeverOverlap() throws {
        let months = (0..<36).map { k in String(format: "%04d-%02d", 2023 + k / 12, k % 12 + 1) }
        let columns = months.enumerated().map { SVGChart.Column(label: $0.element, value: Int64($0.offset + 1) * 123_456_789, tooltip: $0.element) }
        let svg = SVGChart.columns(columns, unit: .wan, title: "按月金额", series: "金额", width: 720, plotHeight: 200)
        let (width, texts) = try Self.extents(svg)
        let labels = texts.filter { months.contains($0.text) }.sorted { $0.from < $1.from }
        #expect(labels.count >= 6 && labels.count < 36, "thinned: \(labels.count) of 36")
        for (a, b) in zip(labels, labels.dropFirst()) { #expect(a.to <= b.from, "“\(a.text)” and “\(b.text)” overlap") }
        for t in texts { #expect(t.from >= 0 && t.to <= width, "“\(t.text)” spans \(t.from)–\(t.to) of \(width)") }
        #expect(svg.contains(">万元</text>") && svg.contains("class=\"grid\""), "a value axis in 万元 with gridlines")
        #expect(!texts.contains { $0.text.hasPrefix("4444") }, "no value over crowded columns")
    }

    @Test func twelveMonthsCarryTheirValuesAndTheComparisonLegend() throws {
        let columns = (1...12).map { SVGChart.Column(label: "\($0)月", value: Int64($0) * 10_000_000_000, comparison: Int64($0) * 9_000_000_000, tooltip: "\($0)月") }
        let svg = SVGChart.columns(columns, unit: .yi, title: "月度出口走势", series: "2025年", comparisonSeries: "2024年同月")
        let (width, texts) = try Self.extents(svg)
        #expect(texts.contains { $0.text == "12.00" } && texts.contains { $0.text == "12月" } && texts.contains { $0.text == "2024年同月" })
        #expect(svg.contains("<polyline"))
        for t in texts { #expect(t.from >= 0 && t.to <= width, "“\(t.text)” spans \(t.from)–\(t.to) of \(width)") }
    }
}
