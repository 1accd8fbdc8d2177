import ArgumentParser
import Foundation
import KuajingApp

/// `kuajing tax import`: the retail-import tax of the orders in a file, the answer of `calculateImportTax`.
struct Tax: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Retail-import tax (跨境电商零售进口税收): what orders pay, which limit applies, quota before and after.",
                                                    subcommands: [Import.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Calculate the tax of the orders in a JSON file (the body of POST /api/v1/import-tax); stores nothing.")
        @OptionGroup var options: AppOptions
        @Option(name: .long, help: "The orders, as the body of calculateImportTax: {\"orders\": [...]}.") var orders: String
        @Flag(name: .long, help: "Print each order's Chinese explanation instead of the JSON answer.") var explain = false

        func run() async throws {
            try await runCommand { () throws(AppError) in
                guard let data = FileManager.default.contents(atPath: orders) else {
                    throw .invalidInput(field: "--orders", location: orders, message: "无法读取订单文件")
                }
                let calculation = ImportTaxCalculation(try options.context())
                if explain {
                    for r in try calculation.calculate(json: [UInt8](data), source: orders) {
                        print("\(r.orderID)\t\(r.regime.rawValue)\t税款 \(r.total.plain)\t额度 \(r.quotaBefore.plain) → \(r.quotaAfter.plain)\n  \(r.explanation)")
                    }
                } else {
                    let answer = try calculation.answer(json: [UInt8](data), source: orders)
                    FileHandle.standardOutput.write(Data(answer + [10]))
                }
            }
        }
    }
}
