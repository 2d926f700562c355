import ArgumentParser
import FleetCommandSupport
import FleetModel

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
        let apps = try hub.client().call("GET", "/api/v1/applications" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
        let rows = (apps.arrayValue ?? []).map { a -> [String] in
            [a["name"]?.stringValue ?? "", a["cluster"]?.stringValue ?? "", a["sync"]?.stringValue ?? "", a["health"]?.stringValue ?? "",
             a["error"]?.stringValue.map { _ in "error" } ?? ""]
        }
        hub.print(apps) { Table.render(["APPLICATION", "CLUSTER", "SYNC", "HEALTH", ""], rows, colored: hub.colored) }
    }
}
