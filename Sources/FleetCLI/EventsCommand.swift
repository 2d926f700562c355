import ArgumentParser
import FleetCommandSupport
import FleetModel

/// `fleet events`.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "The hub's audit log: commits planned, tokens, syncs, refusals.")
    @OptionGroup var hub: HubOptions
    @Option(name: .long, help: "How many of the newest events.") var limit: Int = 20

    func run() throws {
        let events = try hub.client().call("GET", "/api/v1/events?limit=\(limit)")
        let rows = (events.arrayValue ?? []).map { e -> [String] in
            [e["time"]?.stringValue ?? "", e["kind"]?.stringValue ?? "", e["actor"]?.stringValue ?? "", e["message"]?.stringValue ?? ""]
        }
        hub.print(events) { Table.render(["TIME", "KIND", "ACTOR", "MESSAGE"], rows, colored: false) }
    }
}
