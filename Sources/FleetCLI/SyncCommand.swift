import ArgumentParser
import FleetCommandSupport
import FleetModel

/// `fleet sync APP [--cluster C]`: the production gate.
struct SyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sync", abstract: "Ask the spoke to sync an Application now (the gate for Applications without automated sync).")
    @OptionGroup var hub: HubOptions
    @Argument var application: String
    @Option(name: .long) var cluster: String?

    func run() throws {
        let answer = try hub.client().call("POST", "/api/v1/applications/\(application)/sync", body: cluster.map { ["cluster": .string($0)] } ?? .object([:]))
        hub.print(answer) { "sync of \(application) requested on \((answer["clusters"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", "))\n" }
    }
}
