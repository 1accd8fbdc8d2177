import Foundation
import KuajingDomain

/// The bureau's configuration of how awards are split between the city and district budgets where
/// the texts say only "按现行财政体制" (the ratio is not in any document). File: `config/funding.yaml`.
public struct FundingConfiguration: Sendable {
    /// City share per district name, with the basis the bureau recorded.
    public var cityShare: [String: (share: Rational, basis: String)]

    public init(cityShare: [String: (share: Rational, basis: String)] = [:]) { self.cityShare = cityShare }

    public static func load(path: String) throws -> FundingConfiguration {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw PolicyFileError(SourceLocation(file: path, line: 0, column: 0), "无法读取财政分担配置")
        }
        let root = try YAMLNode.parse(text, file: path).map(allowed: ["districts"])
        var out = FundingConfiguration()
        guard let districts = root["districts"] else { return out }
        guard case let .mapping(map) = districts.node else { throw PolicyFileError(districts.location, "districts 应为键值表") }
        for (k, v) in map {
            let name = try YAMLNode(node: k, file: path).string()
            let spec = try YAMLNode(node: v, file: path).map(allowed: ["city_share", "basis"])
            let shareNode = try spec.require("city_share")
            guard case let .rate(r) = try PolicyLoader.literal(shareNode), r >= .zero, r <= .one else {
                throw PolicyFileError(shareNode.location, "city_share 应为 0% 到 100% 之间的比例")
            }
            out.cityShare[name] = (r, try spec.string("basis"))
        }
        return out
    }
}

/// An award split between budgets. Nil amounts when the split is not configured.
public struct FundingSplit: Sendable {
    public var city: Fen?
    public var district: Fen?
    public var basis: String

    static func compute(award: Fen, entry: PolicySet.Entry, policy: Policy, district: String, config: FundingConfiguration) -> FundingSplit {
        FundingRule(entry: entry, policy: policy, district: district, config: config).split(award)
    }
}

/// How the awards of one measure in one district split between budgets: worked out once per
/// (measure, district), then applied to each award.
struct FundingRule: Sendable {
    enum Share: Sendable {
        /// The whole award from one budget (a single-level policy, a city-funded measure).
        case single
        /// Not configured: no figures, the basis says so.
        case unconfigured
        /// The city's share of a configured split.
        case city(Rational)
    }

    let share: Share
    let basis: String

    init(entry: PolicySet.Entry, policy: Policy, district: String, config: FundingConfiguration) {
        let clause = policy.funding.clause.map { "（\($0)）" } ?? ""
        if policy.funding.rule == "single_level" {
            share = .single
            basis = "\(policy.funding.payer)本级财政承担\(clause)"
        } else if entry.measure.fundedByCityOnly {
            share = .single
            basis = "本项由市级财政承担\(clause)"
        } else if let (s, recorded) = config.cityShare[district] {
            share = .city(s)
            let percent = ((try? s.multiplied(by: Rational(100))) ?? .zero).decimalText()
            basis = "市区两级按现行财政体制共同承担\(clause)；\(district)市级承担 \(percent)%（已配置：\(recorded)），市级部分四舍五入到分"
        } else {
            share = .unconfigured
            basis = "市区两级按现行财政体制共同承担\(clause)；\(district)的市级分担比例未配置（config/funding.yaml），不作推定"
        }
    }

    /// The parts in fen (nil when not configured).
    func parts(_ award: Int64) -> (city: Int64?, district: Int64?) {
        switch share {
        case .single: return (award, 0)
        case .unconfigured: return (nil, nil)
        case let .city(s):
            let city = ((try? Rational(award).multiplied(by: s)) ?? .zero).roundedHalfUp()
            return (city, award - city)
        }
    }

    /// The city's part is rounded half up to the fen; the district's is the rest, so the parts add up exactly.
    func split(_ award: Fen) -> FundingSplit {
        let (city, district) = parts(award.value)
        return FundingSplit(city: city.map(Fen.init), district: district.map(Fen.init), basis: basis)
    }
}

extension PolicySet {
    /// How `award` of a measure splits between the city's and the district's budget, by the same
    /// rule as a claim's `funding` (a reviewer's reduced amount is split as the award would be).
    /// Nil when the policy or measure is unknown.
    public func funding(award: Fen, policy policyID: String, measure measureID: String, district: String, config: FundingConfiguration) -> FundingSplit? {
        guard let entry = entries.first(where: { policies[$0.policy].id == policyID && $0.measure.id == measureID }) else { return nil }
        return FundingSplit.compute(award: award, entry: entry, policy: policies[entry.policy], district: district, config: config)
    }

    /// A measure's `cap` parameter in fen, if it has a fixed one.
    public func capFen(policy policyID: String, measure measureID: String) -> Int64? {
        guard let entry = entries.first(where: { policies[$0.policy].id == policyID && $0.measure.id == measureID }),
              case let .money(cap)? = entry.measure.parameters.first(where: { $0.name == "cap" })?.value, cap.denominator == 1 else { return nil }
        return cap.numerator
    }
}
