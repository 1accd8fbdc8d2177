import KuajingDomain

struct Token {
    enum Kind: Equatable {
        case number(Rational, unit: NumberUnit)
        case date(Day)
        case string(String)
        case identifier(String)
        case symbol(String)
        case end
    }
    enum NumberUnit: Equatable { case none, percent, yuan }

    var kind: Kind
    var location: SourceLocation
}

/// Splits an expression into tokens. Accepts `70%`, `200000元`, `20万元`, `2024-11-01`, `"won"`, names,
/// operators (`<=` or `≤`), and the keywords `and`, `or`, `not`, `in`, `true`, `false`.
struct Lexer {
    let chars: [Character]
    let origin: SourceLocation
    var i = 0

    init(_ text: String, origin: SourceLocation) {
        chars = Array(text)
        self.origin = origin
    }

    func location(_ at: Int) -> SourceLocation { origin.advanced(by: at) }

    mutating func tokens() throws -> [Token] {
        var out: [Token] = []
        while true {
            let t = try next()
            out.append(t)
            if t.kind == .end { return out }
        }
    }

    private func peek(_ k: Int = 0) -> Character? { i + k < chars.count ? chars[i + k] : nil }

    private mutating func next() throws -> Token {
        while let c = peek(), c == " " || c == "\t" || c == "\n" || c == "\u{3000}" { i += 1 }
        let start = i
        guard let c = peek() else { return Token(kind: .end, location: location(i)) }
        if c.isASCII && c.isNumber {
            // A date literal: exactly dddd-dd-dd.
            if i + 10 <= chars.count {
                let candidate = String(chars[i..<i + 10])
                if let d = Day.parse(candidate), candidate.utf8.count == 10 {
                    i += 10
                    return Token(kind: .date(d), location: location(start))
                }
            }
            var text = ""
            while let d = peek(), (d.isASCII && d.isNumber) || d == "." { text.append(d); i += 1 }
            guard let value = Value.parseDecimal(text) else {
                throw PolicyFileError(location(start), "无法识别的数字“\(text)”")
            }
            var j = i
            while j < chars.count, chars[j] == " " { j += 1 }
            if peek() == "%" {
                i += 1
                return Token(kind: .number(try value.divided(by: Rational(100)), unit: .percent), location: location(start))
            }
            if j < chars.count, chars[j] == "元" {
                i = j + 1
                return Token(kind: .number(value, unit: .yuan), location: location(start))
            }
            if j + 1 < chars.count, chars[j] == "万", chars[j + 1] == "元" {
                i = j + 2
                return Token(kind: .number(try value.multiplied(by: Rational(10000)), unit: .yuan), location: location(start))
            }
            return Token(kind: .number(value, unit: .none), location: location(start))
        }
        if c == "\"" || c == "“" {
            let close: Character = c == "\"" ? "\"" : "”"
            i += 1
            var text = ""
            while let d = peek(), d != close { text.append(d); i += 1 }
            guard peek() == close else { throw PolicyFileError(location(start), "字符串缺少结束引号") }
            i += 1
            return Token(kind: .string(text), location: location(start))
        }
        if c.isLetter || c == "_" {
            var text = ""
            while let d = peek(), d.isLetter || d.isNumber || d == "_" { text.append(d); i += 1 }
            return Token(kind: .identifier(text), location: location(start))
        }
        let two = peek(1).map { String([c, $0]) } ?? ""
        if ["<=", ">=", "==", "!="].contains(two) {
            i += 2
            return Token(kind: .symbol(two), location: location(start))
        }
        let mapped: [Character: String] = ["≤": "<=", "≥": ">=", "≠": "!=", "×": "*", "÷": "/", "（": "(", "）": ")", "，": ","]
        if let m = mapped[c] {
            i += 1
            return Token(kind: .symbol(m), location: location(start))
        }
        if "+-*/()<>,[]".contains(c) {
            i += 1
            return Token(kind: .symbol(String(c)), location: location(start))
        }
        throw PolicyFileError(location(start), "无法识别的字符“\(c)”")
    }
}
