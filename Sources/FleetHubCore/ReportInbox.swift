import FleetHubStore
import FleetModel
import FleetProtocol
import Foundation
import Synchronization

/// A cluster's latest report as the hub holds it: validated, with the time it came.
public struct ReceivedReport: Sendable {
    public var report: StatusReport
    public var receivedAt: Date
}

/// Spoke reports on their way in. Each request checks its spoke's allowance, validates the
/// body and stores it through GRDB's asynchronous writer on the request's own task: reports
/// never queue behind the engine, which may be planning or publishing a round. The engine and
/// its views read the latest report of each cluster from here.
public final class ReportInbox: Sendable {
    public enum Outcome: Sendable, Equatable { case stored, duplicate }

    private let database: HubDatabase
    private let metrics: HubMetrics
    private let config: HubConfig
    private let budget: Mutex<ReportBudget>
    private let latest = Mutex<[String: ReceivedReport]>([:])
    /// Report bytes stored per cluster, as far as known (trimmed past the retention budget).
    private let storedBytes = Mutex<[String: Int]>([:])
    /// The Cluster records of the fleet repository at the last planned commit.
    private let fleetClusters = Mutex<Set<String>>([])
    /// Monotonic seconds for the allowance (injected so tests need not race the wall clock).
    private let clock: @Sendable () -> Double

    init(database: HubDatabase, metrics: HubMetrics, config: HubConfig, clock: @escaping @Sendable () -> Double) {
        self.database = database
        self.metrics = metrics
        self.config = config
        self.clock = clock
        budget = Mutex(ReportBudget(perMinute: config.reportsPerMinute, bytesPerMinute: config.reportBytesPerMinute))
    }

    /// Reads every cluster's latest stored report back (at start).
    func restore() throws {
        var restored: [String: ReceivedReport] = [:]
        for stored in try database.latestReports() {
            // Stored reports were validated when they came; one that no longer decodes is left out.
            if let value = try? JSON.parse(Array(stored.body)), let report = try? StatusReport(value) {
                restored[stored.cluster] = ReceivedReport(report: report, receivedAt: stored.receivedAt)
            }
        }
        latest.withLock { $0 = restored }
    }

    /// The clusters reports are accepted for (the engine sets them at each planned commit).
    func setFleetClusters(_ names: Set<String>) { fleetClusters.withLock { $0 = names } }

    public func isInFleetRepository(_ cluster: String) -> Bool { fleetClusters.withLock { $0.contains(cluster) } }

    /// The latest report of a cluster.
    public func latest(_ cluster: String) -> ReceivedReport? { latest.withLock { $0[cluster] } }

    /// Every cluster's latest report.
    public func all() -> [String: ReceivedReport] { latest.withLock { $0 } }

    /// Validates and stores a spoke's report; returns what became of it and the report.
    ///
    /// - Throws: `HubError` 404 for a cluster not in the fleet; 429 with `retryAfter` past the
    ///   spoke's allowance; 409 with `lastSequence` for a sequence number below the last one
    ///   this token sent (a spoke that lost its state resumes from there); 400 for a report
    ///   that does not validate.
    func ingest(_ body: Data, cluster: String, principal: Principal) async throws -> (Outcome, StatusReport) {
        guard isInFleetRepository(cluster) else {
            metrics.reportsRejected.increment()
            throw HubError(.notFound, "no cluster named \(cluster) in the fleet repository: report not stored")
        }
        if let wait = budget.withLock({ $0.admit(cluster: cluster, bytes: body.count, now: clock()) }) {
            metrics.reportsRejected.increment()
            throw HubError(.tooManyRequests, "\(cluster) is sending reports faster than limits.reportsPerMinute (\(config.reportsPerMinute)) or limits.reportBytesPerMinute (\(config.reportBytesPerMinute)) allow",
                           retryAfter: max(1, Int(wait.rounded(.up))))
        }
        let report = try Self.decode(body, cluster: cluster, metrics: metrics)
        switch try await database.recordReportAsync(cluster: cluster, tokenID: principal.tokenID, sequence: Int64(report.sequence), body: body) {
        case .duplicate:
            metrics.reportsRejected.increment()
            return (.duplicate, report)
        case .behind(let last):
            metrics.reportsRejected.increment()
            throw HubError(.conflict, "report sequence \(report.sequence) is below \(last), the last one this spoke sent: continue from \(last + 1)",
                           fields: ["lastSequence": .int(Int(last))])
        case .stored:
            break
        }
        metrics.reportsReceived.increment()
        latest.withLock { $0[cluster] = ReceivedReport(report: report, receivedAt: Date()) }
        try await keepWithinBudget(cluster: cluster, added: body.count)
        return (.stored, report)
    }

    /// Parses and validates a report posted for `cluster`, naming the first wrong field.
    static func decode(_ body: Data, cluster: String, metrics: HubMetrics) throws -> StatusReport {
        do {
            let report = try StatusReport(JSON.parse(Array(body)))
            guard report.cluster == cluster else {
                throw ProtocolError(path: "cluster", "is \"\(report.cluster)\" but the report was posted for \"\(cluster)\"")
            }
            return report
        } catch let error as JSONError {
            metrics.reportsRejected.increment()
            throw HubError(.badRequest, "the report is not valid JSON: \(error)")
        } catch {
            metrics.reportsRejected.increment()
            throw HubError(.badRequest, "invalid report: \(error)")
        }
    }

    private func keepWithinBudget(cluster: String, added: Int) async throws {
        var known = storedBytes.withLock { $0[cluster] }
        if known == nil { known = try await database.reportBytesAsync(cluster: cluster) - added }
        let total = (known ?? 0) + added
        let kept = total > config.reportBytesPerCluster
            ? try await database.trimReportsAsync(cluster: cluster, keepBytes: config.reportBytesPerCluster)
            : total
        storedBytes.withLock { $0[cluster] = kept }
    }
}
