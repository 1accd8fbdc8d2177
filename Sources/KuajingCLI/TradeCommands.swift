import Foundation
import KuajingDomain
import TradeData

/// `kuajing trade check`: read CEB messages and report, per record, accepted or quarantined and why.
public enum TradeCheckJob {
    /// The key that names a record for people: its business number.
    static func key(_ r: CEBRecord) -> String {
        for f in ["invtNo", "copNo", "orderNo", "logisticsNo", "payTransactionId", "preNo", "guid"] {
            if let v = r.value(f), !v.isEmpty { return "\(f)=\(v)" }
        }
        return "-"
    }


    public struct Summary: Sendable {
        public var messages = 0
        public var records = 0
        public var accepted = 0
        public var quarantined = 0
        public var unreadable = 0
        public var errorsByReason: [String: Int] = [:]
        public var warningsByReason: [String: Int] = [:]
    }

    public static func run(paths: [String], validator: CEBValidator, json: Bool, out: (String) -> Void) throws -> Summary {
        var summary = Summary()
        if json { out("{\"records\": [") }
        var first = true
        for source in try MessageSource.expand(paths) where !source.isDeclarations {
            let messages: [CEBMessage]
            do { messages = try CEBReader.read(data: try source.load(), source: source.name) } catch {
                summary.unreadable += 1
                if !json { out("✗ \(error)\n") }
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
                    let r = v.record
                    if json {
                        let findings = v.findings.map {
                            "{\"code\": \"\($0.code)\", \"severity\": \"\($0.severity.rawValue)\", \"field\": \(quote($0.field)), \"line\": \($0.line), \"message\": \(quote($0.message))}"
                        }.joined(separator: ", ")
                        out((first ? "\n" : ",\n") + "  {\"source\": \(quote(r.source)), \"line\": \(r.line), \"message\": \"\(r.messageType)\", \"record\": \"\(r.name)\", \"key\": \(quote(key(r))), \"schema\": \(v.schemaID.map(quote) ?? "null"), \"status\": \"\(v.accepted ? "accepted" : "quarantined")\", \"reasons\": [\(v.reasons.map(quote).joined(separator: ", "))], \"sha256\": \"\(r.messageDigest)\", \"findings\": [\(findings)]}")
                        first = false
                    } else {
                        out("\(v.accepted ? "✓ 接收" : "✗ 隔离") \(r.source):\(r.line) \(r.messageType) \(r.name) \(key(r))\(v.schemaID.map { "（\($0)）" } ?? "")\n")
                        for f in v.findings { out("    \(f.severity == .error ? "错误" : "提示") [\(f.code)] \(f.field)：\(f.message)\n") }
                    }
                }
            }
        }
        if json {
            out("\n], \"summary\": {\"messages\": \(summary.messages), \"records\": \(summary.records), \"accepted\": \(summary.accepted), \"quarantined\": \(summary.quarantined), \"unreadable_files\": \(summary.unreadable)}}\n")
        } else {
            out("\n报文 \(summary.messages) 份，记录 \(summary.records) 条：接收 \(summary.accepted) 条，隔离 \(summary.quarantined) 条，无法读取的文件 \(summary.unreadable) 个\n")
            for (k, n) in summary.errorsByReason.sorted(by: { $0.key < $1.key }) { out("  隔离原因 \(k)：\(n) 处\n") }
            for (k, n) in summary.warningsByReason.sorted(by: { $0.key < $1.key }) { out("  提示 \(k)：\(n) 处\n") }
        }
        return summary
    }

    static func quote(_ s: String) -> String { JSONText.quote(s) }
}

/// `kuajing match`: 三单对碰 over the messages given, per order and in total.
public enum MatchJob {
    public static func run(paths: [String], out: (String) -> Void) throws -> [ThreeDocumentMatch.OrderResult] {
        var records: [CEBRecord] = []
        for source in try MessageSource.expand(paths) where !source.isDeclarations {
            do { for m in try CEBReader.read(data: try source.load(), source: source.name) { records += m.records } } catch { out("✗ \(error)\n") }
        }
        let results = ThreeDocumentMatch.match(records)
        for r in results {
            out("\(r.complete ? "✓ 三单一致" : "✗ 三单不一致") \(r.direction == "E" ? "出口" : "进口")订单 \(r.orderNo)（电商平台 \(r.ebpCode)）\n")
            if !r.missing.isEmpty { out("    缺少：\(r.missing.map(\.chinese).joined(separator: "、"))\n") }
            for m in r.mismatches { out("    不一致 \(m.description)\n") }
        }
        let unlinked = ThreeDocumentMatch.unlinked(records, results: results)
        for (doc, orderNo) in unlinked { out("  未关联任何订单的\(doc.chinese)：orderNo \(orderNo)\n") }
        let complete = results.filter(\.complete).count
        out("\n订单 \(results.count) 笔：三单一致 \(complete) 笔，缺单 \(results.filter { !$0.missing.isEmpty }.count) 笔，字段不一致 \(results.filter { !$0.mismatches.isEmpty }.count) 笔\n")
        return results
    }
}
