import FleetHubStore
import FleetModel
import FleetPlan
import Foundation
import Logging

/// A plan as the hub serves it: the exact bytes, their id (the ETag) and the signature.
public struct ServedPlan: Sendable, Equatable {
    public var cluster: String
    public var id: String
    public var body: Data
    public var signature: String
    public var fleetCommit: String
}

/// An API error with the HTTP status it maps to and a message for the caller.
public struct HubError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case badRequest, unauthorized, forbidden, notFound, conflict, tooLarge, unavailable }
    public var kind: Kind
    public var message: String
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
    public var description: String { message }
}

/// The hub's state and behaviour, independent of HTTP: sync rounds (fetch, plan, publish),
/// the plans spokes long-poll for, tokens and roles, spoke reports, sync requests, and the
/// views operators query. The HTTP layer (FleetHubServer) only translates.
public actor HubEngine {
    public nonisolated let config: HubConfig
    public nonisolated let signer: PlanSigner
    public nonisolated let metrics: HubMetrics
    let database: HubDatabase
    let logger: Logger
    let worker: PlanningWorker

    var plans: [String: ServedPlan] = [:]
    private var basePlans: [String: (id: String, json: [UInt8])] = [:]
    var fleetCommit: String?
    private var clusters: [ClusterRecord] = []
    var applications: [Value] = []
    var applicationCluster: [String: String] = [:]
    var applicationErrors: [String: String] = [:]
    private var problems: [PlanProblem] = []
    var reports: [String: (value: Value, sequence: Int64, receivedAt: Date)] = [:]
    private var lastRound: (time: Date, error: String?)?
    private var fetchErrors: [String: String] = [:]
    private var waiters: [String: [UUID: CheckedContinuation<Void, Never>]] = [:]
    private var triggers: AsyncStream<(force: Bool, url: String?)>.Continuation?
    private var roundsCompleted = 0
    /// Rollback pins by Application, and a version bumped at each change: a round planned
    /// with an older set is not published.
    var pins: [String: StoredRollback] = [:]
    var pinsVersion = 0
    /// The drill in progress on each cluster (at most one; a new one supersedes it).
    var openDrills: [String: StoredDrill] = [:]

    public init(config: HubConfig, logger: Logger = Logger(label: "fleet.hub")) throws {
        self.config = config
        self.logger = logger
        try FileManager.default.createDirectory(atPath: config.stateDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        database = try HubDatabase(path: config.stateDirectory + "/hub.sqlite")
        signer = try PlanSigner(stateDirectory: config.stateDirectory)
        metrics = HubMetrics()
        worker = PlanningWorker(config: config)
    }

    // MARK: Start and the sync loop

    /// Restores what the last run published and creates the first admin token when there is
    /// none; returns that token (to print once) or nil.
    public func restore() throws -> String? {
        try restoreViews()
        for rollback in try database.rollbacks() { pins[rollback.application] = rollback }
        for drill in try database.drills() where drill.finishedAt == nil && openDrills[drill.cluster] == nil { openDrills[drill.cluster] = drill }
        for stored in try database.currentPlans() {
            plans[stored.cluster] = ServedPlan(cluster: stored.cluster, id: stored.id, body: stored.body,
                                               signature: stored.signature, fleetCommit: stored.fleetCommit)
        }
        for report in try database.latestReports() {
            if let value = try? JSON.parse(Array(report.body)) {
                reports[report.cluster] = (value, report.sequence, report.receivedAt)
            }
        }
        guard try database.countTokens(role: Role.admin.rawValue) == 0 else { return nil }
        let token = TokenCodec.generate()
        _ = try database.insertToken(hash: TokenCodec.hash(token), role: Role.admin.rawValue, cluster: nil, label: "initial admin")
        try database.recordEvent(kind: "token-created", actor: "hub", subject: "admin", message: "initial admin token created")
        if let file = config.adminTokenFile { try HubFiles.writeSecret(Data((token + "\n").utf8), to: file) }
        return token
    }

    /// Runs sync rounds until cancelled: one at start, then every poll interval, and at once
    /// when `refresh` is called (a webhook, an operator). Failures back off up to 5 minutes.
    public func run() async {
        let (stream, continuation) = AsyncStream<(force: Bool, url: String?)>.makeStream(bufferingPolicy: .bufferingNewest(16))
        triggers = continuation
        let pollInterval = config.pollInterval.duration
        let ticker = Task {
            var delay = pollInterval
            while !Task.isCancelled {
                try? await Task.sleep(for: delay)
                let failed = self.checkLastRoundFailed()
                delay = failed ? min(delay * 2, .seconds(300)) : pollInterval
                continuation.yield((force: false, url: nil))
            }
        }
        defer { ticker.cancel() }
        await runRound(force: true, only: nil)
        for await trigger in stream {
            if Task.isCancelled { break }
            await runRound(force: trigger.force, only: trigger.url)
        }
    }

    private func checkLastRoundFailed() -> Bool { lastRound?.error != nil }

    /// Asks for a sync round now (a webhook for `url`, or everything).
    public func refresh(url: String? = nil, force: Bool = false) {
        triggers?.yield((force: force, url: url))
    }

    /// One round, awaited (tests and `run`).
    public func runRound(force: Bool, only: String?) async {
        let planPins = pins.mapValues { ApplicationPin(repoURL: $0.repoURL, revision: $0.revision) }
        let result = await worker.round(force: force, only: only, pins: planPins, pinsVersion: pinsVersion)
        roundsCompleted += 1
        metrics.planRounds.increment()
        for seconds in result.fetchSeconds.values { metrics.fetchDuration.record(.nanoseconds(Int64(seconds * 1e9))) }
        let newErrors = result.fetchErrors.filter { fetchErrors[$0.key] != $0.value }
        for (url, error) in newErrors {
            metrics.fetchFailures.increment()
            logger.warning("fetch failed", metadata: ["repository": "\(url)", "error": "\(error)"])
            _ = try? database.recordEvent(kind: "fetch-failed", actor: "hub", subject: url, message: error)
        }
        fetchErrors = result.fetchErrors
        if let duration = result.planDuration { metrics.planDuration.record(duration) }
        if let error = result.planError {
            lastRound = (Date(), error)
            logger.error("planning failed", metadata: ["error": "\(error)"])
            _ = try? database.recordEvent(kind: "plan-failed", actor: "hub", subject: config.repositoryURL, message: error)
            return
        }
        lastRound = (Date(), result.fetchErrors[config.repositoryURL])
        guard let set = result.planSet, let commit = result.fleetCommit, result.pinsVersion == pinsVersion else { return }
        publish(set, commit: commit, info: result)
    }

    private func publish(_ set: FleetPlanSet, commit: String, info: RoundResult) {
        let newCommit = commit != fleetCommit
        fleetCommit = commit
        clusters = set.clusters
        applications = set.applications
        problems = set.problems
        applicationCluster = [:]
        for plan in set.plans.values { for app in plan.applications { applicationCluster[app] = plan.cluster } }
        applicationErrors = [:]
        for problem in set.problems where problem.kind == .application { applicationErrors[problem.subject] = problem.message }
        for (cluster, plan) in set.plans { basePlans[cluster] = (plan.id, plan.json) }
        basePlans = basePlans.filter { set.plans[$0.key] != nil }
        let changed = republish(commit: commit)
        if newCommit || !changed.isEmpty { persistViews() }
        let author = info.commitInfo.map { "\($0.authorName) <\($0.authorEmail)>" } ?? "unknown"
        let summary = info.commitInfo?.summary ?? ""
        var details: ValueObject = [
            "commit": .string(commit), "author": .string(author), "message": .string(summary),
            "clustersChanged": .array(changed.map(Value.string)),
            "problems": .array(set.problems.map { .string($0.message) }),
            "rendered": .int(set.rendered),
        ]
        details["generated"] = .int(set.generated)
        _ = try? database.recordEvent(kind: "commit-planned", actor: "hub", subject: commit,
                                  message: "planned \(String(commit.prefix(12))) \(summary): \(changed.count) cluster plan(s) changed\(set.problems.isEmpty ? "" : ", \(set.problems.count) problem(s)")",
                                  details: JSON.encode(.object(details), options: [.sortedKeys]))
        for problem in set.problems {
            logger.warning("plan problem", metadata: ["problem": "\(problem.message)"])
        }
        try? database.prunePlanHistory(keep: config.planHistory)
        try? database.pruneReports(olderThan: config.reportRetention.seconds)
    }

    /// The Applications, their clusters and errors, and the cluster records, saved so a
    /// restarted hub answers operators at once (before its first round).
    private func persistViews() {
        let state: Value = [
            "fleetCommit": fleetCommit.map(Value.string) ?? .null,
            "applications": .array(applications),
            "applicationCluster": .object(ValueObject(uniqueKeysWithValues: applicationCluster.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            "applicationErrors": .object(ValueObject(uniqueKeysWithValues: applicationErrors.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            "clusters": .array(clusters.map { c in
                ["name": .string(c.name), "server": .string(c.server), "project": .string(c.project), "labels": .object(c.labels), "annotations": .object(c.annotations)]
            }),
        ]
        do { try database.setMetadata("views", JSON.encode(state)) } catch {
            logger.error("cannot store the Application views", metadata: ["error": "\(error)"])
        }
    }

    private func restoreViews() throws {
        guard let text = try database.metadata("views"), let state = try? JSON.parse(text) else { return }
        fleetCommit = state["fleetCommit"]?.stringValue
        applications = state["applications"]?.arrayValue ?? []
        applicationCluster = (state["applicationCluster"]?.objectValue ?? [:]).reduce(into: [:]) { $0[$1.key] = $1.value.stringValue }
        applicationErrors = (state["applicationErrors"]?.objectValue ?? [:]).reduce(into: [:]) { $0[$1.key] = $1.value.stringValue }
        clusters = (state["clusters"]?.arrayValue ?? []).map { c in
            ClusterRecord(name: c["name"]?.stringValue ?? "", labels: c["labels"]?.objectValue ?? [:], annotations: c["annotations"]?.objectValue ?? [:],
                          server: c["server"]?.stringValue ?? "", project: c["project"]?.stringValue ?? "")
        }
    }

    /// Builds each cluster's served plan (the planner's plan plus pending sync requests),
    /// stores and announces the ones that changed; returns their clusters.
    @discardableResult
    func republish(commit: String) -> [String] {
        let requests = (try? database.syncRequests()) ?? [:]
        var changed: [StoredPlan] = []
        for (cluster, base) in basePlans.sorted(by: { $0.key < $1.key }) {
            var json = base.json
            var id = base.id
            let pending = requests[cluster] ?? [:]
            let drill = openDrills[cluster].flatMap { $0.wipe ? $0 : nil }
            if !pending.isEmpty || drill != nil, case .object(var document)? = try? JSON.parse(base.json) {
                if !pending.isEmpty {
                    var tokens = ValueObject()
                    for (app, token) in pending.sorted(by: { $0.key < $1.key }) { tokens[app] = .string(token) }
                    document["syncRequests"] = .object(tokens)
                }
                if let drill { document["drill"] = ["id": .int(Int(drill.id)), "wipe": true] }
                (json, id) = PlanDocument.seal(.object(document))
            }
            guard plans[cluster]?.id != id else { continue }
            let body = Data(json)
            guard let signature = try? signer.sign(body) else { continue }
            let served = ServedPlan(cluster: cluster, id: id, body: body, signature: signature, fleetCommit: commit)
            changed.append(StoredPlan(cluster: cluster, id: id, body: body, signature: signature, fleetCommit: commit, createdAt: Date()))
            plans[cluster] = served
        }
        do {
            try database.recordPlans(changed, event: nil)
        } catch {
            logger.error("cannot store plans", metadata: ["error": "\(error)"])
        }
        for plan in changed { notify(plan.cluster) }
        return changed.map(\.cluster)
    }

    // MARK: Plans for spokes

    public var isReady: Bool { !plans.isEmpty || roundsCompleted > 0 && lastRound?.error == nil }

    public func plan(for cluster: String) -> ServedPlan? { plans[cluster] }

    public func isKnownCluster(_ name: String) -> Bool {
        plans[name] != nil || clusters.contains { $0.name == name }
    }

    /// The cluster's plan once its id differs from `etag`, waiting up to `timeout` for one.
    public func waitForPlan(cluster: String, differentFrom etag: String?, timeout: Duration) async -> ServedPlan? {
        if let plan = plans[cluster], plan.id != etag { return plan }
        let id = UUID()
        metrics.longPollsOpen.increment()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            waiters[cluster, default: [:]][id] = continuation
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                await self?.expire(cluster: cluster, id: id)
            }
        }
        metrics.longPollsOpen.decrement()
        return plans[cluster]
    }

    private func expire(cluster: String, id: UUID) {
        waiters[cluster]?.removeValue(forKey: id)?.resume()
    }

    private func notify(_ cluster: String) {
        guard let waiting = waiters.removeValue(forKey: cluster) else { return }
        for continuation in waiting.values { continuation.resume() }
    }

    public func countServed(notModified: Bool) {
        if notModified { metrics.notModified.increment() } else { metrics.plansServed.increment() }
    }

    // MARK: Tokens and roles

    /// The principal a bearer token stands for, or nil (unknown or revoked).
    public func authenticate(_ token: String) -> Principal? {
        let hash = TokenCodec.hash(token)
        guard let (stored, storedHash) = try? database.token(hash: hash), TokenCodec.constantTimeEquals(storedHash, hash),
              let role = Role(rawValue: stored.role) else { return nil }
        return Principal(tokenID: stored.id, role: role, cluster: stored.cluster, label: stored.label)
    }

    /// A new spoke token for a cluster of the fleet (enroll and rotate both revoke the old ones).
    public func enroll(cluster: String, by principal: Principal, rotate: Bool) throws -> String {
        guard isKnownCluster(cluster) else { throw HubError(.notFound, "no cluster named \(cluster) in the fleet repository") }
        let revoked = try database.revokeTokens(cluster: cluster)
        let token = TokenCodec.generate()
        _ = try database.insertToken(hash: TokenCodec.hash(token), role: Role.spoke.rawValue, cluster: cluster, label: "spoke \(cluster)")
        try database.recordEvent(kind: rotate ? "cluster-token-rotated" : "cluster-enrolled", actor: principal.name, subject: cluster,
                                 message: "\(rotate ? "rotated" : "enrolled") \(cluster)\(revoked > 0 ? " (\(revoked) old token(s) revoked)" : "")")
        return token
    }

    public func revoke(cluster: String, by principal: Principal) throws -> Int {
        let revoked = try database.revokeTokens(cluster: cluster)
        try database.recordEvent(kind: "cluster-token-revoked", actor: principal.name, subject: cluster, message: "revoked \(revoked) token(s) of \(cluster)")
        return revoked
    }

    public func createToken(role: Role, label: String, by principal: Principal) throws -> (id: Int64, token: String) {
        guard role != .spoke else { throw HubError(.badRequest, "spoke tokens are made with POST /api/v1/clusters/{name}/enroll") }
        let token = TokenCodec.generate()
        let id = try database.insertToken(hash: TokenCodec.hash(token), role: role.rawValue, cluster: nil, label: label)
        try database.recordEvent(kind: "token-created", actor: principal.name, subject: label, message: "\(role.rawValue) token \(id) created")
        return (id, token)
    }

    public func revokeToken(id: Int64, by principal: Principal) throws {
        guard try database.revokeTokens(id: id) > 0 else { throw HubError(.notFound, "no live token \(id)") }
        try database.recordEvent(kind: "token-revoked", actor: principal.name, subject: "\(id)", message: "token \(id) revoked")
    }

    public func tokenList() throws -> Value {
        .array(try database.tokens().map { t in
            var o: ValueObject = ["id": .int(Int(t.id)), "role": .string(t.role), "label": .string(t.label),
                                  "createdAt": .string(Self.timestamp(t.createdAt))]
            if let cluster = t.cluster { o["cluster"] = .string(cluster) }
            o["revokedAt"] = t.revokedAt.map { .string(Self.timestamp($0)) } ?? .null
            return .object(o)
        })
    }

    /// Records that a principal was refused (a spoke token used for another cluster).
    public func recordDenied(_ principal: Principal, action: String) {
        _ = try? database.recordEvent(kind: "access-denied", actor: principal.name, subject: action, message: "\(principal.name) may not \(action)")
    }

    // MARK: Reports

    /// Validates and stores a spoke's report; false when it is a duplicate (same or older
    /// sequence number), which changes nothing.
    public func ingest(report body: Data, cluster: String) throws -> Bool {
        let value: Value
        do { value = try JSON.parse(Array(body)) } catch {
            metrics.reportsRejected.increment()
            throw HubError(.badRequest, "the report is not valid JSON: \(error)")
        }
        let report: StatusReport
        do { report = try StatusReport(value, cluster: cluster) } catch {
            metrics.reportsRejected.increment()
            throw HubError(.badRequest, "invalid report: \(error)")
        }
        guard try database.recordReport(cluster: cluster, sequence: report.sequence, body: body) else {
            metrics.reportsRejected.increment()
            return false
        }
        metrics.reportsReceived.increment()
        reports[cluster] = (value, report.sequence, Date())
        var completed = false
        for app in report.applications {
            if let token = app.completedSyncToken {
                try? database.completeSync(application: app.name, cluster: cluster, token: token)
                completed = true
            }
        }
        if completed, let commit = fleetCommit { republish(commit: commit) }
        return true
    }

    // MARK: Sync requests

    /// Asks the spokes running `application` (all its clusters, or one) to sync it now: the
    /// request travels in their plans as a token, and ends when they report it done.
    public func requestSync(application: String, cluster: String?, by principal: Principal) throws -> [String] {
        guard let owner = applicationCluster[application] else { throw HubError(.notFound, "no Application named \(application)") }
        if let cluster, cluster != owner { throw HubError(.notFound, "Application \(application) does not run on cluster \(cluster)") }
        let token = UUID().uuidString.lowercased()
        try database.requestSync(application: application, cluster: owner, token: token, requestedBy: principal.name)
        if let commit = fleetCommit { republish(commit: commit) }
        return [owner]
    }

    // MARK: Views

    static func timestamp(_ date: Date) -> String {
        Timestamp.rfc3339(date.timeIntervalSince1970)
    }

    private func reportedStatus(_ app: String, cluster: String) -> (sync: String, health: String, report: Value?) {
        guard let report = reports[cluster],
              let entry = report.value["applications"]?.arrayValue?.first(where: { $0["name"]?.stringValue == app }) else {
            return ("Unknown", "Unknown", nil)
        }
        if isStale(cluster) { return ("Unknown", "Unknown", entry) }
        return (entry["sync"]?.stringValue ?? "Unknown", entry["health"]?.stringValue ?? "Unknown", entry)
    }

    private func isStale(_ cluster: String) -> Bool {
        guard let seen = reports[cluster]?.receivedAt else { return true }
        return Date().timeIntervalSince(seen) > config.staleAfter.seconds
    }

    public func status() -> Value {
        var o: ValueObject = [
            "version": .string(FleetVersion.current),
            "publicKey": .string(signer.publicKey),
            "repository": .string(config.repositoryURL),
            "branch": .string(config.branch),
            "fleetCommit": fleetCommit.map(Value.string) ?? .null,
            "ready": .bool(isReady),
            "clusters": .int(Set(clusters.map(\.name)).union(plans.keys).count),
            "applications": .int(applications.count),
        ]
        o["lastSync"] = lastRound.map { .string(Self.timestamp($0.time)) } ?? .null
        o["lastError"] = lastRound?.error.map(Value.string) ?? .null
        o["fetchErrors"] = .object(ValueObject(uniqueKeysWithValues: fetchErrors.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
        o["problems"] = .array(problems.map { .string($0.message) })
        return .object(o)
    }

    public func clusterList() -> Value {
        let names = Set(clusters.map(\.name)).union(plans.keys).sorted()
        return .array(names.map(clusterSummary))
    }

    public func cluster(_ name: String) -> Value? {
        guard isKnownCluster(name) else { return nil }
        guard case .object(var o) = clusterSummary(name) else { return nil }
        o["report"] = reports[name]?.value ?? .null
        o["planHistory"] = .array(((try? database.planHistory(cluster: name, limit: 20)) ?? []).map {
            ["id": .string($0.id), "fleetCommit": .string($0.fleetCommit), "createdAt": .string(Self.timestamp($0.createdAt))]
        })
        return .object(o)
    }

    /// An Application as planned (pins applied), by name.
    func applicationDocument(_ name: String) -> Value? {
        applications.first { $0["metadata"]?["name"]?.stringValue == name }
    }

    /// The Applications assigned to a cluster, sorted.
    func applicationNames(on cluster: String) -> [String] {
        applicationCluster.filter { $0.value == cluster }.keys.sorted()
    }

    private func clusterSummary(_ name: String) -> Value {
        let record = clusters.first { $0.name == name }
        let report = reports[name]
        let apps = applicationNames(on: name)
        var o: ValueObject = ["name": .string(name)]
        o["server"] = .string(record?.server ?? "")
        o["labels"] = .object(record?.labels ?? [:])
        o["inFleetRepository"] = .bool(record != nil)
        o["planId"] = plans[name].map { .string($0.id) } ?? .null
        o["appliedPlanId"] = report?.value["planId"] ?? .null
        o["lastSeen"] = report.map { .string(Self.timestamp($0.receivedAt)) } ?? .null
        o["stale"] = .bool(isStale(name))
        o["spokeVersion"] = report?.value["spokeVersion"] ?? .null
        o["applications"] = .array(apps.map { app in
            let status = reportedStatus(app, cluster: name)
            var entry: ValueObject = ["name": .string(app), "sync": .string(status.sync), "health": .string(status.health)]
            if let pin = pins[app] { entry["rolledBackTo"] = .string(pin.revision) }
            return .object(entry)
        })
        o["drill"] = openDrills[name].map { .int(Int($0.id)) } ?? .null
        return .object(o)
    }

    /// Applications, optionally filtered by cluster, label (`key=value`), sync and health.
    public func applicationList(cluster: String?, label: String?, sync: String?, health: String?) -> Value {
        var out: [Value] = []
        for app in applications {
            guard let name = app["metadata"]?["name"]?.stringValue else { continue }
            let owner = applicationCluster[name] ?? ""
            if let cluster, owner != cluster { continue }
            if let label {
                let parts = label.split(separator: "=", maxSplits: 1).map(String.init)
                let value = app["metadata"]?["labels"]?[parts[0]]?.stringValue
                if parts.count == 2 ? value != parts[1] : value == nil { continue }
            }
            let status = reportedStatus(name, cluster: owner)
            if let sync, status.sync != sync { continue }
            if let health, status.health != health { continue }
            var o: ValueObject = ["name": .string(name), "cluster": .string(owner), "sync": .string(status.sync), "health": .string(status.health)]
            o["labels"] = app["metadata"]?["labels"] ?? .object([:])
            o["error"] = applicationErrors[name].map(Value.string) ?? .null
            o["drift"] = .int(status.report?["drift"]?.arrayValue?.count ?? 0)
            o["rolledBackTo"] = pins[name].map { .string($0.revision) } ?? .null
            out.append(.object(o))
        }
        return .array(out)
    }

    public func application(_ name: String) -> Value? {
        guard let app = applicationDocument(name) else { return nil }
        let owner = applicationCluster[name] ?? ""
        let status = reportedStatus(name, cluster: owner)
        var o: ValueObject = ["name": .string(name), "cluster": .string(owner), "sync": .string(status.sync), "health": .string(status.health)]
        o["spec"] = app["spec"] ?? .null
        o["error"] = applicationErrors[name].map(Value.string) ?? .null
        o["planId"] = plans[owner].map { .string($0.id) } ?? .null
        o["status"] = status.report ?? .null
        o["rollback"] = pins[name].map(Self.rollbackView) ?? .null
        o["history"] = .array(((try? database.events(after: nil, limit: 20, subject: name)) ?? []).map(Self.event))
        return .object(o)
    }

    public func events(after sequence: Int64?, limit: Int) throws -> Value {
        .array(try database.events(after: sequence, limit: min(max(limit, 1), 500)).map(Self.event))
    }

    static func event(_ e: StoredEvent) -> Value {
        [
            "sequence": .int(Int(e.sequence)), "time": .string(timestamp(e.time)), "kind": .string(e.kind),
            "actor": .string(e.actor), "subject": .string(e.subject), "message": .string(e.message),
            "details": (try? JSON.parse(e.details)) ?? .object([:]),
        ]
    }

    /// Metric gauges that describe current state, refreshed before `/metrics` is emitted.
    public func refreshGauges() {
        var ages: [String: Double] = [:]
        for (cluster, report) in reports { ages[cluster] = Date().timeIntervalSince(report.receivedAt) }
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
