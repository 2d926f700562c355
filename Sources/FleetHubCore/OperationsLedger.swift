import FleetHubStore
import FleetModel
import FleetPlan
import FleetProtocol
import Foundation

/// The operators' standing requests that shape what clusters are served: sync requests
/// waiting for their spoke, rollback pins, and the drill open on each cluster. Written
/// through to the store (each change with its audit event, in one transaction) and kept in
/// memory in step with it, so a publication reads them without a query. Used only on the
/// engine's executor (not Sendable).
final class OperationsLedger {
    private let database: HubDatabase
    /// Rollback pins by Application.
    private(set) var pins: [String: StoredRollback] = [:]
    /// Bumped at every pin change: a planning round made with an older set is not published.
    private(set) var pinsVersion = 0
    /// The drill in progress on each cluster (at most one; a new one supersedes it).
    private(set) var openDrills: [String: StoredDrill] = [:]
    /// Pending sync requests: cluster → Application → token.
    private(set) var syncRequests: [String: [String: String]] = [:]

    init(database: HubDatabase) {
        self.database = database
    }

    /// Reads what a previous run left standing.
    func restore() throws {
        pins = Dictionary(try database.rollbacks().map { ($0.application, $0) }, uniquingKeysWith: { _, newer in newer })
        openDrills = [:]
        // Newest first: an older unfinished drill (a hub stopped mid-supersede) stays closed.
        for drill in try database.drills(limit: 1000) where drill.finishedAt == nil && openDrills[drill.cluster] == nil {
            openDrills[drill.cluster] = drill
        }
        syncRequests = try database.syncRequests()
    }

    /// The pins as the planner takes them.
    var planningPins: [String: ApplicationPin] { pins.mapValues { ApplicationPin(repoURL: $0.repoURL, revision: $0.revision) } }

    /// What a cluster's plan carries besides the planner's output: its pending sync requests
    /// and the wipe of an open drill that asks for one.
    func standing(for cluster: String) -> (syncRequests: [String: String], drill: PlanDrill?) {
        let drill = openDrills[cluster].flatMap { $0.wipe ? PlanDrill(id: Int($0.id), wipe: true) : nil }
        return (syncRequests[cluster] ?? [:], drill)
    }

    // MARK: Sync requests

    /// Records a sync request (replacing an earlier one for the same Application); returns
    /// the token the spoke reports back when it has synced.
    func requestSync(application: String, cluster: String, requestedBy: String) throws -> String {
        let token = UUID().uuidString.lowercased()
        try database.requestSync(application: application, cluster: cluster, token: token, requestedBy: requestedBy)
        syncRequests[cluster, default: [:]][application] = token
        return token
    }

    /// Ends the requests a report says are done; true when one was pending (the plans change).
    /// A token of an older request, reported again, ends nothing.
    func completeSyncs(_ completed: [(application: String, token: String)], cluster: String) throws -> Bool {
        var ended = false
        for (application, token) in completed where syncRequests[cluster]?[application] == token {
            try database.completeSync(application: application, cluster: cluster, token: token)
            syncRequests[cluster]?[application] = nil
            ended = true
        }
        if syncRequests[cluster]?.isEmpty == true { syncRequests[cluster] = nil }
        return ended
    }

    // MARK: Rollbacks

    func pin(_ rollback: StoredRollback, message: String) throws {
        try database.recordRollback(rollback, message: message)
        pins[rollback.application] = rollback
        pinsVersion += 1
    }

    /// Removes a pin; the pin removed, or nil when the Application had none.
    func clearPin(application: String, by actor: String) throws -> StoredRollback? {
        guard let pin = pins[application] else { return nil }
        let message = "rollback of \(application) on \(pin.cluster) cleared: back to Git"
        guard try database.clearRollback(application: application, by: actor, message: message) else { return nil }
        pins[application] = nil
        pinsVersion += 1
        return pin
    }

    // MARK: Drills

    /// Opens a drill on a cluster, closing one still open there as `abandoned`.
    func startDrill(_ request: DrillRequest, by actor: String) throws -> StoredDrill {
        if let previous = openDrills[request.cluster] {
            let result = JSON.encode(["status": "abandoned", "reason": "superseded by a newer drill"], options: [.sortedKeys])
            _ = try database.finishDrill(id: previous.id, result: result, by: actor,
                                         message: "DR drill \(previous.id) on \(request.cluster) abandoned: a newer drill started")
            openDrills[request.cluster] = nil
        }
        let drill = try database.startDrill(cluster: request.cluster, wipe: request.wipe, slaSeconds: request.slaSeconds, requestedBy: actor)
        openDrills[request.cluster] = drill
        return drill
    }

    /// Ends a drill with its runner's report (kept as sent); the drill as stored. A drill
    /// that does not exist or has ended already is refused.
    func finishDrill(id: Int64, report: Value, by actor: String) throws -> StoredDrill {
        let verdict: DrillVerdict
        do { verdict = try DrillVerdict(report) } catch { throw HubError(.badRequest, "the drill report: \(error)") }
        guard let drill = try database.drill(id: id) else { throw HubError(.notFound, "no drill \(id)") }
        guard drill.finishedAt == nil else { throw HubError(.conflict, "drill \(id) is already finished") }
        let rto = verdict.rtoSeconds.map { String(format: "%.1f s", $0) } ?? "not reached"
        let message = "DR drill \(id) on \(drill.cluster): \(verdict.status), RTO \(rto)" + (verdict.slaMet == false ? ", SLA missed" : "")
        guard try database.finishDrill(id: id, result: JSON.encode(report, options: [.sortedKeys]), by: actor, message: message),
              let finished = try database.drill(id: id) else {
            throw HubError(.conflict, "drill \(id) is already finished")
        }
        if openDrills[drill.cluster]?.id == id { openDrills[drill.cluster] = nil }
        return finished
    }
}
