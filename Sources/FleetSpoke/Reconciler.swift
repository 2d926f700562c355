import FleetModel
import FleetProtocol
import FleetReconcile
import FleetSQLite

/// What a spoke remembers between ticks and restarts: the last applied state of each object
/// (for three-way diffs), the plan entry each Application was last synced to, and its
/// self-heal history (for sync-loop detection). SQLite, through the thin wrapper (no GRDB).
public final class SpokeState {
    let database: SQLiteDatabase
    public var loops = SyncLoopDetector()

    public init(path: String) throws {
        database = try SQLiteDatabase(path: path, options: SQLiteOpenOptions(synchronousFull: false))
        try database.execute("PRAGMA cache_size = -512")
        try database.migrate([
            SQLiteMigration(version: 1, sql: """
                CREATE TABLE lastApplied (app TEXT NOT NULL, resource TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (app, resource));
                CREATE TABLE synced (app TEXT PRIMARY KEY, digest TEXT NOT NULL, at REAL NOT NULL);
                CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                """),
            SQLiteMigration(version: 2, sql: """
                CREATE TABLE applications (app TEXT PRIMARY KEY, label TEXT NOT NULL, removal TEXT, kinds TEXT NOT NULL, waves TEXT NOT NULL, postDelete TEXT NOT NULL);
                """),
        ])
    }

    public func lastApplied(app: String) throws -> [ResourceKey: Value] {
        var out: [ResourceKey: Value] = [:]
        for row in try database.query("SELECT body FROM lastApplied WHERE app = ?", [.text(app)]) {
            if let text = row.first?.text, let object = try? JSON.parse(text), let key = ResourceKey(object: object) { out[key] = object }
        }
        return out
    }

    func recordApplied(app: String, _ object: Value, key: ResourceKey) throws {
        try database.run("INSERT INTO lastApplied (app, resource, body) VALUES (?, ?, ?) ON CONFLICT (app, resource) DO UPDATE SET body = excluded.body",
                         [.text(app), .text(key.description), .text(JSON.encode(object, options: [.sortedKeys]))])
    }

    func forget(app: String, key: ResourceKey) throws {
        try database.run("DELETE FROM lastApplied WHERE app = ? AND resource = ?", [.text(app), .text(key.description)])
    }

    func syncedDigest(app: String) throws -> String? {
        try database.query("SELECT digest FROM synced WHERE app = ?", [.text(app)]).first?.first?.text
    }

    func recordSynced(app: String, digest: String, at time: Double) throws {
        try database.run("INSERT INTO synced (app, digest, at) VALUES (?, ?, ?) ON CONFLICT (app) DO UPDATE SET digest = excluded.digest, at = excluded.at",
                         [.text(app), .text(digest), .real(time)])
    }

    public func value(_ key: String) throws -> String? {
        try database.query("SELECT value FROM kv WHERE key = ?", [.text(key)]).first?.first?.text
    }

    /// Forgets everything learnt from the cluster (last applied objects, synced digests,
    /// retries, loop history) as a fresh spoke would, keeping the verified plan, the report
    /// sequence and queue, and the last drill done.
    public func resetForDrill() throws {
        try database.run("DELETE FROM lastApplied")
        try database.run("DELETE FROM synced")
        try database.run("DELETE FROM applications")
        try database.run("DELETE FROM kv WHERE key NOT IN ('plan', 'plan-signature', 'plan-etag', 'report-sequence', 'report-queue', 'drill-report')")
        loops = SyncLoopDetector()
    }

    public func setValue(_ key: String, _ value: String) throws {
        try database.run("INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [.text(key), .text(value)])
    }
}

/// Applies a plan to a cluster through a driver: for each Application, the reconcile core's
/// decision, executed wave by wave (waiting for each wave to be healthy, up to a timeout),
/// prunes last; returns the report the hub (or `spoke apply`) prints.
public final class Reconciler {
    public let driver: ClusterDriver
    public let state: SpokeState
    public var waveTimeout: Double
    public var clock: () -> Double
    public var sleep: (Double) -> Void
    /// The server's view of desired objects, by key, while neither side changed.
    private var storedForms: [ResourceKey: (digest: String, liveVersion: String, stored: Value)] = [:]
    /// Each Application's last sync as reported (nil inside: none), mirroring the state.
    private var lastSyncs: [String: LastSync?] = [:]
    /// The Applications synced here, as the state remembers them (read once).
    var rememberedApplications: [String: RememberedApplication]?
    /// The plan entry digest each Application was last remembered from (an unchanged entry
    /// is not remembered again every tick).
    var rememberedDigests: [String: String] = [:]
    /// How long a namespace listing for orphaned-resource monitoring is reused.
    public var orphanCheckInterval: Double = 60
    var namespaceListings: [String: (at: Double, objects: [ResourceKey: Value])] = [:]

    public init(driver: ClusterDriver, state: SpokeState, waveTimeout: Double = 120, clock: @escaping () -> Double = SystemClock.now,
                sleep: @escaping (Double) -> Void = SystemClock.sleep) {
        self.driver = driver
        self.state = state
        self.waveTimeout = waveTimeout
        self.clock = clock
        self.sleep = sleep
    }

    /// Lets a simulated cluster's controllers catch up with the clock (a real cluster's run on
    /// their own).
    func advanceControllers() throws {
        try (driver as? SimulatedCluster)?.advance(now: clock())
    }

    /// Drops what is cached from the cluster and the state (after a drill wiped both).
    public func forgetCaches() {
        storedForms = [:]
        lastSyncs = [:]
        rememberedApplications = nil
        rememberedDigests = [:]
        namespaceListings = [:]
    }

    /// The last sync that changed something, read from the state once per Application (the
    /// ticks that change nothing report it too, and should not each read it back).
    private func lastSync(of app: String) -> LastSync? {
        if let cached = lastSyncs[app] { return cached }
        let stored = (try? state.value("last-sync:" + app)).flatMap { try? JSON.parse($0) }.flatMap { try? LastSync($0) }
        lastSyncs[app] = .some(stored)
        return stored
    }

    /// One pass over the whole plan. `dryRun` decides and reports without changing anything.
    public func reconcile(plan: Plan, dryRun: Bool = false) throws -> StatusReport {
        // The cluster's own controllers move on whether or not we act.
        try advanceControllers()
        var applications: [ApplicationStatus] = []
        for entry in plan.applications {
            do {
                if let refusal = projectRefusal(entry, plan: plan) {
                    applications.append(refusal)
                    continue
                }
                applications.append(try reconcile(entry: entry, syncToken: plan.syncRequests[entry.name], planId: plan.id ?? "", dryRun: dryRun))
            } catch {
                // One Application's trouble (a forbidden list, an unreachable API) is its own.
                applications.append(ApplicationStatus(name: entry.name, planId: plan.id, sync: .unknown, health: .unknown,
                                                      conditions: [StatusCondition(type: "SyncError", message: "\(error)")]))
            }
        }
        let removals = try removeDeparted(plan: plan, dryRun: dryRun)
        markOrphans(&applications, plan: plan)
        var report = StatusReport(cluster: plan.cluster, planId: plan.id, applications: applications, conditions: removals)
        report.clusterIdentity = try? driver.clusterIdentity()
        return report
    }

    /// An Application whose plan entry puts an object outside its project's rules (which the
    /// hub never plans): refused whole, nothing applied or pruned, as a compromised or buggy
    /// hub's plan would be.
    func projectRefusal(_ entry: PlanEntry, plan: Plan) -> ApplicationStatus? {
        guard let rules = entry.projectRules else { return nil }
        for resource in entry.resources {
            if let violation = rules.violation(group: resource.group, kind: resource.kind, namespace: resource.namespace, name: resource.name,
                                               server: plan.server, clusterNames: rules.clusterNames + [plan.cluster]) {
                return ApplicationStatus(name: entry.name, planId: plan.id, sync: .unknown, health: .unknown,
                                         conditions: [StatusCondition(type: "ProjectViolation", message: "refused, nothing applied: \(violation)")])
            }
        }
        return nil
    }

    /// A stable digest of an Application's plan entry (change detection, not security).
    static func digest(_ entry: Value) -> String {
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in JSON.encodeBytes(entry, options: [.sortedKeys]) {
            hash ^= UInt64(byte)
            hash = hash &* 0x100000001b3
        }
        return String(hash, radix: 16)
    }

    func reconcile(entry: PlanEntry, syncToken: String?, planId: String, dryRun: Bool) throws -> ApplicationStatus {
        let intent: ApplicationIntent
        do { intent = try ApplicationIntent(entry, syncToken: syncToken) } catch {
            return ApplicationStatus(name: entry.name, sync: .unknown, health: .unknown, conditions: [StatusCondition(type: "InvalidPlan", message: "\(error)")])
        }
        let label = entry.trackingLabel
            ?? intent.resources.first?.object["metadata"]?["labels"]?[PlanFormat.applicationLabel]?.stringValue ?? intent.name
        let digest = Self.digest(entry.value)
        let started = clock()
        let lastApplied = try state.lastApplied(app: intent.name)
        let kinds = Set(intent.resources.map(\.key.groupKind)).union(lastApplied.keys.map(\.groupKind))
        if !dryRun { try remember(entry, digest: digest, label: label, kinds: kinds) }
        var live = try driver.list(trackingLabel: label, kinds: kinds)
        let planChanged = try state.syncedDigest(app: intent.name) != digest
        let context = SyncPlanner.Context(planChanged: planChanged, loopingFields: state.loops.looping(at: started))
        let decision = decide(intent, live: live, lastApplied: lastApplied, context: context)
        let retry = try RetryState(app: intent.name, digest: digest, policy: entry.syncPolicy.retry ?? RetryPolicy(), state: state)
        // A failed sync waits out its backoff, and stops after `limit` attempts until the plan changes.
        let retryHold = dryRun ? nil : retry.hold(at: started)
        let acting = !dryRun && retryHold == nil
        var outcome = SyncOutcome(conditions: decision.conditions.map { StatusCondition(type: $0.kind.rawValue, message: $0.message) })
        if acting {
            try execute(decision, intent: intent, live: live, planChanged: planChanged, overrides: entry.healthOverrides, into: &outcome)
            if !outcome.failed && intent.renderError == nil && (outcome.acted || decision.synced) && planChanged {
                try state.recordSynced(app: intent.name, digest: digest, at: clock())
            }
            try retry.record(failed: outcome.failed, now: clock(), state: state)
            if outcome.acted {
                try advanceControllers()
                live = try driver.list(trackingLabel: label, kinds: kinds)
            }
        }
        // The status after acting.
        let after = !acting || !outcome.acted ? decision
            : decide(intent, live: live, lastApplied: try state.lastApplied(app: intent.name), context: SyncPlanner.Context(planChanged: false))
        var status = self.status(intent, after: after, live: live, outcome: outcome, overrides: entry.healthOverrides, planId: planId)
        if outcome.acted || outcome.failed {
            let reason = planChanged ? "plan changed" : intent.syncToken != nil ? "sync requested" : decision.drift.isEmpty ? "missing objects" : "self-heal"
            var lastSync = LastSync(result: outcome.failed ? .failed : .succeeded, startedAt: Timestamp.rfc3339(started), finishedAt: Timestamp.rfc3339(clock()),
                                    reason: reason, hooks: outcome.hooks)
            // What a self-heal put back: the drift as it was found, field by field.
            if !planChanged, !decision.drift.isEmpty { lastSync.healed = Self.driftEntries(decision.drift) }
            status.lastSync = lastSync
            try? state.setValue("last-sync:" + intent.name, JSON.encode(lastSync.value, options: [.sortedKeys]))
            lastSyncs[intent.name] = .some(lastSync)
        } else {
            status.lastSync = lastSync(of: intent.name)
        }
        if let retryHold { status.conditions.append(retryHold) }
        if let token = intent.syncToken, !outcome.failed, acting { status.completedSyncToken = token }
        return status
    }

    /// Drift as reported: one entry per field (at most 20 per object, 50 in all).
    static func driftEntries(_ drift: [ResourceKey: [Drift]]) -> [DriftEntry] {
        var out: [DriftEntry] = []
        for (key, fields) in drift.sorted(by: { $0.key < $1.key }) {
            for field in fields.prefix(20) where out.count < 50 {
                out.append(DriftEntry(resource: key.description, pointer: field.pointer.description, desired: field.desired ?? .null, live: field.live ?? .null))
            }
        }
        return out
    }

    /// The reconcile core's decision, diffing the server's view of each desired object when
    /// the driver can give it (a server-side dry-run apply), while the actions keep applying
    /// the plan's own objects.
    func decide(_ intent: ApplicationIntent, live: [ResourceKey: Value], lastApplied: [ResourceKey: Value], context: SyncPlanner.Context) -> SyncDecision {
        var viewed = intent
        var changed = false
        for index in viewed.resources.indices {
            let resource = viewed.resources[index]
            guard let liveObject = live[resource.key] else { continue }
            // One dry run per change of the desired object or of the live one, not per tick.
            // (The digest is only computed when there is a view to compare or keep: a driver
            // without one, like the local cluster, pays nothing here.)
            let version = liveObject["metadata"]?["resourceVersion"]?.stringValue ?? ""
            if let cached = storedForms[resource.key], cached.liveVersion == version, cached.digest == Self.digest(resource.object) {
                viewed.resources[index].object = cached.stored
                changed = true
            } else if let stored = try? driver.storedForm(of: resource.object) {
                storedForms[resource.key] = (Self.digest(resource.object), version, stored)
                viewed.resources[index].object = stored
                changed = true
            }
        }
        guard changed else { return SyncPlanner.decide(intent, live: live, lastApplied: lastApplied, context: context) }
        var decision = SyncPlanner.decide(viewed, live: live, lastApplied: lastApplied, context: context)
        let original = Dictionary(uniqueKeysWithValues: intent.resources.map { ($0.key, $0) })
        decision.waves = decision.waves.map { wave in
            (wave: wave.wave, actions: wave.actions.map { action in
                if case .apply(let resource, let replace, let serverSide) = action, let plan = original[resource.key] {
                    return .apply(plan, replace: replace, serverSide: serverSide)
                }
                return action
            })
        }
        return decision
    }

    /// A live object's health, unless the Application overrides it for its kind (an Argo CD
    /// resource customization), in which case the override counts everywhere, waves included.
    static func health(of key: ResourceKey, _ object: Value?, overrides: [HealthOverride]) -> HealthResult {
        if object != nil, let override = overrides.first(where: { $0.matches(group: key.group, kind: key.kind) }) {
            return HealthResult(override.health, "health overridden by the Application (\(override.health.rawValue))")
        }
        return ResourceHealth.assess(object)
    }

    /// Waits until the resources are Healthy (or Suspended), driving the local controller.
    func waitHealthy(_ keys: [ResourceKey], overrides: [HealthOverride] = []) -> Bool {
        waitUntil {
            keys.allSatisfy { key in
                let status = Self.health(of: key, (try? driver.get(key)) ?? nil, overrides: overrides).status
                return status == .healthy || status == .suspended
            }
        }
    }

    /// Waits until none of the objects exists (a foreground deletion keeps an object until
    /// what it owns is gone).
    func waitGone(_ keys: [ResourceKey]) -> Bool {
        waitUntil { keys.allSatisfy { ((try? driver.get($0)) ?? nil) == nil } }
    }

    /// Checks `done` until it holds or `waveTimeout` passes, letting a simulated cluster's
    /// controllers move on between checks; false on timeout.
    func waitUntil(_ done: () -> Bool) -> Bool {
        let deadline = clock() + waveTimeout
        while true {
            try? advanceControllers()
            if done() { return true }
            if clock() >= deadline { return false }
            sleep(0.2)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
