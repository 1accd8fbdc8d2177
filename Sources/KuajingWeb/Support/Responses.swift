import Foundation
import Hummingbird
import KuajingApp
import NIOCore

/// How the server answers: pages as HTML, the API as JSON, downloads with their file name.
enum Reply {
    static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func redirect(_ to: String) -> Response {
        Response(status: .seeOther, headers: [.location: to, .cacheControl: "no-store"])
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// A file to save: CSV (with its BOM already in the text) or a workbook.
    static func download(_ bytes: [UInt8], name: String, type: String) -> Response {
        // RFC 6266: the plain `filename` only of characters that need no quoting (a quote, a backslash,
        // a control character or a semicolon in a user's file name would end or extend the parameter);
        // the exact name always in `filename*`, percent-encoded.
        let safe = name.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 && $0.value != 0x7F && !"\"\\;".unicodeScalars.contains($0) }
        let ext = name.split(separator: ".").last.map { "." + $0.filter { $0.isASCII && ($0.isLetter || $0.isNumber) }.prefix(8) } ?? ""
        let ascii = safe && !name.isEmpty ? name : "download" + (ext == "." ? "" : ext)
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._"))) ?? ascii
        return Response(status: .ok, headers: [.contentType: type, .contentDisposition: "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(encoded)",
                                               .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static let csvType = "text/csv; charset=utf-8"
    static let xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
}

/// What a failed request answers: the status of the error's kind, its stable code and its Chinese
/// message. Made only from an `AppError` (one mapping, here).
struct WebFailure: Error {
    let error: AppError
    var status: HTTPResponse.Status
    var message: String

    init(_ error: AppError) {
        self.error = error
        switch error {
        case .notFound: status = .notFound
        case .invalidInput, .refused: status = .unprocessableContent
        case .conflict: status = .conflict
        case .forbidden, .crossSite: status = .forbidden
        case .unauthenticated: status = .unauthorized
        case .methodNotAllowed: status = .methodNotAllowed
        case .unavailable: status = .serviceUnavailable
        case .tooLarge: status = .contentTooLarge
        case .throttled: status = .tooManyRequests
        case .internalFailure: status = .internalServerError
        }
        message = error.message
    }

    var code: String { error.code }
    var field: String? { if case let .invalidInput(f, _, _, _) = error { return f } else { return nil } }
    /// For a 405: the methods the path accepts (the Allow header).
    var allow: String? { if case let .methodNotAllowed(allowed) = error { return allowed.joined(separator: ", ") } else { return nil } }

    static let unauthenticated = WebFailure(.unauthenticated(message: "请先登录（或在请求头中提供 Authorization: Bearer 令牌）"))

    struct Body: Encodable {
        var code: String
        var message: String
        var field: String?
    }

    var jsonResponse: Response {
        var r = (try? Reply.json(Body(code: code, message: message, field: field), status: status)) ?? Reply.json("{}", status: status)
        if let allow { r.headers[.allow] = allow }
        // The store is down or busy: a client (a voucher request) may retry with its idempotency key.
        if status == .serviceUnavailable { r.headers[.retryAfter] = "2" }
        return r
    }
}
