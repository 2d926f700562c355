import ArgumentParser
import FleetCommandSupport
import FleetModel
import FleetProtocol

/// `fleet sync APP [--cluster C]`: the production gate.
struct SyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sync", abstract: "Ask the spoke to sync an Application now (the gate for Applications without automated sync).")
    @OptionGroup var hub: HubOptions
    @Argument var application: String
    @Option(name: .long) var cluster: String?

    func run() throws {
        let answer = try hub.client().send("POST", "/api/v1/applications/\(application)/sync", body: SyncRequest(cluster: cluster).value, SyncAccepted.init)
        hub.print(answer.value) { "sync of \(application) requested on \(answer.view.clusters.joined(separator: ", "))\n" }
    }
}
