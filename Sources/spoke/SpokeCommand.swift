import ArgumentParser
import FleetCommandSupport
import FleetModel

/// `spoke`: the small agent in each cluster that pulls its plan and reconciles the cluster.
@main
struct SpokeCommand: ParsableCommand {
    static func main() { runCommand(Self.self) }

    static let configuration = CommandConfiguration(
        commandName: "spoke",
        abstract: "The fleet spoke agent: pulls this cluster's plan from the hub, reconciles the cluster to it and reports back.",
        version: FleetVersion.current
    )

    @Option(name: .long, help: "Path of the spoke's configuration file (YAML).")
    var config: String

    func run() throws {
        throw NotYetBuilt("the spoke agent is not part of this build yet: reconciliation arrives with the spoke milestone (issue 6)")
    }
}
