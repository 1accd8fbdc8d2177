import Testing
@testable import KuajingDomain

@Suite struct ExactDecimalAndJSONTests {
    @Test(arguments: [("12.50", "12.5", Int64(1250)), ("0.005", "0.005", 1), ("0.0049", "0.0049", 0), ("-1.005", "-1.005", -101),
                      ("100", "100", 10000), ("0.00", "0", 0), ("007.10", "7.1", 710)])
    func plainTextAndFen(text: String, plain: String, fen: Int64) throws {
        let d = try #require(ExactDecimal(text))
        #expect(d.plainText == plain)
        #expect(d.fenRoundedHalfUp == fen)
    }

    @Test func sumsAndCents() throws {
        let a = try #require(ExactDecimal("3")), b = try #require(ExactDecimal("33.333"))
        #expect(try #require(a.times(b)).plainText == "99.999")
        #expect(ExactDecimal.differByMoreThanACent(a.times(b), try #require(ExactDecimal("100"))) == false)
        #expect(ExactDecimal.differByMoreThanACent(a.times(b), try #require(ExactDecimal("100.02"))) == true)
        #expect(try #require(a.plus(b)).plainText == "36.333")
        #expect(ExactDecimal("1.2.3") == nil && ExactDecimal("") == nil && ExactDecimal("1e5") == nil)
    }

    @Test(arguments: [("plain", "\"plain\""), ("a\"b\\c", "\"a\\\"b\\\\c\""), ("x\ny\t\u{01}", "\"x\\ny\\t\\u0001\""), ("中文", "\"中文\"")])
    func jsonQuote(raw: String, quoted: String) {
        #expect(JSONText.quote(raw) == quoted)
    }
}
