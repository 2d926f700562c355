import ArgumentParser
import FleetCommandSupport
import FleetModel

/// `fleet`: the operator's command line. Each subcommand lives in its own file.
public struct FleetCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "See and steer a GitOps fleet: render, diff and validate fleet repos offline; status, sync, rollback and DR drills against a hub.",
        discussion: """
            Offline commands work on a checkout of a fleet repository and need no hub. Online commands talk to a hub (--hub or FLEET_HUB) with an operator token.

            Exit codes: 0 ok, 1 failure, 2 usage error, 3 not healthy or SLA missed.
            """,
        version: FleetVersion.current,
        subcommands: [
            BuildCommand.self, AppSetCommand.self, RenderCommand.self, DiffCommand.self, ValidateCommand.self, BootstrapCommand.self,
            StatusCommand.self, AppsCommand.self, AppCommand.self, ClustersCommand.self, ClusterCommand.self, TokenCommand.self, SyncCommand.self, RollbackCommand.self, EventsCommand.self, WaitCommand.self,
            DrillCommand.self, DrillsCommand.self, DemoCommand.self, HelmCommand.self,
        ]
    )

    public init() {}
}
