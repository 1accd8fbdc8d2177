import ArgumentParser
import Foundation
import KuajingApp
import KuajingWeb

/// `kuajing serve`: the web platform on the configured store (SQLite file by default, PostgreSQL with
/// --db postgres://…). With --demo, the synthetic world and its demo users on first start.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the web platform (中文网页与 /api/v1).")
    @Option(help: "Address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "Port to listen on (0: any free port, printed).") var port: Int = 8080
    @Flag(help: "Seed the synthetic world (模拟数据) on first start and create the demo users; print their names and password.") var demo = false
    @OptionGroup var options: AppOptions

    func run() async throws {
        try await runCommand { () async throws(AppError) in
            var base = try options.context()
            if demo && base.configuration.funding == nil {
                // The demo's example split (模拟数据), only where none is configured.
                var configuration = base.configuration
                configuration.funding = configuration.home + "/" + CashOutDemo.demoFunding
                base = AppContext(configuration: configuration, clock: base.clock)
            }
            let store = try await base.openStore()
            let context = AppContext(configuration: base.configuration, clock: base.clock, store: store)
            var lines: [String] = []
            if demo {
                let monitor = TradeMonitor(context)
                var created: DemoUsers.Created?
                if await !monitor.holdsSyntheticData() {
                    standardError("首次启动：正在生成模拟数据（约一分钟）……\n")
                    created = try await DemoSeeding(context).seed(.init(directory: NSTemporaryDirectory() + "kuajing-demo")).users
                } else if try await !DemoUsers(context).exist() || context.configuration.demoPassword != nil {
                    created = try await DemoUsers(context).create()
                    if let id = created?.enterpriseID { try await CashOutDemo(context).seed(enterpriseID: id) }
                }
                if let created {
                    lines.append("演示用户（密码均为 \(created.password)）：")
                    for u in created.users { lines.append("  \(u.name)\t\(u.role.label)\t\(u.role == .enterprise ? "\(created.enterpriseID) \(created.enterpriseName)" : u.scopeName)") }
                } else {
                    lines.append("演示用户已存在（demo-admin、demo-analyst、demo-binjiang、demo-enterprise、demo-auditor），密码为首次启动时打印的密码；设置 KUAJING_DEMO_PASSWORD 可重设")
                }
            }
            let server = WebServer(context: context, host: host, port: port)
            // The chain head is signed every ten minutes while entries are added, and at a clean stop.
            let periodic = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(600))
                    if Task.isCancelled { break }
                    _ = try? await AuditDesk(context).checkpointIfMoved(reason: "定时检查点")
                }
            }
            defer { periodic.cancel() }
            let printed = lines
            let location = base.configuration.storeLocation.description
            do {
                try await server.run { port in
                    var text = printed.joined(separator: "\n") + (printed.isEmpty ? "" : "\n")
                    text += "Kuajing 已启动：http://\(host == "0.0.0.0" ? "127.0.0.1" : host):\(port)/  （数据库 \(location)；按 Ctrl-C 停止）\n"
                    FileHandle.standardOutput.write(Data(text.utf8))
                }
            } catch {
                try? await store.close()
                throw AppError.unavailable(message: "服务无法启动：\(error)")
            }
            periodic.cancel()
            if let c = try? await AuditDesk(context).checkpointIfMoved(reason: "正常停止") {
                standardError("已签署审计检查点：第 \(c.sequence) 条，链头 \(c.headHash.prefix(16))…\n")
            }
            try? await store.close()
        }
    }
}

/// `kuajing users add|token|list`: the first administrator and every bearer token come from here.
struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Users of the web platform.", subcommands: [Add.self, Token.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a user (or reset one): role admin, analyst, district, enterprise or auditor. The password is read from $KUAJING_PASSWORD or standard input.")
        @Argument(help: "User name.") var name: String
        @Option(help: "Role: admin (市级管理员), analyst (市级分析员), district (区县用户), enterprise (企业用户), auditor (审计员).") var role: String
        @Option(help: "City.") var city: String = "杭州市"
        @Option(help: "District (role district).") var district: String?
        @Option(help: "统一社会信用代码 of the enterprise (role enterprise).") var enterprise: String?
        @Option(help: "Name shown in the pages.") var displayName: String?
        @OptionGroup var options: AppOptions
        func run() async throws {
            try await runCommand { () async throws(AppError) in
                guard let role = Role(rawValue: role) else { throw .invalidInput(field: "role", location: nil, message: "应为 admin、analyst、district、enterprise 或 auditor，实为“\(role)”") }
                let context = try options.context()
                let password = context.configuration.userPassword ?? readLine(strippingNewline: true) ?? ""
                let v = try await Accounts(context).addUser(.init(name: name, displayName: displayName, role: role, city: city, district: district,
                                                                             enterpriseID: enterprise, password: password))
                print("已添加用户 \(v.name)：\(v.role.label)，\(v.role == .enterprise ? (v.enterpriseID ?? "") : v.scopeName)")
            }
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a new bearer token for a user, alone on standard output.")
        @Argument(help: "User name.") var name: String
        @Option(help: "Demo world only: a token with the role 企业用户 for this synthetic enterprise (统一社会信用代码).") var enterprise: String?
        @OptionGroup var options: AppOptions
        func run() async throws {
            try await runCommand { () async throws(AppError) in
                print(try await Accounts(options.context()).issueToken(user: name, enterprise: enterprise))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the users with their role and scope.")
        @OptionGroup var options: AppOptions
        func run() async throws {
            try await runCommand { () async throws(AppError) in
                let admin = Viewer(name: "kuajing", displayName: "命令行", role: .admin, city: "杭州市")
                for u in try await Accounts(options.context()).users(for: admin, everyCity: true) {
                    print("\(u.name)\t\(u.role.label)\t\(u.city)\t\(u.role == .enterprise ? (u.enterpriseID ?? "") : u.scopeName)\t\(u.displayName)")
                }
            }
        }
    }
}

/// `kuajing audit verify|checkpoint|key`: the audit trail, as an auditor checks it.
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The audit trail (审计记录): verify the chain, sign a checkpoint, print the public key.",
                                                    subcommands: [Verify.self, Checkpoint.self, Key.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Recompute every hash, the sequence, the links, the head and the signed checkpoints, and replay every balance and state; exit 0 when intact, else name the first bad entry.")
        @Option(name: .customLong("public-key"), help: "The audit public key (base64) to check checkpoints with, instead of the configured key file.") var publicKey: String?
        @OptionGroup var options: AppOptions

        func run() async throws {
            try await runCommand { () async throws(AppError) in
                let v = try await AuditDesk(options.context()).verify(publicKey: publicKey)
                if v.intact {
                    print("审计记录完整：\(v.entries) 条记录，链头第 \(v.head) 条；\(v.checkpoints) 个已签名检查点均相符；按记录重放核对 \(v.rowsReplayed) 行余额与状态，全部一致；按政策规则依受理顺序重放核对 \(v.applicationsReplayed) 件已核定或已支付的申报，均未超过限额")
                    return
                }
                print("审计记录不完整：\(v.problems.count) 处问题" + (v.firstBad.map { "，第一条有问题的记录为第 \($0) 条" } ?? ""))
                for p in v.problems.prefix(50) { print("  \(p)") }
                throw AppError.conflict(message: "审计校验未通过" + (v.firstBad.map { "（第 \($0) 条）" } ?? ""))
            }
        }
    }

    struct Checkpoint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sign the present chain head with the audit key (kept outside the database).")
        @OptionGroup var options: AppOptions
        func run() async throws {
            try await runCommand { () async throws(AppError) in
                let c = try await AuditDesk(options.context()).checkpoint(reason: "命令行")
                print("检查点 #\(c.id)：第 \(c.sequence) 条，链头 \(c.headHash)\n签名 \(c.signature)\n公钥 \(c.publicKey)")
            }
        }
    }

    struct Key: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the audit public key (base64), creating the key file if there is none.")
        @OptionGroup var options: AppOptions
        func run() async throws {
            try await runCommand { () async throws(AppError) in
                let key = try AuditDesk(options.context()).signingKey()
                print(key.publicKey)
            }
        }
    }
}
