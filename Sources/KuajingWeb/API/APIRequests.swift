import Foundation
import Hummingbird
import KuajingApp

/// The JSON bodies the API reads, as `Decodable` types: each says its fields and which are
/// required, and a test holds them equal to the request schemas of the OpenAPI document. A body
/// that does not decode is a 422 naming the field (`APIBody.decode`); nothing is force-unwrapped.
protocol APIRequestBody: Decodable, Sendable {
    /// Every field, in the JSON names (`snake_case`).
    static var fields: [String] { get }
    static var required: Set<String> { get }
}

/// A JSON string or number, as the text it was written with (an amount stays exact: a number is
/// read as `Decimal`, never `Double`); `true`, `false`, null, a list or an object is refused.
struct TextValue: Decodable, Sendable, Equatable {
    var text: String

    init(_ text: String) { self.text = text }

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) { text = s; return }
        if (try? c.decode(Bool.self)) == nil, let d = try? c.decode(Decimal.self) { text = d.description; return }
        throw DecodingError.typeMismatch(String.self, .init(codingPath: decoder.codingPath, debugDescription: "应为字符串或数字"))
    }
}

enum APIBody {
    /// Decodes the request's JSON body (at most 1 MiB) as `T`; a malformed body, a missing field or
    /// a value of the wrong type is a 422 naming the field.
    static func decode<T: APIRequestBody>(_ type: T.Type, from request: Request) async throws -> T {
        var request = request
        let body = try await request.collectBody(upTo: WebLimits.formBytes)
        return try decode(type, from: Data(buffer: body))
    }

    static func decode<T: APIRequestBody>(_ type: T.Type, from data: Data) throws(AppError) -> T {
        do { return try JSONDecoder().decode(type, from: data) } catch let error as DecodingError {
            throw problem(error)
        } catch {
            throw .invalidInput(field: nil, location: "请求正文", message: "无法读取：\(error)")
        }
    }

    static func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String? {
        let keys = (codingPath + (last.map { [$0] } ?? [])).map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
        return keys.isEmpty ? nil : keys.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
    }

    /// The decoder's error as the 422 a client reads. An error at the top of the body (not JSON, or
    /// JSON that is not an object) says so; below it, the field is named.
    static func problem(_ error: DecodingError) -> AppError {
        let notAnObject = AppError.invalidInput(field: nil, location: "请求正文", message: "应为 JSON 对象")
        switch error {
        case let .keyNotFound(key, context):
            return .invalidInput(field: path(context.codingPath, key), location: "请求正文", message: "缺少必填字段")
        case let .valueNotFound(_, context) where context.codingPath.isEmpty: return notAnObject
        case let .typeMismatch(_, context) where context.codingPath.isEmpty: return notAnObject
        case let .dataCorrupted(context) where context.codingPath.isEmpty: return notAnObject
        case let .valueNotFound(_, context):
            return .invalidInput(field: path(context.codingPath), location: "请求正文", message: "缺少必填字段（不能为 null）")
        case let .typeMismatch(type, context):
            let wanted = type == Bool.self ? "应为 true 或 false" : type == [String].self || "\(type)".hasPrefix("Array") ? "应为列表"
                : "\(type)".hasPrefix("Dictionary") ? "应为对象" : "应为字符串或数字"
            return .invalidInput(field: path(context.codingPath), location: "请求正文", message: wanted)
        case let .dataCorrupted(context):
            return .invalidInput(field: path(context.codingPath), location: "请求正文", message: context.debugDescription)
        @unknown default:
            return .invalidInput(field: nil, location: "请求正文", message: "无法读取")
        }
    }
}

// MARK: the bodies

/// `openVoucherBatch`.
struct VoucherBatchBody: APIRequestBody {
    var policy: String
    var amount: TextValue
    var opens_at: String
    var label: String
    static let fields = ["policy", "amount", "opens_at", "label"]
    static let required: Set<String> = ["policy", "amount", "opens_at", "label"]
}

/// `requestVoucher` (its idempotency key is a header).
struct VoucherRequestBody: APIRequestBody {
    var policy: String?
    var enterprise_id: String
    var contract_no: String
    var contract_amount: TextValue
    var provider: String
    var date: String
    static let fields = ["policy", "enterprise_id", "contract_no", "contract_amount", "provider", "date"]
    static let required: Set<String> = ["enterprise_id", "contract_no", "contract_amount", "provider", "date"]
}

/// `cancelVoucher` and `objectToApplication`: a reason.
struct ReasonBody: APIRequestBody {
    var reason: TextValue
    static let fields = ["reason"]
    static let required: Set<String> = ["reason"]
}

/// `reviewApplication`.
struct ReviewBody: APIRequestBody {
    var decision: String
    var amount: TextValue?
    var reason: TextValue
    static let fields = ["decision", "amount", "reason"]
    static let required: Set<String> = ["decision", "reason"]
}

/// `confirmProposal`: `confirm` (default true).
struct ConfirmationBody: APIRequestBody {
    var confirm: Bool?
    static let fields = ["confirm"]
    static let required: Set<String> = []
}

/// `setBudget`.
struct BudgetBody: APIRequestBody {
    var policy: String
    var measure: String
    var year: TextValue
    var payer: String
    var amount: TextValue
    static let fields = ["policy", "measure", "year", "payer", "amount"]
    static let required: Set<String> = ["policy", "measure", "year", "payer", "amount"]
}

/// `releaseBudget`.
struct ReleaseBody: APIRequestBody {
    var amount: TextValue
    static let fields = ["amount"]
    static let required: Set<String> = ["amount"]
}

/// `enterPayeeAccount`.
struct PayeeBody: APIRequestBody {
    var enterprise_id: String
    var bank: String
    var account_no: TextValue
    var holder: String
    var evidence: String?
    static let fields = ["enterprise_id", "bank", "account_no", "holder", "evidence"]
    static let required: Set<String> = ["enterprise_id", "bank", "account_no", "holder"]
}

/// `markPayoutPaid`.
struct PaymentBody: APIRequestBody {
    var reference: TextValue
    static let fields = ["reference"]
    static let required: Set<String> = ["reference"]
}

/// `submitApplication`: the claim's fields of claims.md; `attributes`, and any other field, are
/// attributes of the claim (strings or numbers).
struct ApplicationBody: APIRequestBody {
    var enterprise_id: String
    var matter: String
    var date: String
    var amount: TextValue
    var evidence: [String]
    var attributes: [String: TextValue]

    static let fields = ["enterprise_id", "matter", "date", "amount", "evidence", "attributes"]
    static let required: Set<String> = ["enterprise_id", "matter", "date", "amount"]
    /// Fields of a claims-ledger row that are not attributes (ignored when sent).
    static let ignored: Set<String> = ["claim_id", "enterprise_name", "district"]

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ s: String) { stringValue = s }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        enterprise_id = try c.decode(String.self, forKey: Key("enterprise_id"))
        matter = try c.decode(String.self, forKey: Key("matter"))
        date = try c.decode(String.self, forKey: Key("date"))
        amount = try c.decode(TextValue.self, forKey: Key("amount"))
        evidence = try c.decodeIfPresent([String].self, forKey: Key("evidence")) ?? []
        var attributes = try c.decodeIfPresent([String: TextValue].self, forKey: Key("attributes")) ?? [:]
        for key in c.allKeys where !Self.fields.contains(key.stringValue) && !Self.ignored.contains(key.stringValue) {
            attributes[key.stringValue] = try c.decode(TextValue.self, forKey: key)
        }
        self.attributes = attributes
    }
}
