import ArgumentParser
import FleetCommandSupport
import FleetModel
import FleetProtocol

/// `fleet cluster enroll|rotate|revoke NAME`.
struct ClusterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cluster", abstract: "Enroll a cluster's spoke, rotate or revoke its token.",
                                                    subcommands: [Enroll.self, Rotate.self, Revoke.self])

    struct Enroll: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a spoke token for a cluster (shown once; older tokens are revoked).")
        @OptionGroup var hub: HubOptions
        @Argument(help: "The cluster, as in its Cluster record.") var name: String
        func run() throws { try ClusterCommand.token(hub, name, "enroll") }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace a cluster's spoke token.")
        @OptionGroup var hub: HubOptions
        @Argument var name: String
        func run() throws { try ClusterCommand.token(hub, name, "rotate") }
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

    static func token(_ hub: HubOptions, _ name: String, _ action: String) throws {
        let (value, issued) = try hub.client().send("POST", "/api/v1/clusters/\(name)/\(action)", TokenIssued.init)
        hub.print(value) { issued.token + "\n" }
    }
}
