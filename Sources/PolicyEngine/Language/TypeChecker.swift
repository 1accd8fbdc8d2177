import KuajingDomain

/// The names an expression may use, and their types.
public struct ExpressionScope {
    public var parameters: [String: Value]
    public var inputs: [String: ValueType]

    public init(parameters: [String: Value] = [:], inputs: [String: ValueType] = [:]) {
        self.parameters = parameters
        self.inputs = inputs
    }

    var allNames: [String] { ["amount", "date"] + Array(parameters.keys) + Array(inputs.keys) }
}

/// Checks types and binds names when a policy file is loaded, so that a unit error (money + count,
/// a rate where money is due) or an unknown name is reported at its line and column, never at run time.
public enum TypeChecker {
    @discardableResult
    public static func check(_ e: Expression, in scope: ExpressionScope, expecting expected: ValueType? = nil) throws -> ValueType {
        let t = try infer(e, scope)
        if let expected, t != expected {
            throw PolicyFileError(e.location, "此处应为\(expected.chinese)（\(expected.rawValue)），表达式的类型却是\(t.chinese)（\(t.rawValue)）")
        }
        return t
    }

    static func infer(_ e: Expression, _ scope: ExpressionScope) throws -> ValueType {
        let t: ValueType
        switch e.kind {
        case let .literal(v):
            t = v.type
        case let .name(n):
            if n == "amount" {
                e.binding = .amount
                t = .money
            } else if n == "date" {
                e.binding = .claimDate
                t = .date
            } else if let p = scope.parameters[n] {
                e.binding = .parameter(p)
                t = p.type
            } else if let i = scope.inputs[n] {
                e.binding = .attribute(n)
                t = i
            } else {
                let near = Suggestions.closest(to: n, among: scope.allNames)
                throw PolicyFileError(e.location, "未知的名称“\(n)”" + (near.isEmpty ? "；可用：\(scope.allNames.sorted().joined(separator: ", "))" : "，是否指 \(near.joined(separator: " / "))？"))
            }
        case let .negate(x):
            let xt = try infer(x, scope)
            guard xt.isNumeric else { throw PolicyFileError(e.location, "不能对\(xt.chinese)取负") }
            t = xt
        case let .not(x):
            try check(x, in: scope, expecting: .bool)
            t = .bool
        case let .binary(op, l, r):
            let lt = try infer(l, scope), rt = try infer(r, scope)
            t = try binaryType(op, lt, rt, at: e.location)
        case let .call(name, args):
            let types = try args.map { try infer($0, scope) }
            switch name {
            case "min", "max":
                guard !types.isEmpty else { throw PolicyFileError(e.location, "\(name) 至少需要一个参数") }
                guard types.allSatisfy({ $0 == types[0] }), types[0].isNumeric || types[0] == .date else {
                    throw PolicyFileError(e.location, "\(name) 的参数类型必须相同且为数值或日期，实为 \(types.map(\.rawValue).joined(separator: ", "))")
                }
                t = types[0]
            case "if":
                guard types.count == 3, types[0] == .bool, types[1] == types[2] else {
                    throw PolicyFileError(e.location, "if 需要三个参数：条件（真假值）、两个同类型的结果")
                }
                t = types[1]
            default:
                throw PolicyFileError(e.location, "未知的函数“\(name)”；可用：min, max, if")
            }
        case let .membership(x, items):
            let xt = try infer(x, scope)
            for item in items {
                let it = try infer(item, scope)
                guard it == xt else { throw PolicyFileError(item.location, "列表元素应为\(xt.chinese)，实为\(it.chinese)") }
            }
            t = .bool
        }
        e.type = t
        return t
    }

    static func binaryType(_ op: Expression.BinaryOperator, _ l: ValueType, _ r: ValueType, at loc: SourceLocation) throws -> ValueType {
        func fail() -> PolicyFileError {
            PolicyFileError(loc, "类型不匹配：\(l.chinese)（\(l.rawValue)）\(op.symbol) \(r.chinese)（\(r.rawValue)）")
        }
        switch op {
        case .and, .or:
            guard l == .bool, r == .bool else { throw fail() }
            return .bool
        case .equal, .notEqual:
            guard l == r else { throw fail() }
            return .bool
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            guard l == r, l.isNumeric || l == .date else { throw fail() }
            return .bool
        case .add, .subtract:
            guard l == r, l.isNumeric else { throw fail() }
            return l
        case .multiply:
            switch (l, r) {
            case (.money, .rate), (.rate, .money), (.money, .count), (.count, .money): return .money
            case (.rate, .rate): return .rate
            case (.count, .count), (.count, .rate), (.rate, .count): return .count
            default: throw fail()
            }
        case .divide:
            switch (l, r) {
            case (.money, .count): return .money
            case (.money, .money): return .rate
            case (.count, .count): return .count
            case (.rate, .count): return .rate
            // A tax on a composite base: (price + duty) ÷ (100% − rate) × rate.
            case (.money, .rate): return .money
            case (.rate, .rate): return .rate
            default: throw fail()
            }
        }
    }
}
