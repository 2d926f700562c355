import FleetHubStore
import FleetModel
import FleetProtocol
import FleetPlan
import Foundation

/// Operator actions beyond a sync request: rollbacks (pinning an Application to an earlier
/// revision) and disaster-recovery drills. What they leave standing is the `OperationsLedger`'s;
/// here they are checked against the fleet and turned into rounds and publications.
extension HubEngine {
    // MARK: Rollback

    /// Pins `application` to `revision` of its source repository, suspends its automated sync
    /// (so the next commit does not undo the rollback) and asks its spoke to sync once, so
    /// the old revision is applied. Returns after the pinned plan is published.
    public func rollback(application: String, to revision: String, cluster: String?, by principal: Principal) async throws -> RollbackAccepted {
        guard let owner = applicationCluster[application],
              let app = applicationDocument(application) else {
            throw HubError(.notFound, "no Application named \(application)")
        }
        if let cluster, cluster != owner { throw HubError(.notFound, "Application \(application) does not run on cluster \(cluster) (it runs on \(owner))") }
        let trimmed = revision.trimmingWhitespace()
        guard !trimmed.isEmpty, trimmed.utf8.count <= 256 else { throw HubError(.badRequest, "give the revision to roll back to (a commit SHA, tag or branch)") }
        guard let repoURL = ApplicationPin.renderedSources(of: app).first?["repoURL"]?.stringValue, !repoURL.isEmpty else {
            throw HubError(.badRequest, "Application \(application) has no source repository to roll back")
        }
        let commit: String
        do { commit = try await worker.resolve(repoURL: repoURL, revision: trimmed) } catch {
            throw HubError(.badRequest, "cannot roll \(application) back to \(trimmed) in \(repoURL): \(error)")
        }
        let pin = StoredRollback(application: application, cluster: owner, repoURL: repoURL, revision: commit, requested: trimmed,
                                 requestedBy: principal.name, createdAt: Date())
        try ledger.pin(pin, message: "rolled \(application) on \(owner) back to \(String(commit.prefix(12))) (\(trimmed)); automated sync suspended until `fleet rollback --clear`")
        // The sync request travels in the pinned plan (published by the round below), so the
        // spoke applies the old revision once even though automated sync is now off.
        _ = try ledger.requestSync(application: application, cluster: owner, requestedBy: principal.name)
        await runRound(force: true, only: config.repositoryURL)
        return RollbackAccepted(rollback: Self.rollbackView(pin), planId: board.plan(for: owner)?.id, error: applicationErrors[application])
    }

    /// Returns `application` to what Git says (its revision and sync policy).
    public func clearRollback(application: String, by principal: Principal) async throws -> RollbackCleared {
        guard let pin = try ledger.clearPin(application: application, by: principal.name) else {
            throw HubError(.notFound, "Application \(application) is not rolled back")
        }
        await runRound(force: true, only: config.repositoryURL)
        let automatedInGit = applicationDocument(application)?["spec"]?["syncPolicy"]?["automated"].map { !$0.isNull } ?? false
        return RollbackCleared(application: application, cluster: pin.cluster, automated: automatedInGit, planId: board.plan(for: pin.cluster)?.id)
    }

    static func rollbackView(_ pin: StoredRollback) -> RollbackView {
        RollbackView(application: pin.application, cluster: pin.cluster, repoURL: pin.repoURL, revision: pin.revision,
                     requested: pin.requested, requestedBy: pin.requestedBy, createdAt: timestamp(pin.createdAt))
    }

    // MARK: Drills

    /// Starts a DR drill on `cluster`: recorded (with an audit event); with `wipe` the drill
    /// travels in the cluster's signed plan, and a spoke on the local driver wipes the cluster
    /// and its own memory once. Returns what the caller needs to measure it.
    public func startDrill(_ request: DrillRequest, by principal: Principal) throws -> DrillStarted {
        let cluster = request.cluster
        guard isKnownCluster(cluster) else { throw HubError(.notFound, "no cluster named \(cluster) in the fleet repository") }
        if let sla = request.slaSeconds, !(sla > 0) { throw HubError(.badRequest, "the SLA must be a positive number of seconds") }
        let drill = try ledger.startDrill(request, by: principal.name)
        if request.wipe, let commit = fleetCommit { republish(commit: commit) }
        let served = board.plan(for: cluster)
        let plan = served.flatMap { try? Plan(json: Array($0.body)) }
        return DrillStarted(drill: Self.drillView(drill), planId: served?.id, applications: applicationNames(on: cluster),
                            stateful: plan.map(StatefulObjects.find) ?? [])
    }

    /// Stores a drill's report (made by whoever ran it) and ends the drill.
    public func finishDrill(id: Int64, report: Value, by principal: Principal) throws -> DrillView {
        let drill = try ledger.finishDrill(id: id, report: report, by: principal.name)
        if drill.wipe, ledger.openDrills[drill.cluster] == nil, let commit = fleetCommit { republish(commit: commit) }
        return Self.drillView(drill)
    }

    public func drillList(cluster: String?, limit: Int) throws -> [DrillView] {
        try database.drills(cluster: cluster, limit: min(max(limit, 1), 1000)).map(Self.drillView)
    }

    public func drill(id: Int64) throws -> DrillView? {
        try database.drill(id: id).map(Self.drillView)
    }

    static func drillView(_ drill: StoredDrill) -> DrillView {
        let report = drill.result.flatMap { try? JSON.parse($0) }
        let verdict = report.flatMap { try? DrillVerdict($0) }
        return DrillView(id: Int(drill.id), cluster: drill.cluster, wipe: drill.wipe, requestedBy: drill.requestedBy, startedAt: timestamp(drill.startedAt),
                         slaSeconds: drill.slaSeconds, finishedAt: drill.finishedAt.map(timestamp), status: drill.finishedAt == nil ? "running" : verdict?.status ?? "finished",
                         rtoSeconds: verdict?.rtoSeconds, slaMet: verdict?.slaMet, report: report)
    }
}
