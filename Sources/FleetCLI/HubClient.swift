import ArgumentParser
import FleetCommandSupport
import FleetFiles
import FleetHTTPClient
import FleetModel
import FleetProtocol
import FleetYAML

#if canImport(Glibc)
import Glibc
#endif

/// How the online commands reach the hub: `--hub`/`FLEET_HUB`, `--token-file`/`FLEET_TOKEN`.
struct HubOptions: ParsableArguments {
    @Option(name: .long, help: "The hub's URL (default: $FLEET_HUB).")
    var hub: String?

    @Option(name: .long, help: "File holding a hub token with the role this command needs (viewer to read; operator to sync, roll back or drill; admin for tokens and enrolment). Default: $FLEET_TOKEN holds the token itself.")
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

    /// A value as JSON or YAML, or `table()` for the table form.
    func render(_ value: Value, table: () -> String) -> String {
        switch output {
        case "json": return JSON.encode(value, options: [.pretty, .sortedKeys]) + "\n"
        case "yaml": return YAML.emit(value)
        default: return table()
        }
    }

    func print(_ value: Value, table: () -> String) {
        Swift.print(render(value, table: table), terminator: "")
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

    /// A GET of a typed view: the answer as sent (for `-o json|yaml`) and decoded (for tables
    /// and decisions).
    func view<View>(_ path: String, _ decode: (Value) throws(ProtocolError) -> View) throws -> (value: Value, view: View) {
        try send("GET", path, decode)
    }

    /// A request whose answer is a typed view. An answer that does not decode names the
    /// field, as a hub and CLI of different versions would disagree.
    func send<View>(_ method: String, _ path: String, body: Value? = nil, _ decode: (Value) throws(ProtocolError) -> View) throws -> (value: Value, view: View) {
        let value = try call(method, path, body: body)
        do { return (value, try decode(value)) } catch {
            throw CommandFailure("the hub's answer to \(method) \(path) is not a view this fleet reads (\(error)); are the hub and the CLI of the same version?")
        }
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

