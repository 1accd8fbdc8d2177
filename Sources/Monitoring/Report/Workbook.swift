import Foundation
import ZIPFoundation

/// A minimal Office Open XML workbook (.xlsx): sheets of text and number cells, inline strings,
/// a bold header row. Enough for Excel and WPS to open a report as a real workbook.
public struct Workbook {
    public enum Cell: Sendable {
        case text(String)
        /// A number as exact decimal text ("650.00"), so no binary rounding happens on our side.
        case number(String)
    }

    public var sheets: [(name: String, rows: [[Cell]])] = []

    public init() {}

    static func escape(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\t", "\n", "\r": out.unicodeScalars.append(u)
            default: if u.value >= 0x20 { out.unicodeScalars.append(u) }
            }
        }
        return out
    }

    static func column(_ index: Int) -> String {
        var n = index + 1, s = ""
        while n > 0 {
            let r = (n - 1) % 26
            s = String(UnicodeScalar(UInt8(65 + r))) + s
            n = (n - 1) / 26
        }
        return s
    }

    func sheetXML(_ rows: [[Cell]]) -> String {
        var x = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><cols><col min=\"1\" max=\"\(max(rows.map(\.count).max() ?? 1, 1))\" width=\"18\" customWidth=\"1\"/></cols><sheetData>"
        for (r, row) in rows.enumerated() {
            x += "<row r=\"\(r + 1)\">"
            for (c, cell) in row.enumerated() {
                let ref = Self.column(c) + String(r + 1)
                let style = r == 0 ? " s=\"1\"" : ""
                switch cell {
                case let .text(t): x += "<c r=\"\(ref)\" t=\"inlineStr\"\(style)><is><t xml:space=\"preserve\">\(Self.escape(t))</t></is></c>"
                case let .number(n): x += "<c r=\"\(ref)\"\(style)><v>\(n)</v></c>"
                }
            }
            x += "</row>"
        }
        return x + "</sheetData></worksheet>"
    }

    /// The workbook's parts, by path inside the archive.
    public func parts() -> [(String, String)] {
        let names = sheets.map(\.name)
        var parts: [(String, String)] = []
        parts.append(("[Content_Types].xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\(names.indices.map { "<Override PartName=\"/xl/worksheets/sheet\($0 + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>" }.joined())</Types>
            """))
        parts.append(("_rels/.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>
            """))
        parts.append(("xl/workbook.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>\(names.enumerated().map { "<sheet name=\"\(Self.escape(String($0.element.prefix(31))))\" sheetId=\"\($0.offset + 1)\" r:id=\"rId\($0.offset + 1)\"/>" }.joined())</sheets></workbook>
            """))
        parts.append(("xl/_rels/workbook.xml.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\(names.indices.map { "<Relationship Id=\"rId\($0 + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\($0 + 1).xml\"/>" }.joined())<Relationship Id="rId\(names.count + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>
            """))
        parts.append(("xl/styles.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="等线"/></font><font><b/><sz val="11"/><name val="等线"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf fontId="0"/><xf fontId="1" applyFont="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>
            """))
        for (k, sheet) in sheets.enumerated() { parts.append(("xl/worksheets/sheet\(k + 1).xml", sheetXML(sheet.rows))) }
        return parts
    }

    /// Writes the .xlsx; the file appears only when complete (written beside it, then moved).
    public func write(to path: String) throws {
        let temporary = path + ".partial-\(ProcessInfo.processInfo.processIdentifier)"
        try? FileManager.default.removeItem(atPath: temporary)
        let archive = try Archive(url: URL(fileURLWithPath: temporary), accessMode: .create)
        for (name, text) in parts() {
            let data = Data(text.utf8)
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
    }

    /// The .xlsx as bytes (for a download, or a file written whole by its caller).
    public func bytes() throws -> [UInt8] {
        let archive = try Archive(accessMode: .create)
        for (name, text) in parts() {
            let data = Data(text.utf8)
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let data = archive.data else { throw MonitoringError("无法生成工作簿") }
        return [UInt8](data)
    }
}
