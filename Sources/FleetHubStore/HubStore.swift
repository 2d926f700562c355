import Foundation
import GRDB

/// A bearer token's record (never the token itself: only its SHA-256).
public struct StoredToken: Sendable, Equatable {
    public var id: Int64
    public var role: String
    /// For spoke tokens, the cluster the token may act for.
    public var cluster: String?
    public var label: String
    public var createdAt: Date
    public var revokedAt: Date?
}

/// One entry of the audit log.
public struct StoredEvent: Sendable, Equatable {
    public var sequence: Int64
    public var time: Date
    public var kind: String
    public var actor: String
    public var subject: String
    public var message: String
    /// JSON text with details (commit, clusters changed...), "{}" when none.
    public var details: String
}

/// The hub's durable state: plans and their history, tokens, the audit log, spoke reports and
/// pending sync requests. Every write is one transaction, so a hub killed at any moment
/// restarts with each of these either fully written or not at all.
extension HubDatabase {
    static func registerHubMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2: plans, tokens, events, reports") { db in
            try db.execute(sql: """
                CREATE TABLE plans (
                    id TEXT PRIMARY KEY,
                    body BLOB NOT NULL,
                    createdAt DATETIME NOT NULL
                );
                CREATE TABLE clusterPlans (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    cluster TEXT NOT NULL,
                    planId TEXT NOT NULL REFERENCES plans(id),
                    signature TEXT NOT NULL,
                    fleetCommit TEXT NOT NULL,
                    createdAt DATETIME NOT NULL
                );
                CREATE INDEX clusterPlansByCluster ON clusterPlans(cluster, seq);
                CREATE TABLE tokens (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    hash TEXT NOT NULL UNIQUE,
                    role TEXT NOT NULL,
                    cluster TEXT,
                    label TEXT NOT NULL,
                    createdAt DATETIME NOT NULL,
                    revokedAt DATETIME
                );
                CREATE TABLE events (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    time DATETIME NOT NULL,
                    kind TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    message TEXT NOT NULL,
                    details TEXT NOT NULL
                );
                CREATE TABLE reports (
                    cluster TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    body BLOB NOT NULL,
                    receivedAt DATETIME NOT NULL,
                    PRIMARY KEY (cluster, seq)
                );
                CREATE TABLE syncRequests (
                    application TEXT NOT NULL,
                    cluster TEXT NOT NULL,
                    token TEXT NOT NULL,
                    requestedBy TEXT NOT NULL,
                    createdAt DATETIME NOT NULL,
                    PRIMARY KEY (application, cluster)
                );
                """)
        }
    }

    // MARK: Tokens

    public func insertToken(hash: String, role: String, cluster: String?, label: String) throws -> Int64 {
        try pool.write { db in
            try db.execute(sql: "INSERT INTO tokens (hash, role, cluster, label, createdAt) VALUES (?, ?, ?, ?, ?)",
                           arguments: [hash, role, cluster, label, Date()])
            return db.lastInsertedRowID
        }
    }

    /// Every live token with its hash (the hub keeps them in memory to authenticate requests).
    public func liveTokens() throws -> [(token: StoredToken, hash: String)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tokens WHERE revokedAt IS NULL ORDER BY id").map { row in (Self.token(row), row["hash"] as String) }
        }
    }

    public func tokens() throws -> [StoredToken] {
        try pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM tokens ORDER BY id").map(Self.token) }
    }

    /// Revokes the tokens matching (by id, or every live spoke token of a cluster); returns how many.
    @discardableResult
    public func revokeTokens(id: Int64? = nil, cluster: String? = nil) throws -> Int {
        try pool.write { db in
            if let id {
                try db.execute(sql: "UPDATE tokens SET revokedAt = ? WHERE id = ? AND revokedAt IS NULL", arguments: [Date(), id])
            } else if let cluster {
                try db.execute(sql: "UPDATE tokens SET revokedAt = ? WHERE role = 'spoke' AND cluster = ? AND revokedAt IS NULL", arguments: [Date(), cluster])
            }
            return db.changesCount
        }
    }

    private static func token(_ row: Row) -> StoredToken {
        StoredToken(id: row["id"], role: row["role"], cluster: row["cluster"], label: row["label"], createdAt: row["createdAt"], revokedAt: row["revokedAt"])
    }

    // MARK: Events

    @discardableResult
    public func recordEvent(kind: String, actor: String, subject: String, message: String, details: String = "{}") throws -> Int64 {
        try pool.write { db in try Self.insertEvent(db, kind: kind, actor: actor, subject: subject, message: message, details: details) }
    }

    /// Drops events older than `age` seconds and all but the newest `keep`.
    public func pruneEvents(olderThan age: Double, keep: Int) throws {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM events WHERE time < ?", arguments: [Date().addingTimeInterval(-age)])
            try db.execute(sql: "DELETE FROM events WHERE seq <= (SELECT MAX(seq) FROM events) - ?", arguments: [keep])
        }
    }

    @discardableResult
    static func insertEvent(_ db: Database, kind: String, actor: String, subject: String, message: String, details: String) throws -> Int64 {
        try db.execute(sql: "INSERT INTO events (time, kind, actor, subject, message, details) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [Date(), kind, actor, subject, message, details])
        return db.lastInsertedRowID
    }

    /// Events after `sequence` (oldest first), at most `limit`; or the newest `limit` when
    /// `sequence` is nil (still oldest first).
    public func events(after sequence: Int64?, limit: Int, subject: String? = nil) throws -> [StoredEvent] {
        try pool.read { db in
            var sql = "SELECT * FROM events WHERE 1 = 1"
            var arguments: StatementArguments = []
            if let sequence { sql += " AND seq > ?"; arguments += [sequence] }
            if let subject { sql += " AND subject = ?"; arguments += [subject] }
            sql += sequence == nil ? " ORDER BY seq DESC LIMIT ?" : " ORDER BY seq ASC LIMIT ?"
            arguments += [limit]
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                StoredEvent(sequence: row["seq"], time: row["time"], kind: row["kind"], actor: row["actor"], subject: row["subject"],
                            message: row["message"], details: row["details"])
            }
            return sequence == nil ? rows.reversed() : rows
        }
    }

    // MARK: Sync requests

    public func requestSync(application: String, cluster: String, token: String, requestedBy: String) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO syncRequests (application, cluster, token, requestedBy, createdAt) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(application, cluster) DO UPDATE SET token = excluded.token, requestedBy = excluded.requestedBy, createdAt = excluded.createdAt
                """, arguments: [application, cluster, token, requestedBy, Date()])
            try Self.insertEvent(db, kind: "sync-requested", actor: requestedBy, subject: application,
                                 message: "sync of \(application) on \(cluster) requested", details: "{\"cluster\":\"\(cluster)\"}")
        }
    }

    /// Pending sync requests: cluster -> application -> token.
    public func syncRequests() throws -> [String: [String: String]] {
        try pool.read { db in
            var out: [String: [String: String]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT application, cluster, token FROM syncRequests") {
                out[row["cluster"] as String, default: [:]][row["application"] as String] = row["token"]
            }
            return out
        }
    }

    /// Removes a sync request once the spoke reports it done.
    public func completeSync(application: String, cluster: String, token: String) throws {
        try pool.write { db in
            try db.execute(sql: "DELETE FROM syncRequests WHERE application = ? AND cluster = ? AND token = ?", arguments: [application, cluster, token])
        }
    }
}
