import Foundation
import KuajingDomain
import TradeData

/// Reads CEB messages (files, directories, .zip archives) and judges each record against the XSD
/// rules and code tables, storing nothing. Verdicts are handed over one by one (a check of a
/// million records holds none of them).
public struct TradeCheck: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public struct Summary: Sendable {
        public var messages = 0
        public var records = 0
        public var accepted = 0
        public var quarantined = 0
        public var unreadable = 0
        public var errorsByReason: [String: Int] = [:]
        public var warningsByReason: [String: Int] = [:]
    }

    /// What the check met, in the order it met it.
    public enum Event {
        case verdict(RecordVerdict)
        case unreadable(source: String, message: String)
    }

    public func run(paths: [String], onEvent: (Event) -> Void) throws(AppError) -> Summary {
        let validator = try context.validator()
        return try AppError.wrappingSync {
            var summary = Summary()
            for source in try MessageSource.expand(paths) where !source.isDeclarations {
                let messages: [CEBMessage]
                do { messages = try CEBReader.read(data: try source.load(), source: source.name) } catch let e as TradeDataError {
                    throw e
                } catch {
                    summary.unreadable += 1
                    onEvent(.unreadable(source: source.name, message: String(describing: error)))
                    continue
                }
                for message in messages {
                    summary.messages += 1
                    for v in validator.validate(message) {
                        summary.records += 1
                        if v.accepted { summary.accepted += 1 } else { summary.quarantined += 1 }
                        for f in v.findings {
                            if f.severity == .error { summary.errorsByReason[f.code, default: 0] += 1 } else { summary.warningsByReason[f.code, default: 0] += 1 }
                        }
                        onEvent(.verdict(v))
                    }
                }
            }
            return summary
        }
    }

    /// The key that names a record for people: its business number.
    public static func key(_ r: CEBRecord) -> String {
        for f in ["invtNo", "copNo", "orderNo", "logisticsNo", "payTransactionId", "preNo", "guid"] {
            if let v = r.value(f), !v.isEmpty { return "\(f)=\(v)" }
        }
        return "-"
    }
}

/// 三单对碰 over the messages given: per order, what is missing and which fields differ.
public struct OrderMatching: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public struct Report: Sendable {
        public var orders: [ThreeDocumentMatch.OrderResult]
        public var unlinked: [(document: ThreeDocumentMatch.Document, orderNo: String)]
        /// Files that could not be read, with why.
        public var unreadable: [String]
    }

    /// The message types 三单对碰 reads: orders, payments and receipts, waybills, inventories.
    public static let types: Set<String> = ["CEB303", "CEB311", "CEB403", "CEB411", "CEB505", "CEB511", "CEB603", "CEB621"]

    /// 三单对碰 over the stored ledger: the records it holds now (replacements applied, removals and
    /// quarantined records left out), read back from their original messages.
    public func matchStored() async throws(AppError) -> Report {
        let records = try await context.withStore { try await $0.ledger.storedRecords(types: Self.types) }
        let results = ThreeDocumentMatch.match(records)
        return Report(orders: results, unlinked: ThreeDocumentMatch.unlinked(records, results: results).map { ($0.0, $0.1) }, unreadable: [])
    }

    public func match(paths: [String]) throws(AppError) -> Report {
        try AppError.wrappingSync {
            var records: [CEBRecord] = []
            var unreadable: [String] = []
            for source in try MessageSource.expand(paths) where !source.isDeclarations {
                do { for m in try CEBReader.read(data: try source.load(), source: source.name) { records += m.records } } catch let e as TradeDataError {
                    throw e
                } catch { unreadable.append(String(describing: error)) }
            }
            let results = ThreeDocumentMatch.match(records)
            return Report(orders: results, unlinked: ThreeDocumentMatch.unlinked(records, results: results).map { ($0.0, $0.1) }, unreadable: unreadable)
        }
    }
}
