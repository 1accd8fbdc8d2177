import Foundation
import KuajingDomain
import Storage

/// The audit trail, for the auditor and for `kuajing audit`: the entries and the signed checkpoints,
/// a checkpoint on demand, and the verification that recomputes everything.
public struct AuditDesk: Sendable {
    public let context: AppContext
    public init(_ context: AppContext) { self.context = context }

    /// What an audit entry's action means, in Chinese (the trail page, the access log).
    public static func actionLabel(_ action: String) -> String { AuditTrail.label(action) }

    public func signingKey() throws(AppError) -> AuditSigningKey { try AuditSigningKey.loadOrCreate(path: context.configuration.auditKey) }

    /// Signs the present chain head (at a clean shutdown, periodically, with every payout batch).
    @discardableResult
    public func checkpoint(reason: String) async throws(AppError) -> AuditCheckpoint {
        let key = try signingKey()
        let now = context.clock.timestamp()
        return try await context.withStore { try await $0.audit.checkpoint(reason: reason, at: now, publicKey: key.publicKey, sign: key.sign) }
    }

    /// A checkpoint only if entries were added since the last one (the periodic one of a server).
    public func checkpointIfMoved(reason: String) async throws(AppError) -> AuditCheckpoint? {
        let (head, last) = try await context.withStore { store in (try await store.audit.head(), try await store.audit.latestCheckpoint()) }
        if let last, last.sequence == head.sequence { return nil }
        if last == nil && head.sequence == 0 { return nil }
        return try await checkpoint(reason: reason)
    }

    public struct Trail: Sendable {
        public var entries: [AuditEntry]
        public var checkpoints: [AuditCheckpoint]
        public var head: (sequence: Int64, hash: String)
    }

    /// The trail as the auditor (and the administrator) sees it, newest first.
    /// The entries of the viewer's city only (`AuditTrail.CityScope`); the head and the signed
    /// checkpoints are the one chain's, which `audit verify` checks whole.
    public func trail(_ viewer: Viewer, subject: String? = nil, limit: Int = 200, before: Int64? = nil) async throws(AppError) -> Trail {
        guard viewer.may(.readAuditTrail) else { throw .forbidden(message: "只有审计员和市级管理员可以查看审计记录") }
        let scope = AuditTrail.CityScope(city: viewer.city, districts: viewer.districts, policies: try context.cityPolicies(viewer))
        return try await context.withStore { store in
            Trail(entries: try await store.audit.recent(subject: subject, scope: scope, limit: min(max(limit, 1), 1000), before: before),
                  checkpoints: try await store.audit.checkpoints(), head: try await store.audit.head())
        }
    }

    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The first entry found bad (nil where the problem is not one entry's, e.g. a row no entry made).
        public var sequence: Int64?
        public var message: String
        /// A problem of the chain itself (hash, link, sequence, head, checkpoint), as against a row
        /// whose state the replay disagrees with (often a consequence of a chain problem).
        public var inChain: Bool = true
        public var description: String { sequence.map { "第 \($0) 条：\(message)" } ?? message }
    }

    public struct Verification: Sendable {
        public var entries: Int64
        public var head: Int64
        public var checkpoints: Int
        public var rowsReplayed: Int
        /// Applications whose decided and paid amounts were checked against the policy engine replayed in server order.
        public var applicationsReplayed: Int = 0
        public var publicKey: String
        public var problems: [Problem]
        public var intact: Bool { problems.isEmpty }
        /// The first bad entry: the lowest sequence named by a problem of the chain; where the chain
        /// holds, the lowest named by the replay.
        public var firstBad: Int64? {
            problems.filter(\.inChain).compactMap(\.sequence).min() ?? problems.compactMap(\.sequence).min()
        }
    }

    /// The tables whose rows the entries' effects replay, with their key column.
    static let replayed: [(table: String, key: String)] = [
        ("voucher_pool", "policy"), ("voucher_batch", "id"), ("voucher", "id"), ("application", "id"), ("budget", "id"),
        ("payee_account", "id"), ("payout_batch", "id"), ("payout_line", "id"), ("app_user", "name"),
        ("limit_use", "id"),
    ]

    /// Recomputes every hash, checks the sequence, the links and the stored head, every checkpoint's
    /// signature (with `publicKey`, or the configured key's) and its place in the chain, then replays
    /// the entries' effects and compares every balance and state row with them.
    public func verify(publicKey given: String? = nil) async throws(AppError) -> Verification {
        // Without a key file (nothing was ever signed here) the chain is still checked; a checkpoint then cannot be.
        let publicKey: String
        if let given { publicKey = given }
        else if FileManager.default.fileExists(atPath: context.configuration.auditKey) { publicKey = try AuditSigningKey.load(path: context.configuration.auditKey).publicKey }
        else { publicKey = "" }
        return try await context.withStore { store in
            var problems: [Problem] = []
            var previousHash = AuditTrail.genesis, expected: Int64 = 1, count: Int64 = 0
            var hashAt: [Int64: String] = [0: AuditTrail.genesis]
            var state: [String: [String: [String: AuditValue]]] = [:]   // table → key → column → value
            var lastTouch: [String: Int64] = [:]                          // "table\u{1F}key\u{1F}column" → sequence
            var chainBroken = false
            var after: Int64 = 0
            while true {
                let page = try await store.audit.entries(after: after, limit: 5_000)
                if page.isEmpty { break }
                for e in page {
                    count += 1
                    if !chainBroken {
                        if e.sequence != expected {
                            problems.append(Problem(sequence: expected, message: e.sequence > expected ? "缺少第 \(expected)\(e.sequence - 1 > expected ? " 至 \(e.sequence - 1)" : "") 条（序号不连续）" : "序号重复或倒序（实为 \(e.sequence)）"))
                            chainBroken = true
                        } else if e.previousHash != previousHash {
                            problems.append(Problem(sequence: e.sequence, message: "与前一条的哈希链接不符（记录的前哈希 \(e.previousHash.prefix(12))…，实际前一条 \(previousHash.prefix(12))…）"))
                            chainBroken = true
                        } else if AuditTrail.hash(sequence: e.sequence, recordedAt: e.recordedAt, actor: e.actor, action: e.action, subject: e.subject,
                                                  content: e.content, previous: e.previousHash) != e.hash {
                            problems.append(Problem(sequence: e.sequence, message: "内容与其哈希不符（条目被改动）"))
                            chainBroken = true
                        }
                    }
                    hashAt[e.sequence] = e.hash
                    previousHash = e.hash
                    expected = e.sequence + 1
                    after = e.sequence
                    guard let effects = Self.effects(e.content) else {
                        problems.append(Problem(sequence: e.sequence, message: "内容不是可解析的 JSON"))
                        continue
                    }
                    for (table, key, column, change) in effects {
                        var row = state[table]?[key] ?? [:]
                        switch change {
                        case let .add(d):
                            if case let .integer(v)? = row[column] { row[column] = .integer(v + d) } else { row[column] = .integer(d) }
                        case let .set(v): row[column] = v
                        }
                        state[table, default: [:]][key] = row
                        lastTouch[table + "\u{1F}" + key + "\u{1F}" + column] = e.sequence
                    }
                }
            }
            let head = try await store.audit.head()
            if !chainBroken {
                if head.sequence != count || head.hash != previousHash {
                    let missing = head.sequence > count
                    problems.append(Problem(sequence: missing ? count + 1 : head.sequence,
                                            message: missing ? "链头记录到第 \(head.sequence) 条，表中只到第 \(count) 条（尾部被截去）" : "链头（第 \(head.sequence) 条，\(head.hash.prefix(12))…）与最后一条（第 \(count) 条，\(previousHash.prefix(12))…）不符"))
                }
            }
            let checkpoints = try await store.audit.checkpoints()
            for c in checkpoints {
                if publicKey.isEmpty {
                    problems.append(Problem(sequence: c.sequence, message: "找不到审计签名密钥（\(context.configuration.auditKey)），无法验证检查点 #\(c.id)；请用 --public-key 给出公钥"))
                } else if c.publicKey != publicKey {
                    problems.append(Problem(sequence: c.sequence, message: "检查点 #\(c.id) 的公钥不是审计签名公钥（链可能被整体重写并重新签名）"))
                } else if !AuditSigningKey.verify(signature: c.signature, message: AuditCheckpoint.message(sequence: c.sequence, headHash: c.headHash, signedAt: c.signedAt), publicKey: publicKey) {
                    problems.append(Problem(sequence: c.sequence, message: "检查点 #\(c.id) 的签名无效"))
                } else if let h = hashAt[c.sequence] {
                    if h != c.headHash { problems.append(Problem(sequence: c.sequence, message: "与已签名的检查点 #\(c.id)（\(c.signedAt)）不符：链在此处或之前被改写")) }
                } else {
                    problems.append(Problem(sequence: c.sequence, message: "已签名的检查点 #\(c.id) 记到第 \(c.sequence) 条，表中没有这一条（尾部被截去）"))
                }
            }
            // Replay: every row of the audited tables must be what the entries made of it.
            var replayedRows = 0
            for (table, keyColumn) in Self.replayed {
                let expectedRows = state[table] ?? [:]
                let columns = Set(expectedRows.values.flatMap(\.keys)).sorted()
                let actual = try await store.audit.rows(table: table, keyColumn: keyColumn, columns: columns.isEmpty ? [keyColumn] : columns)
                for key in actual.keys.sorted() where expectedRows[key] == nil {
                    problems.append(Problem(sequence: nil, message: "\(table) 的记录 \(key) 不是经审计记录写入的", inChain: false))
                }
                for (key, values) in expectedRows.sorted(by: { $0.key < $1.key }) {
                    guard let row = actual[key] else {
                        problems.append(Problem(sequence: lastTouch.filter { $0.key.hasPrefix(table + "\u{1F}" + key + "\u{1F}") }.values.max(), message: "\(table) 的记录 \(key) 已不存在", inChain: false))
                        continue
                    }
                    replayedRows += 1
                    for (column, value) in values.sorted(by: { $0.key < $1.key }) where row[column] != value {
                        problems.append(Problem(sequence: lastTouch[table + "\u{1F}" + key + "\u{1F}" + column],
                                                message: "\(table) 记录 \(key) 的 \(column) 按审计记录应为 \(Self.show(value))，实为 \(Self.show(row[column] ?? .null))", inChain: false))
                    }
                }
            }
            // The rules replayed: the engine over every enterprise's applications in server order; no
            // application may be decided or paid more than what the limits allow it.
            let now = context.clock.timestamp()
            let applications = try await store.applications.allApplications()
            let paid = try await store.payouts.netPaidByApplication()
            var checked = 0
            let bounds = try LimitReplay.bounds(ofEnterprises: applications, now: now, context: context)
            for a in applications {
                let decided = a.decidedFen ?? 0, net = paid[a.id] ?? 0
                let stake = max(decided, net)
                guard stake > 0 else { continue }
                checked += 1
                let bound = bounds[a.id]
                if stake > (bound?.fen ?? 0) {
                    problems.append(Problem(sequence: nil, message: "第 \(a.id) 号申报（企业 \(a.enterpriseID)，\(a.matter)）\(net > 0 ? "已支付" : "核定") \(Fen(stake).grouped) 元，超过政策规则按受理顺序重放允许的 \(Fen(bound?.fen ?? 0).grouped) 元：\(bound?.explanation ?? "该申报已不计入限额（\(ApplicationDesk.statusLabel(a.status))）")", inChain: false))
                }
            }
            // The limit rows: each what its holds add up to, none past its bound, no application
            // decided more than it holds.
            for r in try await store.applications.limitRowsOutOfBalance() {
                problems.append(Problem(sequence: nil, message: "限额记录 \(r.id)（\(r.label)）已用 \(r.used)，各申报占用合计 \(r.held)，上限 \(r.bound)：\(r.used > r.bound ? "超过上限" : "与占用明细不符")", inChain: false))
            }
            for a in applications where a.limitsHeld {
                if let decided = a.decidedFen, let held = a.heldFen, decided > held {
                    problems.append(Problem(sequence: nil, message: "第 \(a.id) 号申报核定 \(Fen(decided).grouped) 元，但只占用限额 \(Fen(held).grouped) 元", inChain: false))
                }
            }
            return Verification(entries: count, head: head.sequence, checkpoints: checkpoints.count, rowsReplayed: replayedRows, applicationsReplayed: checked,
                                publicKey: publicKey, problems: problems)
        }
    }

    static func show(_ v: AuditValue) -> String {
        switch v {
        case let .text(t): return "“\(t)”"
        case let .integer(i): return String(i)
        case .null: return "空"
        default: return v.canonical
        }
    }

    /// The effects of an entry's content: `[table, key, column, "add" | "set", value]`.
    static func effects(_ content: String) -> [(String, String, String, AuditEffect.Change)]? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(content.utf8)) as? [String: Any] else { return nil }
        guard let list = object["effects"] as? [Any] else { return [] }
        var out: [(String, String, String, AuditEffect.Change)] = []
        for item in list {
            guard let e = item as? [Any], e.count == 5, let table = e[0] as? String, let key = e[1] as? String, let column = e[2] as? String, let op = e[3] as? String else { return nil }
            let value: AuditValue
            switch e[4] {
            case let s as String: value = .text(s)
            case let n as NSNumber: value = .integer(n.int64Value)
            case is NSNull: value = .null
            default: return nil
            }
            if op == "add", case let .integer(d) = value { out.append((table, key, column, .add(d))) }
            else if op == "set" { out.append((table, key, column, .set(value))) }
            else { return nil }
        }
        return out
    }
}
