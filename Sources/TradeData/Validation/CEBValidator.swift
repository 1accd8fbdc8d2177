import Foundation
import KuajingDomain

/// The verdict on one record: accepted (perhaps with warnings) or quarantined (at least one error).
public struct RecordVerdict: Sendable {
    public var record: CEBRecord
    public var schemaID: String?
    public var findings: [Finding]
    public var accepted: Bool { !findings.contains { $0.severity == .error } }
    public var reasons: [String] { Array(Set(findings.filter { $0.severity == .error }.map(\.code))).sorted() }
}

/// Checks records against the XSD rules of their message type, the customs code tables, the
/// arithmetic the specification implies, and the check digits of 统一社会信用代码 (GB 32100-2015) and
/// 居民身份证号码 (GB 11643). Check-digit failures are warnings: customs itself does not reject on them
/// (the published samples carry such numbers).
public struct CEBValidator: Sendable {
    public var schemas: [CEBSchema]
    public var codes: CodeTables

    /// Per schema, per group: the field rules with their code table and allowed values looked up once.
    let compiled: [[String: [CompiledField]]]
    /// Per message type, the schemas that define it (indices into `schemas`, in order).
    let schemasByMessage: [String: [Int]]

    struct CompiledField {
        var rule: CEBFieldRule
        var table: CodeTables.Table?
        var allowed: FieldEnumerations.Allowed?
        var isTradeMode: Bool
        var mayBeCreditCode: Bool
        var isNumber: Bool
    }

    public init(schemas: [CEBSchema], codes: CodeTables) {
        self.schemas = schemas
        self.codes = codes
        compiled = schemas.map { schema in
            schema.groups.mapValues { group in
                group.fields.map { f in
                    CompiledField(rule: f, table: codes.byField[f.name], allowed: FieldEnumerations.byField[f.name], isTradeMode: f.name == "tradeMode",
                                  mayBeCreditCode: f.name.hasSuffix("Code"), isNumber: f.base == "decimal" || f.base == "int")
                }
            }
        }
        var byMessage: [String: [Int]] = [:]
        for (i, schema) in schemas.enumerated() {
            for name in schema.messages { byMessage[String(name.dropLast("Message".count)), default: []].append(i) }
        }
        schemasByMessage = byMessage
    }

    /// Loads the three CEB schemas (export 202205, import 202205, export 2018) and the code tables.
    public static func load(schemaDirectory: String, codeDirectory: String) throws -> CEBValidator {
        let schemas = try [("export-202205", "ceb-export-202205.xsd"), ("import-202205", "ceb-import-202205.xsd"), ("export-2018", "ceb-export-2018.xsd")]
            .map { try CEBSchema.load(path: schemaDirectory + "/" + $0.1, id: $0.0) }
        return CEBValidator(schemas: schemas, codes: try CodeTables.load(directory: codeDirectory))
    }

    /// Validates every record of a message; problems of the message itself (a block repeated beyond
    /// what the schema allows, a required block missing) quarantine all its records.
    public func validate(_ message: CEBMessage) -> [RecordVerdict] {
        var structural: [Finding] = []
        if let schema = schemas.first(where: { $0.groups[message.type + "Message"] != nil }), let root = schema.groups[message.type + "Message"] {
            for child in root.children {
                let n = message.blockCounts[child.name] ?? 0
                if child.required && n == 0 {
                    structural.append(Finding(code: ReasonCode.structure, severity: .error, field: child.name, line: 1,
                                              message: "报文缺少必需的节点 \(child.name)"))
                }
                if let max = child.max, n > max {
                    structural.append(Finding(code: ReasonCode.structure, severity: .error, field: child.name, line: 1,
                                              message: "报文中 \(child.name) 出现 \(n) 次，报文规范最多 \(max) 次"))
                }
            }
        }
        return message.records.map { r in
            var v = validate(r)
            v.findings = structural + v.findings
            return v
        }
    }

    public func validate(_ record: CEBRecord) -> RecordVerdict {
        guard let candidates = schemasByMessage[record.messageType] else {
            return RecordVerdict(record: record, schemaID: nil, findings: [
                Finding(code: ReasonCode.unknownMessage, severity: .error, field: record.messageType, line: record.line,
                        message: "报文类型 \(record.messageType) 不在报文规范中")])
        }
        // Where two editions define the message, the one the record fits best is taken (ties: the first, 202205).
        var best: (Int, [Finding], errors: Int)?
        for s in candidates {
            if let b = best, b.errors == 0 { break }
            let findings = check(record, against: s)
            let errors = findings.count { $0.severity == .error }
            if best == nil || errors < best!.errors { best = (s, findings, errors) }
        }
        return RecordVerdict(record: record, schemaID: schemas[best!.0].id, findings: best!.1)
    }

    func check(_ record: CEBRecord, against s: Int) -> [Finding] {
        let schema = schemas[s]
        var findings: [Finding] = []
        for (i, group) in ([record.head] + record.lists).enumerated() {
            guard let fields = compiled[s][group.name], let rule = schema.groups[group.name] else {
                findings.append(Finding(code: ReasonCode.structure, severity: .error, field: group.name, line: group.line,
                                        message: "\(group.name) 不是 \(record.messageType) 报文规范中的节点"))
                continue
            }
            checkGroup(group, rule: rule, fields: fields, index: i, messageType: record.messageType, into: &findings)
        }
        // Required child groups of the record (e.g. an Inventory needs at least one InventoryList).
        if let recordRule = schema.groups[record.name] {
            for child in recordRule.children where child.required {
                let present = record.head.name == child.name || record.lists.contains { $0.name == child.name }
                if !present {
                    findings.append(Finding(code: ReasonCode.structure, severity: .error, field: child.name, line: record.line,
                                            message: "缺少必需的节点 \(child.name)"))
                }
            }
        }
        findings += arithmetic(record)
        return findings
    }

    /// Checks one group's fields against its rules. Fields are matched in schema order with a cursor
    /// (messages list them in that order), so no table is built per group.
    func checkGroup(_ group: CEBGroup, rule: CEBGroupRule, fields: [CompiledField], index: Int, messageType: String, into out: inout [Finding]) {
        // Built only when a finding needs it: `InventoryList[2]`, the head without an index.
        func add(_ code: String, _ severity: Finding.Severity, _ field: String, _ message: String) {
            let label = index == 0 ? group.name : "\(group.name)[\(index)]"
            out.append(Finding(code: code, severity: severity, field: "\(label).\(field)", line: group.line, message: message))
        }
        let present = group.fields
        var matched = [Bool](repeating: false, count: present.count)
        var cursor = 0
        func find(_ name: String) -> Int? {
            for k in cursor..<present.count where present[k].name == name {
                cursor = k + 1
                return k
            }
            for k in 0..<min(cursor, present.count) where present[k].name == name { return k }
            return nil
        }
        var idType: [String: String] = [:]
        for c in fields {
            let f = c.rule
            // Built only when a finding needs it: most fields are fine.
            var title: String {
                let doc = f.documentation.split(whereSeparator: \.isNewline).first.map { String($0.prefix(16)).trimmingCharacters(in: .whitespaces) } ?? ""
                return doc.isEmpty ? f.name : "\(f.name)（\(doc)）"
            }
            guard let k = find(f.name) else {
                if f.required { add(ReasonCode.missingField, .error, f.name, "缺少必填字段 \(title)") }
                continue
            }
            matched[k] = true
            let value = present[k].value
            if f.name.hasSuffix("IdNumber") || f.name.hasSuffix("IdType") { idType[f.name] = value }
            if value.isEmpty {
                if (f.minLength ?? 0) > 0 || (f.length ?? 0) > 0 || c.isNumber {
                    if f.required { add(ReasonCode.emptyField, .error, f.name, "必填字段 \(title) 为空") }
                }
                continue
            }
            if f.length != nil || f.maxLength != nil || f.minLength != nil {
                let count = CEBValidator.characterCount(value)
                if let l = f.length, count != l { add(ReasonCode.length, .error, f.name, "\(title) 应为 \(l) 位，实为 \(count) 位：“\(value)”") }
                if let m = f.maxLength, count > m { add(ReasonCode.length, .error, f.name, "\(title) 最长 \(m) 位，实为 \(count) 位") }
                if let m = f.minLength, count < m { add(ReasonCode.length, .error, f.name, "\(title) 至少 \(m) 位，实为 \(count) 位") }
            }
            if c.isNumber, let problem = CEBValidator.numberProblem(value, integer: f.base == "int", total: f.totalDigits, fraction: f.fractionDigits) {
                add(ReasonCode.numberFormat, .error, f.name, "\(title) “\(value)” \(problem)")
            }
            if let table = c.table, table.codes[value] == nil {
                // A partial table cannot prove a code wrong, unless the value does not even look like one.
                let shaped = table.codes.keys.first.map { k in k.count == value.count && k.allSatisfy(\.isNumber) == value.allSatisfy(\.isNumber) } ?? true
                let certain = table.complete || !shaped
                add(ReasonCode.unknownCode, certain ? .error : .warning, f.name,
                    "\(title) “\(value)” 不在\(table.name)表中" + (certain ? "" : "（该代码表不完整，仅作提示）"))
            }
            if let allowed = c.allowed, !allowed.values.contains(value) {
                add(ReasonCode.unknownCode, .error, f.name, "\(title) “\(value)” 不是允许的取值（\(allowed.source)）")
            }
            if c.isTradeMode, let allowed = FieldEnumerations.tradeModeByMessage[messageType], !allowed.values.contains(value) {
                add(ReasonCode.unknownCode, .error, f.name, "\(messageType) 的监管方式只能是 \(allowed.values.sorted().joined(separator: "/"))，实为“\(value)”")
            }
            if c.mayBeCreditCode, value.utf8.count == 18, value.first.map({ $0.isNumber || $0.isUppercase }) == true, !CreditCode.isValid(value) {
                add(ReasonCode.creditCode, .warning, f.name, "\(title) “\(value)” 不符合统一社会信用代码校验位（GB 32100-2015）")
            }
        }
        for k in present.indices where !matched[k] && !rule.fieldNames.contains(present[k].name) {
            add(ReasonCode.unknownField, .warning, present[k].name, "报文规范中没有字段 \(present[k].name)")
        }
        // 身份证号码 (证件类型 1) check digit.
        for (idField, typeField) in [("buyerIdNumber", "buyerIdType"), ("payerIdNumber", "payerIdType")] {
            if let id = idType[idField], !id.isEmpty, (idType[typeField] ?? "1") == "1", !IdentityNumber.isValid(id) {
                add(ReasonCode.idNumber, .warning, idField, "\(idField) “\(id)” 不符合公民身份号码规则（出生日期或校验码，GB 11643）")
            }
        }
    }

    /// Characters as the schema's length facets count them (Unicode scalars), from the UTF-8 bytes.
    static func characterCount(_ s: String) -> Int {
        var n = 0
        for byte in s.utf8 where byte & 0xC0 != 0x80 { n += 1 }
        return n
    }

    /// nil when `text` is a decimal (or integer) within the digits the schema allows.
    static func numberProblem(_ text: String, integer: Bool, total: Int?, fraction: Int?) -> String? {
        var intDigits = 0, fracDigits = 0, digits = 0, dots = 0, leadingZeros = true
        for (k, c) in text.utf8.enumerated() {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                if dots == 0 {
                    if c != UInt8(ascii: "0") || !leadingZeros { intDigits += 1; leadingZeros = false }
                } else { fracDigits += 1 }
            case UInt8(ascii: "."): dots += 1
            case UInt8(ascii: "-"), UInt8(ascii: "+"): if k != 0 { return "不是数字" }
            default: return "不是数字"
            }
        }
        guard dots <= 1, digits > 0 || dots == 1 else { return "不是数字" }
        if integer && dots == 1 { return "应为整数" }
        if let f = fraction, fracDigits > f { return "小数位数超过 \(f) 位" }
        if let t = total, intDigits + fracDigits > t { return "总位数超过 \(t) 位" }
        return nil
    }

    /// The sums the specification implies: each line's qty × price = totalPrice (to the fen), and an
    /// order's goodsValue + freight + taxTotal − discount = acturalPaid.
    func arithmetic(_ record: CEBRecord) -> [Finding] {
        var out: [Finding] = []
        for (i, line) in record.lists.enumerated() {
            guard let q = line.value("qty").flatMap(ExactDecimal.init), let p = line.value("price").flatMap(ExactDecimal.init),
                  let t = line.value("totalPrice").flatMap(ExactDecimal.init) else { continue }
            if ExactDecimal.differByMoreThanACent(q.times(p), t) ?? (abs(q.decimal * p.decimal - t.decimal) > Decimal.cent) {
                let (qd, pd, td) = (q.decimal, p.decimal, t.decimal)
                out.append(Finding(code: ReasonCode.lineArithmetic, severity: .error, field: "\(line.name)[\(i + 1)].totalPrice", line: line.line,
                                   message: "数量 \(qd) × 单价 \(pd) = \(qd * pd)，与总价 \(td) 不符"))
            }
        }
        let h = record.head
        if let g = h.value("goodsValue").flatMap(Decimal.init(plain:)), let paid = h.value("acturalPaid").flatMap(Decimal.init(plain:)) {
            let f = h.value("freight").flatMap(Decimal.init(plain:)) ?? 0
            let t = h.value("taxTotal").flatMap(Decimal.init(plain:)) ?? 0
            let d = h.value("discount").flatMap(Decimal.init(plain:)) ?? 0
            if abs(g + f + t - d - paid) > Decimal.cent {
                out.append(Finding(code: ReasonCode.paymentArithmetic, severity: .error, field: "\(h.name).acturalPaid", line: h.line,
                                   message: "商品价格 \(g) + 运杂费 \(f) + 代扣税款 \(t) − 非现金抵扣 \(d) = \(g + f + t - d)，与实际支付 \(paid) 不符"))
            }
        }
        return out
    }
}

extension Decimal {
    static let cent = Decimal(string: "0.01")!

    /// Parses a plain decimal exactly (no exponent, no grouping).
    init?(plain text: String) {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-") }),
              let d = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else { return nil }
        self = d
    }
}
