import KuajingDomain

/// A node of a rule expression, with where it was written and, once checked, its type.
public final class Expression: @unchecked Sendable {
    public enum Kind {
        case literal(Value)
        case name(String)
        case negate(Expression)
        case not(Expression)
        case binary(BinaryOperator, Expression, Expression)
        case call(String, [Expression])
        case membership(Expression, [Expression])
    }

    public enum BinaryOperator: String, Sendable {
        case add = "+", subtract = "-", multiply = "*", divide = "/"
        case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
        case equal = "==", notEqual = "!="
        case and, or

        var isComparison: Bool {
            switch self {
            case .less, .lessOrEqual, .greater, .greaterOrEqual, .equal, .notEqual: return true
            default: return false
            }
        }

        /// How the operator reads in a Chinese explanation.
        var symbol: String {
            switch self {
            case .add: return "+"
            case .subtract: return "−"
            case .multiply: return "×"
            case .divide: return "÷"
            case .less: return "<"
            case .lessOrEqual: return "≤"
            case .greater: return ">"
            case .greaterOrEqual: return "≥"
            case .equal: return "="
            case .notEqual: return "≠"
            case .and: return "且"
            case .or: return "或"
            }
        }
    }

    public let kind: Kind
    public let location: SourceLocation
    public internal(set) var type: ValueType = .bool
    /// Set by the checker for names: what the name refers to.
    var binding: NameBinding?

    init(_ kind: Kind, at location: SourceLocation) {
        self.kind = kind
        self.location = location
    }
}

/// What a name in an expression refers to.
enum NameBinding {
    /// The claim's `amount` (money, in fen).
    case amount
    /// The claim's `date`.
    case claimDate
    /// A parameter of the measure: a cited constant.
    case parameter(Value)
    /// An extra column of the claim, declared in the measure's `inputs`.
    case attribute(String)
}
