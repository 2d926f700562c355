import CMalloc
import FleetHTTPClient
import FleetModel
import FleetProtocol
import FleetYAML

#if canImport(Glibc)
import Glibc
#endif

/// The spoke's configuration (`spoke --config spoke.yaml`); unknown keys are errors.
public struct SpokeConfig: Sendable {
    public var hubURL: String = ""
    public var cluster: String = ""
    public var token: String = ""
    public var hubPublicKey: String = ""
    public var caFile: String?
    public var stateDirectory: String = "/var/lib/fleet-spoke"
    public var driver: String = "local"
    /// kubeconfig for the kubernetes driver; nil: the pod's service account.
    public var kubeconfig: String?
    /// How long each plan long-poll may wait; also the longest time between two ticks.
    public var pollWait: KubeDuration = .seconds(10)
    public var waveTimeout: KubeDuration = .minutes(2)
    public var readyDelay: KubeDuration = .seconds(2)
    public var failingImages: [String] = []
    public var maxQueuedReports: Int = 100

    public static let keys: [(String, String)] = [
        ("hub", "the hub's URL, e.g. https://hub.example.com:8080 (required)"),
        ("cluster", "this cluster's name, as in its Cluster record (required)"),
        ("tokenFile", "file holding the spoke token from `fleet cluster enroll` (required)"),
        ("hubPublicKey / hubPublicKeyFile", "the hub's Ed25519 plan-signing key, base64 (required; plans that do not verify are refused)"),
        ("caFile", "CA bundle for the hub's TLS certificate"),
        ("stateDir", "where the verified plan, the spoke's memory and the local cluster live (default /var/lib/fleet-spoke)"),
        ("driver", "local (the embedded cluster) or kubernetes"),
        ("kubeconfig", "kubernetes driver: a kubeconfig file (default: the pod's service account)"),
        ("pollWait", "longest wait of a plan long-poll, and so between two ticks (default 10s)"),
        ("waveTimeout", "how long a sync waits for a wave to be healthy (default 2m)"),
        ("local.readyDelay", "local driver: seconds before a workload becomes ready (default 2s)"),
        ("local.failingImages", "local driver: images that never become ready"),
        ("maxQueuedReports", "reports kept while the hub is unreachable, newest kept (default 100)"),
    ]

    public init() {}

    public init(_ value: Value, file: String, read: (String) throws -> String) throws(SpokeError) {
        func fail(_ key: String, _ reason: String) -> SpokeError { SpokeError("\(file): \(key): \(reason)") }
        guard case .object(let root) = value else { throw SpokeError("\(file): the configuration must be a YAML map") }
        let allowed: Set<String> = ["hub", "cluster", "tokenFile", "hubPublicKey", "hubPublicKeyFile", "caFile", "stateDir", "driver", "kubeconfig", "pollWait", "waveTimeout", "local", "maxQueuedReports"]
        for key in root.keys where !allowed.contains(key) { throw fail(key, "unknown key (see spoke --help)") }
        func string(_ key: String) -> String? { root[key]?.scalarText }
        func duration(_ key: String, _ v: Value?) throws(SpokeError) -> KubeDuration? {
            guard let text = v?.scalarText else { return nil }
            guard let d = try? KubeDuration(parsing: text), d.nanoseconds > 0 else { throw fail(key, "\"\(text)\" is not a duration (500ms, 30s, 5m)") }
            return d
        }
        guard let hub = string("hub"), hub.hasPrefix("http://") || hub.hasPrefix("https://") else { throw fail("hub", "is required: the hub's http(s) URL") }
        hubURL = hub.hasSuffix("/") ? String(hub.dropLast()) : hub
        guard let cluster = string("cluster"), !cluster.isEmpty else { throw fail("cluster", "is required") }
        self.cluster = cluster
        guard let tokenFile = string("tokenFile") else { throw fail("tokenFile", "is required") }
        do { token = try read(tokenFile).trimmingWhitespace() } catch { throw fail("tokenFile", "cannot read \(tokenFile): \(error)") }
        guard !token.isEmpty else { throw fail("tokenFile", "\(tokenFile) is empty") }
        if let key = string("hubPublicKey") {
            hubPublicKey = key
        } else if let keyFile = string("hubPublicKeyFile") {
            do { hubPublicKey = try read(keyFile).trimmingWhitespace() } catch { throw fail("hubPublicKeyFile", "cannot read \(keyFile)") }
        } else {
            throw fail("hubPublicKey", "is required: the hub prints its plan-signing key at start (GET /api/v1/hub shows it too)")
        }
        _ = try PlanVerifier(publicKeyBase64: hubPublicKey)
        caFile = string("caFile")
        stateDirectory = string("stateDir") ?? stateDirectory
        driver = string("driver") ?? driver
        guard driver == "local" || driver == "kubernetes" else { throw fail("driver", "must be local or kubernetes") }
        kubeconfig = string("kubeconfig")
        pollWait = try duration("pollWait", root["pollWait"]) ?? pollWait
        waveTimeout = try duration("waveTimeout", root["waveTimeout"]) ?? waveTimeout
        if case .object(let local)? = root["local"] {
            for key in local.keys where key != "readyDelay" && key != "failingImages" { throw fail("local.\(key)", "unknown key") }
            readyDelay = try duration("local.readyDelay", local["readyDelay"]) ?? readyDelay
            failingImages = (local["failingImages"]?.arrayValue ?? []).compactMap(\.stringValue)
        }
        if let n = root["maxQueuedReports"] {
            guard let count = n.intValue, count >= 1 else { throw fail("maxQueuedReports", "must be a positive integer") }
            maxQueuedReports = count
        }
    }
}

/// The agent loop, level-triggered: long-poll the plan (returning early when it changes),
/// verify and persist it, reconcile everything from the plan and the live state, report.
/// With the hub unreachable it keeps enforcing the last verified plan (also across restarts)
/// and queues its reports, newest kept, to send when the hub is back.
public final class SpokeAgent {
    public let config: SpokeConfig
    let client: HTTPClient
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
    /// Monotonic time before which reports are not sent (the hub answered 429).
    private var reportsPausedUntil = 0.0
    private var pendingSignatureFailure: String?
    /// The outcome of the last drill carried out (kept in the state: a drill runs once per id,
    /// across restarts too), reported every tick.
    private var lastDrill: DrillOutcome?
    public var log: (String) -> Void = { line in print(line) }

    public init(config: SpokeConfig, driver: ClusterDriver, state: SpokeState) throws {
        self.config = config
        self.state = state
        verifier = try PlanVerifier(publicKeyBase64: config.hubPublicKey)
        client = HTTPClient(configuration: HTTPClientConfiguration(connectTimeout: .seconds(5), requestTimeout: .seconds(30),
                                                                   maxResponseBytes: PlanSizeLimit.bytes, caFile: config.caFile,
                                                                   userAgent: "fleet-spoke/\(FleetVersion.current)"))
        reconciler = Reconciler(driver: driver, state: state, waveTimeout: config.waveTimeout.seconds)
        lastDrill = try state.value("drill-report").flatMap { try? JSON.parse($0) }.flatMap { try? DrillOutcome.decode($0) }
        // The last verified plan, from disk: enforced even if the hub never answers.
        if let text = try state.value("plan"), let signature = try state.value("plan-signature"),
           verifier.verify(Array(text.utf8), signature: signature), let stored = try? Plan(json: Array(text.utf8)) {
            plan = stored
            planETag = try state.value("plan-etag")
        }
    }

    /// Runs ticks until `shouldStop` says so.
    public func run(shouldStop: () -> Bool = { false }) {
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
        var outcome = DrillOutcome(id: id, at: Timestamp.rfc3339(SystemClock.now()))
        do {
            let wiped = try reconciler.driver.wipeForDrill()
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
            let response = try client.send(request)
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
        reconciler.sleep(base * Double.random(in: 0.5...1.0))
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
        report.time = Timestamp.rfc3339(SystemClock.now())
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
        while SystemClock.monotonic() >= reportsPausedUntil, let next = queue.first {
            let request = HTTPRequest.json("POST", url: "\(url)/status", body: JSON.encodeBytes(next), headers: [("Authorization", "Bearer \(config.token)")])
            guard let response = try? client.send(request), response.status < 500 else { break }
            if response.status == 429 {
                // Over the hub's allowance: keep the queue and wait as asked.
                let wait = response.header("Retry-After").flatMap(Double.init) ?? 10
                reportsPausedUntil = SystemClock.monotonic() + min(max(wait, 1), 300)
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
