import Foundation
import GRDB

/// A spoke's status report as stored.
public struct StoredReport: Sendable, Equatable {
    public var cluster: String
    /// The token that sent it: sequence numbers count per token, so re-enrolling a cluster
    /// (a new spoke, a new token) starts its sequence afresh.
    public var tokenID: Int64?
    public var sequence: Int64
    public var body: Data
    public var receivedAt: Date
}

/// What became of a report offered for storage.
public enum ReportRecording: Sendable, Equatable {
    case stored
    /// The same sequence number as the last one stored: a resend, nothing to do.
    case duplicate
    /// A lower sequence number than the last one stored for this token.
    case behind(lastSequence: Int64)
}

/// Spoke reports, with a retained-bytes budget per cluster.
extension HubDatabase {
    static func registerReportMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5: reports per token, with sizes") { db in
            try db.execute(sql: """
                CREATE TABLE spokeReports (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    cluster TEXT NOT NULL,
                    tokenId INTEGER,
                    seq INTEGER NOT NULL,
                    body BLOB NOT NULL,
                    bytes INTEGER NOT NULL,
                    receivedAt DATETIME NOT NULL
                );
                CREATE INDEX spokeReportsByCluster ON spokeReports(cluster, id);
                INSERT INTO spokeReports (cluster, tokenId, seq, body, bytes, receivedAt)
                    SELECT cluster, NULL, seq, body, length(body), receivedAt FROM reports ORDER BY receivedAt, seq;
                DROP TABLE reports;
                """)
        }
    }

    /// Stores a report unless it repeats or trails the last sequence number this token sent
    /// for the cluster.
    public func recordReport(cluster: String, tokenID: Int64, sequence: Int64, body: Data) throws -> ReportRecording {
        try pool.write { db in try Self.recordReport(db, cluster: cluster, tokenID: tokenID, sequence: sequence, body: body) }
    }

    private static func recordReport(_ db: Database, cluster: String, tokenID: Int64, sequence: Int64, body: Data) throws -> ReportRecording {
        let latest = try Int64.fetchOne(db, sql: "SELECT seq FROM spokeReports WHERE cluster = ? AND tokenId = ? ORDER BY id DESC LIMIT 1",
                                        arguments: [cluster, tokenID])
        if let latest, sequence == latest { return .duplicate }
        if let latest, sequence < latest { return .behind(lastSequence: latest) }
        try db.execute(sql: "INSERT INTO spokeReports (cluster, tokenId, seq, body, bytes, receivedAt) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [cluster, tokenID, sequence, body, body.count, Date()])
        return .stored
    }

    /// `recordReport` on GRDB's writer queue, suspending the caller instead of blocking its thread.
    public func recordReportAsync(cluster: String, tokenID: Int64, sequence: Int64, body: Data) async throws -> ReportRecording {
        try await pool.write { db in try Self.recordReport(db, cluster: cluster, tokenID: tokenID, sequence: sequence, body: body) }
    }

    /// `reportBytes`, suspending instead of blocking.
    public func reportBytesAsync(cluster: String) async throws -> Int {
        try await pool.read { db in try Self.reportBytes(db, cluster: cluster) }
    }

    /// `trimReports`, suspending instead of blocking.
    public func trimReportsAsync(cluster: String, keepBytes: Int) async throws -> Int {
        try await pool.write { db in try Self.trimReports(db, cluster: cluster, keepBytes: keepBytes) }
    }

    /// The newest report of every cluster.
    public func latestReports() throws -> [StoredReport] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM spokeReports WHERE id IN (SELECT MAX(id) FROM spokeReports GROUP BY cluster)
                """).map { StoredReport(cluster: $0["cluster"], tokenID: $0["tokenId"], sequence: $0["seq"], body: $0["body"], receivedAt: $0["receivedAt"]) }
        }
    }

    /// Bytes of reports stored for a cluster.
    public func reportBytes(cluster: String) throws -> Int {
        try pool.read { db in try Self.reportBytes(db, cluster: cluster) }
    }

    private static func reportBytes(_ db: Database, cluster: String) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(bytes), 0) FROM spokeReports WHERE cluster = ?", arguments: [cluster]) ?? 0
    }

    /// Deletes a cluster's oldest reports until at most `keepBytes` remain (its newest report
    /// always stays); returns the bytes kept.
    @discardableResult
    public func trimReports(cluster: String, keepBytes: Int) throws -> Int {
        try pool.write { db in try Self.trimReports(db, cluster: cluster, keepBytes: keepBytes) }
    }

    private static func trimReports(_ db: Database, cluster: String, keepBytes: Int) throws -> Int {
        let oldestKept = try Int64.fetchOne(db, sql: """
            SELECT MIN(id) FROM (
                SELECT id, SUM(bytes) OVER (ORDER BY id DESC ROWS UNBOUNDED PRECEDING) AS running FROM spokeReports WHERE cluster = ?
            ) WHERE running <= ?
            """, arguments: [cluster, keepBytes])
        let newest = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM spokeReports WHERE cluster = ?", arguments: [cluster])
        if let cut = oldestKept ?? newest {
            try db.execute(sql: "DELETE FROM spokeReports WHERE cluster = ? AND id < ?", arguments: [cluster, cut])
        }
        return try reportBytes(db, cluster: cluster)
    }

    /// Deletes reports older than `age`, always keeping each cluster's latest.
    public func pruneReports(olderThan age: TimeInterval) throws {
        try pool.write { db in
            try db.execute(sql: """
                DELETE FROM spokeReports WHERE receivedAt < ? AND id NOT IN (SELECT MAX(id) FROM spokeReports GROUP BY cluster)
                """, arguments: [Date().addingTimeInterval(-age)])
        }
    }
}
