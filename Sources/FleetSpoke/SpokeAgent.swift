import CMalloc
import FleetHTTPClient
import FleetModel
import FleetProtocol
import FleetReconcile
import FleetYAML

#if canImport(Glibc)
import Glibc
#endif

/// How the agent reaches its hub: one HTTP exchange at a time (libcurl in the spoke, a fake
/// hub in tests).
public protocol HubTransport: AnyObject {
    func send(_ request: HTTPRequest) throws(HTTPClientError) -> HTTPResponse
}

extension HTTPClient: HubTransport {}

/// The agent's sense of time: wall time for reports, monotonic time for pauses, and sleep for
/// backoff and waves (tests pass a fake clock whose sleep only moves it).
public struct AgentClock {
    public var wall: () -> Double
    public var monotonic: () -> Double
    public var sleep: (Double) -> Void

    public init(wall: @escaping () -> Double, monotonic: @escaping () -> Double, sleep: @escaping (Double) -> Void) {
        self.wall = wall
        self.monotonic = monotonic
        self.sleep = sleep
    }

    public static var system: AgentClock { AgentClock(wall: SystemClock.now, monotonic: SystemClock.monotonic, sleep: SystemClock.sleep) }
}

/// The agent loop, level-triggered: long-poll the plan (returning early when it changes),
/// verify and persist it, reconcile everything from the plan and the live state, report.
/// With the hub unreachable it keeps enforcing the last verified plan (also across restarts)
/// and queues its reports, newest kept, to send when the hub is back.
public final class SpokeAgent {
    public let config: SpokeConfig
    let transport: HubTransport
    let clock: AgentClock
    let verifier: PlanVerifier
    let reconciler: Reconciler
    let state: SpokeState
    public private(set) var plan: Plan?
    private var planId: String? { plan?.id }
    /// The generation of the plan held: a served plan with a lower one is a replay.
    private var planGeneration: Int? { plan?.generation }
    /// The hub's ETag for the plan held (sent as If-None-Match).
    private var planETag: String?
    private var failures = 0
    /// Whether the agent was asked to stop (set by `run`): backoff waits end early on it.
    private var stopRequested: () -> Bool = { false }
    /// Monotonic time before which reports are not sent (the hub answered 429).
    private var reportsPausedUntil = 0.0
    private var pendingSignatureFailure: String?
    /// The outcome of the last drill carried out (kept in the state: a drill runs once per id,
    /// across restarts too), reported every tick.
    private var lastDrill: DrillOutcome?
    public var log: (String) -> Void = { line in print(line) }

    /// - Parameters:
    ///   - transport: how requests reach the hub (default: libcurl with the configured CA).
    ///   - clock: wall and monotonic time, and sleep (tests pass a fake one: no real waits).
    public init(config: SpokeConfig, driver: ClusterDriver, state: SpokeState, transport: HubTransport? = nil, clock: AgentClock = .system) throws {
        self.config = config
        self.state = state
        self.clock = clock
        verifier = try PlanVerifier(publicKeyBase64: config.hubPublicKey)
        self.transport = transport ?? HTTPClient(configuration: HTTPClientConfiguration(
            connectTimeout: .seconds(5), requestTimeout: .seconds(30), maxResponseBytes: PlanSizeLimit.bytes, caFile: config.caFile,
            userAgent: "fleet-spoke/\(FleetVersion.current)"))
        reconciler = Reconciler(driver: driver, state: state, waveTimeout: config.waveTimeout.seconds, clock: clock.wall, sleep: clock.sleep)
        lastDrill = try state.value("drill-report").flatMap { try? JSON.parse($0) }.flatMap { try? DrillOutcome($0) }
        // The last verified plan, from disk: enforced even if the hub never answers.
        if let text = try state.value("plan"), let signature = try state.value("plan-signature"),
           verifier.verify(Array(text.utf8), signature: signature), let stored = try? Plan(json: Array(text.utf8)) {
            plan = stored
            planETag = try state.value("plan-etag")
        }
    }

    /// Runs ticks until `shouldStop` says so.
    public func run(shouldStop: @escaping () -> Bool = { false }) {
        stopRequested = shouldStop
        while !shouldStop() { tick() }
    }

    /// One tick: fetch (long-poll), reconcile, report.
    public func tick() {
        fetchPlan()
        if let plan { runDrillIfAsked(plan) }
        var report = StatusReport(cluster: config.cluster)
        if let plan {
            do { report = try reconciler.reconcile(plan: plan) } catch {
                log("spoke: reconcile failed: \(error)")
            }
        }
        if report.clusterIdentity == nil { report.clusterIdentity = try? reconciler.driver.clusterIdentity() }
        send(report)
        // An idle agent should hold only what it needs: give freed heap back to the system.
        malloc_trim(0)
    }

    /// A DR drill the hub put in the plan (`fleet drill rebuild --wipe`): once per drill id,
    /// wipe the cluster (local driver only) and forget what this spoke learnt, so the tick
    /// that follows rebuilds everything from the plan as on a fresh cluster. The outcome
    /// travels in every report until the next drill.
    func runDrillIfAsked(_ plan: Plan) {
        guard let drill = plan.drill, drill.wipe, lastDrill?.id != drill.id else { return }
        let id = drill.id
        var outcome = DrillOutcome(id: id, at: Timestamp.rfc3339(clock.wall()))
        do {
            guard let cluster = reconciler.driver as? SimulatedCluster else {
                throw SpokeError("a drill with --wipe needs the local driver: rebuild a real cluster by replacing it (fleet bootstrap) and run the drill without --wipe")
            }
            let wiped = try cluster.wipeForDrill()
            try state.resetForDrill()
            reconciler.forgetCaches()
            outcome.wiped = wiped
            log("spoke: drill \(id): wiped \(wiped) object(s) and the spoke's memory; rebuilding from the plan")
        } catch {
            outcome.error = "\(error)"
            log("spoke: drill \(id) refused: \(error)")
        }
        lastDrill = outcome
        try? state.setValue("drill-report", JSON.encode(outcome.value))
    }

    private var url: String { config.hubURL + PlanFormat.clusterPath(config.cluster) }

    /// One plan request (a long-poll up to `pollWait`): a newer plan that verifies is kept,
    /// persisted and used; one that does not verify is refused and reported.
    public func fetchPlan() {
        var headers: [(name: String, value: String)] = [("Authorization", "Bearer \(config.token)")]
        if let planETag { headers.append(("If-None-Match", planETag)) }
        let wait = max(1, Int(config.pollWait.seconds))
        let request = HTTPRequest(url: "\(url)/plan?wait=\(wait)", headers: headers, timeout: .seconds(Int64(wait) + 15))
        do {
            let response = try transport.send(request)
            switch response.status {
            case 200:
                guard let signature = response.header(PlanFormat.signatureHeader), verifier.verify(response.body, signature: signature) else {
                    pendingSignatureFailure = "the plan from the hub does not verify against the pinned key; keeping plan \(planId ?? "none")"
                    log("spoke: \(pendingSignatureFailure!)")
                    backoff()
                    return
                }
                let offered: Plan
                do { offered = try Plan(json: response.body) } catch {
                    pendingSignatureFailure = "the hub sent a plan this spoke cannot read (\(error)); keeping plan \(planId ?? "none")"
                    log("spoke: \(pendingSignatureFailure!)")
                    backoff()
                    return
                }
                guard offered.cluster == config.cluster else {
                    // A validly signed plan of another cluster: a hub mistake or a replay across
                    // clusters. Never applied; said once per attempt, with backoff.
                    pendingSignatureFailure = "the hub sent the plan of cluster \(offered.cluster), not \(config.cluster); keeping plan \(planId ?? "none")"
                    log("spoke: \(pendingSignatureFailure!)")
                    backoff()
                    return
                }
                if let refusal = Self.replayRefusal(offered: offered, heldGeneration: planGeneration, heldID: planId) {
                    pendingSignatureFailure = refusal
                    log("spoke: \(refusal)")
                    backoff()
                    return
                }
                try state.setValue("plan", String(decoding: response.body, as: UTF8.self))
                try state.setValue("plan-signature", signature)
                planETag = response.header("ETag")
                try state.setValue("plan-etag", planETag ?? "")
                plan = offered
                pendingSignatureFailure = nil
                failures = 0
                log("spoke: new plan \(planId ?? "")")
            case 304:
                failures = 0
            default:
                log("spoke: the hub answered \(response.status) for the plan: \(response.bodyText.prefix(300))")
                backoff()
            }
        } catch {
            log("spoke: cannot reach the hub: \(error)")
            backoff()
        }
    }

    /// Why a validly signed plan must still be refused, if it must: it has no generation, or
    /// an older one than the plan held (someone replaying an old plan to roll the cluster
    /// back), or the same generation with other content. A rollback is a newer generation.
    static func replayRefusal(offered: Plan, heldGeneration: Int?, heldID: String?) -> String? {
        guard let generation = offered.generation else {
            return "the hub sent a plan without a generation (a hub older than this spoke, or a replayed plan); keeping plan \(heldID ?? "none")"
        }
        guard let held = heldGeneration else { return nil }
        if generation < held {
            return "refused plan generation \(generation): older than generation \(held), which this spoke holds (a replayed plan?); keeping plan \(heldID ?? "none")"
        }
        if generation == held, offered.id != heldID {
            return "refused plan generation \(generation): same generation as the plan held but different content; keeping plan \(heldID ?? "none")"
        }
        return nil
    }

    /// Waits longer after each consecutive failure (1 s doubling to 60 s, with jitter).
    private func backoff() {
        failures += 1
        let base = min(60.0, Double(1 << min(failures - 1, 6)))
        // In slices, so a stop (SIGTERM) is honoured within a quarter second, not a minute.
        var left = base * Double.random(in: 0.5...1.0)
        while left > 0, !stopRequested() {
            let slice = min(left, 0.25)
            reconciler.sleep(slice)
            left -= slice
        }
    }

    /// Sends the report and anything queued before it, oldest first; queues it if the hub
    /// cannot take it now (keeping at most `maxQueuedReports`, the newest).
    func send(_ report: StatusReport) {
        var report = report
        let sequence = (Int((try? state.value("report-sequence")) ?? "0") ?? 0) + 1
        try? state.setValue("report-sequence", String(sequence))
        report.cluster = config.cluster
        report.sequence = sequence
        report.spokeVersion = FleetVersion.current
        report.time = Timestamp.rfc3339(clock.wall())
        report.drill = lastDrill
        if let failure = pendingSignatureFailure {
            report.conditions = [StatusCondition(type: "SignatureFailure", message: failure)]
        }
        // Extraneous objects are for `spoke apply`'s reader; the hub has no use for them.
        for index in report.applications.indices { report.applications[index].extraneous = [] }
        let object = report.value
        var queue = ((try? state.value("report-queue")).flatMap { try? JSON.parse($0) }?.arrayValue) ?? []
        queue.append(object)
        if queue.count > config.maxQueuedReports { queue.removeFirst(queue.count - config.maxQueuedReports) }
        var resequenced = false
        while clock.monotonic() >= reportsPausedUntil, let next = queue.first {
            let request = HTTPRequest.json("POST", url: "\(url)/status", body: JSON.encodeBytes(next), headers: [("Authorization", "Bearer \(config.token)")])
            guard let response = try? transport.send(request), response.status < 500 else { break }
            if response.status == 429 {
                // Over the hub's allowance: keep the queue and wait as asked.
                let wait = response.header("Retry-After").flatMap(Double.init) ?? 10
                reportsPausedUntil = clock.monotonic() + min(max(wait, 1), 300)
                log("spoke: the hub asks for fewer reports; pausing them for \(Int(wait))s")
                break
            }
            if response.status == 409, !resequenced, let last = (try? JSON.parse(response.body))?["lastSequence"]?.intValue {
                // This spoke lost its sequence (a reinstall keeping the token): continue from the
                // hub's, renumbering what is queued.
                log("spoke: the hub has reports up to sequence \(last) from this token; continuing from \(last + 1)")
                queue = Self.renumbered(queue, after: last)
                try? state.setValue("report-sequence", String(last + queue.count))
                resequenced = true
                continue
            }
            if response.status >= 400 { log("spoke: the hub refused a report (\(response.status)): \(response.bodyText.prefix(300))") }
            queue.removeFirst()
        }
        try? state.setValue("report-queue", JSON.encode(.array(queue)))
    }

    /// The queued reports with sequence numbers from `last + 1` on, in order.
    static func renumbered(_ queue: [Value], after last: Int) -> [Value] {
        queue.enumerated().map { index, report in
            guard case .object(var object) = report else { return report }
            object["sequence"] = .int(last + 1 + index)
            return .object(object)
        }
    }
}
