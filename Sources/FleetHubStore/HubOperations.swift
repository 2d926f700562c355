import Foundation
import GRDB

/// An Application pinned by `fleet rollback` to an earlier revision of its source repository.
public struct StoredRollback: Sendable, Equatable {
    public var application: String
    public var cluster: String
    public var repoURL: String
    /// The full commit the revision resolved to when the rollback was made.
    public var revision: String
    /// What the operator typed (a short SHA, a tag), kept for the audit trail.
    public var requested: String
    public var requestedBy: String
    public var createdAt: Date

    public init(application: String, cluster: String, repoURL: String, revision: String, requested: String, requestedBy: String, createdAt: Date) {
        self.application = application
        self.cluster = cluster
        self.repoURL = repoURL
        self.revision = revision
        self.requested = requested
        self.requestedBy = requestedBy
        self.createdAt = createdAt
    }
}

/// A disaster-recovery drill: started by `fleet drill rebuild`, finished with its report.
public struct StoredDrill: Sendable, Equatable {
    public var id: Int64
    public var cluster: String
    public var wipe: Bool
    public var slaSeconds: Double?
    public var requestedBy: String
    public var startedAt: Date
    public var finishedAt: Date?
    /// The drill report as JSON text, once finished.
    public var result: String?
}

/// Operator actions that outlive a sync round: rollbacks (pins) and DR drills. Their rows are
/// history a team wants to keep, so they live in the database rather than being derived from Git.
extension HubDatabase {
    static func registerOperationMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3: rollbacks, drills") { db in
            try db.execute(sql: """
                CREATE TABLE rollbacks (
                    application TEXT PRIMARY KEY,
                    cluster TEXT NOT NULL,
                    repoURL TEXT NOT NULL,
                    revision TEXT NOT NULL,
                    requested TEXT NOT NULL,
                    requestedBy TEXT NOT NULL,
                    createdAt DATETIME NOT NULL
                );
                CREATE TABLE drills (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    cluster TEXT NOT NULL,
                    wipe INTEGER NOT NULL,
                    slaSeconds REAL,
                    requestedBy TEXT NOT NULL,
                    startedAt DATETIME NOT NULL,
                    finishedAt DATETIME,
                    result TEXT
                );
                CREATE INDEX drillsByCluster ON drills(cluster, id);
                """)
        }
    }

    // MARK: Rollbacks

    /// Pins an Application (replacing an earlier pin) and records the audit event, in one transaction.
    public func recordRollback(_ rollback: StoredRollback, message: String) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO rollbacks (application, cluster, repoURL, revision, requested, requestedBy, createdAt) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(application) DO UPDATE SET cluster = excluded.cluster, repoURL = excluded.repoURL, revision = excluded.revision,
                    requested = excluded.requested, requestedBy = excluded.requestedBy, createdAt = excluded.createdAt
                """, arguments: [rollback.application, rollback.cluster, rollback.repoURL, rollback.revision, rollback.requested, rollback.requestedBy, rollback.createdAt])
            try Self.insertEvent(db, kind: "rollback", actor: rollback.requestedBy, subject: rollback.application, message: message,
                                 details: "{\"cluster\":\"\(rollback.cluster)\",\"revision\":\"\(rollback.revision)\"}")
        }
    }

    /// Removes a pin; false when the Application had none.
    public func clearRollback(application: String, by actor: String, message: String) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM rollbacks WHERE application = ?", arguments: [application])
            guard db.changesCount > 0 else { return false }
            try Self.insertEvent(db, kind: "rollback-cleared", actor: actor, subject: application, message: message, details: "{}")
            return true
        }
    }

    public func rollbacks() throws -> [StoredRollback] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM rollbacks ORDER BY application").map { row in
                StoredRollback(application: row["application"], cluster: row["cluster"], repoURL: row["repoURL"], revision: row["revision"],
                               requested: row["requested"], requestedBy: row["requestedBy"], createdAt: row["createdAt"])
            }
        }
    }

    // MARK: Drills

    /// Records the start of a drill (and its audit event); returns its id.
    public func startDrill(cluster: String, wipe: Bool, slaSeconds: Double?, requestedBy: String) throws -> StoredDrill {
        try pool.write { db in
            let now = Date()
            try db.execute(sql: "INSERT INTO drills (cluster, wipe, slaSeconds, requestedBy, startedAt) VALUES (?, ?, ?, ?, ?)",
                           arguments: [cluster, wipe, slaSeconds, requestedBy, now])
            let id = db.lastInsertedRowID
            try Self.insertEvent(db, kind: "drill-started", actor: requestedBy, subject: cluster,
                                 message: "DR drill \(id) started on \(cluster)\(wipe ? " (wipe)" : "")", details: "{\"drill\":\(id)}")
            return StoredDrill(id: id, cluster: cluster, wipe: wipe, slaSeconds: slaSeconds, requestedBy: requestedBy, startedAt: now)
        }
    }

    /// Stores a drill's report; false when the drill is unknown or already finished.
    public func finishDrill(id: Int64, result: String, by actor: String, message: String) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "UPDATE drills SET finishedAt = ?, result = ? WHERE id = ? AND finishedAt IS NULL", arguments: [Date(), result, id])
            guard db.changesCount > 0 else { return false }
            try Self.insertEvent(db, kind: "drill-finished", actor: actor, subject: String(id), message: message, details: result)
            return true
        }
    }

    /// Drills, newest first, optionally of one cluster.
    public func drills(cluster: String? = nil, limit: Int = 100) throws -> [StoredDrill] {
        try pool.read { db in
            var sql = "SELECT * FROM drills"
            var arguments: StatementArguments = []
            if let cluster { sql += " WHERE cluster = ?"; arguments += [cluster] }
            sql += " ORDER BY id DESC LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.drill)
        }
    }

    public func drill(id: Int64) throws -> StoredDrill? {
        try pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM drills WHERE id = ?", arguments: [id]).map(Self.drill) }
    }

    private static func drill(_ row: Row) -> StoredDrill {
        StoredDrill(id: row["id"], cluster: row["cluster"], wipe: row["wipe"], slaSeconds: row["slaSeconds"], requestedBy: row["requestedBy"],
                    startedAt: row["startedAt"], finishedAt: row["finishedAt"], result: row["result"])
    }
}
