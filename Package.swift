// swift-tools-version: 6.1
//
// Layout (dependencies point inward; see docs/architecture.md):
//
//   C system libraries     CYAML  CGit2  CCurl  CSQLite  CCrypto  CMalloc  CZlib
//   pure core              FleetModel (values, JSON, identities, durations, file trees)
//                          FleetProtocol (the typed hub-spoke contract: plans, reports, names)
//                          FleetRegex (Go's regexp: RE2 syntax, linear-time matching)
//   adapters               FleetYAML (libyaml)  FleetGit (libgit2)  FleetHTTPClient (libcurl)
//                          FleetSQLite (thin sqlite3, for the spoke)  FleetHubStore (GRDB, for the hub)
//                          FleetFiles (directories on disk as file trees)
//                          FleetArchive (zlib: gzip and tar, for packaged Helm charts)
//                          FleetRepos (Git repositories as sources for generators and plans)
//   engines                FleetRender (Kustomize-compatible rendering over file trees)
//                          FleetTemplate (Go text/template and Sprig, for ApplicationSets and Helm)
//                          FleetHelm (Helm charts rendered as `helm template` does)
//                          FleetAppSet (ApplicationSet generators)
//                          FleetPlan (per-cluster plans: generate, render, compile; incremental)
//                          FleetReconcile (diff, health, sync decisions; pure, shared by spoke and CLI)
//                          FleetReconcile also holds the ClusterDriver port the spoke's drivers implement
//   services               FleetHubCore (config, mirrors, tokens, reports, plans, the engine)
//                          FleetHubServer (the HTTP API on Hummingbird)
//                          FleetSpoke (the agent, the local cluster, the reconciler)
//                          FleetKube (the spoke's Kubernetes driver)
//                          FleetCLI (the fleet subcommands)  FleetCommandSupport (exit codes, processes)
//   executables            hub  spoke  fleet
//
// The spoke's closure must stay free of SwiftNIO/Hummingbird, GRDB and full Foundation:
// every module it links imports FoundationEssentials at most (`make check-spoke-deps`).
import PackageDescription

let package = Package(
    name: "fleet",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "hub", targets: ["hub"]),
        .executable(name: "spoke", targets: ["spoke"]),
        .executable(name: "fleet", targets: ["fleet"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", exact: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        // An explicit trait list: with the defaults SwiftPM orders traits randomly and rebuilds
        // Hummingbird for nothing (TOOLCHAIN.md).
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras", exact: "1.35.2"),
        .package(url: "https://github.com/apple/swift-certificates", exact: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", exact: "1.7.4"),
    ],
    targets: [
        // MARK: C libraries (not API: wrapped by the adapter modules)
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CMalloc"),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // MARK: Pure core
        .target(name: "FleetRegex"),
        .target(
            name: "FleetModel",
            dependencies: [.product(name: "OrderedCollections", package: "swift-collections")]
        ),
        .target(name: "FleetProtocol", dependencies: ["FleetModel", .product(name: "OrderedCollections", package: "swift-collections")]),

        // MARK: Adapters
        .target(name: "FleetYAML", dependencies: ["FleetModel", "CYAML"]),
        .target(name: "FleetGit", dependencies: ["FleetModel", "CGit2"]),
        .target(name: "FleetHTTPClient", dependencies: ["CCurl"]),
        .target(name: "FleetFiles", dependencies: ["FleetModel"]),

        // MARK: Engines (pure logic over the core and YAML)
        .target(
            name: "FleetRender",
            dependencies: ["FleetModel", "FleetYAML", "FleetRegex", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "FleetTemplate",
            dependencies: [
                "FleetModel", "FleetYAML", "FleetRegex",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ]
        ),
        .target(name: "FleetArchive", dependencies: ["CZlib"]),
        .target(
            name: "FleetHelm",
            dependencies: [
                "FleetModel", "FleetYAML", "FleetRegex", "FleetTemplate", "FleetArchive",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .target(
            name: "FleetAppSet",
            dependencies: [
                "FleetModel", "FleetYAML", "FleetRegex", "FleetTemplate",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ]
        ),
        .target(
            name: "FleetPlan",
            dependencies: [
                "FleetModel", "FleetProtocol", "FleetYAML", "FleetRender", "FleetAppSet", "FleetHelm",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "OrderedCollections", package: "swift-collections"),
            ]
        ),
        .target(
            name: "FleetRepos",
            dependencies: [
                "FleetModel", "FleetYAML", "FleetGit", "FleetFiles", "FleetRender", "FleetTemplate", "FleetPlan", "FleetHTTPClient",
            ]
        ),
        .target(name: "FleetReconcile", dependencies: ["FleetModel", "FleetProtocol"]),

        // MARK: Spoke services (FoundationEssentials at most: the spoke must stay light)
        .target(
            name: "FleetSpoke",
            dependencies: ["FleetModel", "FleetProtocol", "FleetYAML", "FleetReconcile", "FleetSQLite", "FleetHTTPClient", "CCrypto", "CMalloc"]
        ),
        .target(
            name: "FleetKube",
            dependencies: ["FleetModel", "FleetProtocol", "FleetYAML", "FleetFiles", "FleetHTTPClient", "FleetReconcile"]
        ),
        .target(name: "FleetSQLite", dependencies: ["CSQLite"]),
        .target(
            name: "FleetHubStore",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")]
        ),

        // MARK: Hub services (full Foundation; never linked by the spoke)
        .target(
            name: "FleetHubCore",
            dependencies: [
                "FleetModel", "FleetProtocol", "FleetYAML", "FleetGit", "FleetAppSet", "FleetPlan", "FleetRepos", "FleetHubStore", "CMalloc",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "FleetHubServer",
            dependencies: [
                "FleetHubCore", "FleetModel", "FleetProtocol", "FleetPlan",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // MARK: Command-line plumbing shared by the three binaries
        .target(
            name: "FleetCommandSupport",
            dependencies: ["FleetModel", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // MARK: Executables (thin)
        .executableTarget(
            name: "hub",
            dependencies: [
                "FleetModel", "FleetCommandSupport", "FleetHubCore", "FleetHubServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "spoke",
            dependencies: ["FleetModel", "FleetYAML", "FleetFiles", "FleetSpoke", "FleetKube", "FleetReconcile", "FleetCommandSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .target(
            name: "FleetCLI",
            dependencies: [
                "FleetModel", "FleetProtocol", "FleetYAML", "FleetRender", "FleetTemplate", "FleetAppSet", "FleetHelm", "FleetPlan", "FleetRepos", "FleetFiles", "FleetGit", "FleetHTTPClient", "FleetCommandSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "fleet", dependencies: ["FleetCLI", "FleetCommandSupport"]),

        // MARK: Test support (servers on loopback, temp repos, child processes)
        .target(name: "FleetTestSupport", dependencies: ["FleetCommandSupport", "FleetFiles", "FleetModel"]),
        .executableTarget(name: "fleet-load-helper", path: "Tests/LoadHelper"),
        .executableTarget(
            name: "fleet-crash-helper",
            dependencies: ["FleetSQLite", "FleetHubStore", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Tests/CrashHelper"
        ),

        // MARK: Fuzzing (`make fuzz`): entry points, and the libFuzzer driver
        .target(
            name: "FleetFuzzTargets",
            dependencies: ["FleetModel", "FleetProtocol", "FleetYAML", "FleetRegex", "FleetRender", "FleetTemplate", "FleetAppSet", "FleetHubCore"]
        ),
        .executableTarget(name: "fleet-fuzz", dependencies: ["FleetFuzzTargets"]),

        // MARK: Benchmarks (`make bench`)
        .executableTarget(
            name: "fleet-bench",
            dependencies: [
                "FleetRender", "FleetFiles", "FleetModel", "FleetProtocol", "FleetYAML", "FleetPlan", "FleetRepos", "FleetAppSet", "FleetSpoke", "FleetReconcile", "FleetCommandSupport", "FleetHelm",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            path: "Benchmarks/FleetBench"
        ),

        // MARK: Tests
        .testTarget(name: "FleetModelTests", dependencies: ["FleetModel", "FleetTestSupport"]),
        .testTarget(name: "FleetProtocolTests", dependencies: ["FleetProtocol", "FleetModel"]),
        .testTarget(name: "FleetRegexTests", dependencies: ["FleetRegex"], exclude: ["Fixtures"]),
        .testTarget(name: "FleetFuzzTests", dependencies: ["FleetFuzzTargets"]),
        .testTarget(name: "FleetYAMLTests", dependencies: ["FleetYAML", "FleetModel", "FleetTestSupport"]),
        .testTarget(name: "FleetGitTests", dependencies: ["FleetGit", "FleetModel", "FleetTestSupport"]),
        .testTarget(
            name: "FleetStoreTests",
            dependencies: [
                "FleetSQLite", "FleetHubStore", "FleetTestSupport", "fleet-crash-helper",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(name: "FleetHTTPClientTests", dependencies: ["FleetHTTPClient", "FleetTestSupport"]),
        .testTarget(name: "FleetTemplateTests", dependencies: ["FleetTemplate", "FleetModel"]),
        .testTarget(name: "FleetHelmTests", dependencies: ["FleetHelm", "FleetArchive", "FleetTemplate", "FleetModel", "FleetYAML", "FleetTestSupport"]),
        .testTarget(name: "FleetAppSetTests", dependencies: ["FleetAppSet", "FleetTemplate", "FleetModel", "FleetYAML", "FleetTestSupport"]),
        .testTarget(
            name: "FleetPlanTests",
            dependencies: [
                "FleetPlan", "FleetRepos", "FleetGit", "FleetFiles", "FleetAppSet", "FleetModel", "FleetProtocol", "FleetYAML", "FleetTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "FleetHubTests",
            dependencies: [
                "FleetHubCore", "FleetHubServer", "FleetHubStore", "FleetModel", "FleetProtocol", "FleetPlan", "FleetTestSupport", "FleetSpoke", "FleetReconcile", "FleetYAML", "FleetKube",
                "fleet-load-helper", "hub", "fleet",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(name: "FleetReconcileTests", dependencies: ["FleetReconcile", "FleetModel", "FleetProtocol", "FleetYAML"], exclude: ["Fixtures"]),
        .testTarget(
            name: "FleetSpokeTests",
            dependencies: ["FleetSpoke", "FleetReconcile", "FleetModel", "FleetProtocol", "FleetHTTPClient", "FleetTestSupport", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "FleetKubeTests", dependencies: ["FleetKube", "FleetSpoke", "FleetReconcile", "FleetModel", "FleetProtocol", "FleetTestSupport"]),
        .testTarget(name: "FleetCLITests", dependencies: ["FleetTestSupport", "FleetCLI", "FleetProtocol", "FleetModel", "fleet", "spoke", "hub"]),
        .testTarget(
            name: "FleetRenderTests",
            dependencies: ["FleetRender", "FleetRepos", "FleetFiles", "FleetGit", "FleetYAML", "FleetModel", "FleetTestSupport"],
            exclude: ["Cases"]
        ),
    ]
)
