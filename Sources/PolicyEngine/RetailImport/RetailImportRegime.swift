import Foundation
import KuajingDomain

/// A figure of the retail-import regime with the text it is quoted from.
public struct QuotedSource: Sendable, Equatable {
    public var source: String
    public var text: String
}

/// The retail-import (跨境电商零售进口) tax regime as policy data (`policies/retail-import/*.yaml`):
/// the single and yearly limits by date, the share of consumption tax and VAT within them, the VAT
/// rate by date, the return windows, the consumption-tax items by HS prefix, the readings and the
/// settings. Read and checked completely by `load`; every figure keeps its quotation.
public struct RetailImportRegime: Sendable {
    public struct LimitPeriod: Sendable {
        public var from: Day
        public var single: Fen
        public var annual: Fen
        /// From 2019: one item above the single limit still comes through the channel at full rates.
        public var oneItemFullRate: Bool
        public var quote: QuotedSource
    }

    public struct DatedRate: Sendable {
        public var from: Day
        public var rate: Rational
        public var quote: QuotedSource
    }

    /// A consumption-tax item of the rate table (for stored 申报清单, which carry no rates).
    public struct RateEntry: Sendable {
        public var hsPrefix: String
        public var item: String
        public var consumptionTax: Rational
        /// The item is taxed only from this unit price (高档手表: 10,000 元 a piece).
        public var minUnitPrice: Fen?
        public var quote: QuotedSource
    }

    /// A tax of one line in the rule language, checked at load (its names and that it gives money).
    public struct Formula: Sendable {
        public var expression: Expression
        public var text: String
        public var quote: QuotedSource
    }

    public struct Reading: Sendable {
        public var id: String
        public var question: String
        public var choice: String
        public var setting: String
    }

    public var id: String
    public var title: String
    public var limits: [LimitPeriod]
    public var withinDutyRate: Rational
    public var withinShare: Rational
    public var withinQuote: QuotedSource
    public var taxableValueQuote: QuotedSource
    /// Statutory duty, consumption tax and VAT of a line (before the share within the limits).
    public var duty: Formula
    public var consumptionTax: Formula
    public var vat: Formula
    public var vatRates: [DatedRate]
    public var returnApplyDays: Int
    public var returnArriveDays: Int
    public var returnQuote: QuotedSource
    public var rateTable: [RateEntry]
    public var readings: [Reading]
    /// "超过" strict (RI-EXCEED): exactly the limit is within.
    public var exceedIsStrict: Bool
    /// 运行监测: a buyer "near the yearly limit" from this share of it; an order "just under the
    /// single limit" from this share of it (settings: no text fixes them).
    public var nearAnnualShare: Rational
    public var nearSingleShare: Rational
    public var file: String
    /// The first 16 hex digits of the SHA-256 of the file's text: the version an assessment keeps.
    public var version: String

    /// The limits in force on a day (nil before the regime began).
    public func limits(on day: Day) -> LimitPeriod? { limits.last { $0.from <= day } }

    /// The VAT rate of ordinary goods on a day.
    public func vatRate(on day: Day) -> DatedRate? { vatRates.last { $0.from <= day } }

    /// The consumption-tax item of an HS code at a unit price (the longest prefix that applies).
    public func consumptionTaxItem(hsCode: String, unitPrice: Fen?) -> RateEntry? {
        rateTable.filter { hsCode.hasPrefix($0.hsPrefix) }.sorted { $0.hsPrefix.count > $1.hsPrefix.count }.first { entry in
            guard let min = entry.minUnitPrice else { return true }
            guard let unitPrice else { return false }
            return unitPrice >= min
        }
    }

    /// Whether `amount` exceeds `limit` under the reading in force.
    public func exceeds(_ amount: Fen, _ limit: Fen) -> Bool { exceedIsStrict ? amount > limit : amount >= limit }

    // MARK: Loading

    public static func load(path: String) throws -> RetailImportRegime {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw PolicyFileError(SourceLocation(file: path, line: 1, column: 1), "无法读取零售进口税收政策文件")
        }
        return try parse(text, file: path)
    }

    public static func parse(_ text: String, file: String) throws -> RetailImportRegime {
        let root = try YAMLNode.parse(text, file: file).map(allowed: [
            "id", "title", "sources", "limits", "within_limits", "taxable_value", "formulas", "vat_rates", "returns", "rate_table", "readings", "settings",
        ])
        func quote(_ m: YAMLMap) throws -> QuotedSource { QuotedSource(source: try m.string("source"), text: try m.string("text")) }
        func day(_ n: YAMLNode) throws -> Day {
            guard let d = Day.parse(try n.string()) else { throw PolicyFileError(n.location, "此处应为日期 YYYY-MM-DD") }
            return d
        }
        func fen(_ n: YAMLNode) throws -> Fen {
            guard let f = Fen.parseYuan(try n.string()) else { throw PolicyFileError(n.location, "此处应为金额（元，至多两位小数）") }
            return f
        }
        func rate(_ n: YAMLNode) throws -> Rational {
            guard let r = ImportTaxText.rate(try n.string()) else { throw PolicyFileError(n.location, "此处应为百分比，如 13%") }
            return r
        }
        var limits: [LimitPeriod] = []
        for n in try root.require("limits").list() {
            let m = try n.map(allowed: ["from", "single", "annual", "one_item_full_rate", "source", "text"])
            let period = LimitPeriod(from: try day(m.require("from")), single: try fen(m.require("single")), annual: try fen(m.require("annual")),
                                     oneItemFullRate: try m.require("one_item_full_rate").bool(), quote: try quote(m))
            if let last = limits.last, last.from >= period.from { throw PolicyFileError(n.location, "限值应按起始日期升序排列") }
            if period.single > period.annual { throw PolicyFileError(n.location, "单次交易限值不应大于年度交易限值") }
            limits.append(period)
        }
        guard !limits.isEmpty else { throw PolicyFileError(root.location, "limits 不能为空") }
        let within = try root.require("within_limits").map(allowed: ["duty_rate", "share", "source", "text"])
        let taxable = try root.require("taxable_value").map(allowed: ["source", "text"])
        let formulas = try root.require("formulas").map(allowed: ["duty", "consumption_tax", "vat"])
        // Each formula may use the line's price and rates, and the taxes computed before it.
        func formula(_ key: String, uses taxes: [String]) throws -> Formula {
            let m = try formulas.require(key).map(allowed: ["formula", "source", "text"])
            let node = try m.require("formula")
            let text = try node.string()
            let e = try ExpressionParser.parse(text, at: node.textLocation)
            var inputs: [String: ValueType] = ["price": .money, "duty_rate": .rate, "consumption_tax_rate": .rate, "vat_rate": .rate]
            for t in taxes { inputs[t] = .money }
            try TypeChecker.check(e, in: ExpressionScope(inputs: inputs), expecting: .money)
            return Formula(expression: e, text: text, quote: try quote(m))
        }
        let dutyFormula = try formula("duty", uses: [])
        let ctFormula = try formula("consumption_tax", uses: ["duty"])
        let vatFormula = try formula("vat", uses: ["duty", "consumption_tax"])
        var vat: [DatedRate] = []
        for n in try root.require("vat_rates").list() {
            let m = try n.map(allowed: ["from", "rate", "source", "text"])
            let r = DatedRate(from: try day(m.require("from")), rate: try rate(m.require("rate")), quote: try quote(m))
            if let last = vat.last, last.from >= r.from { throw PolicyFileError(n.location, "增值税税率应按起始日期升序排列") }
            vat.append(r)
        }
        let returns = try root.require("returns").map(allowed: ["apply_within_days", "arrive_within_days", "source", "text"])
        var table: [RateEntry] = []
        for n in try root["rate_table"]?.list() ?? [] {
            let m = try n.map(allowed: ["hs_prefix", "item", "consumption_tax", "min_unit_price", "source", "text"])
            let prefix = try m.string("hs_prefix")
            guard !prefix.isEmpty, prefix.count <= 10, prefix.allSatisfy(\.isASCII), prefix.allSatisfy(\.isNumber) else {
                throw PolicyFileError(try m.require("hs_prefix").location, "税号前缀应为 1–10 位数字")
            }
            table.append(RateEntry(hsPrefix: prefix, item: try m.string("item"), consumptionTax: try rate(m.require("consumption_tax")),
                                   minUnitPrice: try m["min_unit_price"].map(fen), quote: try quote(m)))
        }
        var readings: [Reading] = []
        for n in try root["readings"]?.list() ?? [] {
            let m = try n.map(allowed: ["id", "question", "choice", "setting"])
            readings.append(Reading(id: try m.string("id"), question: try m.string("question"), choice: try m.string("choice"), setting: try m.string("setting")))
        }
        let settings = try root.require("settings").map(allowed: [
            "exceed_is_strict", "freight_spread", "rounding", "one_item", "governing_date", "buyer_identity", "near_annual_share", "near_single_share",
        ])
        // The readings whose alternatives are not built are fixed: the file says which one is in force.
        let fixed: [(String, String)] = [("freight_spread", "pro_rata_last_line_remainder"), ("rounding", "per_line_per_tax_after_share_half_up"),
                                         ("one_item", "single_line_quantity_one_or_indivisible"), ("governing_date", "declaration_date"),
                                         ("buyer_identity", "hmac_sha256_of_id_type_and_number")]
        for (key, only) in fixed {
            let n = try settings.require(key)
            if try n.string() != only { throw PolicyFileError(n.location, "settings.\(key) 目前只支持 \(only)") }
        }
        let share = try rate(within.require("share"))
        guard share > .zero, share <= .one else { throw PolicyFileError(try within.require("share").location, "比例应在 0 与 100% 之间") }
        return RetailImportRegime(
            id: try root.string("id"), title: try root.string("title"), limits: limits,
            withinDutyRate: try rate(within.require("duty_rate")), withinShare: share, withinQuote: try quote(within),
            taxableValueQuote: try quote(taxable), duty: dutyFormula, consumptionTax: ctFormula, vat: vatFormula, vatRates: vat,
            returnApplyDays: try returns.require("apply_within_days").int(), returnArriveDays: try returns.require("arrive_within_days").int(),
            returnQuote: try quote(returns), rateTable: table, readings: readings,
            exceedIsStrict: try settings.require("exceed_is_strict").bool(),
            nearAnnualShare: try rate(settings.require("near_annual_share")), nearSingleShare: try rate(settings.require("near_single_share")),
            file: file, version: String(SHA256Hex.of(text).prefix(16)))
    }
}

/// Text forms shared by the regime file, the calculation's input and its explanation.
public enum ImportTaxText {
    /// "13%", "9.1%", "0%" → 13/100 …; nil for anything else.
    public static func rate(_ text: String) -> Rational? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard t.hasSuffix("%") else { return nil }
        let body = String(t.dropLast())
        guard !body.isEmpty, body.count <= 9, body.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              body.filter({ $0 == "." }).count <= 1, body.first != ".", body.last != "." else { return nil }
        let parts = body.split(separator: ".")
        let whole = Int64(parts[0]) ?? 0
        var numerator = whole, denominator: Int64 = 100
        if parts.count == 2 {
            for ch in parts[1] { numerator = numerator * 10 + Int64(ch.wholeNumberValue ?? 0); denominator *= 10 }
        }
        let r = Rational(numerator, denominator)
        return r <= Rational(1) ? r : nil
    }

    /// A rate as the explanation shows it: "13%", "9.1%".
    public static func percent(_ r: Rational) -> String {
        (try? r.multiplied(by: Rational(100)))?.decimalText(maxDecimals: 4).appending("%") ?? "\(r.numerator)/\(r.denominator)"
    }
}
