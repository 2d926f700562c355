import ArgumentParser
import FleetCommandSupport
import FleetModel

/// `fleet clusters`.
struct ClustersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clusters", abstract: "List the clusters with their plans and last reports.")
    @OptionGroup var hub: HubOptions

    func run() throws {
        let clusters = try hub.client().call("GET", "/api/v1/clusters")
        let rows = (clusters.arrayValue ?? []).map { c -> [String] in
            [c["name"]?.stringValue ?? "", c["server"]?.stringValue ?? "", String((c["planId"]?.stringValue ?? "-").prefix(19)),
             String((c["appliedPlanId"]?.stringValue ?? "-").prefix(19)), c["lastSeen"]?.stringValue ?? "never", c["stale"]?.boolValue == true ? "stale" : ""]
        }
        hub.print(clusters) { Table.render(["CLUSTER", "SERVER", "PLAN", "APPLIED", "LAST SEEN", ""], rows, colored: hub.colored) }
    }
}
