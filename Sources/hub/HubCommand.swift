import ArgumentParser
import FleetCommandSupport
import FleetHubCore
import FleetHubServer
import FleetModel
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// `hub`: the long-running server that turns commits into signed per-cluster plans.
@main
struct HubCommand: AsyncParsableCommand {
    static func main() async {
        // The database, the signing key and token files are the hub's alone.
        umask(0o077)
        await runAsyncCommand(Self.self)
    }

    static let configuration = CommandConfiguration(
        commandName: "hub",
        abstract: "The fleet hub: reads the fleet Git repository, compiles one signed plan per cluster and serves it to spokes.",
        discussion: """
            On first start the hub creates its state directory (SQLite database, Ed25519 plan-signing key, repository mirrors) and an admin token, which it prints once. It then fetches the fleet repository every poll interval (and at once on a push webhook), plans every cluster, and serves the plans and the API (docs/api.md).

            Configuration keys (YAML; durations as kubectl writes them: 500ms, 30s, 5m, 1h):
            \(HubConfig.keys.map { "  \($0.0): \($0.1)" }.joined(separator: "\n"))

            To try a hub on one machine: hub --config hub/quickstart.yaml (nothing else to create). An example with every key: hub/hub.yaml. A bad configuration stops the hub at start with every problem at once, each with its key and reason (exit 1); --check-config reports them without starting.
            """,
        version: FleetVersion.current,
        subcommands: [AdminTokenCommand.self]
    )

    @OptionGroup var file: ConfigFileOption
    var config: String? { file.config }

    @Option(name: .customLong("check-config"), help: "Check this configuration file, report every problem at once, and exit (0: usable, 1: problems).")
    var checkConfig: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard (config == nil) != (checkConfig == nil) else { throw ValidationError("give --config FILE to run the hub, or --check-config FILE to check one") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
    }

    func run() async throws {
        let configuration: HubConfig
        let path = config ?? checkConfig ?? ""
        do { configuration = try HubConfig.loadReportingAll(path: path) } catch let error as HubConfigErrors { throw CommandFailure(error.description) } catch let error as HubConfigError { throw CommandFailure(error.description) }
        if checkConfig != nil {
            print("\(path): usable (listen \(configuration.listenHost):\(configuration.listenPort), state \(configuration.stateDirectory), repository \(configuration.repositoryURL))")
            return
        }
        var logger = Logger(label: "fleet.hub")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        try await HubServer.run(config: configuration, logger: logger)
    }
}

/// A failure with a message for the user (exit 1).
struct CommandFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `hub admin-token --reset --config FILE`: a new admin token when nobody has one.
struct AdminTokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin-token",
        abstract: "Make a new admin token and revoke the others (when the admin token is lost).",
        discussion: """
            Run it with the hub stopped (a running hub keeps the tokens it loaded; the command refuses while something listens on the hub's address). The new token is printed once, or written to tokens.adminTokenFile (mode 0600) when the configuration sets one. Every other admin token is revoked after the new one is stored, so there is never a moment with none; viewer, operator and spoke tokens are kept. Recorded in the audit log as admin-token-reset.
            """
    )

    @OptionGroup var file: ConfigFileOption
    @Flag(name: .long, help: "Confirm: make a new admin token and revoke the others.") var reset = false

    func validate() throws {
        guard file.config != nil else { throw ValidationError("give --config FILE, the hub's configuration") }
        guard reset else { throw ValidationError("give --reset to make a new admin token (the others are revoked)") }
    }

    func run() throws {
        let config = file.config ?? ""
        let configuration: HubConfig
        do { configuration = try HubConfig.loadReportingAll(path: config) } catch let error as HubConfigErrors { throw CommandFailure(error.description) } catch let error as HubConfigError { throw CommandFailure(error.description) }
        do { try ListenCheck.check(host: configuration.listenHost, port: configuration.listenPort) } catch {
            throw CommandFailure("the hub seems to be running (\(configuration.listenHost):\(configuration.listenPort) is in use): stop it first, then reset the admin token")
        }
        let (token, revoked) = try AdminTokenReset.reset(config: configuration)
        if let file = configuration.adminTokenFile {
            print("A new admin token was written to \(file) (mode 0600); \(revoked) older admin token(s) revoked.")
        } else {
            print("""
                A new admin token; it is shown only this once. \(revoked) older admin token(s) revoked.
                  \(token)
                """)
        }
    }
}

/// `--config FILE`, shared by `hub` and `hub admin-token`.
struct ConfigFileOption: ParsableArguments {
    @Option(name: .long, help: "Path of the hub's configuration file (YAML).")
    var config: String?
}

