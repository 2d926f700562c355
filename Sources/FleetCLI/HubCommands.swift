import ArgumentParser
import FleetCommandSupport
import FleetFiles
import FleetHTTPClient
import FleetModel
import FleetYAML

#if canImport(Glibc)
import Glibc
#endif

/// How the online commands reach the hub: `--hub`/`FLEET_HUB`, `--token-file`/`FLEET_TOKEN`.
struct HubOptions: ParsableArguments {
    @Option(name: .long, help: "The hub's URL (default: $FLEET_HUB).")
    var hub: String?

    @Option(name: .long, help: "File holding an operator or viewer token (default: $FLEET_TOKEN holds the token itself).")
    var tokenFile: String?

    @Option(name: [.customShort("o"), .long], help: "Output: table, json or yaml.")
    var output: String = "table"

    @Flag(name: .long, help: "No colours in tables (also when stdout is not a terminal, or NO_COLOR is set).")
    var noColor = false

    func validate() throws {
        guard ["table", "json", "yaml"].contains(output) else { throw ValidationError("--output must be table, json or yaml") }
    }

    var colored: Bool { !noColor && isatty(1) == 1 && getenv("NO_COLOR") == nil }

    func client() throws -> HubClient {
        guard let url = hub ?? (getenv("FLEET_HUB").map { String(cString: $0) }), !url.isEmpty else {
            throw CommandFailure("no hub: give --hub URL or set FLEET_HUB")
        }
        let token: String
        if let tokenFile {
            do { token = String(decoding: try LocalPaths.read(tokenFile), as: UTF8.self) } catch { throw CommandFailure("\(error)") }
        } else if let value = getenv("FLEET_TOKEN") {
            token = String(cString: value)
        } else {
            throw CommandFailure("no token: give --token-file FILE or set FLEET_TOKEN")
        }
        return HubClient(base: url.hasSuffix("/") ? String(url.dropLast()) : url, token: token.trimmingWhitespace())
    }

    /// Prints a value as JSON or YAML, or calls `table` for the table form.
    func print(_ value: Value, table: () -> String) {
        switch output {
        case "json": Swift.print(JSON.encode(value, options: [.pretty, .sortedKeys]))
        case "yaml": Swift.print(YAML.emit(value), terminator: "")
        default: Swift.print(table(), terminator: "")
        }
    }
}

/// The hub's API from the command line.
struct HubClient {
    let base: String
    let token: String
    let http = HTTPClient(configuration: HTTPClientConfiguration(connectTimeout: .seconds(5), requestTimeout: .seconds(70), userAgent: "fleet/\(FleetVersion.current)"))

    func call(_ method: String, _ path: String, body: Value? = nil) throws -> Value {
        var request = HTTPRequest(method: method, url: base + path, headers: [("Authorization", "Bearer \(token)")])
        if let body {
            request.body = JSON.encodeBytes(body)
            request.headers.append(("Content-Type", "application/json"))
        }
        let response: HTTPResponse
        do { response = try http.send(request) } catch { throw CommandFailure("cannot reach the hub at \(base): \(error)") }
        let value = (try? JSON.parse(response.body)) ?? .null
        guard response.status < 300 else {
            throw CommandFailure("the hub answered \(response.status): \(value["error"]?.stringValue ?? response.bodyText)")
        }
        return value
    }
}

/// Column-aligned text with optional colours for statuses.
enum Table {
    static func render(_ header: [String], _ rows: [[String]], colored: Bool) -> String {
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String], paint: Bool) -> String {
            cells.enumerated().map { i, cell in
                let padded = i == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count)
                return paint ? color(padded, for: cell) : padded
            }.joined(separator: "  ") + "\n"
        }
        return line(header, paint: false) + rows.map { line($0, paint: colored) }.joined()
    }

    static func color(_ text: String, for status: String) -> String {
        let code: String
        switch status {
        case "Synced", "Healthy": code = "32"
        case "OutOfSync", "Progressing", "Suspended": code = "33"
        case "Degraded", "Missing", "stale", "error": code = "31"
        case "Unknown": code = "90"
        default: return text
        }
        return "\u{1B}[\(code)m\(text)\u{1B}[0m"
    }
}

struct NotHealthy: Error, ExitCodeProviding, CustomStringConvertible {
    var description: String
    var exitCode: Int32 { FleetExitCode.notHealthy }
}

/// `fleet status`: the fleet matrix.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every Application on every cluster with its sync and health (exit 3 when not all are Synced and Healthy)."
    )
    @OptionGroup var hub: HubOptions

    func run() throws {
        let clusters = try hub.client().call("GET", "/api/v1/clusters")
        var rows: [[String]] = []
        var healthy = true
        for cluster in clusters.arrayValue ?? [] {
            let name = cluster["name"]?.stringValue ?? ""
            let stale = cluster["stale"]?.boolValue == true
            let apps = cluster["applications"]?.arrayValue ?? []
            if apps.isEmpty { rows.append([name, "-", "-", "-", stale ? "stale" : ""]) }
            for app in apps {
                let sync = app["sync"]?.stringValue ?? "Unknown", health = app["health"]?.stringValue ?? "Unknown"
                if sync != "Synced" || health != "Healthy" { healthy = false }
                rows.append([name, app["name"]?.stringValue ?? "", sync, health, stale ? "stale" : ""])
            }
        }
        hub.print(clusters) { Table.render(["CLUSTER", "APPLICATION", "SYNC", "HEALTH", ""], rows, colored: hub.colored) }
        if !healthy { throw NotHealthy(description: "not every Application is Synced and Healthy") }
    }
}

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
        let answer = try hub.client().call("POST", "/api/v1/clusters/\(name)/\(action)")
        hub.print(answer) { (answer["token"]?.stringValue ?? "") + "\n" }
    }
}

/// `fleet apps`.
struct AppsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "apps", abstract: "List Applications, filtered by cluster, label, sync or health.")
    @OptionGroup var hub: HubOptions
    @Option(name: .long) var cluster: String?
    @Option(name: .long, help: "key=value") var label: String?
    @Option(name: .long) var sync: String?
    @Option(name: .long) var health: String?

    func run() throws {
        var query: [String] = []
        for (key, value) in [("cluster", cluster), ("label", label), ("sync", sync), ("health", health)] {
            if let value { query.append("\(key)=\(value)") }
        }
        let apps = try hub.client().call("GET", "/api/v1/applications" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
        let rows = (apps.arrayValue ?? []).map { a -> [String] in
            [a["name"]?.stringValue ?? "", a["cluster"]?.stringValue ?? "", a["sync"]?.stringValue ?? "", a["health"]?.stringValue ?? "",
             a["error"]?.stringValue.map { _ in "error" } ?? ""]
        }
        hub.print(apps) { Table.render(["APPLICATION", "CLUSTER", "SYNC", "HEALTH", ""], rows, colored: hub.colored) }
    }
}

/// `fleet app NAME`.
struct AppCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "app", abstract: "One Application: status, drift with the fields, last sync, render errors, history.")
    @OptionGroup var hub: HubOptions
    @Argument var name: String

    func run() throws {
        let app = try hub.client().call("GET", "/api/v1/applications/\(name)")
        hub.print(app) {
            var out = "Application \(name) on \(app["cluster"]?.stringValue ?? "?"): \(app["sync"]?.stringValue ?? "Unknown"), \(app["health"]?.stringValue ?? "Unknown")\n"
            if let error = app["error"]?.stringValue { out += "render error: \(error)\n" }
            for drift in app["status"]?["drift"]?.arrayValue ?? [] {
                out += "drift: \(drift["resource"]?.stringValue ?? "") \(drift["pointer"]?.stringValue ?? ""): desired \(JSON.encode(drift["desired"] ?? .null)), live \(JSON.encode(drift["live"] ?? .null))\n"
            }
            if let last = app["status"]?["lastSync"] { out += "last sync: \(last["result"]?.stringValue ?? "") at \(last["finishedAt"]?.stringValue ?? "")\n" }
            for condition in app["status"]?["conditions"]?.arrayValue ?? [] {
                out += "\(condition["type"]?.stringValue ?? ""): \(condition["message"]?.stringValue ?? "")\n"
            }
            return out
        }
    }
}

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

/// `fleet wait APP --healthy --timeout D`: for pipelines.
struct WaitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wait", abstract: "Wait until an Application is Synced (and Healthy with --healthy); exit 3 on timeout.")
    @OptionGroup var hub: HubOptions
    @Argument var application: String
    @Flag(name: .long) var healthy = false
    @Option(name: .long, help: "A duration (30s, 5m).") var timeout: String = "5m"

    func validate() throws {
        guard (try? KubeDuration(parsing: timeout)) != nil else { throw ValidationError("--timeout \"\(timeout)\" is not a duration") }
    }

    func run() throws {
        let client = try hub.client()
        let deadline = monotonic() + (try KubeDuration(parsing: timeout)).seconds
        var last: Value = .null
        while true {
            last = try client.call("GET", "/api/v1/applications/\(application)")
            let done = last["sync"] == "Synced" && (!healthy || last["health"] == "Healthy")
            if done {
                hub.print(last) { "\(application): \(last["sync"]?.stringValue ?? ""), \(last["health"]?.stringValue ?? "")\n" }
                return
            }
            if monotonic() >= deadline { break }
            var pause = timespec(tv_sec: 1, tv_nsec: 0)
            nanosleep(&pause, nil)
        }
        throw NotHealthy(description: "\(application) is \(last["sync"]?.stringValue ?? "Unknown"), \(last["health"]?.stringValue ?? "Unknown") after \(timeout)")
    }

    func monotonic() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
