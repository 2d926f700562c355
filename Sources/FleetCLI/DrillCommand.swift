import ArgumentParser
import FleetCommandSupport
import FleetFiles
import FleetModel
import FleetPlan
import FleetProtocol

#if canImport(Glibc)
import Glibc
#endif

/// `fleet drill rebuild CLUSTER`: a disaster-recovery drill with its RTO.
struct DrillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Disaster-recovery drills: rebuild a cluster from Git and measure the recovery time.",
        subcommands: [Rebuild.self]
    )

    struct Rebuild: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild a cluster from Git, wait until every Application is Synced and Healthy with no drift, and report the RTO.",
            discussion: """
                Through the hub (the default): the drill is recorded at the hub (GET /api/v1/drills, `fleet drills`). With --wipe, the cluster's spoke is told (in its signed plan) to wipe its live objects and its own memory, which only a spoke on the local driver does; against a real cluster, replace or empty the cluster first (`fleet bootstrap CLUSTER | kubectl apply -f -` on a fresh one) and run the drill without --wipe. The drill then waits for a report newer than its start, at the cluster's current plan, with every Application Synced and Healthy and no drift, and for evidence of the rebuild: every object the spoke tracks created after the drill started (2 s of tolerance), and a cluster identity (Kubernetes: the kube-system namespace's UID) other than the one reported before the drill, unless --same-cluster (or --wipe) says the cluster is rebuilt in place. A drill against a cluster whose old spoke still reports keeps waiting, and at --timeout fails with "nothing was rebuilt: N of M objects are older than the drill". A cluster that has never reported cannot be drilled.

                With --no-hub (the hub itself is lost): the plan is rendered from a checkout (--repo, as `fleet render --cluster` does) and applied with `spoke apply` (--state, --driver, --kubeconfig), again and again until it is Synced and Healthy.

                The report gives, per Application, the time to Synced and to Healthy from the start, the total RTO, the objects recreated, whether the SLA was met, and the stateful objects (PersistentVolumeClaims, StatefulSet volume claims) whose data Git cannot restore.

                Exit codes: 0 recovered within the SLA, 3 SLA missed or not recovered within --timeout, 1 the drill could not run.
                """
        )
        @OptionGroup var hub: HubOptions
        @Argument(help: "The cluster to rebuild.") var cluster: String
        @Option(name: .long, help: "The recovery-time objective to check (a duration, e.g. 10m).") var sla: String?
        @Flag(name: .long, help: "Wipe the cluster's live state and the spoke's memory first (local driver only).") var wipe = false
        @Flag(name: .long, help: "The cluster is rebuilt in place (same cluster identity): object creation times alone prove the rebuild.") var sameCluster = false
        @Option(name: .long, help: "Give up after this long (a duration).") var timeout: String = "15m"
        @Flag(name: .long, help: "Rebuild with no hub: render from --repo and apply with `spoke apply`.") var noHub = false
        @Option(name: .long, help: "--no-hub: the fleet repository checkout.") var repo: String = "."
        @Option(name: .long, help: "--no-hub: the spoke's state directory (local cluster and memory).") var state: String = "spoke-state"
        @Option(name: .long, help: "--no-hub: the cluster driver, local or kubernetes.") var driver: String = "local"
        @Option(name: .long, help: "--no-hub: kubeconfig for the kubernetes driver.") var kubeconfig: String?
        @Option(name: .long, help: "--no-hub: the spoke binary (default: next to fleet, else on PATH).") var spoke: String?

        func validate() throws {
            if let sla { try DurationOption.parse(sla, option: "--sla", minimum: 0.001) }
            try DurationOption.parse(timeout, option: "--timeout", minimum: 0.001)
            guard driver == "local" || driver == "kubernetes" else { throw ValidationError("--driver must be local or kubernetes") }
            if wipe, noHub, driver != "local" { throw ValidationError("--wipe needs the local driver: a real cluster is replaced, not wiped") }
        }

        func run() throws {
            let slaSeconds = try sla.map { try KubeDuration(parsing: $0).seconds }
            let limit = try KubeDuration(parsing: timeout).seconds
            let report = noHub ? try runWithoutHub(sla: slaSeconds, limit: limit) : try runThroughHub(sla: slaSeconds, limit: limit)
            hub.print(report) { DrillReport.text(report) }
            switch report["status"]?.stringValue {
            case "passed": return
            case "failed": throw CommandFailure(report["reason"]?.stringValue ?? "the drill failed")
            default: throw NotHealthy(description: report["status"] == "sla-missed" ? "the SLA was missed" : "\(cluster) did not recover within \(timeout)")
            }
        }

        private func runThroughHub(sla: Double?, limit: Double) throws -> Value {
            let client = try hub.client()
            let clusterPath = "/api/v1/clusters/\(cluster)"
            let before = try client.view(clusterPath, ClusterView.init).view.report
            guard let before else {
                throw CommandFailure("cluster \(cluster) has never reported to the hub: is its spoke running? A drill tells a rebuilt cluster from the one before, so install its spoke (fleet bootstrap \(cluster)), let it report once, then drill")
            }
            let beforeSequence = before.sequence
            let request = DrillRequest(cluster: cluster, wipe: wipe, slaSeconds: sla)
            let started = try client.send("POST", "/api/v1/drills", body: request.value, DrillStarted.init).view
            let id = started.drill.id
            var measure = DrillReport(cluster: cluster, applications: started.applications, sla: sla)
            measure.fields["drill"] = .int(id)
            measure.fields["mode"] = "hub"
            measure.fields["wipe"] = .bool(wipe)
            measure.fields["startedAt"] = .string(started.drill.startedAt)
            measure.fields["stateful"] = .array(started.stateful.map(\.value))
            measure.evidence = RebuildEvidence(startedAt: Timestamp.seconds(started.drill.startedAt) ?? SystemClock.now(),
                                               identityBefore: before.clusterIdentity, sameCluster: sameCluster || wipe)
            measure.fields["sameCluster"] = .bool(sameCluster || wipe)
            let progress = ProgressLine()
            defer { progress.finish() }
            var outcome: Value
            while true {
                let view = try client.view(clusterPath, ClusterView.init).view
                let report = view.report
                let drillOutcome = report?.drill.flatMap { $0.id == id ? $0 : nil }
                if wipe, let error = drillOutcome?.error {
                    outcome = measure.finish(status: "failed", reason: "the spoke refused the wipe: \(error)")
                    break
                }
                let fresh = wipe ? drillOutcome != nil : (report?.sequence ?? -1) > beforeSequence
                if fresh, let report, let planId = view.planId, report.planId == planId {
                    measure.fields["objectsWiped"] = drillOutcome?.wiped.map(Value.int) ?? .null
                    measure.fields["planId"] = .string(planId)
                    if measure.observe(report, at: progress.elapsed) {
                        outcome = measure.finish(status: nil, reason: nil)
                        break
                    }
                }
                progress.update("drill \(id) on \(cluster): " + measure.summary(fresh: fresh))
                if progress.elapsed > limit {
                    outcome = measure.finish(status: "timed-out", reason: "not recovered within \(timeout)")
                    break
                }
                SystemClock.sleep(0.2)
            }
            _ = try client.call("POST", "/api/v1/drills/\(id)/result", body: outcome)
            return outcome
        }

        private func runWithoutHub(sla: Double?, limit: Double) throws -> Value {
            guard let spokeBinary = spoke.flatMap(Subprocess.which) ?? Subprocess.sibling("spoke") else {
                throw CommandFailure("cannot find the spoke binary: give --spoke PATH")
            }
            let progress = ProgressLine()
            defer { progress.finish() }
            let fleet = try LocalFleet(repo: repo)
            let set = try fleet.plan(at: nil)
            guard let plan = set.plans[cluster] else {
                throw CommandFailure("no cluster named \(cluster) in \(repo) (clusters: \(set.clusters.map(\.name).joined(separator: ", ")))")
            }
            let planFile = state + "/drill-plan.json"
            do {
                try LocalPaths.makeDirectories(state)
                try LocalPaths.write(plan.json, to: planFile)
            } catch { throw CommandFailure("\(error)") }
            let typedPlan: Plan
            do { typedPlan = try Plan(json: plan.json) } catch { throw CommandFailure("the plan rendered for \(cluster) does not read back: \(error)") }
            var measure = DrillReport(cluster: cluster, applications: plan.applications, sla: sla)
            measure.fields["mode"] = "no-hub"
            measure.fields["wipe"] = .bool(wipe)
            measure.fields["planId"] = .string(plan.id)
            measure.fields["stateful"] = .array(StatefulObjects.find(in: typedPlan).map(\.value))
            // Counted, not required: this drill applies to the cluster it is given, so no old
            // cluster can answer for it; objects older than the start say it was not empty.
            measure.evidence = RebuildEvidence(startedAt: SystemClock.now(), identityBefore: nil, sameCluster: true)
            measure.requireEvidence = false
            if wipe {
                let wiped = try Subprocess.run(spokeBinary, ["local", "wipe", "--forget", "--state", state])
                guard wiped.status == 0 else { throw CommandFailure("spoke local wipe failed (exit \(wiped.status))") }
            }
            var arguments = ["apply", "--plan", planFile, "--state", state, "--driver", driver, "--timeout", timeout]
            if let kubeconfig { arguments += ["--kubeconfig", kubeconfig] }
            while true {
                let run = try Subprocess.run(spokeBinary, arguments)
                guard let printed = try? JSON.parse(run.output) else {
                    return measure.finish(status: "failed", reason: "spoke apply failed (exit \(run.status)) without a report")
                }
                let report: StatusReport
                do { report = try StatusReport(printed: printed) } catch {
                    return measure.finish(status: "failed", reason: "spoke apply printed a report this fleet cannot read (\(error))")
                }
                if measure.observe(report, at: progress.elapsed) { break }
                progress.update("no-hub rebuild of \(cluster): " + measure.summary(fresh: true))
                if progress.elapsed > limit {
                    return measure.finish(status: "timed-out", reason: "not recovered within \(timeout)")
                }
                SystemClock.sleep(0.3)
            }
            return measure.finish(status: nil, reason: nil)
        }
    }
}

/// `fleet drills`: the drill history the hub keeps.
struct DrillsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "drills", abstract: "List past DR drills with their RTO and SLA outcome.")
    @OptionGroup var hub: HubOptions
    @Option(name: .long) var cluster: String?
    @Option(name: .long, help: "How many of the newest drills.") var limit: Int = 20

    func run() throws {
        let (value, drills) = try hub.client().view("/api/v1/drills?limit=\(limit)" + (cluster.map { "&cluster=\(URLQuery.escape($0))" } ?? ""), DrillView.list)
        let rows = drills.map { d -> [String] in
            [String(d.id), d.cluster, d.startedAt, d.status, d.rtoSeconds.map(ProgressLine.seconds) ?? "-",
             d.slaSeconds.map(ProgressLine.seconds) ?? "-", d.slaMet.map { $0 ? "yes" : "no" } ?? "-"]
        }
        hub.print(value) { Table.render(["ID", "CLUSTER", "STARTED", "STATUS", "RTO", "SLA", "MET"], rows, colored: false) }
    }
}
