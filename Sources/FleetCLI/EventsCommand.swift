import ArgumentParser
import FleetCommandSupport
import FleetModel
import FleetProtocol

/// `fleet events`.
struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "The hub's audit log: commits planned, tokens, syncs, refusals.")
    @OptionGroup var hub: HubOptions
    @Option(name: .long, help: "How many of the newest events.") var limit: Int = 20

    func run() throws {
        let (events, views) = try hub.client().view("/api/v1/events?limit=\(limit)", EventView.list)
        let rows = views.map { [$0.time, $0.kind, $0.actor, $0.message] }
        hub.print(events) { Table.render(["TIME", "KIND", "ACTOR", "MESSAGE"], rows, colored: false) }
    }
}
