import FleetHubStore
import FleetModel
import FleetProtocol
import Foundation

/// Spoke reports: only a cluster's own spoke writes them (the route checks the token), within
/// its rate and byte allowance, in sequence order per token, and only for clusters of the
/// fleet (`ReportInbox`, off the engine). The engine only hears of the sync requests a report
/// completes.
extension HubEngine {
    public typealias ReportOutcome = ReportInbox.Outcome

    /// Validates and stores a spoke's report (see `ReportInbox.ingest` for the refusals).
    public nonisolated func ingest(report body: Data, cluster: String, principal: Principal) async throws -> ReportOutcome {
        let (outcome, report) = try await inbox.ingest(body, cluster: cluster, principal: principal)
        let completed = report.applications.compactMap { app in app.completedSyncToken.map { (app.name, $0) } }
        if outcome == .stored, !completed.isEmpty { await completeSyncs(completed, cluster: cluster) }
        return outcome
    }

    /// Ends the sync requests a report says are done, and serves plans without them (a token
    /// reported again changes nothing).
    func completeSyncs(_ completed: [(application: String, token: String)], cluster: String) {
        let ended: Bool
        do { ended = try ledger.completeSyncs(completed, cluster: cluster) } catch {
            logger.error("cannot end sync requests", metadata: ["cluster": "\(cluster)", "error": "\(error)"])
            return
        }
        if ended, let commit = fleetCommit { republish(commit: commit) }
    }
}
