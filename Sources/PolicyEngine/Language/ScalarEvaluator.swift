import KuajingDomain

/// Evaluates a checked expression once, for one set of named values: the retail-import regime's tax
/// formulas, line by line (the support measures are evaluated column-wise, `ColumnEvaluator`).
/// Exact: rationals throughout; an overflow or a division by zero is an error, never a figure.
public enum ScalarEvaluator {
    public struct Failure: Error, Sendable {
        public var message: String
    }

    public static func value(_ e: Expression, _ names: [String: Value]) throws(Failure) -> Value {
        func number(_ x: Expression) throws(Failure) -> Rational {
            guard let n = try value(x, names).number else { throw Failure(message: "“\(x.location)”处应为数值") }
            return n
        }
        func exact(_ f: () throws -> Rational) throws(Failure) -> Rational {
            do { return try f() } catch { throw Failure(message: "金额过大或除以零，无法精确计算") }
        }
        switch e.kind {
        case let .literal(v): return v
        case let .name(n):
            switch e.binding {
            case let .parameter(v)?: return v
            default:
                guard let v = names[n] else { throw Failure(message: "缺少“\(n)”的值") }
                return v
            }
        case let .negate(x): return Value.numeric(e.type, try number(x).negated)
        case let .not(x):
            guard case let .bool(b) = try value(x, names) else { throw Failure(message: "此处应为真假值") }
            return .bool(!b)
        case let .binary(op, l, r):
            switch op {
            case .and, .or:
                guard case let .bool(a) = try value(l, names), case let .bool(b) = try value(r, names) else { throw Failure(message: "此处应为真假值") }
                return .bool(op == .and ? a && b : a || b)
            case .equal: return .bool(try value(l, names) == value(r, names))
            case .notEqual: return .bool(try value(l, names) != value(r, names))
            case .less, .lessOrEqual, .greater, .greaterOrEqual:
                let a = try number(l), b = try number(r)
                switch op {
                case .less: return .bool(a < b)
                case .lessOrEqual: return .bool(a <= b)
                case .greater: return .bool(a > b)
                default: return .bool(a >= b)
                }
            case .add, .subtract, .multiply, .divide:
                let a = try number(l), b = try number(r)
                let n = try exact {
                    switch op {
                    case .add: return try a.adding(b)
                    case .subtract: return try a.subtracting(b)
                    case .multiply: return try a.multiplied(by: b)
                    default: return try a.divided(by: b)
                    }
                }
                return Value.numeric(e.type, n)
            }
        case let .call(name, args):
            if name == "if" {
                guard args.count == 3, case let .bool(c) = try value(args[0], names) else { throw Failure(message: "if 需要三个参数") }
                return try value(c ? args[1] : args[2], names)
            }
            var values: [Rational] = []
            for a in args { values.append(try number(a)) }
            guard let first = values.first else { throw Failure(message: "\(name) 至少需要一个参数") }
            let pick = values.dropFirst().reduce(first) { name == "max" ? max($0, $1) : min($0, $1) }
            return Value.numeric(e.type, pick)
        case let .membership(x, items):
            let v = try value(x, names)
            for item in items where try value(item, names) == v { return .bool(true) }
            return .bool(false)
        }
    }
}
