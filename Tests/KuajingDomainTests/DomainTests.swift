import Foundation
import Testing
@testable import KuajingDomain

@Suite struct FenTests {
    @Test(arguments: [("123456.78", 12_345_678), ("0", 0), ("15.5", 1550), ("0.01", 1)] as [(String, Int64)])
    func parsesYuan(text: String, fen: Int64) {
        #expect(Fen.parseYuan(text) == Fen(fen))
    }

    @Test(arguments: ["-1", "1.234", "1e5", "1,000", "", ".5", "5.", "abc", "1234567890123456"])
    func rejectsMalformedYuan(text: String) {
        #expect(Fen.parseYuan(text) == nil)
    }

    @Test func formats() {
        #expect(Fen(20_000_000).plain == "200000.00")
        #expect(Fen(20_000_000).grouped == "200,000.00")
        #expect(Fen(5).plain == "0.05")
    }
}

@Suite struct RationalTests {
    @Test func roundsHalfUpOnce() {
        #expect(Rational(5, 10).roundedHalfUp() == 1)
        #expect(Rational(49, 100).roundedHalfUp() == 0)
        #expect(Rational(-5, 10).roundedHalfUp() == -1)
        #expect((try! Rational(6).multiplied(by: Rational(1, 4))).roundedHalfUp() == 2) // 1.5 → 2
    }

    @Test func reportsOverflow() {
        #expect(throws: Rational.Overflow.self) { try Rational(Int64.max / 2).multiplied(by: Rational(3)) }
    }
}

@Suite struct DayTests {
    @Test func roundTrips() {
        let d = Day.parse("2024-02-29")!
        #expect(d.iso == "2024-02-29")
        #expect(d.year == 2024)
        #expect(Day.parse("1970-01-01")!.ordinal == 0)
    }

    @Test(arguments: ["2025-02-29", "2025-13-01", "2025-1-01", "20250101", "2025/01/01"])
    func rejectsImpossibleDays(text: String) {
        #expect(Day.parse(text) == nil)
    }
}

@Suite struct DivisionTests {
    @Test func hierarchyIncludesFunctionalZones() {
        let c = DivisionCatalog.standard
        let zone = c.lookup("台州湾新区")!
        #expect(zone.code == nil)
        #expect(c.isWithin(zone.index, c.lookup("台州市")!.index))
        #expect(c.lookup("330108")?.name == "滨江区")
        #expect(!c.isWithin(c.lookup("平湖市")!.index, c.lookup("杭州市")!.index))
    }

    /// The embedded table is the repository's reference/divisions.csv (itself checked against shared/ in KuajingAppTests).
    @Test func embeddedTableMatchesTheReference() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../reference/divisions.csv").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.trimmingCharacters(in: .newlines) == DivisionCatalog.embeddedCSV.trimmingCharacters(in: .newlines))
    }
}

@Suite struct CreditCodeTests {
    @Test func checkDigit() {
        #expect(CreditCode.isValid("91330100MA2H3KLE6C") == (CreditCode.checkCharacter("91330100MA2H3KLE6") == "C"))
        let body = "91330106MA27XXXX0"
        let code = body + String(CreditCode.checkCharacter(body)!)
        #expect(CreditCode.isValid(code))
        #expect(!CreditCode.isValid(String(code.dropLast()) + (code.last == "0" ? "1" : "0")))
    }
}

@Suite struct CompactDayTests {
    @Test(arguments: [("20250308", "2025-03-08"), ("20250311120000000", "2025-03-11"), ("2025-03-11", "2025-03-11"), ("20250230", nil), ("2025031", nil), ("2025x308", nil), ("", nil)] as [(String, String?)])
    func aCEBTimeGivesItsDay(text: String, day: String?) {
        #expect(Day.parseCompact(text)?.iso == day)
    }
}
