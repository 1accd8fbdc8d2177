import KuajingDomain

/// Parses the rule language. Grammar (lowest precedence first):
///
///     or      := and ("or" and)*
///     and     := not ("and" not)*
///     not     := "not" not | compare
///     compare := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum | "in" "[" list "]")?
///     sum     := product (("+" | "-") product)*
///     product := unary (("*" | "/") unary)*
///     unary   := "-" unary | primary
///     primary := number | number "%" | number "元" | number "万元" | date | string | "true" | "false"
///              | name | name "(" args ")" | "(" or ")"
///
/// There are no loops, assignments or user functions: this is a formula language, not a script.
public struct ExpressionParser {
    var tokens: [Token]
    var position = 0

    public static func parse(_ text: String, at origin: SourceLocation) throws -> Expression {
        var lexer = Lexer(text, origin: origin)
        var parser = ExpressionParser(tokens: try lexer.tokens())
        let e = try parser.parseOr()
        guard case .end = parser.current.kind else {
            throw PolicyFileError(parser.current.location, "表达式在此处多出内容")
        }
        return e
    }

    var current: Token { tokens[position] }

    mutating func advance() { if position < tokens.count - 1 { position += 1 } }

    func isKeyword(_ word: String) -> Bool {
        if case let .identifier(w) = current.kind { return w == word }
        return false
    }

    func isSymbol(_ s: String) -> Bool {
        if case let .symbol(x) = current.kind { return x == s }
        return false
    }

    mutating func expect(_ s: String) throws {
        guard isSymbol(s) else { throw PolicyFileError(current.location, "此处应为“\(s)”") }
        advance()
    }

    mutating func parseOr() throws -> Expression {
        var left = try parseAnd()
        while isKeyword("or") {
            let loc = current.location
            advance()
            left = Expression(.binary(.or, left, try parseAnd()), at: loc)
        }
        return left
    }

    mutating func parseAnd() throws -> Expression {
        var left = try parseNot()
        while isKeyword("and") {
            let loc = current.location
            advance()
            left = Expression(.binary(.and, left, try parseNot()), at: loc)
        }
        return left
    }

    mutating func parseNot() throws -> Expression {
        if isKeyword("not") {
            let loc = current.location
            advance()
            return Expression(.not(try parseNot()), at: loc)
        }
        return try parseCompare()
    }

    mutating func parseCompare() throws -> Expression {
        let left = try parseSum()
        if case let .symbol(s) = current.kind, let op = Expression.BinaryOperator(rawValue: s), op.isComparison {
            let loc = current.location
            advance()
            return Expression(.binary(op, left, try parseSum()), at: loc)
        }
        if isKeyword("in") {
            let loc = current.location
            advance()
            try expect("[")
            var items: [Expression] = []
            if !isSymbol("]") {
                items.append(try parseSum())
                while isSymbol(",") { advance(); items.append(try parseSum()) }
            }
            try expect("]")
            return Expression(.membership(left, items), at: loc)
        }
        return left
    }

    mutating func parseSum() throws -> Expression {
        var left = try parseProduct()
        while case let .symbol(s) = current.kind, s == "+" || s == "-" {
            let loc = current.location
            advance()
            left = Expression(.binary(s == "+" ? .add : .subtract, left, try parseProduct()), at: loc)
        }
        return left
    }

    mutating func parseProduct() throws -> Expression {
        var left = try parseUnary()
        while case let .symbol(s) = current.kind, s == "*" || s == "/" {
            let loc = current.location
            advance()
            left = Expression(.binary(s == "*" ? .multiply : .divide, left, try parseUnary()), at: loc)
        }
        return left
    }

    mutating func parseUnary() throws -> Expression {
        if isSymbol("-") {
            let loc = current.location
            advance()
            return Expression(.negate(try parseUnary()), at: loc)
        }
        return try parsePrimary()
    }

    mutating func parsePrimary() throws -> Expression {
        let token = current
        switch token.kind {
        case let .number(value, unit):
            advance()
            switch unit {
            case .none: return Expression(.literal(.count(value)), at: token.location)
            case .percent: return Expression(.literal(.rate(value)), at: token.location)
            case .yuan: return Expression(.literal(.money(try value.multiplied(by: Rational(100)))), at: token.location)
            }
        case let .date(d):
            advance()
            return Expression(.literal(.date(d)), at: token.location)
        case let .string(s):
            advance()
            return Expression(.literal(.text(s)), at: token.location)
        case let .identifier(name):
            if ["and", "or", "not", "in"].contains(name) {
                throw PolicyFileError(token.location, "此处不应出现关键字“\(name)”")
            }
            advance()
            if name == "true" { return Expression(.literal(.bool(true)), at: token.location) }
            if name == "false" { return Expression(.literal(.bool(false)), at: token.location) }
            if isSymbol("(") {
                advance()
                var args: [Expression] = []
                if !isSymbol(")") {
                    args.append(try parseOr())
                    while isSymbol(",") { advance(); args.append(try parseOr()) }
                }
                try expect(")")
                return Expression(.call(name, args), at: token.location)
            }
            return Expression(.name(name), at: token.location)
        case .symbol("("):
            advance()
            let e = try parseOr()
            try expect(")")
            return e
        case .end:
            throw PolicyFileError(token.location, "表达式不完整")
        case .symbol:
            throw PolicyFileError(token.location, "此处应为数值、名称或括号")
        }
    }
}
