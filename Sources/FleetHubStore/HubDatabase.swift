import Foundation
import GRDB

/// The hub's SQLite database (GRDB, WAL mode): a pool with one writer and concurrent readers,
/// a busy timeout, foreign keys, and versioned migrations applied at open.
///
/// Commits use `synchronous = NORMAL`: in WAL mode that survives a killed process with no loss
/// of committed transactions (the crash test proves it); a power loss may drop the last few
/// commits, which the hub re-derives from Git and from the next spoke reports.
public final class HubDatabase: Sendable {
    public let pool: DatabasePool
    public let path: String

    /// Opens (creating if needed) the database at `path` and migrates it to the current schema.
    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try HubDatabase.migrator.migrate(pool)
    }

    /// Schema history. Append new migrations; never edit one that has shipped.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: metadata") { db in
            try db.create(table: "meta") { table in
                table.primaryKey("key", .text)
                table.column("value", .text).notNull()
                table.column("updatedAt", .datetime).notNull()
            }
        }
        registerHubMigrations(&migrator)
        registerOperationMigrations(&migrator)
        registerPlanMigrations(&migrator)
        registerReportMigrations(&migrator)
        return migrator
    }

    /// The migrations applied to this database, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { try HubDatabase.migrator.appliedMigrations($0) }
    }

    /// A value of the hub's key-value metadata (schema-independent settings such as the signing
    /// key's fingerprint), or nil.
    public func metadata(_ key: String) throws -> String? {
        try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
    }

    public func setMetadata(_ key: String, _ value: String) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO meta (key, value, updatedAt) VALUES (?, ?, ?)
                ON CONFLICT(key) DO UPDATE SET value = excluded.value, updatedAt = excluded.updatedAt
                """, arguments: [key, value, Date()])
        }
    }

    /// `PRAGMA integrity_check` ("ok" for a sound database).
    public func integrityCheck() throws -> String {
        try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }
}
