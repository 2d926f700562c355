import FleetHubStore
import FleetModel
import FleetProtocol
import Foundation

/// Spoke reports: only a cluster's own spoke writes them (the route checks the token), within
/// its rate and byte allowance, in sequence order per token, and only for clusters of the
/// fleet. Stored reports are trimmed to `retention.reportBytesPerCluster`.
extension HubEngine {
    public enum ReportOutcome: Sendable, Equatable { case stored, duplicate }

    /// Validates and stores a spoke's report.
    ///
    /// - Throws: `HubError` 404 for a cluster not in the fleet; 429 with `retryAfter` past the
    ///   spoke's allowance; 409 with `lastSequence` for a sequence number below the last one
    ///   this token sent (a spoke that lost its state resumes from there); 400 for a report
    ///   that does not validate.
    public func ingest(report body: Data, cluster: String, principal: Principal) throws -> ReportOutcome {
        guard isInFleetRepository(cluster) else {
            metrics.reportsRejected.increment()
            throw HubError(.notFound, "no cluster named \(cluster) in the fleet repository: report not stored")
        }
        if let wait = reportBudget.admit(cluster: cluster, bytes: body.count, now: SystemClock.monotonic()) {
            metrics.reportsRejected.increment()
            throw HubError(.tooManyRequests, "\(cluster) is sending reports faster than limits.reportsPerMinute (\(config.reportsPerMinute)) or limits.reportBytesPerMinute (\(config.reportBytesPerMinute)) allow",
                           retryAfter: max(1, Int(wait.rounded(.up))))
        }
        let value: Value
        do { value = try JSON.parse(Array(body)) } catch {
            metrics.reportsRejected.increment()
            throw HubError(.badRequest, "the report is not valid JSON: \(error)")
        }
        let report: StatusReport
        do {
            report = try StatusReport(value)
            guard report.cluster == cluster else {
                throw ProtocolError(path: "cluster", "is \"\(report.cluster)\" but the report was posted for \"\(cluster)\"")
            }
        } catch {
            metrics.reportsRejected.increment()
            throw HubError(.badRequest, "invalid report: \(error)")
        }
        switch try database.recordReport(cluster: cluster, tokenID: principal.tokenID, sequence: Int64(report.sequence), body: body) {
        case .duplicate:
            metrics.reportsRejected.increment()
            return .duplicate
        case .behind(let last):
            metrics.reportsRejected.increment()
            throw HubError(.conflict, "report sequence \(report.sequence) is below \(last), the last one this spoke sent: continue from \(last + 1)",
                           fields: ["lastSequence": .int(Int(last))])
        case .stored:
            break
        }
        metrics.reportsReceived.increment()
        reports[cluster] = (report, Date())
        try keepReportBytesWithinBudget(cluster: cluster, added: body.count)
        var completed = false
        for app in report.applications {
            if let token = app.completedSyncToken {
                try? database.completeSync(application: app.name, cluster: cluster, token: token)
                completed = true
            }
        }
        if completed, let commit = fleetCommit { republish(commit: commit) }
        return .stored
    }

    private func keepReportBytesWithinBudget(cluster: String, added: Int) throws {
        let known = try storedReportBytes[cluster] ?? database.reportBytes(cluster: cluster) - added
        let total = known + added
        storedReportBytes[cluster] = total > config.reportBytesPerCluster
            ? try database.trimReports(cluster: cluster, keepBytes: config.reportBytesPerCluster)
            : total
    }
}
