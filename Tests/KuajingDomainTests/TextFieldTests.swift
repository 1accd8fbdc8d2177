import Testing
import KuajingDomain

/// The CSV and JSON text the project writes by hand, byte by byte.
@Suite struct TextFieldTests {
    @Test(arguments: [("plain", "plain"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""),
                      ("line\nbreak", "\"line\nbreak\""), ("windows\r\nbreak", "\"windows\r\nbreak\""), ("lone\rcr", "\"lone\rcr\""),
                      ("杭州，滨江", "杭州，滨江")])
    func csvFieldsAreQuotedWhenTheyMustBe(field: String, written: String) {
        #expect(CSVText.field(field) == written)
    }

    @Test(arguments: [("plain", "\"plain\""), ("q\"b\\", "\"q\\\"b\\\\\""), ("a\nb\rc\td", "\"a\\nb\\rc\\td\""), ("\u{01}", "\"\\u0001\""),
                      ("杭州", "\"杭州\"")])
    func jsonStringsEscapeWhatTheyMust(text: String, written: String) {
        #expect(JSONText.quote(text) == written)
    }
}
