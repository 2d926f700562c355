import FleetHubStore
import FleetModel
import FleetPlan
import FleetProtocol
import Foundation

/// The views operators read (`GET /api/v1/...`, docs/api.md): the hub, clusters,
/// Applications and events, from what was planned and what the spokes reported.
extension HubEngine {
    // MARK: Views

    static func timestamp(_ date: Date) -> String {
        Timestamp.rfc3339(date.timeIntervalSince1970)
    }

    /// An Application's status as its cluster last reported it (Unknown while the cluster is
    /// stale or has not reported it).
    private func reportedStatus(_ app: String, cluster: String) -> (sync: String, health: String, report: ApplicationStatus?) {
        guard let entry = inbox.latest(cluster)?.report.applications.first(where: { $0.name == app }) else {
            return ("Unknown", "Unknown", nil)
        }
        if isStale(cluster) { return ("Unknown", "Unknown", entry) }
        // As Argo CD: what cannot be compared with Git is not Synced, whatever the spoke holds.
        if comparisonError(app) != nil { return ("Unknown", entry.health.rawValue, entry) }
        return (entry.sync.rawValue, entry.health.rawValue, entry)
    }

    /// Why an Application cannot be compared with Git now: its latest commit does not render
    /// (file and line), or a repository it renders from cannot be fetched. The spoke keeps
    /// enforcing its last good plan meanwhile.
    func comparisonError(_ app: String) -> String? {
        if let error = applicationErrors[app] { return error }
        guard !fetchErrors.isEmpty, let document = applicationDocument(app) else { return nil }
        for source in ApplicationPin.renderedSources(of: document) {
            guard var url = source["repoURL"]?.stringValue else { continue }
            if config.isFleetRepository(url) { url = config.repositoryURL }
            if let (failed, error) = fetchErrors.first(where: { RepositoryURL.same($0.key, url) }) {
                return "cannot fetch \(failed): \(error)"
            }
        }
        return nil
    }

    func comparisonConditions(_ app: String) -> [StatusCondition] {
        comparisonError(app).map { [StatusCondition(type: "ComparisonError", message: $0)] } ?? []
    }

    /// The commit an Application's (first) source repository is planned at.
    func plannedRevision(_ app: String, cluster: String) -> String? {
        guard let url = applicationDocument(app).flatMap({ ApplicationPin.renderedSources(of: $0).first?["repoURL"]?.stringValue }),
              let revisions = planRevisions[cluster] else { return nil }
        return revisions[url] ?? revisions.first { RepositoryURL.same($0.key, url) }?.value
    }

    private func isStale(_ cluster: String) -> Bool {
        guard let seen = inbox.latest(cluster)?.receivedAt else { return true }
        return Date().timeIntervalSince(seen) > config.staleAfter.seconds
    }

    public func status() -> HubStatusView {
        HubStatusView(version: FleetVersion.current, publicKey: signer.publicKey, repository: config.repositoryURL, branch: config.branch,
                      fleetCommit: fleetCommit, ready: isReady, clusters: Set(clusters.map(\.name)).union(board.all().keys).count,
                      applications: applications.count, lastSync: lastRound.map { Self.timestamp($0.time) }, lastError: lastRound?.error,
                      fetchErrors: fetchErrors, problems: problems.map(\.message))
    }

    public func clusterList() -> Value {
        let names = Set(clusters.map(\.name)).union(board.all().keys).sorted()
        return .array(names.map { clusterSummary($0).value })
    }

    public func cluster(_ name: String) -> Value? {
        guard isKnownCluster(name) else { return nil }
        var view = clusterSummary(name)
        view.report = inbox.latest(name)?.report
        view.planHistory = ((try? database.planHistory(cluster: name, limit: 20)) ?? []).map {
            PlanHistoryEntry(id: $0.id, generation: Int($0.generation), fleetCommit: $0.fleetCommit, createdAt: Self.timestamp($0.createdAt))
        }
        return view.value
    }

    /// An Application as planned (pins applied), by name.
    func applicationDocument(_ name: String) -> Value? {
        applicationsByName[name]
    }

    /// The Applications assigned to a cluster, sorted.
    func applicationNames(on cluster: String) -> [String] {
        applicationCluster.filter { $0.value == cluster }.keys.sorted()
    }

    private func clusterSummary(_ name: String) -> ClusterView {
        let record = clusters.first { $0.name == name }
        let report = inbox.latest(name)
        let served = board.plan(for: name)
        var view = ClusterView(name: name, server: record?.server ?? "", labels: record?.labels ?? [:], inFleetRepository: record != nil)
        view.planId = served?.id
        view.planGeneration = served.map { Int($0.generation) }
        view.planTooLarge = oversizedPlans[name]
        view.appliedPlanId = report?.report.planId
        view.fleetCommit = served?.fleetCommit
        if let applied = view.appliedPlanId, applied == served?.id { view.appliedFleetCommit = served?.fleetCommit }
        view.lastSeen = report.map { Self.timestamp($0.receivedAt) }
        view.stale = isStale(name)
        view.spokeVersion = report?.report.spokeVersion
        view.applications = applicationNames(on: name).map { app in
            let status = reportedStatus(app, cluster: name)
            return ClusterApplicationView(name: app, sync: status.sync, health: status.health, rolledBackTo: ledger.pins[app]?.revision,
                                          conditions: comparisonConditions(app))
        }
        view.drill = ledger.openDrills[name].map { Int($0.id) }
        view.conditions = isStale(name) ? [] : report?.report.conditions ?? []
        return view
    }

    /// Applications, optionally filtered by cluster, a label selector (`env=prod,tier in
    /// (a,b),!legacy`, as kubectl writes them), sync and health.
    public func applicationList(cluster: String?, label: String?, sync: String?, health: String?) throws -> Value {
        var selector = LabelSelector.everything
        if let label {
            do { selector = try LabelSelector(parsing: label) } catch { throw HubError(.badRequest, "label: \(error)") }
        }
        var out: [Value] = []
        for app in applications {
            guard let name = app["metadata"]?["name"]?.stringValue else { continue }
            let owner = applicationCluster[name] ?? ""
            if let cluster, owner != cluster { continue }
            if !selector.isEmpty && !selector.matches(app["metadata"]?["labels"]?.stringMap ?? [:]) { continue }
            let status = reportedStatus(name, cluster: owner)
            if let sync, status.sync != sync { continue }
            if let health, status.health != health { continue }
            var summary = ApplicationSummaryView(name: name, cluster: owner, sync: status.sync, health: status.health,
                                                 labels: app["metadata"]?["labels"]?.objectValue ?? [:], error: applicationErrors[name],
                                                 drift: status.report?.drift.count ?? 0, rolledBackTo: ledger.pins[name]?.revision)
            summary.revision = plannedRevision(name, cluster: owner)
            summary.conditions = comparisonConditions(name)
            out.append(summary.value)
        }
        return .array(out)
    }

    public func application(_ name: String) -> Value? {
        guard let app = applicationDocument(name) else { return nil }
        let owner = applicationCluster[name] ?? ""
        let status = reportedStatus(name, cluster: owner)
        let history = ((try? database.events(after: nil, limit: 20, subject: name)) ?? []).map(Self.event)
        var view = ApplicationView(name: name, cluster: owner, sync: status.sync, health: status.health, spec: app["spec"] ?? .null,
                                   error: applicationErrors[name], planId: board.plan(for: owner)?.id, status: status.report,
                                   rollback: ledger.pins[name].map(Self.rollbackView), history: history)
        view.revision = plannedRevision(name, cluster: owner)
        view.conditions = comparisonConditions(name)
        return view.value
    }

    public func events(after sequence: Int64?, limit: Int) throws -> Value {
        .array(try database.events(after: sequence, limit: min(max(limit, 1), 500)).map { Self.event($0).value })
    }

    static func event(_ e: StoredEvent) -> EventView {
        EventView(sequence: Int(e.sequence), time: timestamp(e.time), kind: e.kind, actor: e.actor, subject: e.subject, message: e.message,
                  details: (try? JSON.parse(e.details)) ?? .object([:]))
    }

    /// Metric gauges that describe current state, refreshed before `/metrics` is emitted.
    public func refreshGauges() {
        var ages: [String: Double] = [:]
        for (cluster, report) in inbox.all() { ages[cluster] = Date().timeIntervalSince(report.receivedAt) }
        metrics.setClusterAges(ages)
        var counts: [String: [String: Int]] = ["sync": [:], "health": [:]]
        for app in applications {
            guard let name = app["metadata"]?["name"]?.stringValue else { continue }
            let status = reportedStatus(name, cluster: applicationCluster[name] ?? "")
            counts["sync", default: [:]][status.sync, default: 0] += 1
            counts["health", default: [:]][status.health, default: 0] += 1
        }
        metrics.setApplicationCounts(counts)
    }
}
