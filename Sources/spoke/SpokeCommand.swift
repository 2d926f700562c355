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
        discussion: """
            `spoke --config FILE` runs the agent against a hub. `spoke apply --plan FILE` reconciles a cluster once to a plan file with no hub (the rebuild path when the hub is lost). `spoke local ...` inspects and edits the embedded local cluster.

            Exit codes: 0 ok, 1 failure, 2 usage error, 3 not synced (or not healthy when asked to wait for health).
            """,
        version: FleetVersion.current,
        subcommands: [ApplyCommand.self, LocalCommand.self]
    )

    @Option(name: .long, help: "Path of the spoke's configuration file (YAML).")
    var config: String?

    func run() throws {
        guard config != nil else { throw CleanExit.helpRequest(self) }
        throw NotYetBuilt("the agent loop against a hub (long-poll, signature check, reports) is not part of this build yet; reconcile once with `spoke apply --plan FILE` (issue 6)")
    }
}
