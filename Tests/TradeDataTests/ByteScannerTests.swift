import Foundation
import KuajingDomain
import Testing
@testable import TradeData

/// The byte scanner is a fast path: wherever it reads a message, it must read exactly what libxml2
/// reads, and wherever libxml2 refuses a document, the scanner must not have accepted it.
@Suite struct ByteScannerTests {
    /// Everything a reader hands on, as one comparable text.
    static func render(_ messages: [CEBMessage]) -> String {
        messages.map { m in
            let records = m.records.map { r in
                let groups = ([r.head] + r.lists).map { g in "\(g.name)@\(g.line){" + g.fields.map { "\($0.name)=\($0.value)" }.joined(separator: ";") + "}" }
                return "\(r.name)@\(r.line) \(r.messageType) \(r.messageGuid ?? "-") " + groups.joined(separator: " ")
            }
            return "\(m.type) \(m.guid ?? "-") \(m.blockCounts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }) \(m.bytes.count)\n" + records.joined(separator: "\n")
        }.joined(separator: "\n")
    }

    static func both(_ data: Data, _ source: String = "t.xml") -> (scanner: String?, libxml: String?) {
        let digest = SHA256Hex.of(data)
        let scanned = CEBByteScanner.scan([UInt8](data), source: source, digest: digest).map {
            render([CEBMessage(source: source, type: $0.messageType, guid: $0.guid, digest: digest, records: $0.records, blockCounts: $0.blockCounts, bytes: [UInt8](data))])
        }
        let libxml = (try? CEBReader.readWithLibXML(data: data, source: source, digest: digest)).map(render)
        return (scanned, libxml)
    }

    @Test func samplesReadTheSameBothWays() throws {
        let dir = shared + "/customs-samples"
        var scanned = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: dir).filter({ $0.hasSuffix(".xml") }).sorted() {
            let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file))
            let (s, l) = Self.both(data, file)
            if let s {
                scanned += 1
                #expect(s == l, "\(file)")
            }
        }
        #expect(scanned >= 10) // the UTF-8 samples; GBK ones and envelopes go to libxml2
    }

    @Test func generatedMessagesReadTheSameBothWays() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("scanner-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try TradeGenerator.write(records: 250, seed: 3, to: dir)
        for file in try FileManager.default.contentsOfDirectory(atPath: dir).sorted() {
            let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file))
            let (s, l) = Self.both(data, file)
            #expect(s != nil)
            #expect(s == l)
        }
    }

    static let head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ceb:CEB603Message guid=\"G\" version=\"1.0\" xmlns:ceb=\"http://www.chinaport.gov.cn/ceb\">\n"

    /// Well-formed oddities the scanner handles itself, the same as libxml2.
    @Test(arguments: [
        "<ceb:Inventory><ceb:InventoryHead><ceb:copNo> A&amp;B&#x4E2D;&#25991; </ceb:copNo><!-- c --><ceb:x><![CDATA[<raw>]]></ceb:x></ceb:InventoryHead></ceb:Inventory>",
        "<ceb:Inventory>\r\n<ceb:InventoryHead><ceb:note>line1\r\nline2\rline3</ceb:note><ceb:e/><?pi x?></ceb:InventoryHead>\n</ceb:Inventory>",
        "<ceb:Inventory><ceb:InventoryHead a='1' b=\"&quot;\"><ceb:copNo>x</ceb:copNo ></ceb:InventoryHead><ceb:InventoryList><ceb:gnum>1</ceb:gnum></ceb:InventoryList></ceb:Inventory>",
    ])
    func oddButWellFormed(body: String) {
        let (s, l) = Self.both(Data((Self.head + body + "\n</ceb:CEB603Message>\n<!-- tail -->\n").utf8))
        #expect(s != nil)
        #expect(s == l)
    }

    /// Not well formed, or not the scanner's: it must hand these to libxml2 (return nil).
    @Test(arguments: [
        "<ceb:Inventory><ceb:InventoryHead><ceb:copNo>x</ceb:copNO></ceb:InventoryHead></ceb:Inventory>",
        "<ceb:Inventory><ceb:InventoryHead><ceb:copNo>a & b</ceb:copNo></ceb:InventoryHead></ceb:Inventory>",
        "<ceb:Inventory><ceb:InventoryHead><ceb:copNo>&nbsp;</ceb:copNo></ceb:InventoryHead></ceb:Inventory>",
        "<ceb:Inventory><ceb:InventoryHead><ceb:copNo>a]]>b</ceb:copNo></ceb:InventoryHead></ceb:Inventory>",
        "<ceb:Inventory><ceb:InventoryHead><x:copNo>a</x:copNo></ceb:InventoryHead></ceb:Inventory>",
        "<ceb:Inventory><ceb:InventoryHead a=\"1\" a=\"2\"/></ceb:Inventory>",
        "<ceb:Inventory><ceb:InventoryHead a=\"<\"/></ceb:Inventory>",
        "<ceb:Inventory><ceb:InventoryHead><ceb:copNo>\u{01}</ceb:copNo></ceb:InventoryHead></ceb:Inventory>",
        "<ceb:Inventory><ceb:InventoryHead><!-- a -- b --></ceb:InventoryHead></ceb:Inventory>",
        "<ceb:Inventory><ceb:InventoryHead>",
    ])
    func handedToLibXML(body: String) {
        let (s, _) = Self.both(Data((Self.head + body + "\n</ceb:CEB603Message>\n").utf8))
        #expect(s == nil)
    }

    @Test func otherEncodingsDoctypesAndEnvelopesGoToLibXML() throws {
        #expect(Self.both(Data("<?xml version=\"1.0\" encoding=\"GBK\"?><CEB603Message/>".utf8)).scanner == nil)
        #expect(Self.both(Data("<!DOCTYPE x><CEB603Message/>".utf8)).scanner == nil)
        #expect(Self.both(Data("<DxpMsg><Data>AAAA</Data></DxpMsg>".utf8)).scanner == nil)
        #expect(Self.both(Data([0x3C, 0x43, 0x45, 0x42, 0x36, 0x30, 0x33, 0x4D, 0x65, 0x73, 0x73, 0x61, 0x67, 0x65, 0x3E, 0xFF, 0x3C, 0x2F] + Array("CEB603Message>".utf8))).scanner == nil)
        #expect(Self.both(Data("<CEB603Message/><second/>".utf8)).scanner == nil)
        #expect(Self.both(Data("\u{FEFF}<CEB603Message/>".utf8)).scanner != nil)
    }
}
