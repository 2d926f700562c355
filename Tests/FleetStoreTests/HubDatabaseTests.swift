import FleetHubStore
import FleetTestSupport
import GRDB
import Testing

@Suite struct HubDatabaseTests {
    @Test func opensMigratedInWALWithABusyTimeout() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let db = try HubDatabase(path: temp.file("hub.db"))
        #expect(try db.appliedMigrations() == ["v1: metadata"])
        let mode = try db.pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        try db.setMetadata("signing-key", "abc")
        try db.setMetadata("signing-key", "def")
        #expect(try db.metadata("signing-key") == "def")
        #expect(try db.metadata("missing") == nil)

        // Reopening applies nothing twice and keeps the data.
        let reopened = try HubDatabase(path: temp.file("hub.db"))
        #expect(try reopened.appliedMigrations() == ["v1: metadata"])
        #expect(try reopened.metadata("signing-key") == "def")
    }

    @Test func readersSeeOnlyCommittedWrites() async throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let db = try HubDatabase(path: temp.file("hub.db"))
        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await db.pool.write { database in
                try database.execute(sql: "INSERT INTO meta (key, value, updatedAt) VALUES ('x', '1', CURRENT_TIMESTAMP)")
                throw Abort()
            }
        }
        #expect(try db.metadata("x") == nil)
    }
}
