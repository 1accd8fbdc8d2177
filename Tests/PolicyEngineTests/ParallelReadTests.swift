import Foundation
import Testing
import KuajingDomain
import KuajingTestSupport
@testable import PolicyEngine

/// A CSV ledger read in parts on several threads gives what reading it front to back gives: the
/// same rows with the same lines and applicant indices, or the same problems, whatever the parts.
@Suite(.serialized) struct ParallelReadTests {
    static func dump(_ l: ClaimsLedger) -> [String] {
        (0..<l.count).map { r in
            ([l.claimID(r), l.enterpriseID(r), "\(l.enterpriseIndex(r))", l.enterpriseName(r), "\(l.districtIndex(r))", l.matter(r),
              "\(l.date(r))", "\(l.amount(r).value)", "\(l.line(r))", "\(l.applicantType(r))"]
                + l.attributeNames.map { l.attribute($0, row: r) ?? "-" }).joined(separator: "|")
        } + ["enterprises \(l.enterpriseCount)"]
    }

    /// The ledger or the problems, as text.
    static func outcome(_ csv: String, threads: Int, matterKeys: [String]) -> [String] {
        do {
            return dump(try CSVLedgerReader.read(LedgerBytes(copying: Array(csv.utf8)), source: "t.csv", matterKeys: matterKeys, divisions: .standard,
                                                 threads: threads, minimumPartBytes: 64))
        } catch {
            return ["error", "\(error)"]
        }
    }

    static func variants(_ set: PolicySet) -> [(String, String)] {
        let valid = StreamedOutputTests.ledgerCSV(set, claims: 600, seed: 9)
        var lines = valid.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Quoted names over several lines, commas inside, blank lines between records.
        var named = "claim_id,enterprise_id,enterprise_name,district,matter,date,amount\n"
        for k in 0..<300 {
            let name = k % 3 == 0 ? "\"某某,有限公司\n第\(k)分部\n\"\"跨境\"\"\"" : "公司\(k)"
            named += "q\(k),E\(k % 40),\(name),滨江区,trademark_registration,2025-0\(1 + k % 9)-01,\(k * 100)\n" + (k % 17 == 0 ? "\n" : "")
        }
        var some = lines
        for k in stride(from: 5, to: some.count - 1, by: 97) { some[k] = some[k].replacingOccurrences(of: ",2025-", with: ",2025-13-") }
        var many = lines
        for k in stride(from: 3, to: many.count - 1, by: 7) { many[k] = many[k].replacingOccurrences(of: ",20", with: ",x20") }
        let unclosed = named + "q999,E1,\"公司999,滨江区,trademark_registration,2025-01-01,100\n" + String(repeating: "q1000,E1,公司,滨江区,trademark_registration,2025-01-01,100\n", count: 5)
        let stray = named.replacingOccurrences(of: "\"某某,有限公司\n第201分部\n\"\"跨境\"\"\"", with: "\"某某\"x")
        lines[400] = lines[10]  // a duplicate claim id far from its first
        return [("valid", valid), ("quoted names", named), ("a few bad dates", some.joined(separator: "\n")),
                ("more than 50 problems", many.joined(separator: "\n")), ("unclosed quote", unclosed), ("characters after a quote", stray),
                ("CRLF", named.replacingOccurrences(of: "\n", with: "\r\n")), ("duplicate id", lines.joined(separator: "\n"))]
    }

    @Test func partsGiveWhatFrontToBackGives() async throws {
        let failures = try await offThePool { try Self.compareParts() }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n").prefix(4_000))")
    }

    static func compareParts() throws -> [String] {
        var failures: [String] = []
        let set = try loadPolicies()
        for (name, csv) in Self.variants(set) {
            let sequential = Self.outcome(csv, threads: 1, matterKeys: set.matterKeys)
            for threads in [2, 3, 5, 16] {
                let parallel = Self.outcome(csv, threads: threads, matterKeys: set.matterKeys)
                if parallel != sequential {
                    let k = (0..<min(parallel.count, sequential.count)).first { parallel[$0] != sequential[$0] } ?? min(parallel.count, sequential.count)
                    failures.append("\(name), \(threads) threads: \(parallel.count) against \(sequential.count) lines; first difference at \(k): \(k < parallel.count ? parallel[k].prefix(300) : "-") against \(k < sequential.count ? sequential[k].prefix(300) : "-")")
                }
            }
        }
        return failures
    }

    @Test func theVariantsExerciseWhatTheyClaim() throws {
        let set = try loadPolicies()
        let v = Dictionary(uniqueKeysWithValues: Self.variants(set))
        func first(_ name: String) -> [String] { Self.outcome(v[name]!, threads: 1, matterKeys: set.matterKeys) }
        #expect(first("valid").count == 601)
        #expect(first("quoted names").first?.contains("某某,有限公司\n第0分部\n\"跨境\"") == true)
        #expect(first("a few bad dates")[0] == "error")
        #expect(first("more than 50 problems").last?.contains("共发现 50 处错误") == true)
        #expect(first("unclosed quote").last?.contains("引号未闭合") == true)
        #expect(first("characters after a quote").last?.contains("引号后出现多余字符") == true)
        #expect(first("duplicate id").last?.contains("重复") == true)
    }

    @Test func duplicateIDsAreTheSameOnSeveralThreads() async throws {
        let failures = try await offThePool { Self.compareDuplicates() }
        #expect(failures.isEmpty, "\(failures)")
    }

    static func compareDuplicates() -> [String] {
        var failures: [String] = []
        func check(_ ok: Bool, _ what: String) { if !ok { failures.append(what) } }
        // 400,000 ids, some repeated two or three times, far apart.
        var text: [UInt8] = []
        var keys: [ByteRange] = []
        var rng = SplitMix64(seed: 5)
        for k in 0..<400_000 {
            let id = rng.below(50) == 0 ? "id\(rng.below(UInt64(k + 1)))" : "id\(k)"
            keys.append(ByteRange(offset: text.count, length: id.utf8.count))
            text += Array(id.utf8)
        }
        let one = text.withUnsafeBufferPointer { DuplicateFinder.duplicates($0.baseAddress!, keys, threads: 1) }
        check(one.count > 1_000, "at least a thousand repeated ids, found \(one.count)")
        for threads in [2, 3, 8] {
            let many = text.withUnsafeBufferPointer { DuplicateFinder.duplicates($0.baseAddress!, keys, threads: threads) }
            check(many.map { [$0.0, $0.1] } == one.map { [$0.0, $0.1] }, "\(threads) threads")
            // With the hashes taken while reading (as the ledger builder gives them), the same pairs.
            let given = text.withUnsafeBufferPointer { t in
                DuplicateFinder.duplicates(t.baseAddress!, keys, hashes: keys.map { ByteInterner.hash(t.baseAddress!, $0) }, threads: threads)
            }
            check(given.map { [$0.0, $0.1] } == one.map { [$0.0, $0.1] }, "\(threads) threads, hashes given")
        }
        return failures
    }
}

@Suite struct UsableCoresTests {
    @Test(arguments: [("0", 1), ("0-1", 2), ("0-3,6,8-9", 7), ("1,3", 2), ("", 0), ("x", 0), ("3-1", 0)])
    func affinityListsAreCounted(list: String, cores: Int) {
        #expect(UsableCores.allowed(list) == cores)
    }
}
