import ArgumentParser
import FleetCommandSupport
import FleetModel
import FleetProtocol

/// `fleet cluster enroll|rotate|revoke NAME`.
struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cluster", abstract: "Enroll a cluster's spoke, rotate or revoke its token.",
                                                    subcommands: [Enroll.self, Rotate.self, Revoke.self])

    struct Enroll: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a spoke token for a cluster (shown once; older tokens are revoked).",
                                                        discussion: "With --output-file the token goes to FILE (mode 0600) instead of the terminal, so it is never lost: enrolling again to see it would revoke it.")
        @OptionGroup var hub: HubOptions
        @Argument(help: "The cluster, as in its Cluster record.") var name: String
        @Option(name: .customLong("output-file"), help: "Write the token to this file (mode 0600) instead of printing it.") var outputFile: String?
        func run() throws { try ClusterCommand.token(hub, name, "enroll", output: outputFile) }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace a cluster's spoke token.")
        @OptionGroup var hub: HubOptions
        @Argument var name: String
        @Option(name: .customLong("output-file"), help: "Write the token to this file (mode 0600) instead of printing it.") var outputFile: String?
        func run() throws { try ClusterCommand.token(hub, name, "rotate", output: outputFile) }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke every spoke token of a cluster.")
        @OptionGroup var hub: HubOptions
        @Argument var name: String
        func run() throws {
            let answer = try hub.client().call("POST", "/api/v1/clusters/\(name)/revoke")
            hub.print(answer) { "revoked \(answer["revoked"]?.intValue ?? 0) token(s) of \(name)\n" }
        }
    }

    static func token(_ hub: HubOptions, _ name: String, _ action: String, output: String?) throws {
        let (value, issued) = try hub.client().send("POST", "/api/v1/clusters/\(name)/\(action)", TokenIssued.init)
        try TokenCommand.deliver(issued, value: value, hub: hub, output: output, what: "spoke token of \(name)")
    }
}
