// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Kuajing",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kuajing", targets: ["kuajing"]),
        .library(name: "KuajingDomain", targets: ["KuajingDomain"]),
        .library(name: "PolicyEngine", targets: ["PolicyEngine"]),
        .library(name: "TradeData", targets: ["TradeData"]),
        .library(name: "Storage", targets: ["Storage"]),
        .library(name: "Monitoring", targets: ["Monitoring"]),
        .library(name: "KuajingApp", targets: ["KuajingApp"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // libxlsxwriter (Debian's libxlsxwriter-dev), for workbooks an office suite is happy with.
        .systemLibrary(name: "CXlsxWriter", pkgConfig: "xlsxwriter", providers: [.apt(["libxlsxwriter-dev"])]),
        // zlib (Debian's zlib1g-dev), for the originals the ledger keeps compressed.
        .systemLibrary(name: "CKuajingZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Pure domain: money, places, dates, matters. No I/O beyond parsing given bytes.
        .target(name: "KuajingDomain", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // The policy engine: the rule language, policy files, the claims ledger and the evaluator.
        .target(
            name: "PolicyEngine",
            dependencies: ["KuajingDomain", .product(name: "Yams", package: "Yams")]
        ),
        // Trade data: customs CEB messages read by element name, checked against the XSD rules and code tables.
        .target(
            name: "TradeData",
            dependencies: [
                "KuajingDomain",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        // Storage behind one protocol, SQLite (embedded default) and PostgreSQL; a folder per context (trade, registry, plans, access, cash-out).
        .target(
            name: "Storage",
            dependencies: [
                "TradeData", "KuajingDomain", "CKuajingZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        // Monitoring the plans: targets and tasks as data, indicators from the ledger, progress, tiers, the monthly report.
        .target(
            name: "Monitoring",
            dependencies: ["KuajingDomain", "PolicyEngine", "Storage", "CXlsxWriter"]
        ),
        // The application layer: every use case as a typed function over the engines and the store,
        // one AppError, one AppConfiguration. No printing, no argument parsing.
        .target(
            name: "KuajingApp",
            dependencies: [
                "KuajingDomain", "PolicyEngine", "TradeData", "Storage", "Monitoring",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ]
        ),
        // The web platform: routes, pages (model, query, view), the JSON API, sign-in and scopes, over KuajingApp.
        .target(
            name: "KuajingWeb",
            dependencies: [
                "KuajingApp", "KuajingDomain", "PolicyEngine", "TradeData", "Monitoring",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        // The command line: argument parsing and terminal rendering only, over KuajingApp.
        .target(
            name: "KuajingCLI",
            dependencies: [
                "KuajingApp", "KuajingWeb", "KuajingDomain", "PolicyEngine", "TradeData", "Monitoring",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The thin executable: parses arguments and calls KuajingCLI.
        .executableTarget(name: "kuajing", dependencies: ["KuajingCLI"]),
        // What every storage and application test shares: the engines, temporary databases, fixtures.
        .target(
            name: "KuajingTestSupport",
            dependencies: ["KuajingApp", "Storage", "TradeData", "KuajingDomain", "PolicyEngine"],
            path: "Tests/KuajingTestSupport"
        ),
        .testTarget(name: "KuajingDomainTests", dependencies: ["KuajingDomain"]),
        .testTarget(name: "TradeDataTests", dependencies: ["TradeData", "KuajingDomain", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "TradeData", "KuajingApp", "KuajingTestSupport"]),
        .testTarget(name: "MonitoringTests", dependencies: ["Monitoring", "KuajingDomain", "KuajingApp", "Storage", "KuajingTestSupport"]),
        .testTarget(name: "KuajingAppTests", dependencies: ["KuajingApp", "KuajingDomain", "Storage", "TradeData", "Monitoring", "KuajingTestSupport"]),
        .testTarget(
            name: "KuajingWebTests",
            dependencies: [
                "KuajingWeb", "KuajingApp", "KuajingDomain", "KuajingTestSupport", "Storage", "Monitoring",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(
            name: "PolicyEngineTests",
            dependencies: [
                "PolicyEngine", "KuajingDomain", "KuajingApp", "KuajingTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
