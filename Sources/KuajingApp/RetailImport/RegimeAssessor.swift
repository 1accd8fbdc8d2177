import KuajingDomain
import PolicyEngine
import Storage

/// The retail-import regime as the ledger calls it at ingest: a stored 申报清单 (no rates in the
/// message) through `ImportTaxCalculator`, consumption tax from the regime's rate table, duty
/// rates unknown and flagged (reading RI-LEDGER-RATES).
struct RegimeAssessor: ImportTaxAssessor {
    let regime: RetailImportRegime

    func assess(_ order: ImportOrderFacts, quotaUsed: Fen) -> Result<ImportAssessment, ImportAssessmentRefusal> {
        var lines: [ImportOrderLine] = []
        for l in order.lines {
            guard let quantity = Self.quantity(l.quantity) else { return .failure(.init("数量“\(l.quantity)”不可读")) }
            let item = regime.consumptionTaxItem(hsCode: l.hsCode, unitPrice: l.unitPrice)
            lines.append(ImportOrderLine(hsCode: l.hsCode, name: l.name.isEmpty ? l.hsCode : l.name, quantity: quantity, value: l.value,
                                         consumptionTaxRate: item?.consumptionTax ?? .zero))
        }
        let calculator = ImportTaxCalculator(regime: regime)
        let input = ImportOrder(id: order.copNo, date: order.declaredOn, buyer: order.buyer, quotaUsed: quotaUsed, freight: order.freight,
                                insuredFee: order.insuredFee, lines: lines)
        do {
            let r = try calculator.assess(input, quotaUsed: quotaUsed, missingDutyRate: .zeroAndFlag, explain: false)
            return .success(ImportAssessment(regime: r.regime.rawValue, price: r.price, duty: r.duty, consumptionTax: r.consumptionTax, vat: r.vat,
                                             quota: r.quotaCounted, dutyRateMissing: r.dutyRateMissing, linePrices: r.lines.map(\.price),
                                             lineTaxes: r.lines.map(\.total)))
        } catch {
            return .failure(.init("\(error.field)：\(error.message)"))
        }
    }

    func annualLimit(on day: Day) -> Fen? { regime.limits(on: day)?.annual }

    func nearSingleLimit(_ price: Fen, on day: Day) -> Bool {
        guard let single = regime.limits(on: day)?.single else { return false }
        let threshold = (try? Rational(single.value).multiplied(by: regime.nearSingleShare).roundedHalfUp()) ?? single.value
        return price.value >= threshold && !regime.exceeds(price, single)
    }

    var version: String { regime.version }
    var returnApplyDays: Int { regime.returnApplyDays }
    var returnArriveDays: Int { regime.returnArriveDays }

    /// A declared quantity ("2", "1.5") as an exact rational.
    static func quantity(_ text: String) -> Rational? {
        guard let e = ExactDecimal(text), e.units > 0, let units = Int64(exactly: e.units), e.scale <= 6 else { return nil }
        var d: Int64 = 1
        for _ in 0..<e.scale { d *= 10 }
        return Rational(units, d)
    }
}

extension AppContext {
    /// The retail-import regime as the ledger's ingest calls it.
    func importTaxAssessor() throws(AppError) -> RegimeAssessor { RegimeAssessor(regime: try importRegime()) }
}
