import ArgumentParser
import FleetCommandSupport
import FleetModel

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
            if let rollback = app["rollback"], !rollback.isNull {
                out += "rolled back to \(rollback["revision"]?.stringValue ?? "") (\(rollback["requested"]?.stringValue ?? "")) by \(rollback["requestedBy"]?.stringValue ?? "") at \(rollback["createdAt"]?.stringValue ?? ""); automated sync suspended\n"
            }
            if let last = app["status"]?["lastSync"] {
                out += "last sync: \(last["result"]?.stringValue ?? "") at \(last["finishedAt"]?.stringValue ?? "")"
                out += last["reason"]?.stringValue.map { " (\($0))" } ?? ""
                out += "\n"
                for healed in last["healed"]?.arrayValue ?? [] {
                    out += "  healed: \(healed["resource"]?.stringValue ?? "") \(healed["pointer"]?.stringValue ?? ""): was \(JSON.encode(healed["live"] ?? .null)), set back to \(JSON.encode(healed["desired"] ?? .null))\n"
                }
            }
            for condition in app["status"]?["conditions"]?.arrayValue ?? [] {
                out += "\(condition["type"]?.stringValue ?? ""): \(condition["message"]?.stringValue ?? "")\n"
            }
            let history = app["history"]?.arrayValue ?? []
            if !history.isEmpty {
                out += "history:\n"
                for event in history.suffix(5) {
                    out += "  \(event["time"]?.stringValue ?? "")  \(event["kind"]?.stringValue ?? "")  \(event["actor"]?.stringValue ?? "")  \(event["message"]?.stringValue ?? "")\n"
                }
            }
            return out
        }
    }
}
