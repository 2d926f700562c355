import ArgumentParser
import FleetCommandSupport
import FleetModel
import FleetProtocol

/// `fleet app NAME`.
struct AppCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "app", abstract: "One Application: status, drift with the fields, last sync, render errors, history.")
    @OptionGroup var hub: HubOptions
    @Argument var name: String

    func run() throws {
        let (value, app) = try hub.client().view("/api/v1/applications/\(name)", ApplicationView.init)
        hub.print(value) { Self.describe(app) }
    }

    /// The Application for a reader: status, render error, drift, rollback, last sync (with
    /// what a self-heal put back), conditions, orphaned objects and the latest events.
    static func describe(_ app: ApplicationView) -> String {
        func json(_ value: Value) -> String { JSON.encode(value) }
        var out = "Application \(app.name) on \(app.cluster.isEmpty ? "?" : app.cluster): \(app.sync), \(app.health)\n"
        if let revision = app.revision { out += "revision: \(revision)\n" }
        for condition in app.conditions { out += "\(condition.type): \(condition.message)\n" }
        if let error = app.error, !app.conditions.contains(where: { $0.message == error }) { out += "render error: \(error)\n" }
        for drift in app.status?.drift ?? [] {
            out += "drift: \(drift.resource) \(drift.pointer): desired \(json(drift.desired)), live \(json(drift.live))\n"
        }
        if let rollback = app.rollback {
            out += "rolled back to \(rollback.revision) (\(rollback.requested)) by \(rollback.requestedBy) at \(rollback.createdAt); automated sync suspended\n"
        }
        if let last = app.status?.lastSync {
            out += "last sync: \(last.result.rawValue) at \(last.finishedAt)" + (last.reason.isEmpty ? "" : " (\(last.reason))") + "\n"
            for healed in last.healed ?? [] {
                out += "  healed: \(healed.resource) \(healed.pointer): was \(json(healed.live)), set back to \(json(healed.desired))\n"
            }
        }
        for condition in app.status?.conditions ?? [] { out += "\(condition.type): \(condition.message)\n" }
        for orphan in app.status?.orphaned ?? [] { out += "orphaned: \(orphan)\n" }
        if !app.history.isEmpty {
            out += "history:\n"
            for event in app.history.suffix(5) { out += "  \(event.time)  \(event.kind)  \(event.actor)  \(event.message)\n" }
        }
        return out
    }
}
