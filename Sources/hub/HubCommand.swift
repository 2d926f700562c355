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
        version: FleetVersion.current
    )

    @Option(name: .long, help: "Path of the hub's configuration file (YAML).")
    var config: String?

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
