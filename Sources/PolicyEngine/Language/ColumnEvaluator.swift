import KuajingDomain

/// A column of values for a batch of claims, or one value shared by all of them.
enum Column {
    case scalar(Value)
    case numbers([Rational])
    case bools([Bool])
    case days([Int32])
    case texts([String])

    func number(_ i: Int) -> Rational {
        switch self {
        case let .scalar(v): return v.number ?? .zero
        case let .numbers(a): return a[i]
        default: return .zero
        }
    }

    func bool(_ i: Int) -> Bool {
        switch self {
        case let .scalar(.bool(b)): return b
        case let .bools(a): return a[i]
        default: return false
        }
    }

    func value(_ i: Int, type: ValueType) -> Value {
        switch self {
        case let .scalar(v): return v
        case let .numbers(a): return Value.numeric(type, a[i])
        case let .bools(a): return .bool(a[i])
        case let .days(a): return .date(Day(ordinal: a[i]))
        case let .texts(a): return .text(a[i])
        }
    }
}

/// What the evaluator reads about the claims of one batch.
struct ClaimColumns {
    let ledger: ClaimsLedger
    /// Ledger row indices of the batch.
    let rows: [Int32]
    /// Declared inputs of the measure (type and default), by attribute name.
    let inputs: [String: MeasureInput]
}

/// Evaluates a checked expression over a batch of claims at once (column-wise): each node produces one
/// column for the whole batch, so a formula costs a few tight loops, not a tree walk per claim.
/// A claim whose value cannot be computed (a missing input, an overflow) gets an entry in `rowErrors`
/// and a neutral value, and is reported ineligible by the engine.
struct ColumnEvaluator {
    let claims: ClaimColumns
    var rowErrors: [Int: String] = [:]

    init(_ claims: ClaimColumns) { self.claims = claims }

    var count: Int { claims.rows.count }

    mutating func evaluate(_ e: Expression) -> Column {
        switch e.kind {
        case let .literal(v):
            return .scalar(v)
        case .name:
            switch e.binding! {
            case let .parameter(v): return .scalar(v)
            case .amount: return .numbers(claims.rows.map { Rational(claims.ledger.amount[Int($0)]) })
            case .claimDate: return .days(claims.rows.map { claims.ledger.day[Int($0)] })
            case let .attribute(name): return attributeColumn(name, type: e.type)
            }
        case let .negate(x):
            return mapNumbers(evaluate(x)) { $0.negated }
        case let .not(x):
            let c = evaluate(x)
            if case let .scalar(.bool(b)) = c { return .scalar(.bool(!b)) }
            return .bools((0..<count).map { !c.bool($0) })
        case let .binary(op, l, r):
            // The commonest formula, `amount × constant`, straight from the ledger's fen column.
            if op == .multiply, case .amount? = l.binding, case let .scalar(v) = evaluate(r), let factor = v.number {
                var out = [Rational](repeating: .zero, count: count)
                let amounts = claims.ledger.amount
                for (i, row) in claims.rows.enumerated() {
                    do { out[i] = try Rational(amounts[Int(row)]).multiplied(by: factor) } catch { noteOverflow(i) }
                }
                return .numbers(out)
            }
            return binary(op, evaluate(l), evaluate(r), l.type, e.type)
        case let .call(name, args):
            let cols = args.map { evaluate($0) }
            if name == "if" {
                return .scalar(.bool(false)).merged(count: count) { i in
                    cols[0].bool(i) ? cols[1].value(i, type: e.type) : cols[2].value(i, type: e.type)
                }
            }
            let takeMax = name == "max"
            if e.type == .date {
                return .days((0..<count).map { i in
                    let ds = cols.map { c -> Int32 in
                        if case let .date(d) = c.value(i, type: .date) { return d.ordinal }
                        return 0
                    }
                    return takeMax ? ds.max()! : ds.min()!
                })
            }
            if cols.allSatisfy({ if case .scalar = $0 { return true } else { return false } }) {
                let ns = cols.map { $0.number(0) }
                return .scalar(Value.numeric(e.type, takeMax ? ns.max()! : ns.min()!))
            }
            var out = [Rational](repeating: .zero, count: count)
            for i in 0..<count {
                var best = cols[0].number(i)
                for c in cols.dropFirst() {
                    let v = c.number(i)
                    if takeMax ? (v > best) : (v < best) { best = v }
                }
                out[i] = best
            }
            return .numbers(out)
        case let .membership(x, items):
            let xc = evaluate(x)
            let ic = items.map { evaluate($0) }
            return .bools((0..<count).map { i in
                let v = xc.value(i, type: x.type)
                return ic.contains { $0.value(i, type: x.type) == v }
            })
        }
    }

    private mutating func attributeColumn(_ name: String, type: ValueType) -> Column {
        let input = claims.inputs[name]
        var values: [Value] = []
        values.reserveCapacity(count)
        let neutral: Value
        switch type {
        case .money: neutral = .money(.zero)
        case .rate: neutral = .rate(.zero)
        case .count: neutral = .count(.zero)
        case .date: neutral = .date(Day(ordinal: 0))
        case .bool: neutral = .bool(false)
        case .text: neutral = .text("")
        }
        for (i, row) in claims.rows.enumerated() {
            if let raw = claims.ledger.attribute(name, row: Int(row)), !raw.isEmpty,
               let v = Value.parseCell(raw, as: type) {
                values.append(v)
            } else if let d = input?.defaultValue {
                values.append(d)
            } else {
                if rowErrors[i] == nil { rowErrors[i] = "缺少字段“\(name)”（\(input?.label ?? name)）" }
                values.append(neutral)
            }
        }
        switch type {
        case .money, .rate, .count: return .numbers(values.map { $0.number! })
        case .bool: return .bools(values.map { $0 == .bool(true) })
        case .date: return .days(values.map { if case let .date(d) = $0 { return d.ordinal } else { return 0 } })
        case .text: return .texts(values.map { if case let .text(t) = $0 { return t } else { return "" } })
        }
    }

    private mutating func mapNumbers(_ c: Column, _ f: (Rational) throws -> Rational) -> Column {
        switch c {
        case let .scalar(v):
            guard let n = v.number else { return c }
            return .scalar(Value.numeric(v.type, (try? f(n)) ?? .zero))
        case let .numbers(a):
            var out = [Rational](repeating: .zero, count: a.count)
            for i in a.indices {
                do { out[i] = try f(a[i]) } catch { noteOverflow(i) }
            }
            return .numbers(out)
        default: return c
        }
    }

    private mutating func noteOverflow(_ i: Int) {
        if rowErrors[i] == nil { rowErrors[i] = "计算溢出：金额或比例超出可精确计算的范围" }
    }

    private mutating func binary(_ op: Expression.BinaryOperator, _ l: Column, _ r: Column,
                                 _ operandType: ValueType, _ resultType: ValueType) -> Column {
        switch op {
        case .and, .or:
            if case let .scalar(.bool(a)) = l, case let .scalar(.bool(b)) = r { return .scalar(.bool(op == .and ? a && b : a || b)) }
            return .bools((0..<count).map { op == .and ? (l.bool($0) && r.bool($0)) : (l.bool($0) || r.bool($0)) })
        case .equal, .notEqual:
            return .bools((0..<count).map { i in
                let same = l.value(i, type: operandType) == r.value(i, type: operandType)
                return op == .equal ? same : !same
            })
        case .less, .lessOrEqual, .greater, .greaterOrEqual:
            func compare<T: Comparable>(_ a: T, _ b: T) -> Bool {
                switch op {
                case .less: return a < b
                case .lessOrEqual: return a <= b
                case .greater: return a > b
                default: return a >= b
                }
            }
            if operandType == .date {
                return .bools((0..<count).map { i in
                    guard case let .date(a) = l.value(i, type: .date), case let .date(b) = r.value(i, type: .date) else { return false }
                    return compare(a, b)
                })
            }
            return .bools((0..<count).map { compare(l.number($0), r.number($0)) })
        case .add, .subtract, .multiply, .divide:
            func apply(_ a: Rational, _ b: Rational) throws -> Rational {
                switch op {
                case .add: return try a.adding(b)
                case .subtract: return try a.subtracting(b)
                case .multiply: return try a.multiplied(by: b)
                default: return try a.divided(by: b)
                }
            }
            if case let .scalar(a) = l, case let .scalar(b) = r {
                return .scalar(Value.numeric(resultType, (try? apply(a.number!, b.number!)) ?? .zero))
            }
            var out = [Rational](repeating: .zero, count: count)
            // The common shape `column × constant` gets a loop without per-element enum switches.
            if case let .numbers(a) = l, case let .scalar(bv) = r, let b = bv.number {
                for i in 0..<count {
                    do { out[i] = try apply(a[i], b) } catch { noteOverflow(i) }
                }
            } else {
                for i in 0..<count {
                    do { out[i] = try apply(l.number(i), r.number(i)) } catch { noteOverflow(i) }
                }
            }
            return .numbers(out)
        }
    }
}

extension Column {
    /// Builds a column of `count` values of whatever type `f` returns.
    func merged(count: Int, _ f: (Int) -> Value) -> Column {
        guard count > 0 else { return .numbers([]) }
        let first = f(0)
        switch first {
        case .money, .rate, .count: return .numbers((0..<count).map { f($0).number ?? .zero })
        case .bool: return .bools((0..<count).map { f($0) == .bool(true) })
        case .date: return .days((0..<count).map { if case let .date(d) = f($0) { return d.ordinal } else { return 0 } })
        case .text: return .texts((0..<count).map { if case let .text(t) = f($0) { return t } else { return "" } })
        }
    }
}
