import Foundation

/// Customs code tables (shared/reference/customs-codes): which codes exist, and whether the table is
/// complete. A code missing from a partial table is a warning, not a reason to quarantine.
public struct CodeTables: Sendable {
    public struct Table: Sendable {
        public var name: String
        public var codes: [String: String]
        public var complete: Bool
    }

    /// By CEB field name.
    public var byField: [String: Table] = [:]
    /// ISO alpha-3 country codes (used on declarations since 2018), from countries.csv.
    public var countryAlpha3: Set<String> = []

    public init() {}

    /// Loads the tables of `directory`. Completeness follows its SOURCES.md: currencies and customs
    /// areas are partial there.
    public static func load(directory: String) throws -> CodeTables {
        func table(_ file: String, name: String, nameColumn: Int, complete: Bool) throws -> Table {
            guard let data = FileManager.default.contents(atPath: directory + "/" + file), let text = String(data: data, encoding: .utf8) else {
                throw TradeDataError.input("无法读取代码表 \(directory)/\(file)")
            }
            var codes: [String: String] = [:]
            for line in text.split(whereSeparator: \.isNewline).dropFirst() {
                let cols = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                if let code = cols.first, !code.isEmpty { codes[code] = cols.count > nameColumn ? cols[nameColumn] : "" }
            }
            return Table(name: name, codes: codes, complete: complete)
        }
        var t = CodeTables()
        let countries = try table("countries.csv", name: "国家（地区）代码", nameColumn: 1, complete: true)
        let currencies = try table("currencies.csv", name: "币制代码", nameColumn: 2, complete: false)
        let units = try table("units.csv", name: "计量单位代码", nameColumn: 1, complete: false) // SOURCES.md: completeness not verified
        let modes = try table("supervision-modes.csv", name: "监管方式代码", nameColumn: 1, complete: true)
        let transport = try table("transport-modes.csv", name: "运输方式代码", nameColumn: 1, complete: true)
        for f in ["country", "tradeCountry", "originCountry"] { t.byField[f] = countries }
        for f in ["currency", "fCurrency", "iCurrency", "insurCurrency"] { t.byField[f] = currencies }
        for f in ["unit", "unit1", "unit2"] { t.byField[f] = units }
        t.byField["tradeMode"] = modes
        t.byField["trafMode"] = transport
        if let text = FileManager.default.contents(atPath: directory + "/countries.csv").flatMap({ String(data: $0, encoding: .utf8) }) {
            for line in text.split(whereSeparator: \.isNewline).dropFirst() {
                let cols = line.split(separator: ",", omittingEmptySubsequences: false)
                if cols.count > 2, cols[2].count == 3 { t.countryAlpha3.insert(String(cols[2])) }
            }
        }
        return t
    }
}
