import Foundation
import KuajingDomain
import PolicyEngine

/// Evaluates a claims ledger (shared/spec/claims.md) against the policies: the engine's results with
/// their explanations, and the funding split configured (or none, with the basis saying so).
public struct ClaimsCalculation: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    public struct Result {
        public var evaluation: Evaluation
        public var funding: FundingConfiguration
        /// Time per phase (load policies, read ledger, evaluate) for KUAJING_TIMING.
        public var timer: PhaseTimer

        /// Every result in a format (`kuajing calc --format`), streamed to `sink` as UTF-8 in blocks of
        /// claims rendered on `threads` threads (all cores by default), in ledger order.
        public func write(_ format: OutputFormat, trace: Bool = false, threads: Int? = nil, bytes sink: (UnsafeRawBufferPointer) -> Void) {
            ResultWriter(evaluation: evaluation, funding: funding, trace: trace,
                         threads: threads ?? UsableCores.count).write(format, bytes: sink)
        }

        /// The same as text chunks (small outputs: an API answer, a test).
        public func write(_ format: OutputFormat, trace: Bool = false, to sink: (String) -> Void) {
            ResultWriter(evaluation: evaluation, funding: funding, trace: trace).write(format, to: sink)
        }
    }

    /// Reads and validates the whole ledger first: a malformed ledger is an `invalidInput` naming
    /// every problem by file, line, column and field, and nothing is evaluated.
    /// `trace`: keep every limit each claim tested (for `--trace`). `threads`: how many threads read
    /// the ledger (all cores by default).
    public func evaluate(claimsFile: String, policyIDs: [String] = [], details: Bool = true, trace: Bool = false,
                         threads: Int? = nil) throws(AppError) -> Result {
        let threads = threads ?? UsableCores.count
        return try AppError.wrappingSync {
            var timer = PhaseTimer(indent: "")
            let set = try context.policySet(only: policyIDs)
            let funding = try context.funding()
            timer.mark("load policies")
            guard FileManager.default.fileExists(atPath: claimsFile) else { throw AppError.notFound(message: "找不到申报台账 \(claimsFile)") }
            let ledger = try LedgerReader.read(path: claimsFile, matterKeys: set.matterKeys, divisions: set.divisions, threads: threads)
            timer.mark("read ledger")
            let evaluation = Engine.evaluate(ledger, with: set, details: details, trace: trace, threads: threads)
            timer.mark("evaluate")
            return Result(evaluation: evaluation, funding: funding, timer: timer)
        }
    }

    /// A what-if calculation of claims given as JSON (`claims.md`): nothing is read from or written to
    /// the store, so it reveals nothing of any stored enterprise. At most `maximumClaims` claims.
    public static let maximumClaims = 1_000

    /// Claims composed by the platform (the calculator, an application among the enterprise's
    /// earlier ones) as rows of claims.md's columns, read by the same JSON reader.
    /// `startingUse`: what the applicants had used of the limits before (the limit rows a filing locked).
    public func evaluate(claimRows rows: [[String: String]], source: String, startingUse: [LimitUse] = []) throws(AppError) -> Result {
        let bytes: [UInt8]
        do { bytes = Array(try JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys])) } catch { throw .invalidInput(field: nil, location: nil, message: "无法组成申报数据") }
        return try evaluate(claimsJSON: bytes, source: source, startingUse: startingUse)
    }

    public func evaluate(claimsJSON bytes: [UInt8], source: String = "请求正文", startingUse: [LimitUse] = []) throws(AppError) -> Result {
        try AppError.wrappingSync {
            var timer = PhaseTimer(indent: "")
            let set = try context.policySet()
            let funding = try context.funding()
            let ledger = try LedgerReader.readJSON(bytes, source: source, matterKeys: set.matterKeys, divisions: set.divisions)
            guard ledger.count <= Self.maximumClaims else {
                throw AppError.tooLarge(message: "一次至多计算 \(Self.maximumClaims) 条申报，实为 \(ledger.count) 条")
            }
            timer.mark("read ledger")
            return Result(evaluation: Engine.evaluate(ledger, with: set, details: true, startingUse: startingUse), funding: funding, timer: timer)
        }
    }
}
