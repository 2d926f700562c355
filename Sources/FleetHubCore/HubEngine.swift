import FleetHubStore
import FleetModel
import FleetProtocol
import FleetPlan
import Foundation
import Logging

/// A plan as the hub serves it: the exact bytes, the signature over them, the desired-state
/// id and the generation.
public struct ServedPlan: Sendable, Equatable {
    public var cluster: String
    public var id: String
    /// Increases with every plan published for the cluster (spokes refuse an older one).
    public var generation: Int64
    public var body: Data
    public var signature: String
    public var fleetCommit: String

    /// The ETag: changes with every publication, even when a later plan has an earlier
    /// plan's content (a revert), so a spoke never takes an old copy for the current one.
    public var etag: String { "g\(generation)-\(id)" }
}

/// An API error with the HTTP status it maps to and a message for the caller.
public struct HubError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case badRequest, unauthorized, forbidden, notFound, conflict, tooLarge, tooManyRequests, unavailable }
    public var kind: Kind
    public var message: String
    /// Seconds after which the request may be tried again (429, 503).
    public var retryAfter: Int?
    /// More fields for the JSON error body (`{"error": ..., "lastSequence": 41}`).
    public var fields: ValueObject
    public init(_ kind: Kind, _ message: String, retryAfter: Int? = nil, fields: ValueObject? = nil) {
        self.kind = kind
        self.message = message
        self.retryAfter = retryAfter
        self.fields = fields ?? [:]
    }
    public var description: String { message }
}

/// The hub's state and behaviour, independent of HTTP: sync rounds (fetch, plan, publish),
/// the plans spokes long-poll for, tokens and roles, spoke reports, sync requests, and the
/// views operators query. The HTTP layer (FleetHubServer) only translates.
public actor HubEngine {
    /// The engine's own thread: its SQLite calls and plan publication block it, not the
    /// cooperative pool that serves requests.
    private nonisolated let executor = DedicatedThreadExecutor(name: "fleet-hub-engine")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    public nonisolated let config: HubConfig
    public nonisolated let signer: PlanSigner
    public nonisolated let metrics: HubMetrics
    let database: HubDatabase
    /// Bearer tokens, checked from memory (nonisolated: requests never queue behind planning
    /// to authenticate).
    public nonisolated let tokens: TokenStore
    public nonisolated let logger: Logger
    let worker: PlanningWorker

    /// The plans served to spokes and their long-polls (read and waited on without the engine).
    public nonisolated let board: PlanBoard
    var basePlans: [String: (id: String, json: [UInt8])] = [:]
    var fleetCommit: String?
    /// When the fleet commit was made (RFC 3339), carried in every plan.
    var fleetCommitTime: String?
    var clusters: [ClusterRecord] = []
    var applications: [Value] = [] {
        didSet { applicationsByName = Dictionary(applications.map { ($0["metadata"]?["name"]?.stringValue ?? "", $0) }, uniquingKeysWith: { first, _ in first }) }
    }
    /// The Applications by name (views look one up per row).
    private(set) var applicationsByName: [String: Value] = [:]
    var applicationCluster: [String: String] = [:]
    var applicationErrors: [String: String] = [:]
    /// Each cluster's plan revisions (repository URL → commit), as of the last round.
    var planRevisions: [String: [String: String]] = [:]
    var problems: [PlanProblem] = []
    /// Spoke reports, taken in off the engine; each cluster's latest is read from here.
    public nonisolated let inbox: ReportInbox
    /// Clusters whose plan was too large to publish this round (they keep their last plan).
    var oversizedPlans: [String: Int] = [:]
    var lastRound: (time: Date, error: String?)?
    /// When the planning round now running started (monotonic seconds), if one is.
    private var roundStarted: Double?
    var fetchErrors: [String: String] = [:]
    private var triggers: AsyncStream<(force: Bool, url: String?)>.Continuation?
    private var roundsCompleted = 0
    /// Per principal: when its last `access-denied` event was written and the refusals since.
    var denials: [String: (at: Double, suppressed: Int)] = [:]
    /// Sync requests, rollback pins and open drills: what operators asked for that shapes plans.
    let ledger: OperationsLedger

    /// - Parameter clock: monotonic seconds for the spokes' report allowances.
    public init(config: HubConfig, logger: Logger = Logger(label: "fleet.hub"), clock: @escaping @Sendable () -> Double = SystemClock.monotonic) throws {
        self.config = config
        self.logger = logger
        try FileManager.default.createDirectory(atPath: config.stateDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        database = try HubDatabase(path: config.stateDirectory + "/hub.sqlite")
        tokens = try TokenStore(database: database)
        signer = try PlanSigner(stateDirectory: config.stateDirectory)
        metrics = HubMetrics()
        worker = PlanningWorker(config: config)
        board = PlanBoard(metrics: metrics)
        inbox = ReportInbox(database: database, metrics: metrics, config: config, clock: clock)
        ledger = OperationsLedger(database: database)
    }

    deinit { executor.stop() }

    // MARK: Start and the sync loop

    /// Restores what the last run published and creates the first admin token when there is
    /// none; returns that token (to print once) or nil.
    public func restore() throws -> String? {
        try restoreViews()
        try restoreOwnedApplications()
        try ledger.restore()
        board.install(try database.currentPlans().map { stored in
            ServedPlan(cluster: stored.cluster, id: stored.id, generation: stored.generation, body: stored.body,
                       signature: stored.signature, fleetCommit: stored.fleetCommit)
        })
        try inbox.restore()
        guard tokens.count(.admin) == 0 else { return nil }
        let token = TokenCodec.generate()
        if let file = config.adminTokenFile { try HubFiles.writeAdminToken(token, to: file, what: "first") }
        _ = try tokens.issue(role: .admin, cluster: nil, label: "initial admin", secret: token)
        try database.recordEvent(kind: "token-created", actor: "hub", subject: "admin", message: "initial admin token created")
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
        roundStarted = SystemClock.monotonic()
        let result = await worker.round(force: force, only: only, pins: ledger.planningPins, pinsVersion: ledger.pinsVersion)
        roundStarted = nil
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
        if let owned = result.ownedApplications { persistOwnedApplications(owned) }
        guard let set = result.planSet, let commit = result.fleetCommit, result.pinsVersion == ledger.pinsVersion else { return }
        fleetCommitTime = result.commitInfo.map { Timestamp.rfc3339(Double($0.commitTime)) }
        publish(set, commit: commit, info: result)
    }

    private func publish(_ set: FleetPlanSet, commit: String, info: RoundResult) {
        let newCommit = commit != fleetCommit
        fleetCommit = commit
        clusters = set.clusters
        inbox.setFleetClusters(Set(clusters.map(\.name)))
        applications = set.applications
        problems = set.problems
        applicationCluster = [:]
        for plan in set.plans.values { for app in plan.applications { applicationCluster[app] = plan.cluster } }
        applicationErrors = [:]
        for problem in set.problems where problem.kind == .application { applicationErrors[problem.subject] = problem.message }
        for (cluster, plan) in set.plans {
            basePlans[cluster] = (plan.id, plan.json)
            planRevisions[cluster] = plan.revisions
        }
        // A cluster whose new plan is too large keeps its last one.
        basePlans = basePlans.filter { set.plans[$0.key] != nil || set.oversized[$0.key] != nil }
        oversizedPlans = set.oversized
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
        // A new commit is `commit-planned`; the same commit planned again (a rollback pin, a
        // refresh, another repository that moved) is `plans-updated`, and only when a plan changed.
        if newCommit || !changed.isEmpty {
            let kind = newCommit ? "commit-planned" : "plans-updated"
            let what = newCommit ? "planned \(String(commit.prefix(12))) \(summary)" : "planned \(String(commit.prefix(12))) again"
            _ = try? database.recordEvent(kind: kind, actor: "hub", subject: commit,
                                      message: "\(what): \(changed.count) cluster plan(s) changed\(set.problems.isEmpty ? "" : ", \(set.problems.count) problem(s)")",
                                      details: JSON.encode(.object(details), options: [.sortedKeys]))
        }
        for problem in set.problems {
            logger.warning("plan problem", metadata: ["problem": "\(problem.message)"])
        }
        // Housekeeping in a later turn of the actor: the long-polls this publication woke
        // (queued on the actor already) answer first.
        Task { self.pruneHistory() }
    }

    private func pruneHistory() {
        try? database.prunePlanHistory(keep: config.planHistory)
        try? database.pruneReports(olderThan: config.reportRetention.seconds)
        try? database.pruneEvents(olderThan: config.eventRetention.seconds, keep: config.maxEvents)
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
                ["name": .string(c.name), "argoCDName": .string(c.argoCDName), "server": .string(c.server), "project": .string(c.project),
                 "labels": .object(c.labels), "annotations": .object(c.annotations)]
            }),
        ]
        do { try database.setMetadata("views", JSON.encode(state)) } catch {
            logger.error("cannot store the Application views", metadata: ["error": "\(error)"])
        }
    }

    /// The Applications each ApplicationSet has, kept across restarts: `applicationsSync`
    /// policies other than `sync` decide from them, and a set that fails to generate after a
    /// restart keeps them in force.
    private func persistOwnedApplications(_ owned: [String: [Value]]) {
        let state = Value.object(ValueObject(uniqueKeysWithValues: owned.sorted { $0.key < $1.key }.map { ($0.key, Value.array($0.value)) }))
        do { try database.setMetadata(Self.ownedApplicationsKey, JSON.encode(state)) } catch {
            logger.error("cannot store the ApplicationSets' Applications", metadata: ["error": "\(error)"])
        }
    }

    private func restoreOwnedApplications() throws {
        guard let text = try database.metadata(Self.ownedApplicationsKey) else { return }
        guard case .object(let state)? = try? JSON.parse(text) else {
            logger.error("the stored ApplicationSets' Applications are unreadable; starting from what Git generates")
            return
        }
        worker.restoreOwnedApplications(state.reduce(into: [:]) { $0[$1.key] = $1.value.arrayValue ?? [] })
    }

    static let ownedApplicationsKey = "applicationset-applications"

    private func restoreViews() throws {
        guard let text = try database.metadata("views"), let state = try? JSON.parse(text) else { return }
        fleetCommit = state["fleetCommit"]?.stringValue
        applications = state["applications"]?.arrayValue ?? []
        applicationCluster = (state["applicationCluster"]?.objectValue ?? [:]).reduce(into: [:]) { $0[$1.key] = $1.value.stringValue }
        applicationErrors = (state["applicationErrors"]?.objectValue ?? [:]).reduce(into: [:]) { $0[$1.key] = $1.value.stringValue }
        clusters = (state["clusters"]?.arrayValue ?? []).map { c in
            ClusterRecord(name: c["name"]?.stringValue ?? "", argoCDName: c["argoCDName"]?.stringValue, labels: c["labels"]?.objectValue ?? [:], annotations: c["annotations"]?.objectValue ?? [:],
                          server: c["server"]?.stringValue ?? "", project: c["project"]?.stringValue ?? "")
        }
        inbox.setFleetClusters(Set(clusters.map(\.name)))
    }

    // MARK: Plans for spokes

    public var isReady: Bool { readiness.ready }

    /// Whether the hub can serve plans, and if not why: no plan yet, or a planning round
    /// running longer than `limits.stuckPlannerAfter` (later commits would not be planned).
    public var readiness: (ready: Bool, reason: String) {
        if let started = roundStarted, SystemClock.monotonic() - started > config.stuckPlannerAfter.seconds {
            return (false, "planner stuck: a planning round has run for \(Int(SystemClock.monotonic() - started))s (limits.stuckPlannerAfter is \(config.stuckPlannerAfter))")
        }
        if !board.isEmpty || roundsCompleted > 0 && lastRound?.error == nil { return (true, "ready") }
        return (false, "no plan compiled yet")
    }

    public nonisolated func plan(for cluster: String) -> ServedPlan? { board.plan(for: cluster) }

    public nonisolated func isKnownCluster(_ name: String) -> Bool {
        board.plan(for: name) != nil || isInFleetRepository(name)
    }

    /// Whether the fleet repository (at the last planned commit) has a Cluster record of this name.
    public nonisolated func isInFleetRepository(_ name: String) -> Bool { inbox.isInFleetRepository(name) }

    /// The cluster's plan once its ETag differs from `etag`, waiting up to `timeout` for one.
    public nonisolated func waitForPlan(cluster: String, differentFrom etag: String?, timeout: Duration) async -> ServedPlan? {
        await board.waitForPlan(cluster: cluster, differentFrom: etag, timeout: timeout)
    }

    public nonisolated func countServed(notModified: Bool) {
        if notModified { metrics.notModified.increment() } else { metrics.plansServed.increment() }
    }

    // MARK: Tokens and roles

    /// The principal a bearer token stands for, or nil (unknown or revoked).
    public nonisolated func authenticate(_ token: String) -> Principal? { tokens.authenticate(token) }

    /// A new spoke token for a cluster of the fleet (enroll and rotate both revoke the old ones).
    public func enroll(cluster: String, by principal: Principal, rotate: Bool) throws -> String {
        guard isKnownCluster(cluster) else { throw HubError(.notFound, "no cluster named \(cluster) in the fleet repository") }
        let revoked = try tokens.revoke(cluster: cluster)
        let token = try tokens.issue(role: .spoke, cluster: cluster, label: "spoke \(cluster)").token
        try database.recordEvent(kind: rotate ? "cluster-token-rotated" : "cluster-enrolled", actor: principal.name, subject: cluster,
                                 message: "\(rotate ? "rotated" : "enrolled") \(cluster)\(revoked > 0 ? " (\(revoked) old token(s) revoked)" : "")")
        return token
    }

    public func revoke(cluster: String, by principal: Principal) throws -> Int {
        let revoked = try tokens.revoke(cluster: cluster)
        try database.recordEvent(kind: "cluster-token-revoked", actor: principal.name, subject: cluster, message: "revoked \(revoked) token(s) of \(cluster)")
        return revoked
    }

    public func createToken(role: Role, label: String, by principal: Principal) throws -> (id: Int64, token: String) {
        guard role != .spoke else { throw HubError(.badRequest, "spoke tokens are made with POST /api/v1/clusters/{name}/enroll") }
        let (id, token) = try tokens.issue(role: role, cluster: nil, label: label)
        try database.recordEvent(kind: "token-created", actor: principal.name, subject: label, message: "\(role.rawValue) token \(id) created")
        return (id, token)
    }

    public func revokeToken(id: Int64, by principal: Principal) throws {
        guard try tokens.revoke(id: id) > 0 else { throw HubError(.notFound, "no live token \(id)") }
        try database.recordEvent(kind: "token-revoked", actor: principal.name, subject: "\(id)", message: "token \(id) revoked")
    }

    public func tokenList() throws -> [TokenView] {
        try tokens.all().map { t in
            TokenView(id: Int(t.id), role: t.role, label: t.label, cluster: t.cluster, createdAt: Self.timestamp(t.createdAt),
                      revokedAt: t.revokedAt.map(Self.timestamp))
        }
    }


    // MARK: Sync requests

    /// Asks the spokes running `application` (all its clusters, or one) to sync it now: the
    /// request travels in their plans as a token, and ends when they report it done.
    public func requestSync(application: String, cluster: String?, by principal: Principal) throws -> [String] {
        guard let owner = applicationCluster[application] else { throw HubError(.notFound, "no Application named \(application)") }
        if let cluster, cluster != owner { throw HubError(.notFound, "Application \(application) does not run on cluster \(cluster)") }
        _ = try ledger.requestSync(application: application, cluster: owner, requestedBy: principal.name)
        if let commit = fleetCommit { republish(commit: commit) }
        return [owner]
    }
}
