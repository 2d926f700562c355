import FleetModel
import FleetProtocol

/// What proves a drill rebuilt the cluster rather than found the old one still running: every
/// tracked object created after the drill started (with a tolerance for clock skew and the
/// second-resolution timestamps of Kubernetes), and, unless the rebuild is in place, a cluster
/// identity other than the one reported before the drill.
struct RebuildEvidence {
    /// The drill's start (seconds since the epoch, the hub's clock).
    var startedAt: Double
    /// The cluster identity reported before the drill (nil: none was).
    var identityBefore: String?
    /// `--same-cluster` or `--wipe`: rebuilt in place, creation times alone decide.
    var sameCluster: Bool
    /// Objects created up to this long before the start still count as recreated.
    static let toleranceSeconds = 2.0

    func recreated(_ resource: ResourceStatus) -> Bool {
        guard let created = resource.createdAt.flatMap(Timestamp.seconds) else { return false }
        return created >= startedAt - Self.toleranceSeconds
    }

    /// The old cluster still reporting: the same identity as before the drill.
    func sameIdentity(_ identity: String?) -> Bool {
        !sameCluster && identityBefore != nil && identity == identityBefore
    }
}

/// A drill's measurements: when each Application was first seen Synced and Healthy, and the
/// evidence that its objects were rebuilt.
struct DrillReport {
    let cluster: String
    let applications: [String]
    let sla: Double?
    var syncedAt: [String: Double] = [:]
    var healthyAt: [String: Double] = [:]
    var objects = 0
    var drift = 0
    var last: [String: (sync: String, health: String)] = [:]
    var fields: ValueObject = [:]
    /// When set, objects are counted as recreated or not against it.
    var evidence: RebuildEvidence?
    /// Whether the drill passes only with that evidence (through the hub, where an old
    /// cluster's spoke may still be reporting; a no-hub drill applies to the cluster it is given
    /// and reports the counts).
    var requireEvidence = true
    /// Per Application: objects recreated since the start, and those that were not.
    var recreated: [String: Int] = [:]
    var notRecreated: [String: [String]] = [:]
    var identityUnchanged = false
    private var rto: Double?

    init(cluster: String, applications: [String], sla: Double?) {
        self.cluster = cluster
        self.applications = applications
        self.sla = sla
    }

    var recreatedCount: Int { recreated.values.reduce(0, +) }
    var olderCount: Int { notRecreated.values.reduce(0) { $0 + $1.count } }

    /// Records a report; true when every Application is Synced and Healthy with no drift and,
    /// when evidence is asked for, every object was rebuilt.
    mutating func observe(_ report: StatusReport, at time: Double) -> Bool {
        identityUnchanged = evidence?.sameIdentity(report.clusterIdentity) ?? false
        return observe(report.applications, at: time) && (evidence == nil || !requireEvidence || (olderCount == 0 && !identityUnchanged))
    }

    /// Records a report's Applications; true when every one is Synced and Healthy with no drift.
    mutating func observe(_ reported: [ApplicationStatus], at time: Double) -> Bool {
        let byName = Dictionary(reported.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        objects = 0
        drift = 0
        recreated = [:]
        notRecreated = [:]
        var done = true
        for name in applications {
            guard let app = byName[name] else {
                done = false
                last[name] = ("Missing", "Missing")
                continue
            }
            let synced = app.sync == .synced, healthy = app.health == .healthy
            last[name] = (app.sync.rawValue, app.health.rawValue)
            objects += app.resources.count + (app.resourcesOmitted ?? 0)
            drift += app.drift.count
            if let evidence {
                let (new, old) = app.resources.reduce(into: (0, [String]())) { $0 = evidence.recreated($1) ? ($0.0 + 1, $0.1) : ($0.0, $0.1 + [$1.resource]) }
                recreated[name] = new
                if !old.isEmpty { notRecreated[name] = old }
            }
            if synced, syncedAt[name] == nil { syncedAt[name] = time }
            if synced, healthy, healthyAt[name] == nil { healthyAt[name] = time }
            if !synced || !healthy || !app.drift.isEmpty { done = false }
        }
        if done { rto = time }
        return done
    }

    /// What is missing for the evidence, in words; nil when nothing is.
    var missingEvidence: String? {
        guard evidence != nil, requireEvidence, olderCount > 0 || identityUnchanged else { return nil }
        let total = olderCount + recreatedCount
        var text = "\(olderCount) of \(total) objects are older than the drill"
        if identityUnchanged { text += " (cluster identity unchanged)" }
        return text
    }

    func summary(fresh: Bool) -> String {
        guard fresh else { return "waiting for the spoke's first report since the drill started" }
        if healthyAt.count == applications.count, let missing = missingEvidence {
            return "waiting for the rebuilt cluster: \(missing); is the old cluster's spoke still running?"
        }
        let waiting = applications.filter { healthyAt[$0] == nil }.map { "\($0) (\(last[$0]?.sync ?? "?"), \(last[$0]?.health ?? "?"))" }
        return "synced \(syncedAt.count)/\(applications.count), healthy \(healthyAt.count)/\(applications.count)"
            + (waiting.isEmpty ? "" : "; waiting: " + waiting.joined(separator: ", "))
    }

    func finish(status: String?, reason: String?) -> Value {
        var o = fields
        var reason = reason
        if status == "timed-out", let missing = missingEvidence {
            reason = "nothing was rebuilt: \(missing); did the old cluster go away?"
        }
        o["cluster"] = .string(cluster)
        // Met when recovered within it (or with none given), missed when not recovered at all.
        let slaMet: Bool? = rto.map { time in sla.map { time <= $0 } ?? true } ?? (sla == nil ? nil : false)
        o["status"] = .string(status ?? (slaMet == false ? "sla-missed" : "passed"))
        o["reason"] = reason.map(Value.string) ?? .null
        o["rtoSeconds"] = rto.map(Value.double) ?? .null
        o["slaSeconds"] = sla.map(Value.double) ?? .null
        o["slaMet"] = slaMet.map(Value.bool) ?? .null
        o["objectsRecreated"] = .int(evidence == nil ? objects : recreatedCount)
        if evidence != nil { o["objectsOlderThanDrill"] = .int(olderCount) }
        o["driftAfter"] = .int(drift)
        o["applications"] = .array(applications.map { name in
            ["name": .string(name), "syncedSeconds": syncedAt[name].map(Value.double) ?? .null,
             "healthySeconds": healthyAt[name].map(Value.double) ?? .null,
             "sync": .string(last[name]?.sync ?? "Unknown"), "health": .string(last[name]?.health ?? "Unknown"),
             "recreated": recreated[name].map(Value.int) ?? .null,
             "notRecreated": .array((notRecreated[name] ?? []).prefix(10).map(Value.string))]
        })
        return .object(o)
    }

    /// The report for people.
    static func text(_ report: Value) -> String {
        let cluster = report["cluster"]?.stringValue ?? ""
        var out = "DR drill\(report["drill"]?.intValue.map { " \($0)" } ?? ""): rebuild \(cluster) from Git"
        out += " (\(report["mode"] == "no-hub" ? "no hub" : "through the hub")\(report["wipe"] == true ? ", wiped first" : ""))\n"
        let withEvidence = report["objectsOlderThanDrill"] != nil
        let rows = (report["applications"]?.arrayValue ?? []).map { app -> [String] in
            var row = [app["name"]?.stringValue ?? "", app["syncedSeconds"]?.doubleValue.map(ProgressLine.seconds) ?? "-",
                       app["healthySeconds"]?.doubleValue.map(ProgressLine.seconds) ?? "-", "\(app["sync"]?.stringValue ?? ""), \(app["health"]?.stringValue ?? "")"]
            if withEvidence {
                let recreated = app["recreated"]?.intValue ?? 0, older = app["notRecreated"]?.arrayValue?.count ?? 0
                row.append(older == 0 ? "\(recreated)" : "\(recreated) (not: \(app["notRecreated"]?.arrayValue?.compactMap(\.stringValue).joined(separator: ", ") ?? ""))")
            }
            return row
        }
        out += Table.render(["APPLICATION", "SYNCED AFTER", "HEALTHY AFTER", "NOW"] + (withEvidence ? ["RECREATED"] : []), rows, colored: false)
        let rto = report["rtoSeconds"]?.doubleValue.map(ProgressLine.seconds) ?? "not reached"
        let sla = report["slaSeconds"]?.doubleValue.map { "SLA \(ProgressLine.seconds($0)): " + (report["slaMet"] == true ? "met" : "MISSED") } ?? "no SLA given"
        out += "RTO: \(rto) (\(sla))\n"
        out += "Objects recreated: \(report["objectsRecreated"]?.intValue ?? 0)"
        if let older = report["objectsOlderThanDrill"]?.intValue { out += " (created after the drill started; \(older) older)" }
        if let wiped = report["objectsWiped"]?.intValue { out += " (\(wiped) wiped)" }
        out += "; drift after the rebuild: \(report["driftAfter"]?.intValue ?? 0)\n"
        if let older = report["objectsOlderThanDrill"]?.intValue, older > 0, report["mode"] == "no-hub" {
            out += "Note: \(older) object(s) predate the drill: the cluster was not empty, so this run re-applied it rather than rebuilt it\n"
        }
        let stateful = report["stateful"]?.arrayValue ?? []
        if stateful.isEmpty {
            out += "Stateful objects: none in the plan (nothing Git cannot restore)\n"
        } else {
            out += "Stateful objects whose DATA Git cannot restore (restore it from backups):\n"
            for item in stateful {
                let namespace = item["namespace"]?.stringValue ?? ""
                out += "  \(item["kind"]?.stringValue ?? "") \(namespace.isEmpty ? "" : namespace + "/")\(item["name"]?.stringValue ?? "") (\(item["application"]?.stringValue ?? "")): \(item["note"]?.stringValue ?? "")\n"
            }
        }
        if let reason = report["reason"]?.stringValue { out += "Result: \(report["status"]?.stringValue ?? ""): \(reason)\n" } else {
            out += "Result: \(report["status"]?.stringValue ?? "")\n"
        }
        return out
    }
}
