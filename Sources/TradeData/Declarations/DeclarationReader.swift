import Foundation
import KuajingDomain
#if canImport(Glibc)
import Glibc
#endif

/// One row of a declarations (报关单) extract, for B2B (9710/9810) and bonded (1210) trade.
public struct DeclarationRow: Sendable, Equatable {
    public var line: Int
    public var declarationNo: String
    public var date: String
    public var direction: String
    public var supervisionCode: String
    public var enterpriseID: String
    public var enterpriseName: String
    public var district: String?
    public var customsCode: String
    public var country: String
    public var hsCode: String
    /// Yuan rounded half up to the fen, once, here.
    public var valueFen: Int64
    public var currency: String
    public var valueOriginal: String
    public var status: String
}

/// Reads a declarations extract: CSV with a header row, UTF-8 (with or without BOM) or GBK/GB18030.
/// Columns: declaration_no, date, direction (I/E), supervision_code, enterprise_id, enterprise_name,
/// district, customs_code, country, hs_code, value_cny, currency, value_original, status.
public enum DeclarationReader {
    public static let columns = ["declaration_no", "date", "direction", "supervision_code", "enterprise_id", "enterprise_name",
                                 "district", "customs_code", "country", "hs_code", "value_cny", "currency", "value_original", "status"]

    public struct Result: Sendable {
        public var rows: [DeclarationRow]
        /// Rows held back, each with its findings (line, column name in `field`).
        public var problems: [(line: Int, key: String, findings: [Finding])]
        public var warnings: [Finding]
        public var encoding: String
    }

    /// Decodes the bytes: UTF-8 when they are valid UTF-8, else GB18030 (a superset of GBK).
    public static func decode(_ data: Data) -> (String, String)? {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if let s = String(validatingUTF8: bytes.map { CChar(bitPattern: $0) } + [0]) { return (s, "UTF-8") }
        guard let cd = iconv_open("UTF-8", "GB18030"), cd != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(cd) }
        var output = [UInt8](repeating: 0, count: bytes.count * 2 + 16)
        let capacity = output.count
        let left: Int? = bytes.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                var inLeft = inBuf.count
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                var outLeft = capacity
                return iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft) == -1 ? nil : outLeft
            }
        }
        guard let left else { return nil }
        output.removeLast(left)
        return (String(decoding: output, as: UTF8.self), "GB18030")
    }

    public static func read(_ data: Data, codes: CodeTables, divisions: DivisionCatalog = .standard) throws -> Result {
        guard let (text, encoding) = decode(data) else { throw TradeDataError.input("报关单文件既不是 UTF-8 也不是 GBK/GB18030 编码") }
        // LF or CRLF (in Swift "\r\n" is one Character, so both are separators), with or without a BOM.
        let body = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        var lines = body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        while lines.last == "" { lines.removeLast() }
        guard let headerLine = lines.first else { throw TradeDataError.input("报关单文件为空") }
        let header = headerLine.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        let missing = columns.filter { !header.contains($0) }
        if !missing.isEmpty { throw TradeDataError.input("报关单文件第 1 行缺少列：\(missing.joined(separator: ", "))") }
        let index = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var result = Result(rows: [], problems: [], warnings: [], encoding: encoding)
        for (n, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let lineNo = n + 1
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            func cell(_ c: String) -> String { index[c].flatMap { $0 < cells.count ? cells[$0] : nil } ?? "" }
            var findings: [Finding] = []
            func fail(_ code: String, _ c: String, _ message: String, _ severity: Finding.Severity = .error) {
                findings.append(Finding(code: code, severity: severity, field: "\(c)（第 \((index[c] ?? 0) + 1) 列）", line: lineNo, message: message))
            }
            if cells.count != header.count { fail(ReasonCode.structure, "declaration_no", "本行有 \(cells.count) 列，表头有 \(header.count) 列") }
            for c in ["declaration_no", "date", "direction", "supervision_code", "enterprise_id", "country", "value_cny", "currency", "status"] where cell(c).isEmpty {
                fail(ReasonCode.missingField, c, "\(c) 不能为空")
            }
            var date = cell("date")
            if date.count == 8, date.allSatisfy(\.isNumber) { date = "\(date.prefix(4))-\(date.dropFirst(4).prefix(2))-\(date.suffix(2))" }
            if !cell("date").isEmpty && Day.parse(date) == nil { fail(ReasonCode.numberFormat, "date", "日期“\(cell("date"))”无效（YYYY-MM-DD 或 YYYYMMDD）") }
            if !cell("direction").isEmpty && !["I", "E"].contains(cell("direction")) { fail(ReasonCode.unknownCode, "direction", "进出口标志应为 I 或 E，实为“\(cell("direction"))”") }
            if let t = codes.byField["tradeMode"], !cell("supervision_code").isEmpty, t.codes[cell("supervision_code")] == nil {
                fail(ReasonCode.unknownCode, "supervision_code", "监管方式“\(cell("supervision_code"))”不在监管方式代码表中")
            }
            let country = cell("country")
            if let t = codes.byField["country"], !country.isEmpty, t.codes[country] == nil, !codes.countryAlpha3.contains(country) {
                fail(ReasonCode.unknownCode, "country", "国别“\(country)”既不是 3 位海关国别代码也不是 ISO 三字母代码")
            }
            var valueFen: Int64 = 0
            if !cell("value_cny").isEmpty {
                if let d = Decimal(plain: cell("value_cny")), d >= 0 {
                    var scaled = d * 100, rounded = Decimal()
                    NSDecimalRound(&rounded, &scaled, 0, .plain)
                    valueFen = NSDecimalNumber(decimal: rounded).int64Value
                } else { fail(ReasonCode.numberFormat, "value_cny", "人民币金额“\(cell("value_cny"))”不是非负数") }
            }
            let hs = cell("hs_code")
            if !hs.isEmpty && !(hs.count >= 8 && hs.count <= 10 && hs.allSatisfy(\.isNumber)) {
                fail(ReasonCode.numberFormat, "hs_code", "商品编码“\(hs)”应为 8 到 10 位数字")
            }
            let district = cell("district")
            if !district.isEmpty && divisions.lookup(district) == nil { fail(ReasonCode.unknownCode, "district", "未知的行政区划“\(district)”") }
            let enterprise = cell("enterprise_id")
            if enterprise.count == 18 && !CreditCode.isValid(enterprise) {
                result.warnings.append(Finding(code: ReasonCode.creditCode, severity: .warning, field: "enterprise_id", line: lineNo,
                                               message: "“\(enterprise)”不符合统一社会信用代码校验位（GB 32100-2015）"))
            }
            if findings.contains(where: { $0.severity == .error }) {
                result.problems.append((lineNo, cell("declaration_no"), findings))
                continue
            }
            result.rows.append(DeclarationRow(line: lineNo, declarationNo: cell("declaration_no"), date: date, direction: cell("direction"),
                                              supervisionCode: cell("supervision_code"), enterpriseID: enterprise, enterpriseName: cell("enterprise_name"),
                                              district: district.isEmpty ? nil : divisions.lookup(district)?.name, customsCode: cell("customs_code"),
                                              country: country, hsCode: hs, valueFen: valueFen, currency: cell("currency"),
                                              valueOriginal: cell("value_original"), status: cell("status")))
        }
        return result
    }
}
