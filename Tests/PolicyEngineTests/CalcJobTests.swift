import Foundation
import Testing
import KuajingApp
import KuajingTestSupport
@testable import PolicyEngine

/// `kuajing calc` as a function: the output contract of shared/spec/claims.md.
@Suite struct CalcJobTests {
    func calc(_ csv: String, format: OutputFormat, trace: Bool = false) throws -> String {
        let result = try ClaimsCalculation(testContext()).evaluate(claimsFile: writeTemp("claims.csv", csv), details: format != .summary, trace: trace)
        var out = ""
        result.write(format, trace: trace, to: { out += $0 })
        return out
    }

    static let ledger = "claim_id,enterprise_id,district,matter,date,amount\n"
        + "c1,E1,滨江区,trademark_registration,2025-03-01,300000\n"
        + "c2,E2,温岭市,credit_insurance,2025-03-01,100\n"

    @Test func jsonFollowsTheSpec() throws {
        let text = try calc(Self.ledger, format: .json, trace: true)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        let results = object["results"] as! [[String: Any]]
        #expect(object["total"] as? String == "200000.00")
        #expect(results.count == 2)
        #expect(results[0]["claim_id"] as? String == "c1")
        #expect(results[0]["status"] as? String == "capped")
        #expect(results[0]["award"] as? String == "200000.00")
        #expect(results[0]["policy"] as? String == "hangzhou-2024")
        #expect(results[0]["clause"] as? String == "附件（十二）")
        #expect((results[0]["explanation"] as? String)?.hasPrefix("境外商标注册费用 300,000.00 元 × 70% = 210,000.00 元，超过单个企业上限 200,000.00 元，核定 200,000.00 元") == true)
        let funding = results[0]["funding"] as! [String: Any]
        #expect(funding["city"] is NSNull && funding["district"] is NSNull)
        #expect((funding["basis"] as? String)?.contains("未配置") == true)
        let trace = results[0]["trace"] as! [[String: Any]]
        let limits = trace[0]["limits"] as! [[String: Any]]
        #expect(limits.first?["binding"] as? Bool == true)
        #expect(results[1]["status"] as? String == "not_applicable")
        #expect(results[1]["award"] as? String == "0.00")
    }

    @Test func csvHasABomForExcel() throws {
        let text = try calc(Self.ledger, format: .csv)
        #expect(text.hasPrefix("\u{FEFF}claim_id,"))
        #expect(text.contains("c1,E1,trademark_registration,capped,受上限限制,200000.00,hangzhou-2024"))
    }

    /// A rejected ledger is one invalid-input error that names the file, line, column and field.
    @Test func aMalformedLedgerIsRejectedWithItsPlace() throws {
        let csv = Self.ledger + "c3,E3,滨江区,patent,2025-03-01,12.345\n"
        let path = writeTemp("bad.csv", csv)
        do {
            _ = try ClaimsCalculation(testContext()).evaluate(claimsFile: path)
            Issue.record("a malformed ledger was evaluated")
        } catch let error as AppError {
            guard case let .invalidInput(field, location, _, problems) = error else { Issue.record("not invalid input: \(error)"); return }
            #expect(field == "amount")
            #expect(location?.hasPrefix("\(path):4:") == true)
            #expect(problems.count == 1 && problems[0].hasPrefix("\(location ?? ""): 字段 amount"))
        }
    }
}
