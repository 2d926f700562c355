import ArgumentParser
import FleetCommandSupport
import FleetModel
import FleetProtocol

/// `fleet clusters`.
struct ClustersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clusters", abstract: "List the clusters with their plans and last reports.")
    @OptionGroup var hub: HubOptions

    func run() throws {
        let (clusters, views) = try hub.client().view("/api/v1/clusters", ClusterView.list)
        let rows = views.map { c in
            [c.name, c.server, String((c.planId ?? "-").prefix(19)), String((c.appliedPlanId ?? "-").prefix(19)), c.lastSeen ?? "never", c.stale ? "stale" : ""]
        }
        hub.print(clusters) { Table.render(["CLUSTER", "SERVER", "PLAN", "APPLIED", "LAST SEEN", ""], rows, colored: hub.colored) }
    }
}
