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

            An example with every key: hub/hub.yaml. A bad configuration stops the hub at start with the file, the key and the reason (exit 1).
            """,
        version: FleetVersion.current
    )

    @Option(name: .long, help: "Path of the hub's configuration file (YAML).")
    var config: String

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
    }

    func run() async throws {
        let configuration: HubConfig
        do { configuration = try HubConfig.load(path: config) } catch let error as HubConfigError { throw CommandFailure(error.description) }
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
