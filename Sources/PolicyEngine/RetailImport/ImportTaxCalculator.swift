import KuajingDomain

/// One line of a retail-import order: its goods value in fen (coupons included) and its rates.
public struct ImportOrderLine: Sendable, Equatable {
    public var hsCode: String
    public var name: String
    public var quantity: Rational
    public var value: Fen
    public var consumptionTaxRate: Rational
    /// The 税则 (MFN) duty rate, used where full rates apply; nil when not known.
    public var dutyRate: Rational?
    /// nil: the VAT rate of ordinary goods on the order's date.
    public var vatRate: Rational?
    public var indivisible: Bool

    public init(hsCode: String, name: String, quantity: Rational, value: Fen, consumptionTaxRate: Rational = .zero, dutyRate: Rational? = nil,
                vatRate: Rational? = nil, indivisible: Bool = false) {
        self.hsCode = hsCode
        self.name = name
        self.quantity = quantity
        self.value = value
        self.consumptionTaxRate = consumptionTaxRate
        self.dutyRate = dutyRate
        self.vatRate = vatRate
        self.indivisible = indivisible
    }
}

/// A retail-import order (one 申报清单): its date decides the limits and the VAT rate.
public struct ImportOrder: Sendable, Equatable {
    public var id: String
    public var date: Day
    public var buyer: String
    /// The buyer's net amount already counted this calendar year before this order (nil: 0, or
    /// the running total of the request).
    public var quotaUsed: Fen?
    public var freight: Fen
    public var insuredFee: Fen
    public var lines: [ImportOrderLine]

    public init(id: String, date: Day, buyer: String, quotaUsed: Fen? = nil, freight: Fen = .zero, insuredFee: Fen = .zero, lines: [ImportOrderLine]) {
        self.id = id
        self.date = date
        self.buyer = buyer
        self.quotaUsed = quotaUsed
        self.freight = freight
        self.insuredFee = insuredFee
        self.lines = lines
    }
}

/// A return of an earlier order of the same request, in days after its release.
public struct ImportReturn: Sendable, Equatable {
    public var id: String
    public var returnOf: String
    public var appliedDay: Int
    public var arrivedDay: Int

    public init(id: String, returnOf: String, appliedDay: Int, arrivedDay: Int) {
        self.id = id
        self.returnOf = returnOf
        self.appliedDay = appliedDay
        self.arrivedDay = arrivedDay
    }
}

public enum ImportTaxItem: Sendable, Equatable {
    case order(ImportOrder)
    case returned(ImportReturn)

    public var id: String {
        switch self {
        case let .order(o): return o.id
        case let .returned(r): return r.id
        }
    }
}

/// What an order is under the regime (the fixed names of `calculateImportTax`).
public enum ImportRegimeKind: String, Sendable, CaseIterable {
    /// Within both limits: duty 0, consumption tax and VAT at 70 %; the quota grows by the price.
    case cbec
    /// One item above the single limit that fits the yearly limit: full rates; the quota grows.
    case cbecFullRate = "cbec_full_rate"
    /// Anything else above a limit: general trade in full; the quota does not change.
    case generalTrade = "general_trade"
    /// A return within the windows: the order's taxes not levied, its quota given back.
    case refunded
    /// A return outside the windows (or of a general-trade order): nothing changes.
    case notRefunded = "not_refunded"

    public var chinese: String {
        switch self {
        case .cbec: return "跨境电商零售进口（限值以内）"
        case .cbecFullRate: return "跨境电商零售进口（单件超限，全额征税）"
        case .generalTrade: return "按一般贸易全额征税"
        case .refunded: return "退货，税款不予征收"
        case .notRefunded: return "退货，不予退税"
        }
    }

    /// Whether the order's price counts toward the buyer's yearly quota.
    public var countsTowardQuota: Bool { self == .cbec || self == .cbecFullRate }
}

/// The taxes of one line, each rounded once to the fen.
public struct ImportLineTax: Sendable, Equatable {
    public var price: Fen
    public var duty: Fen
    public var consumptionTax: Fen
    public var vat: Fen

    public var total: Fen { duty + consumptionTax + vat }
}

/// One order's (or return's) answer: regime, price, each tax, quota before and after, the reasons.
public struct ImportTaxResult: Sendable, Equatable {
    public var orderID: String
    public var buyer: String
    public var regime: ImportRegimeKind
    public var price: Fen
    public var duty: Fen
    public var consumptionTax: Fen
    public var vat: Fen
    public var quotaBefore: Fen
    public var quotaAfter: Fen
    public var lines: [ImportLineTax]
    /// Full rates applied to a line whose duty rate is not known (the ledger's reading RI-LEDGER-RATES).
    public var dutyRateMissing: Bool
    public var explanation: String

    public var total: Fen { duty + consumptionTax + vat }
    /// The amount the order adds to the buyer's yearly total (0 for general trade and returns).
    public var quotaCounted: Fen { regime.countsTowardQuota ? price : .zero }
}

/// Why an order cannot be calculated: the order and the field.
public struct ImportTaxProblem: Error, Sendable, Equatable {
    public var orderID: String
    public var field: String
    public var message: String

    public init(orderID: String, field: String, message: String) {
        self.orderID = orderID
        self.field = field
        self.message = message
    }
}

/// The retail-import tax of orders under a regime: pure, exact (rationals of fen), one rounding
/// per tax per line, half up, after the 70 % (reading RI-ROUND); every order with its Chinese
/// explanation. Stores nothing.
public struct ImportTaxCalculator: Sendable {
    public let regime: RetailImportRegime

    public init(regime: RetailImportRegime) { self.regime = regime }

    /// What to do with a line taxed in full whose duty rate is unknown.
    public enum MissingDutyRate: Sendable {
        /// The request is refused, naming the line (the calculator).
        case refuse
        /// Duty 0, flagged (the ledger: the message carries no rate).
        case zeroAndFlag
    }

    /// Orders and returns in the order given; each buyer's quota runs through the request from the
    /// `quotaUsed` of its first order (0 when absent).
    public func calculate(_ items: [ImportTaxItem], missingDutyRate: MissingDutyRate = .refuse) throws(ImportTaxProblem) -> [ImportTaxResult] {
        var quota: [String: Fen] = [:]
        var byID: [String: ImportTaxResult] = [:]
        var returned: Set<String> = []
        var out: [ImportTaxResult] = []
        for item in items {
            switch item {
            case let .order(order):
                let used = quota[order.buyer] ?? order.quotaUsed ?? .zero
                let result = try assess(order, quotaUsed: used, missingDutyRate: missingDutyRate)
                quota[order.buyer] = result.quotaAfter
                byID[order.id] = result
                out.append(result)
            case let .returned(r):
                guard let original = byID[r.returnOf] else {
                    throw ImportTaxProblem(orderID: r.id, field: "return_of", message: "退货所指的订单“\(r.returnOf)”不在本次请求中，或在退货之后")
                }
                guard returned.insert(r.returnOf).inserted else {
                    throw ImportTaxProblem(orderID: r.id, field: "return_of", message: "订单“\(r.returnOf)”已在本次请求中退货")
                }
                let used = quota[original.buyer] ?? .zero
                let result = returnResult(r, of: original, quotaBefore: used)
                quota[original.buyer] = result.quotaAfter
                out.append(result)
            }
        }
        return out
    }

    /// Whether a return applied and arrived on these days after release meets the windows.
    public func withinReturnWindows(appliedDay: Int, arrivedDay: Int?) -> Bool {
        appliedDay >= 0 && appliedDay <= regime.returnApplyDays && (arrivedDay.map { $0 >= 0 && $0 <= regime.returnArriveDays } ?? true)
    }

    func returnResult(_ r: ImportReturn, of original: ImportTaxResult, quotaBefore: Fen) -> ImportTaxResult {
        let windows = "（\(regime.returnQuote.source)：放行之日起 \(regime.returnApplyDays) 日内申请、\(regime.returnArriveDays) 日内运抵）"
        var result = ImportTaxResult(orderID: r.id, buyer: original.buyer, regime: .notRefunded, price: original.price, duty: .zero, consumptionTax: .zero, vat: .zero,
                                     quotaBefore: quotaBefore, quotaAfter: quotaBefore, lines: [], dutyRateMissing: false, explanation: "")
        guard original.regime.countsTowardQuota else {
            result.explanation = "订单 \(original.orderID) 的退货：原订单\(original.regime.chinese)，不适用跨境电商零售进口退货规则，不予退税，年度额度不变。"
            return result
        }
        guard withinReturnWindows(appliedDay: r.appliedDay, arrivedDay: r.arrivedDay) else {
            result.explanation = "订单 \(original.orderID) 的退货：放行后第 \(r.appliedDay) 日申请、第 \(r.arrivedDay) 日运抵，超出期限\(windows)，"
                + "不予退税，年度额度不变（\(quotaBefore.grouped) 元）。"
            return result
        }
        result.regime = .refunded
        result.duty = original.duty
        result.consumptionTax = original.consumptionTax
        result.vat = original.vat
        result.lines = original.lines
        result.quotaAfter = quotaBefore - original.quotaCounted
        result.explanation = "订单 \(original.orderID) 的退货：放行后第 \(r.appliedDay) 日申请、第 \(r.arrivedDay) 日运抵，在期限以内\(windows)；"
            + "“退货商品所对应的税款不予征收，并调整个人年度交易累计金额”：关税 \(original.duty.grouped) 元、消费税 \(original.consumptionTax.grouped) 元、"
            + "增值税 \(original.vat.grouped) 元，合计 \(original.total.grouped) 元不予征收；年度额度 \(quotaBefore.grouped) − \(original.quotaCounted.grouped) = \(result.quotaAfter.grouped) 元。"
        return result
    }

    /// One order against the buyer's quota used so far this calendar year. `explain: false` (the
    /// ledger at ingest, which keeps figures, not sentences) leaves the explanation empty.
    public func assess(_ order: ImportOrder, quotaUsed: Fen, missingDutyRate: MissingDutyRate = .refuse, explain: Bool = true) throws(ImportTaxProblem) -> ImportTaxResult {
        func problem(_ field: String, _ message: String) -> ImportTaxProblem { ImportTaxProblem(orderID: order.id, field: field, message: message) }
        guard let limits = regime.limits(on: order.date) else {
            throw problem("date", "\(order.date.iso) 早于跨境电商零售进口税收政策（\(regime.limits[0].quote.source)，\(regime.limits[0].from.iso) 起）")
        }
        guard !order.lines.isEmpty else { throw problem("lines", "订单没有商品行") }
        for (i, line) in order.lines.enumerated() {
            if line.consumptionTaxRate >= .one { throw problem("lines[\(i)].consumption_tax_rate", "消费税税率应小于 100%") }
            if line.quantity <= .zero { throw problem("lines[\(i)].qty", "数量应大于 0") }
        }
        let goods = order.lines.reduce(Fen.zero) { $0 + $1.value }
        guard goods > .zero else { throw problem("lines", "订单价格不能为零（税管函〔2016〕73号：订单价格原则上不能为零）") }
        let extras = order.freight + order.insuredFee
        let price = goods + extras
        // Freight and insurance spread pro rata to the goods value, the remaining fen to the last line (RI-SPREAD).
        var linePrices: [Fen] = []
        var spread = Fen.zero
        for (i, line) in order.lines.enumerated() {
            if i == order.lines.count - 1 {
                linePrices.append(line.value + (extras - spread))
            } else {
                let share = Fen(Int64((Int128(extras.value) * Int128(line.value.value)) / Int128(goods.value)))
                spread += share
                linePrices.append(line.value + share)
            }
        }
        let oneItem = order.lines.count == 1 && (order.lines[0].quantity == .one || order.lines[0].indivisible)
        let after = quotaUsed + price
        let overSingle = regime.exceeds(price, limits.single)
        let overAnnual = regime.exceeds(after, limits.annual)
        let kind: ImportRegimeKind
        if !overSingle && !overAnnual {
            kind = .cbec
        } else if overSingle && !overAnnual && limits.oneItemFullRate && oneItem {
            kind = .cbecFullRate
        } else {
            kind = .generalTrade
        }
        var why = ""
        if explain {
            why = "完税价格 = 商品价格 \(goods.grouped) + 运费 \(order.freight.grouped) + 保费 \(order.insuredFee.grouped) = \(price.grouped) 元（\(regime.taxableValueQuote.source)：“\(regime.taxableValueQuote.text)”，优惠券等非现金抵扣不扣减）；"
                + "\(order.date.iso) 适用单次交易限值 \(limits.single.grouped) 元、年度交易限值 \(limits.annual.grouped) 元（\(limits.quote.source)）；"
                + "年度已用 \(quotaUsed.grouped) + \(price.grouped) = \(after.grouped) 元。"
            switch kind {
            case .cbec:
                why += "未超过单次和年度限值：关税税率 \(ImportTaxText.percent(regime.withinDutyRate))，消费税、增值税按法定应纳税额的 \(ImportTaxText.percent(regime.withinShare)) 征收（\(regime.withinQuote.source)）。"
            case .cbecFullRate:
                why += "超过单次限值 \(limits.single.grouped) 元，但订单下仅一件商品且年度累计未超过 \(limits.annual.grouped) 元：可自跨境电商零售渠道进口，按货物税率全额征收关税和进口环节增值税、消费税，交易额计入年度交易总额（\(limits.quote.source)）。"
            default:
                if overAnnual {
                    why += "累计 \(after.grouped) 元超过年度限值 \(limits.annual.grouped) 元：按一般贸易全额征税，不计入年度交易总额（剩余额度 \((limits.annual - quotaUsed).grouped) 元）。"
                } else if limits.oneItemFullRate {
                    why += "超过单次限值 \(limits.single.grouped) 元且订单下不止一件商品：按一般贸易全额征税，不计入年度交易总额（\(limits.quote.source)）。"
                } else {
                    why += "超过单次限值 \(limits.single.grouped) 元：按一般贸易方式全额征税（\(limits.quote.source)），不计入年度交易总额。"
                }
            }
        }
        let full = kind != .cbec
        var lines: [ImportLineTax] = []
        var dutyMissing = false
        var lineTexts: [String] = []
        do {
            for (i, line) in order.lines.enumerated() {
                let p = Rational(linePrices[i].value)
                let vatRate: Rational
                if let v = line.vatRate { vatRate = v } else {
                    guard let dated = regime.vatRate(on: order.date) else { throw problem("lines[\(i)].vat_rate", "\(order.date.iso) 没有载入的增值税税率，请填写 vat_rate") }
                    vatRate = dated.rate
                }
                var dutyRate = regime.withinDutyRate
                if full {
                    if let d = line.dutyRate { dutyRate = d } else {
                        switch missingDutyRate {
                        case .refuse: throw problem("lines[\(i)].duty_rate", "订单\(kind.chinese)，须按税则税率征收关税：请填写 duty_rate")
                        case .zeroAndFlag: dutyRate = .zero; dutyMissing = true
                        }
                    }
                }
                let c = line.consumptionTaxRate
                let share = full ? Rational.one : regime.withinShare
                // The statutory taxes by the regime's formulas (the policy engine's language), exactly.
                var names: [String: Value] = ["price": .money(p), "duty_rate": .rate(dutyRate), "consumption_tax_rate": .rate(c), "vat_rate": .rate(vatRate)]
                let dutyExact = try Self.money(regime.duty, names)
                names["duty"] = .money(dutyExact)
                let ctStatutory = try Self.money(regime.consumptionTax, names)
                names["consumption_tax"] = .money(ctStatutory)
                let vatStatutory = try Self.money(regime.vat, names)
                let tax = ImportLineTax(price: linePrices[i], duty: Fen(dutyExact.roundedHalfUp()),
                                        consumptionTax: Fen(try ctStatutory.multiplied(by: share).roundedHalfUp()),
                                        vat: Fen(try vatStatutory.multiplied(by: share).roundedHalfUp()))
                lines.append(tax)
                guard explain else { continue }
                let shareText = full ? "" : " × \(ImportTaxText.percent(share))"
                let pText = linePrices[i].grouped
                var t = "第 \(i + 1) 行 \(line.name)（\(line.hsCode)）：完税价格 \(pText) 元"
                if order.lines.count > 1 || extras > .zero { t += "（商品 \(line.value.grouped) + 分摊运保费 \((linePrices[i] - line.value).grouped)）" }
                t += "；关税 = \(FormulaText.render(regime.duty.expression, names)) = \(tax.duty.grouped) 元" + (full && line.dutyRate == nil ? "（税则税率待核）" : "")
                if c != .zero {
                    t += "；消费税 = \(FormulaText.render(regime.consumptionTax.expression, names))\(shareText) = \(tax.consumptionTax.grouped) 元"
                }
                t += "；增值税 = \(FormulaText.render(regime.vat.expression, names))\(shareText) = \(tax.vat.grouped) 元"
                lineTexts.append(t)
            }
        } catch let e as ImportTaxProblem {
            throw e
        } catch {
            throw problem("lines", "金额过大，无法精确计算")
        }
        let duty = lines.reduce(Fen.zero) { $0 + $1.duty }
        let ct = lines.reduce(Fen.zero) { $0 + $1.consumptionTax }
        let vat = lines.reduce(Fen.zero) { $0 + $1.vat }
        let quotaAfter = kind.countsTowardQuota ? after : quotaUsed
        let explanation = !explain ? "" : "订单 \(order.id)：\(kind.chinese)。" + why + lineTexts.joined(separator: "。") + "。"
            + "合计：关税 \(duty.grouped) 元、消费税 \(ct.grouped) 元、增值税 \(vat.grouped) 元，共 \((duty + ct + vat).grouped) 元（每行每税种精确计算后四舍五入到分一次）；"
            + "年度额度 \(quotaUsed.grouped) → \(quotaAfter.grouped) 元。"
        return ImportTaxResult(orderID: order.id, buyer: order.buyer, regime: kind, price: price, duty: duty, consumptionTax: ct, vat: vat,
                               quotaBefore: quotaUsed, quotaAfter: quotaAfter, lines: lines, dutyRateMissing: dutyMissing, explanation: explanation)
    }
}

extension ImportTaxCalculator {
    /// A formula's value in fen, exactly.
    static func money(_ f: RetailImportRegime.Formula, _ names: [String: Value]) throws -> Rational {
        guard case let .money(r) = try ScalarEvaluator.value(f.expression, names) else { throw ScalarEvaluator.Failure(message: "公式“\(f.text)”应得出金额") }
        return r
    }
}

/// A formula of the rule language as an explanation shows it, each name replaced by its value:
/// `(820.00 + 106.6000) × 13%`; a term that is zero money is left out (`820.00 × 13%`, not
/// `(820.00 + 0.00 + 0.00) × 13%`), brackets only where the order of operations needs them.
public enum FormulaText {
    public static func render(_ e: Expression, _ names: [String: Value]) -> String { text(e, names).0 }

    static func precedence(_ op: Expression.BinaryOperator) -> Int {
        switch op {
        case .add, .subtract: return 1
        case .multiply, .divide: return 2
        default: return 0
        }
    }

    static func isZeroMoney(_ e: Expression, _ names: [String: Value]) -> Bool {
        if case .money(.zero)? = try? ScalarEvaluator.value(e, names) { return true }
        return false
    }

    /// The text and the precedence of its outermost operator (3: an atom).
    static func text(_ e: Expression, _ names: [String: Value]) -> (String, Int) {
        func show(_ v: Value) -> String {
            switch v {
            case let .money(r): return r.isInteger ? Fen(r.numerator).grouped : ImportTaxText.yuan(r)
            case let .rate(r): return ImportTaxText.percent(r)
            default: return v.display
            }
        }
        switch e.kind {
        case let .literal(v): return (show(v), 3)
        case let .name(n):
            if case let .parameter(v)? = e.binding { return (show(v), 3) }
            return (names[n].map(show) ?? n, 3)
        case let .negate(x): return ("−" + wrap(x, names, below: 3), 3)
        case let .binary(op, l, r):
            let p = precedence(op)
            if op == .add || op == .subtract {
                if isZeroMoney(r, names) { return text(l, names) }
                if op == .add, isZeroMoney(l, names) { return text(r, names) }
            }
            let left = wrap(l, names, below: p)
            // The right side of − and ÷ needs brackets at equal precedence too.
            let right = wrap(r, names, below: op == .subtract || op == .divide ? p + 1 : p)
            return ("\(left) \(op.symbol) \(right)", p)
        case let .call(name, args): return ("\(name)(" + args.map { text($0, names).0 }.joined(separator: ", ") + ")", 3)
        case .not, .membership: return ("…", 3)
        }
    }

    static func wrap(_ e: Expression, _ names: [String: Value], below p: Int) -> String {
        let (t, q) = text(e, names)
        return q < p ? "(\(t))" : t
    }
}

extension ImportTaxText {
    /// An exact amount in fen as yuan with four decimals (half up), for the formulas of an explanation.
    public static func yuan(_ fen: Rational) -> String {
        guard let tenThousandths = try? fen.multiplied(by: Rational(100)).roundedHalfUp() else { return "\(fen.numerator)/\(fen.denominator) 分" }
        let negative = tenThousandths < 0
        let m = tenThousandths.magnitude
        var frac = String(m % 10_000)
        while frac.count < 4 { frac = "0" + frac }
        let whole = Fen(Int64(m / 10_000) * 100).grouped.dropLast(3)
        return (negative ? "-" : "") + whole + "." + frac
    }
}
