import ArgumentParser
import FleetCommandSupport
import FleetModel
import FleetProtocol

#if canImport(Glibc)
import Glibc
#endif

/// `fleet status`: the fleet matrix.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every Application on every cluster with its sync and health (exit 3 when not all are Synced and Healthy).",
        discussion: """
            One row per Application and cluster, then each cluster's and Application's conditions (`ComparisonError`: the latest commit does not render or a repository cannot be fetched, and the Application reads Unknown while its spoke keeps the last good plan; an Application that left the plan being deleted, or a removal held, also makes the exit code 3). A cluster that has not reported within the hub's staleAfter shows Unknown and is marked stale; an Application pinned by `fleet rollback` is marked with the commit it is pinned to.

            --cluster and --app narrow the matrix (and the exit code) to one cluster, one Application, or one Application on one cluster, so a script (a drill, a rollout gate) can watch just that; a name that matches nothing exits 1.

            With --watch the matrix is redrawn every --interval until interrupted (Ctrl-C); on a terminal the screen is cleared between frames, when piped each frame follows the last.
            """
    )
    @OptionGroup var hub: HubOptions
    @Flag(name: .long, help: "Redraw every --interval until interrupted.") var watch = false
    @Option(name: .long, help: "Time between redraws with --watch (a duration).") var interval: String = "2s"
    @Option(name: .long, help: "Only this cluster (the exit code is about it alone).") var cluster: String?
    @Option(name: .long, help: "Only this Application (on every cluster it runs on, or on --cluster).") var app: String?

    func validate() throws {
        try DurationOption.parse(interval, option: "--interval", minimum: 0.1)
    }

    func run() throws {
        let client = try hub.client()
        guard watch else {
            let (clusters, healthy) = try matrix(client)
            hub.print(clusters) { Self.table(clusters, colored: hub.colored) }
            if !healthy { throw NotHealthy(description: "not every \(app == nil ? "Application" : "selected Application") is Synced and Healthy") }
            return
        }
        let pause = try KubeDuration(parsing: interval).seconds
        let terminal = isatty(1) == 1
        while true {
            let frame: String
            do {
                let (clusters, _) = try matrix(client)
                frame = hub.render(clusters) { Self.table(clusters, colored: hub.colored) }
            } catch {
                frame = "\(error)\n"
            }
            if terminal { Swift.print("\u{1B}[H\u{1B}[2J", terminator: "") }
            if terminal || hub.output == "table" { Swift.print("fleet status (every \(interval), Ctrl-C to stop)\n") }
            Swift.print(frame, terminator: "")
            fflush(nil)
            SystemClock.sleep(pause)
        }
    }

    /// The clusters view (narrowed to --cluster and --app) and whether every Application in it
    /// is Synced and Healthy.
    func matrix(_ client: HubClient) throws -> (Value, Bool) {
        let (clusters, views) = try client.view("/api/v1/clusters", ClusterView.list)
        guard cluster != nil || app != nil else { return (clusters, views.allSatisfy(\.isSyncedAndHealthy)) }
        var selected = views
        if let cluster {
            selected = selected.filter { $0.name == cluster }
            guard !selected.isEmpty else { throw CommandFailure("no cluster named \(cluster) (clusters: \(views.map(\.name).joined(separator: ", ")))") }
        }
        guard let app else { return (.array(selected.map(\.value)), selected.allSatisfy(\.isSyncedAndHealthy)) }
        selected = selected.compactMap { view in
            var narrowed = view
            narrowed.applications = view.applications.filter { $0.name == app }
            narrowed.conditions = []
            return narrowed.applications.isEmpty ? nil : narrowed
        }
        guard !selected.isEmpty else { throw CommandFailure("no Application named \(app)\(cluster.map { " on cluster \($0)" } ?? "")") }
        return (.array(selected.map(\.value)), selected.allSatisfy(\.isSyncedAndHealthy))
    }

    static func table(_ clusters: Value, colored: Bool) -> String {
        var rows: [[String]] = []
        for cluster in (try? ClusterView.list(clusters)) ?? [] {
            if cluster.applications.isEmpty { rows.append([cluster.name, "-", "-", "-", cluster.stale ? "stale" : ""]) }
            for app in cluster.applications {
                var notes: [String] = []
                if cluster.stale { notes.append("stale") }
                if let pin = app.rolledBackTo { notes.append("rolled back to \(pin.prefix(12))") }
                if let condition = app.conditions.first { notes.append(condition.type) }
                rows.append([cluster.name, app.name, app.sync, app.health, notes.joined(separator: ", ")])
            }
        }
        var out = Table.render(["CLUSTER", "APPLICATION", "SYNC", "HEALTH", ""], rows, colored: colored)
        for cluster in (try? ClusterView.list(clusters)) ?? [] {
            for condition in cluster.conditions { out += "\(cluster.name): \(condition.type): \(condition.message)\n" }
            for app in cluster.applications {
                for condition in app.conditions { out += "\(cluster.name)/\(app.name): \(condition.type): \(condition.message)\n" }
            }
        }
        return out
    }
}
