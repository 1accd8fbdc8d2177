import Foundation
import KuajingDomain
import PolicyEngine

/// 政策计算器 and the side-by-side comparison: a few facts in, every measure's result out, through
/// exactly the engine and rules of `kuajing calc` (the claims are handed to it as a JSON ledger).
/// A what-if: nothing is read from or written to the store.
public struct PolicyCalculator: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public struct Fact: Sendable {
        public var matter: String
        public var date: String
        /// Yuan as typed (at most two decimals), checked by the ledger reader.
        public var amount: String
        public var attributes: [String: String]
        public init(matter: String, date: String, amount: String, attributes: [String: String] = [:]) {
            self.matter = matter
            self.date = date
            self.amount = amount
            self.attributes = attributes
        }
    }

    public static let maximumFacts = 20

    /// Where a calculation can give a result: every city of the division catalog with a division in
    /// which a loaded policy is in force, and those divisions in the catalog's order (杭州市's
    /// districts, 台州市's with 台州湾新区, 嘉兴市's 平湖市).
    public func places() throws(AppError) -> [(city: String, districts: [String])] {
        let set = try context.policySet()
        let catalog = DivisionCatalog.standard
        var cities: [(city: String, districts: [String])] = []
        for d in catalog.divisions where d.level != "city" && d.level != "province" {
            guard let parent = d.parentIndex.map({ catalog.divisions[$0] }), parent.level == "city",
                  set.policies.contains(where: { set.covers(policy: $0.id, division: d.name) }) else { continue }
            if let i = cities.firstIndex(where: { $0.city == parent.name }) { cities[i].districts.append(d.name) } else { cities.append((parent.name, [d.name])) }
        }
        return cities
    }

    /// Who may apply, in the words of the claims ledger's `applicant_type` (`ApplicantType`).
    public static var applicantTypes: [(value: String, label: String)] { ApplicantType.allCases.map { ($0.rawValue, $0.chinese) } }

    /// Results of one applicant's claims, in the order given.
    public func calculate(district: String, applicantType: String = "enterprise", facts: [Fact]) throws(AppError) -> [ClaimResult] {
        guard !facts.isEmpty else { throw .invalidInput(field: "matter", location: nil, message: "请至少填写一项支出或成果") }
        guard facts.count <= Self.maximumFacts else { throw .invalidInput(field: "matter", location: nil, message: "一次至多 \(Self.maximumFacts) 项") }
        var rows: [[String: String]] = []
        for (i, f) in facts.enumerated() {
            var row = f.attributes
            row["claim_id"] = "第\(i + 1)项"
            row["enterprise_id"] = "WHATIF"
            row["district"] = district
            row["applicant_type"] = applicantType
            row["matter"] = f.matter
            row["date"] = f.date
            row["amount"] = f.amount
            rows.append(row)
        }
        let result = try ClaimsCalculation(context).evaluate(claimRows: rows, source: "计算器")
        return (0..<result.evaluation.ledger.count).map { result.evaluation.result($0, funding: result.funding, trace: false) }
    }

    /// The three cities' reading of one matter and amount: a representative district of each.
    public static let comparisonDistricts = [("杭州", "滨江区"), ("台州", "椒江区"), ("平湖", "平湖市")]

    public struct Comparison: Sendable {
        public var city: String
        public var district: String
        public var result: ClaimResult
    }

    public func compare(matter: String, amount: String, date: String) throws(AppError) -> [Comparison] {
        var out: [Comparison] = []
        for (city, district) in Self.comparisonDistricts {
            let r = try calculate(district: district, facts: [Fact(matter: matter, date: date, amount: amount)])
            out.append(Comparison(city: city, district: district, result: r[0]))
        }
        return out
    }
}
