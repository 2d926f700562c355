import ArgumentParser
import FleetCommandSupport
import FleetFiles
import FleetModel
import FleetProtocol

/// `fleet token create|list|revoke`: the hub's viewer, operator and admin tokens.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke the hub's viewer, operator and admin tokens (needs an admin token).",
        discussion: """
            Roles: viewer reads (status, apps, events, drills); operator also syncs, rolls back and drills; admin also enrols clusters and manages tokens. A token is shown once, when it is created: give --output-file FILE to keep it in a file (mode 0600). Spoke tokens are made with `fleet cluster enroll`.
            """,
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token (shown once).")
        @OptionGroup var hub: HubOptions
        @Option(name: .long, help: "viewer, operator or admin.") var role: String
        @Option(name: .long, help: "A name to list and revoke it by (default: the role).") var name: String?
        @Option(name: .customLong("output-file"), help: "Write the token to this file (mode 0600) instead of printing it.") var outputFile: String?

        func validate() throws {
            guard TokenRequest.roles.contains(role) else { throw ValidationError("--role must be one of \(TokenRequest.roles.joined(separator: ", ")), not \"\(role)\"") }
        }

        func run() throws {
            let (value, issued) = try hub.client().send("POST", "/api/v1/tokens", body: TokenRequest(role: role, label: name).value, TokenIssued.init)
            try TokenCommand.deliver(issued, value: value, hub: hub, output: outputFile, what: "\(role) token \(name ?? role)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never their secrets).")
        @OptionGroup var hub: HubOptions
        func run() throws {
            let (value, tokens) = try hub.client().view("/api/v1/tokens", TokenView.list)
            hub.print(value) {
                Table.render(["ID", "NAME", "ROLE", "CLUSTER", "CREATED", "REVOKED"], tokens.map { t in
                    [String(t.id), t.label, t.role, t.cluster ?? "-", t.createdAt, t.revokedAt ?? "-"]
                }, colored: false)
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by id or by name (every active token of that name).")
        @OptionGroup var hub: HubOptions
        @Argument(help: "The token's id or name.") var token: String
        func run() throws {
            let client = try hub.client()
            var ids: [Int] = []
            if let id = Int(token) { ids = [id] } else {
                let tokens = try client.view("/api/v1/tokens", TokenView.list).view
                ids = tokens.filter { $0.label == token && $0.revokedAt == nil && $0.cluster == nil }.map(\.id)
                guard !ids.isEmpty else { throw CommandFailure("no active token named \(token) (fleet token list shows them)") }
            }
            for id in ids { _ = try client.call("DELETE", "/api/v1/tokens/\(id)") }
            hub.print(["revoked": .array(ids.map(Value.int))]) { "revoked \(ids.count) token(s): \(ids.map(String.init).joined(separator: ", "))\n" }
        }
    }

    /// A new token to the terminal, or to `output` (0600) with a line saying where.
    static func deliver(_ issued: TokenIssued, value: Value, hub: HubOptions, output: String?, what: String) throws {
        guard let output else {
            hub.print(value) { issued.token + "\n" }
            return
        }
        do { try LocalPaths.write(issued.token + "\n", to: output, mode: 0o600) } catch {
            throw CommandFailure("the \(what) was created but cannot be written to \(output): \(error); revoke it and try again")
        }
        var shown = value
        shown.setValue(.string("written to \(output)"), at: ["token"])
        hub.print(shown) { "\(what) written to \(output) (mode 0600)\n" }
    }
}
