import Foundation
import KuajingDomain
import Monitoring
import PolicyEngine
import TradeData
import Storage

/// The one error every use case throws. A front end maps its case (404, 422, 409, 403, 503; a
/// command's exit code) and shows `message`, the Chinese sentence a user reads.
public enum AppError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was asked for does not exist (a plan, a quarantine entry, a file).
    case notFound(message: String)
    /// The input is wrong: which field, where (file:line:column), and why. `problems` lists every
    /// problem found when there are several (a rejected claims ledger).
    case invalidInput(field: String?, location: String?, message: String, problems: [String] = [])
    /// The request contradicts the stored state (a stale write, a constraint).
    case conflict(message: String)
    /// The caller may not do this.
    case forbidden(message: String)
    /// Nobody is signed in (no session, no valid bearer token).
    case unauthenticated(message: String)
    /// An unsafe request that did not come from this site's own page (its Origin or Referer, or its
    /// form's CSRF token): refused before it changes anything.
    case crossSite(message: String)
    /// A rule refused the request (the 运力券 pool: not open, contract used, nothing left); `rule`
    /// is the rule's stable code, the answer's `code`.
    case refused(rule: String, message: String)
    /// The path exists but not with this method; `allowed` are the methods it takes.
    case methodNotAllowed(allowed: [String])
    /// A resource the use case needs is not there or not answering (the database, a reference file).
    case unavailable(message: String)
    /// The input is over a stated limit (`InputLimits`): refused, nothing of it stored.
    case tooLarge(message: String)
    /// Too many attempts in a short time (sign-in throttling): try again later.
    case throttled(message: String)
    /// A fault of the program itself (a row of an unexpected shape, an engine error, an error no
    /// layer classifies): a 500 with a log line on the web, never its internal text shown to a user.
    /// `detail` is for the log and the operator's command line.
    case internalFailure(detail: String)

    public var message: String {
        switch self {
        case let .notFound(m), let .conflict(m), let .forbidden(m), let .unavailable(m), let .tooLarge(m), let .throttled(m),
             let .unauthenticated(m), let .crossSite(m), let .refused(_, m): return m
        case .methodNotAllowed: return "此地址不接受这种请求方法"
        case .internalFailure: return "服务器内部错误，已记录；请稍后再试"
        case let .invalidInput(field, location, m, problems):
            if !problems.isEmpty { return problems.joined(separator: "\n") }
            return [location, field.map { "字段 \($0)" }].compactMap { $0 }.joined(separator: ": ") + ((location ?? field) == nil ? "" : "：") + m
        }
    }

    public var description: String { message }

    /// The stable code of the error's kind, as the JSON body's `code` (a refusal by a rule: the
    /// rule's own code). Clients may rely on these; they do not change with the message.
    public var code: String {
        switch self {
        case .notFound: return "not_found"
        case .invalidInput: return "invalid_input"
        case .conflict: return "conflict"
        case .forbidden: return "forbidden"
        case .unauthenticated: return "unauthenticated"
        case .crossSite: return "cross_site"
        case let .refused(rule, _): return rule
        case .methodNotAllowed: return "method_not_allowed"
        case .unavailable: return "unavailable"
        case .tooLarge: return "too_large"
        case .throttled: return "throttled"
        case .internalFailure: return "internal"
        }
    }

    /// Classifies an error of a lower layer. Errors not known here are `internalFailure`, their text kept for the log.
    public init(_ error: any Error) {
        switch error {
        case let e as AppError: self = e
        case let e as LedgerError:
            let first = e.problems.first
            self = .invalidInput(field: first?.field, location: first.map { "\($0.file):\($0.line):\($0.column)" }, message: first?.message ?? e.description,
                                 problems: e.problems.map(\.description) + (e.truncated ? ["……（问题过多，只列出前 \(e.problems.count) 处）"] : []))
        case let e as PolicyFileError:
            self = .invalidInput(field: nil, location: e.location.description, message: e.message)
        case let e as CEBReader.MessageError:
            self = .invalidInput(field: nil, location: "\(e.source):\(e.line):\(e.column)", message: e.message)
        case let e as TradeDataError:
            switch e {
            case let .schema(m): self = .unavailable(message: m)
            case let .input(m): self = .invalidInput(field: nil, location: nil, message: m)
            case let .limit(m): self = .tooLarge(message: m)
            }
        case let e as MonitoringError:
            self = .invalidInput(field: nil, location: nil, message: e.description)
        case let e as StaleTaskWrite:
            self = .conflict(message: "任务 \(e.current.planID) \(e.current.clause) 已被他人更新（当前版本 \(e.current.version)，状态“\(e.current.status)”\(e.current.updatedBy.map { "，\($0)" } ?? "")），你看到的是版本 \(e.expected)；请刷新后再提交")
        case let e as StorageError:
            switch e {
            case .constraint: self = .conflict(message: e.description)
            case .unavailable: self = .unavailable(message: e.description)
            case .decoding, .engine: self = .internalFailure(detail: e.description)
            }
        case let e as CocoaError where e.code == .fileReadNoSuchFile || e.code == .fileNoSuchFile:
            self = .notFound(message: "找不到文件：\((e.userInfo[NSFilePathErrorKey] as? String) ?? e.localizedDescription)")
        default:
            self = .internalFailure(detail: String(describing: error))
        }
    }

    /// Refuses free text with a control or invisible format character (`FreeText`), naming the field.
    static func checkFreeText(_ text: String, field: String, lineBreaks: Bool = false) throws(AppError) {
        if let bad = FreeText.invisible(in: text, lineBreaks: lineBreaks) { throw .invalidInput(field: field, location: nil, message: FreeText.problem(bad)) }
    }

    /// Runs `body`, turning whatever it throws into an `AppError`.
    static func wrapping<T>(_ body: () async throws -> T) async throws(AppError) -> T {
        do { return try await body() } catch { throw AppError(error) }
    }

    static func wrappingSync<T>(_ body: () throws -> T) throws(AppError) -> T {
        do { return try body() } catch { throw AppError(error) }
    }
}
