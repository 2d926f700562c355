import ArgumentParser
import FleetCommandSupport
import FleetModel
import FleetProtocol

/// `fleet apps`.
struct AppsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "apps", abstract: "List Applications, filtered by cluster, label, sync or health.")
    @OptionGroup var hub: HubOptions
    @Option(name: .long) var cluster: String?
    @Option(name: .long, help: "A label selector, as kubectl writes them: env=prod, 'tier in (a,b)', '!legacy'.") var label: String?
    @Option(name: .long) var sync: String?
    @Option(name: .long) var health: String?

    func run() throws {
        var query: [String] = []
        for (key, value) in [("cluster", cluster), ("label", label), ("sync", sync), ("health", health)] {
            if let value { query.append("\(key)=\(URLQuery.escape(value))") }
        }
        let (apps, views) = try hub.client().view("/api/v1/applications" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")), ApplicationSummaryView.list)
        let rows = views.map { a in [a.name, a.cluster, a.sync, a.health, a.conditions.first?.type ?? (a.error == nil ? "" : "error")] }
        hub.print(apps) { Table.render(["APPLICATION", "CLUSTER", "SYNC", "HEALTH", ""], rows, colored: hub.colored) }
    }
}
