import FleetModel
import FleetProtocol
import FleetReconcile

/// What executing a sync decision did: each resource's result, the conditions met, whether
/// anything changed and whether something failed.
struct SyncOutcome {
    var results: [ResourceKey: (result: String, message: String)] = [:]
    var conditions: [StatusCondition]
    var failed = false
    var acted = false
    /// The hooks the sync ran.
    var hooks: [HookRun] = []
}

/// `syncPolicy.retry` across ticks: after a failed sync, wait `duration x factor^n` (up to
/// `maxDuration`) and give up after `limit` attempts, until the plan entry changes. Kept in
/// the spoke's state as `attempts,notBefore,digest`.
struct RetryState {
    let key: String
    let digest: String
    let policy: RetryPolicy
    var attempts = 0
    var notBefore = 0.0

    init(app: String, digest: String, policy: RetryPolicy, state: SpokeState) throws {
        key = "retry:" + app
        self.digest = digest
        self.policy = policy
        if let text = try state.value(key) {
            let parts = text.split(separator: ",").map(String.init)
            if parts.count == 3, parts[2] == digest { attempts = Int(parts[0]) ?? 0; notBefore = Double(parts[1]) ?? 0 }
        }
    }

    /// Why no sync may be attempted at `now`, if none may.
    func hold(at now: Double) -> StatusCondition? {
        guard attempts > 0 else { return nil }
        if policy.limit >= 0 && attempts > policy.limit {
            return StatusCondition(type: "SyncError", message: "sync failed \(attempts) times; retries exhausted (syncPolicy.retry.limit \(policy.limit)) until the plan changes")
        }
        if now < notBefore {
            return StatusCondition(type: "SyncError", message: "sync failed \(attempts) time(s); next attempt in \(Int(notBefore - now))s")
        }
        return nil
    }

    /// Counts a failed attempt (with the next backoff) or clears the count after a success.
    func record(failed: Bool, now: Double, state: SpokeState) throws {
        if failed {
            let base = (try? KubeDuration(parsing: policy.duration))?.seconds ?? 5
            let cap = (try? KubeDuration(parsing: policy.maxDuration))?.seconds ?? 180
            var delay = base
            for _ in 0..<attempts { delay = min(delay * Double(policy.factor), cap) }
            try state.setValue(key, "\(attempts + 1),\(now + delay),\(digest)")
        } else if attempts > 0 {
            try state.setValue(key, "0,0,\(digest)")
        }
    }
}

extension Reconciler {
    /// Carries out a decision as Argo CD runs a sync: PreSync hooks; then the waves in order,
    /// each wave's objects applied and waited on until healthy (up to `waveTimeout`) and its
    /// Sync hooks run; prunes last and only when every wave succeeded; then PostSync hooks, or
    /// SyncFail hooks when anything failed.
    func execute(_ decision: SyncDecision, intent: ApplicationIntent, live: [ResourceKey: Value], planChanged: Bool, overrides: [HealthOverride],
                 into outcome: inout SyncOutcome) throws {
        guard checkSharedResources(decision, intent: intent, into: &outcome) else { return }
        let syncHooks = decision.runsSync ? decision.hooks[.sync] ?? [] : []
        // `CreateNamespace=true` comes first, as in Argo CD: PreSync hooks may live in it.
        let namespace = decision.waves.first { $0.wave == Int.min }
        if let namespace, try !applyWave(Int.min, namespace.actions, decision: decision, intent: intent, live: live, planChanged: planChanged,
                                         overrides: overrides, into: &outcome) {
            return
        }
        if decision.runsSync, !runHooks(decision.hooks[.preSync] ?? [], phase: .preSync, into: &outcome) {
            outcome.conditions.append(StatusCondition(type: "SyncError", message: "a PreSync hook failed; the sync stopped before applying anything"))
        } else {
            let waves = Set(decision.waves.map(\.wave).filter { $0 != Int.min }).union(syncHooks.map(\.wave)).sorted()
            for wave in waves {
                let actions = decision.waves.first { $0.wave == wave }?.actions ?? []
                guard try applyWave(wave, actions, decision: decision, intent: intent, live: live, planChanged: planChanged, overrides: overrides, into: &outcome),
                      runHooks(syncHooks.filter { $0.wave == wave }, phase: .sync, into: &outcome) else { break }
            }
            if !outcome.failed { prune(decision, intent: intent, into: &outcome) }
            if !outcome.failed, decision.runsSync { _ = runHooks(decision.hooks[.postSync] ?? [], phase: .postSync, into: &outcome) }
        }
        if outcome.failed, decision.runsSync { _ = runHooks(decision.hooks[.syncFail] ?? [], phase: .syncFail, into: &outcome, failedSync: true) }
    }

    /// Applies one wave's actions and waits for the applied objects to be healthy; false when
    /// something failed (the outcome says what).
    private func applyWave(_ wave: Int, _ actions: [SyncAction], decision: SyncDecision, intent: ApplicationIntent, live: [ResourceKey: Value],
                           planChanged: Bool, overrides: [HealthOverride], into outcome: inout SyncOutcome) throws -> Bool {
        var applied: [ResourceKey] = []
        for action in actions {
            do {
                switch action {
                case .createNamespace(let name):
                    try driver.ensureNamespace(name)
                case .apply(let resource, let replace, _):
                    var object = resource.object
                    if let current = live[resource.key],
                       SyncOptions.holds("RespectIgnoreDifferences=true", object: resource.syncOptions, application: intent.syncOptions) {
                        object = SyncOptions.respectingIgnored(object, live: current, rules: intent.rules(for: resource.key))
                    }
                    try apply(object, key: resource.key, replace: replace,
                              force: SyncOptions.holds("Force=true", object: resource.syncOptions, application: intent.syncOptions))
                    try state.recordApplied(app: intent.name, resource.object, key: resource.key)
                    if !planChanged, let drift = decision.drift[resource.key] {
                        state.loops.record(resource.key, pointers: drift.map(\.pointer), at: clock())
                    }
                    outcome.results[resource.key] = ("Synced", decision.missing.contains(resource.key) ? "created" : "configured")
                    applied.append(resource.key)
                case .prune:
                    break
                }
                outcome.acted = true
            } catch {
                outcome.failed = true
                if case .apply(let resource, _, _) = action { outcome.results[resource.key] = ("SyncFailed", "\(error)") }
                outcome.conditions.append(StatusCondition(type: "SyncError", message: "\(error)"))
                return false
            }
        }
        if wave != Int.min, !applied.isEmpty, !waitHealthy(applied, overrides: overrides) {
            outcome.conditions.append(StatusCondition(type: "WaveTimeout", message: "wave \(wave) was not healthy after \(Int(waveTimeout))s; later waves wait"))
            outcome.failed = true
            return false
        }
        return true
    }

    private func prune(_ decision: SyncDecision, intent: ApplicationIntent, into outcome: inout SyncOutcome) {
        for case .prune(let key) in decision.prunes {
            do {
                try driver.delete(key, propagation: decision.prunePropagation)
                try state.forget(app: intent.name, key: key)
                outcome.results[key] = ("Pruned", "pruned")
                outcome.acted = true
            } catch {
                outcome.failed = true
                outcome.conditions.append(StatusCondition(type: "SyncError", message: "pruning \(key): \(error)"))
            }
        }
    }

    /// Applies one object; with `Force=true`, an object the server refuses to update (an
    /// immutable field) is deleted and created again, as Argo CD's forced replace does.
    private func apply(_ object: Value, key: ResourceKey, replace: Bool, force: Bool) throws {
        do {
            try driver.apply(object, replace: replace)
        } catch where force {
            try driver.delete(key, propagation: .foreground)
            _ = waitGone([key])
            try driver.apply(object, replace: false)
        }
    }

    /// Argo CD's shared-resource rule: an object the plan would create that exists already,
    /// tracked by another Application, is taken over with a `SharedResourceWarning`, or, with
    /// `FailOnSharedResource=true`, fails the sync before anything is applied.
    private func checkSharedResources(_ decision: SyncDecision, intent: ApplicationIntent, into outcome: inout SyncOutcome) -> Bool {
        let missing = Set(decision.missing)
        for case .apply(let resource, _, _) in decision.waves.flatMap(\.actions) where missing.contains(resource.key) {
            let ours = resource.object["metadata"]?["labels"]?[PlanFormat.applicationLabel]?.stringValue
            guard let existing = (try? driver.get(resource.key)) ?? nil,
                  let owner = existing["metadata"]?["labels"]?[PlanFormat.applicationLabel]?.stringValue, owner != ours else { continue }
            let message = "\(resource.key) is already managed by Application \(owner)"
            if SyncOptions.holds("FailOnSharedResource=true", object: resource.syncOptions, application: intent.syncOptions) {
                outcome.failed = true
                outcome.results[resource.key] = ("SyncFailed", message)
                outcome.conditions.append(StatusCondition(type: "SharedResource", message: message + " (FailOnSharedResource=true)"))
                return false
            }
            outcome.conditions.append(StatusCondition(type: "SharedResourceWarning", message: message))
        }
        return true
    }

    /// The Application's status from the decision after acting and the live objects: each
    /// resource's sync and health (at most 1,000 listed), the aggregate, drift and conditions.
    func status(_ intent: ApplicationIntent, after: SyncDecision, live: [ResourceKey: Value], outcome: SyncOutcome,
                overrides: [HealthOverride], planId: String) -> ApplicationStatus {
        var resources: [ResourceStatus] = []
        var healths: [HealthStatus] = []
        // Hooks are no part of the Application's state (their runs are in the last sync).
        for resource in intent.resources where !resource.isHook {
            let health = Self.health(of: resource.key, live[resource.key], overrides: overrides)
            healths.append(health.status)
            let sync: SyncStatus = after.drift[resource.key] != nil || after.missing.contains(resource.key) ? .outOfSync : .synced
            var status = ResourceStatus(resource: resource.key.description, sync: sync, health: health.status)
            if let (result, message) = outcome.results[resource.key] { status.result = result; status.message = message }
            if !health.message.isEmpty && status.message == nil { status.message = health.message }
            status.createdAt = live[resource.key]?["metadata"]?["creationTimestamp"]?.stringValue
            resources.append(status)
        }
        var out = ApplicationStatus(name: intent.name, planId: planId, sync: after.synced ? .synced : .outOfSync, health: HealthStatus.aggregate(healths),
                                    drift: Self.driftEntries(after.drift))
        if resources.count > 1000 {
            out.resourcesOmitted = resources.count - 1000
            resources = Array(resources.prefix(1000))
        }
        out.resources = resources
        out.extraneous = after.extraneous.map(\.description)
        out.conditions = outcome.conditions
        return out
    }
}
