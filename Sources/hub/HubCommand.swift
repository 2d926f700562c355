import ArgumentParser
import FleetCommandSupport
import FleetModel

/// `hub`: the long-running server that turns commits into signed per-cluster plans.
@main
struct HubCommand: ParsableCommand {
    static func main() { runCommand(Self.self) }

    static let configuration = CommandConfiguration(
        commandName: "hub",
        abstract: "The fleet hub: reads the fleet Git repository, compiles one signed plan per cluster and serves it to spokes.",
        version: FleetVersion.current
    )

    @Option(name: .long, help: "Path of the hub's configuration file (YAML).")
    var config: String

    func run() throws {
        throw NotYetBuilt("the hub server is not part of this build yet: Git sync, plan serving and the API arrive with the hub milestone (issue 5)")
    }
}
