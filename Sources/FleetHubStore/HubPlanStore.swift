import Foundation
import GRDB

/// A plan as published: the exact bytes, the signature over them, and what they are.
public struct StoredPlan: Sendable, Equatable {
    public var cluster: String
    /// The desired-state id (`sha256:...`).
    public var id: String
    /// Increases with every plan published for the cluster; spokes refuse older ones.
    public var generation: Int64
    public var body: Data
    public var signature: String
    public var fleetCommit: String
    public var createdAt: Date

    public init(cluster: String, id: String, generation: Int64, body: Data, signature: String, fleetCommit: String, createdAt: Date) {
        self.cluster = cluster
        self.id = id
        self.generation = generation
        self.body = body
        self.signature = signature
        self.fleetCommit = fleetCommit
        self.createdAt = createdAt
    }
}

/// Published plans. A body is stored under its signature, which is unique to the exact bytes,
/// so a body and its signature can never be paired wrongly (the v2 schema keyed bodies by the
/// desired-state id, which excludes revisions, and kept the first body for a later signature).
extension HubDatabase {
    static func registerPlanMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4: plans by signature, with generations") { db in
            // Plans of the v2 tables are not carried over: their bodies may not match their
            // signatures, and they have no generation. The first round publishes them anew.
            try db.execute(sql: """
                DROP TABLE clusterPlans;
                DROP TABLE plans;
                CREATE TABLE planBodies (
                    signature TEXT PRIMARY KEY,
                    body BLOB NOT NULL
                );
                CREATE TABLE servedPlans (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    cluster TEXT NOT NULL,
                    planId TEXT NOT NULL,
                    generation INTEGER NOT NULL,
                    signature TEXT NOT NULL REFERENCES planBodies(signature),
                    fleetCommit TEXT NOT NULL,
                    createdAt DATETIME NOT NULL
                );
                CREATE INDEX servedPlansByCluster ON servedPlans(cluster, seq);
                """)
        }
    }

    /// Records the plans of one publication in one transaction: each body once (under its
    /// signature) and a history row per cluster.
    public func recordPlans(_ plans: [StoredPlan]) throws {
        guard !plans.isEmpty else { return }
        try pool.write { db in
            for plan in plans {
                try db.execute(sql: "INSERT OR IGNORE INTO planBodies (signature, body) VALUES (?, ?)", arguments: [plan.signature, plan.body])
                try db.execute(sql: """
                    INSERT INTO servedPlans (cluster, planId, generation, signature, fleetCommit, createdAt) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [plan.cluster, plan.id, plan.generation, plan.signature, plan.fleetCommit, plan.createdAt])
            }
        }
    }

    /// The current plan of every cluster (the newest history row of each).
    public func currentPlans() throws -> [StoredPlan] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT sp.cluster, sp.planId, sp.generation, sp.signature, sp.fleetCommit, sp.createdAt, b.body
                FROM servedPlans sp JOIN planBodies b ON b.signature = sp.signature
                WHERE sp.seq IN (SELECT MAX(seq) FROM servedPlans GROUP BY cluster)
                """).map { row in
                StoredPlan(cluster: row["cluster"], id: row["planId"], generation: row["generation"], body: row["body"], signature: row["signature"],
                           fleetCommit: row["fleetCommit"], createdAt: row["createdAt"])
            }
        }
    }

    /// A cluster's plan history, newest first.
    public func planHistory(cluster: String, limit: Int = 50) throws -> [(id: String, generation: Int64, fleetCommit: String, createdAt: Date)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT planId, generation, fleetCommit, createdAt FROM servedPlans WHERE cluster = ? ORDER BY seq DESC LIMIT ?",
                             arguments: [cluster, limit]).map { ($0["planId"], $0["generation"], $0["fleetCommit"], $0["createdAt"]) }
        }
    }

    /// Drops history rows beyond `keep` per cluster and bodies nothing refers to.
    public func prunePlanHistory(keep: Int) throws {
        try pool.write { db in
            try db.execute(sql: """
                DELETE FROM servedPlans WHERE seq IN (
                    SELECT seq FROM (
                        SELECT seq, ROW_NUMBER() OVER (PARTITION BY cluster ORDER BY seq DESC) AS n FROM servedPlans
                    ) WHERE n > ?
                )
                """, arguments: [keep])
            try db.execute(sql: "DELETE FROM planBodies WHERE signature NOT IN (SELECT signature FROM servedPlans)")
        }
    }
}
