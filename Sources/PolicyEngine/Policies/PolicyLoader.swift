import Foundation
import KuajingDomain

/// Reads a policy file (`policies/<id>.yaml`), checks it completely (fields, divisions, matters,
/// expression types and names) and returns the policy, or the first error with `file:line:column`.
public enum PolicyLoader {
    public static func load(path: String, divisions: DivisionCatalog = .standard) throws -> Policy {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw PolicyFileError(SourceLocation(file: path, line: 0, column: 0), "无法读取文件（不存在或不是 UTF-8）")
        }
        return try parse(text, file: path, divisions: divisions)
    }

    static let policyKeys = ["id", "title", "document", "doc_number", "issuer", "issued", "seed", "status", "in_force",
                             "scope", "stacking", "eligibility", "funding", "matters", "cap_groups", "pools", "readings", "measures"]
    static let measureKeys = ["id", "name", "matter", "clause", "text", "applicants", "inputs", "parameters", "conditions",
                              "base", "award", "caps", "once_per_enterprise", "max_claims_per_year", "review", "readings"]

    public static func parse(_ text: String, file: String, divisions: DivisionCatalog = .standard) throws -> Policy {
        let root = try YAMLNode.parse(text, file: file).map(allowed: policyKeys)

        let inForceMap = try root.require("in_force").map(allowed: ["from", "to", "clause", "text", "reading"])
        let inForce = Policy.InForce(from: try day(inForceMap.require("from")), to: try day(inForceMap.require("to")),
                                     clause: try inForceMap.string("clause"), text: try inForceMap.string("text"),
                                     reading: try inForceMap.optionalString("reading"))
        if inForce.to < inForce.from {
            throw PolicyFileError(inForceMap.location, "有效期的结束日早于开始日")
        }

        let scopeMap = try root.require("scope").map(allowed: ["include", "exclude", "reference_areas", "include_reference_areas", "clause", "text", "reading"])
        var scope = Policy.TerritorialScope(include: [], exclude: [], referenceAreas: [], includeReferenceAreas: false,
                                            clause: try scopeMap.string("clause"), text: try scopeMap.string("text"),
                                            reading: try scopeMap.optionalString("reading"))
        for (key, path) in [("include", \Policy.TerritorialScope.include), ("exclude", \.exclude), ("reference_areas", \.referenceAreas)] {
            guard let node = scopeMap[key] else { continue }
            for item in try node.list() {
                let name = try item.string()
                guard divisions.lookup(name) != nil else {
                    let near = Suggestions.closest(to: name, among: divisions.names)
                    throw PolicyFileError(item.location, "未知的行政区划“\(name)”" + (near.isEmpty ? "" : "，是否指 \(near.joined(separator: " / "))？"))
                }
                scope[keyPath: path].append(name)
            }
        }
        scope.includeReferenceAreas = try scopeMap["include_reference_areas"]?.bool() ?? false
        if scope.include.isEmpty { throw PolicyFileError(scopeMap.location, "scope.include 不能为空") }

        let stackingMap = try root.require("stacking").map(allowed: ["rule", "clause", "text", "reading"])
        let stacking = Policy.Cited(rule: try stackingMap.string("rule"), clause: try stackingMap.optionalString("clause"),
                                    text: try stackingMap.optionalString("text"), reading: try stackingMap.optionalString("reading"))
        guard stacking.rule == "highest_no_duplicate" else {
            throw PolicyFileError(try stackingMap.require("rule").location, "目前仅支持 highest_no_duplicate（就高不重复）")
        }

        let eligibilityMap = try root.require("eligibility").map(allowed: ["exclude_serious_dishonesty", "clause", "text", "reading"])
        let eligibility = Policy.Eligibility(excludeSeriousDishonesty: try eligibilityMap.require("exclude_serious_dishonesty").bool(),
                                             clause: try eligibilityMap.optionalString("clause"), text: try eligibilityMap.optionalString("text"),
                                             reading: try eligibilityMap.optionalString("reading"))

        let fundingMap = try root.require("funding").map(allowed: ["rule", "payer", "city_only_measures", "clause", "text", "reading"])
        let funding = Policy.Funding(rule: try fundingMap.string("rule"), cityOnlyMeasures: try fundingMap["city_only_measures"]?.stringList() ?? [],
                                     payer: try fundingMap.string("payer"),
                                     clause: try fundingMap.optionalString("clause"), text: try fundingMap.optionalString("text"),
                                     reading: try fundingMap.optionalString("reading"))
        guard ["city_and_district", "single_level"].contains(funding.rule) else {
            throw PolicyFileError(try fundingMap.require("rule").location, "funding.rule 应为 city_and_district 或 single_level")
        }

        var ownMatters: [Matter] = []
        for m in try root["matters"]?.list() ?? [] {
            let mm = try m.map(allowed: ["key", "name"])
            ownMatters.append(Matter(key: try mm.string("key"), chinese: try mm.string("name")))
        }
        let knownMatters = Set(Matter.standard.map(\.key) + ownMatters.map(\.key))

        var measures: [Measure] = []
        var measureLocations: [String: SourceLocation] = [:]
        for node in try root.require("measures").list() {
            let m = try measure(node, file: file, knownMatters: knownMatters)
            if measureLocations[m.id] != nil { throw PolicyFileError(node.location, "措施编号“\(m.id)”重复") }
            measureLocations[m.id] = node.location
            measures.append(m)
        }
        let measureIDs = Set(measures.map(\.id))
        func checkMeasures(_ node: YAMLNode) throws -> [String] {
            let ids = try node.stringList()
            for (i, id) in ids.enumerated() where !measureIDs.contains(id) {
                let near = Suggestions.closest(to: id, among: Array(measureIDs))
                throw PolicyFileError(try node.list()[i].location, "未知的措施“\(id)”" + (near.isEmpty ? "" : "，是否指 \(near.joined(separator: " / "))？"))
            }
            return ids
        }
        for id in funding.cityOnlyMeasures where !measureIDs.contains(id) {
            throw PolicyFileError(fundingMap.location, "city_only_measures 中的措施“\(id)”不存在")
        }
        for i in measures.indices { measures[i].fundedByCityOnly = funding.cityOnlyMeasures.contains(measures[i].id) }

        var groups: [CapGroup] = []
        for node in try root["cap_groups"]?.list() ?? [] {
            let g = try node.map(allowed: ["id", "name", "measures", "limit", "per", "once_per_enterprise", "clause", "text", "reading"])
            let limit = try g["limit"].map { try money($0) }
            let scope = try capScope(g["per"]) ?? .enterprise
            let once = try g["once_per_enterprise"]?.bool() ?? false
            if limit == nil && !once { throw PolicyFileError(g.location, "共享上限须给出 limit 或 once_per_enterprise") }
            groups.append(CapGroup(id: try g.string("id"), name: try g.string("name"), measures: try checkMeasures(g.require("measures")),
                                   limit: limit, scope: scope, oncePerEnterprise: once,
                                   clause: try g.string("clause"), text: try g.string("text"), reading: try g.optionalString("reading")))
        }
        var pools: [Pool] = []
        for node in try root["pools"]?.list() ?? [] {
            let p = try node.map(allowed: ["id", "name", "measures", "limit", "clause", "text", "reading"])
            pools.append(Pool(id: try p.string("id"), name: try p.string("name"), measures: try checkMeasures(p.require("measures")),
                              limit: try money(p.require("limit")), clause: try p.string("clause"), text: try p.string("text"),
                              reading: try p.optionalString("reading")))
        }
        var readings: [Reading] = []
        for node in try root["readings"]?.list() ?? [] {
            let r = try node.map(allowed: ["id", "clause", "question", "choice", "setting"])
            readings.append(Reading(id: try r.string("id"), clause: try r.string("clause"), question: try r.string("question"),
                                    choice: try r.string("choice"), setting: try r.string("setting")))
        }

        return Policy(id: try root.string("id"), title: try root.string("title"), document: try root.string("document"),
                      docNumber: try root.string("doc_number"), issuer: try root.string("issuer"),
                      issued: try root["issued"].map { try day($0) }, seed: try root.string("seed"),
                      status: try root.optionalString("status") ?? "in_force",
                      inForce: inForce, scope: scope, stacking: stacking, eligibility: eligibility, funding: funding,
                      measures: measures, capGroups: groups, pools: pools, matters: ownMatters, readings: readings, file: file)
    }

    static func day(_ node: YAMLNode) throws -> Day {
        guard let d = Day.parse(try node.string()) else { throw PolicyFileError(node.location, "日期应写作 YYYY-MM-DD") }
        return d
    }

    static func literal(_ node: YAMLNode) throws -> Value {
        let e = try ExpressionParser.parse(try node.string(), at: node.textLocation)
        switch e.kind {
        case let .literal(v): return v
        case let .negate(x):
            if case let .literal(v) = x.kind, let n = v.number { return Value.numeric(v.type, n.negated) }
        default: break
        }
        throw PolicyFileError(node.location, "参数值应为一个常量（如 70%、20万元、150、2024-11-01）")
    }

    static func money(_ node: YAMLNode) throws -> Fen {
        guard case let .money(r) = try literal(node), r.isInteger, r.numerator >= 0 else {
            throw PolicyFileError(node.location, "此处应为金额（如 20万元、3000万元、200000元）")
        }
        return Fen(r.numerator)
    }

    static func capScope(_ node: YAMLNode?) throws -> CapScope? {
        guard let node else { return nil }
        let s = try node.string()
        guard let scope = CapScope(rawValue: s) else {
            throw PolicyFileError(node.location, "未知的上限范围“\(s)”；可用：\(CapScope.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return scope
    }

    static func measure(_ node: YAMLNode, file: String, knownMatters: Set<String>) throws -> Measure {
        let m = try node.map(allowed: measureKeys)
        let matterNode = try m.require("matter")
        let matter = try matterNode.string()
        guard knownMatters.contains(matter) else {
            let near = Suggestions.closest(to: matter, among: Array(knownMatters))
            throw PolicyFileError(matterNode.location, "未知的事项“\(matter)”" + (near.isEmpty ? "" : "，是否指 \(near.joined(separator: " / "))？"))
        }
        let clause = try m.string("clause")

        var applicants: [ApplicantType] = []
        if let a = m["applicants"] {
            for item in try a.list() {
                let s = try item.string()
                guard let t = ApplicantType(rawValue: s) else {
                    throw PolicyFileError(item.location, "未知的申报主体类型“\(s)”；可用：\(ApplicantType.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                applicants.append(t)
            }
        } else {
            applicants = [.enterprise]
        }

        var inputs: [MeasureInput] = []
        if let inNode = m["inputs"] {
            guard case let .mapping(map) = inNode.node else { throw PolicyFileError(inNode.location, "inputs 应为键值表") }
            for (k, v) in map {
                let name = try YAMLNode(node: k, file: file).string()
                let spec = try YAMLNode(node: v, file: file).map(allowed: ["type", "label", "default"])
                let typeNode = try spec.require("type")
                guard let type = ValueType(rawValue: try typeNode.string()) else {
                    throw PolicyFileError(typeNode.location, "未知的类型；可用：\(ValueType.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                var def: Value?
                if let d = spec["default"] {
                    guard let v = Value.parseCell(try d.string(), as: type) else {
                        throw PolicyFileError(d.location, "默认值不是\(type.chinese)")
                    }
                    def = v
                }
                if ["amount", "date", "claim_id", "enterprise_id", "district", "matter"].contains(name) {
                    throw PolicyFileError(YAMLNode(node: k, file: file).location, "“\(name)”是台账的固定列，不能作为输入字段")
                }
                inputs.append(MeasureInput(name: name, type: type, label: try spec.optionalString("label") ?? name, defaultValue: def))
            }
        }

        var parameters: [MeasureParameter] = []
        if let pNode = m["parameters"] {
            guard case let .mapping(map) = pNode.node else { throw PolicyFileError(pNode.location, "parameters 应为键值表") }
            for (k, v) in map {
                let name = try YAMLNode(node: k, file: file).string()
                let spec = try YAMLNode(node: v, file: file).map(allowed: ["value", "text", "clause"])
                parameters.append(MeasureParameter(name: name, value: try literal(spec.require("value")),
                                                   text: try spec.string("text"), clause: try spec.optionalString("clause") ?? clause))
            }
        }
        let scope = ExpressionScope(parameters: Dictionary(parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }),
                                    inputs: Dictionary(inputs.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a }))

        var conditions: [Condition] = []
        for c in try m["conditions"]?.list() ?? [] {
            let cm = try c.map(allowed: ["when", "reason"])
            let whenNode = try cm.require("when")
            let source = try whenNode.string()
            let e = try ExpressionParser.parse(source, at: whenNode.textLocation)
            try TypeChecker.check(e, in: scope, expecting: .bool)
            conditions.append(Condition(expression: e, source: source, reason: try cm.string("reason")))
        }

        let awardNode = try m.require("award")
        let awardSource = try awardNode.string()
        let award = try ExpressionParser.parse(awardSource, at: awardNode.textLocation)
        try TypeChecker.check(award, in: scope, expecting: .money)

        var caps: [Cap] = []
        for c in try m["caps"]?.list() ?? [] {
            let cm = try c.map(allowed: ["limit", "per", "label"])
            let limitNode = try cm.require("limit")
            let pname = try limitNode.string()
            guard let p = parameters.first(where: { $0.name == pname }) else {
                throw PolicyFileError(limitNode.location, "上限应引用本措施 parameters 中的金额参数，未找到“\(pname)”")
            }
            guard case let .money(r) = p.value, r.isInteger else {
                throw PolicyFileError(limitNode.location, "上限参数“\(pname)”不是金额")
            }
            caps.append(Cap(parameter: pname, limit: Fen(r.numerator), scope: try capScope(cm["per"]) ?? .claim,
                            label: try cm.optionalString("label") ?? "上限"))
        }

        return Measure(id: try m.string("id"), name: try m.string("name"), matter: matter, clause: clause,
                       text: try m.string("text"), applicants: applicants, inputs: inputs, parameters: parameters,
                       conditions: conditions, award: award, awardSource: awardSource,
                       baseLabel: try m.optionalString("base") ?? "申报金额", caps: caps,
                       oncePerEnterprise: try m["once_per_enterprise"]?.bool() ?? false,
                       maxClaimsPerYear: try m["max_claims_per_year"]?.int(),
                       review: try m.optionalString("review"), readings: try m["readings"]?.stringList() ?? [],
                       fundedByCityOnly: false)
    }
}
