/// One thing a check found in a record: a machine-readable reason code, how serious it is, where,
/// and a Chinese message for the person who fixes it.
public struct Finding: Sendable, Hashable {
    public enum Severity: String, Sendable { case error, warning }

    public var code: String
    public var severity: Severity
    /// Group and field: "InventoryHead.copNo", "OrderList[2].totalPrice".
    public var field: String
    public var line: Int
    public var message: String

    public init(code: String, severity: Severity, field: String, line: Int, message: String) {
        self.code = code
        self.severity = severity
        self.field = field
        self.line = line
        self.message = message
    }
}

/// Reason codes (stable: other programs and the quarantine rely on them).
public enum ReasonCode {
    public static let unknownMessage = "unknown_message"
    public static let structure = "schema_structure"
    public static let missingField = "missing_field"
    public static let emptyField = "empty_field"
    public static let length = "field_length"
    public static let numberFormat = "number_format"
    public static let unknownCode = "unknown_code"
    public static let unknownField = "unknown_field"
    public static let lineArithmetic = "line_total_mismatch"
    public static let paymentArithmetic = "paid_total_mismatch"
    public static let creditCode = "uscc_check_digit"
    public static let idNumber = "id_check_digit"
    public static let malformedXML = "malformed_xml"
}
