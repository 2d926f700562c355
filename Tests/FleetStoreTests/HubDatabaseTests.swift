import FleetHubStore
import FleetTestSupport
import Foundation
import GRDB
import Testing

@Suite struct HubDatabaseTests {
    @Test func opensMigratedInWALWithABusyTimeout() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let db = try HubDatabase(path: temp.file("hub.db"))
        #expect(try db.appliedMigrations() == ["v1: metadata", "v2: plans, tokens, events, reports", "v3: rollbacks, drills"])
        let mode = try db.pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        try db.setMetadata("signing-key", "abc")
        try db.setMetadata("signing-key", "def")
        #expect(try db.metadata("signing-key") == "def")
        #expect(try db.metadata("missing") == nil)

        // Reopening applies nothing twice and keeps the data.
        let reopened = try HubDatabase(path: temp.file("hub.db"))
        #expect(try reopened.appliedMigrations() == ["v1: metadata", "v2: plans, tokens, events, reports", "v3: rollbacks, drills"])
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

@Suite struct HubStoreTests {
    @Test func plansAreStoredOnceByContentWithAHistoryPerCluster() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let db = try HubDatabase(path: temp.file("hub.db"))
        let body = Data("{\"plan\":1}".utf8)
        let now = Date()
        try db.recordPlans([
            StoredPlan(cluster: "a", id: "sha256:1", body: body, signature: "s", fleetCommit: "c1", createdAt: now),
            StoredPlan(cluster: "b", id: "sha256:1", body: body, signature: "s", fleetCommit: "c1", createdAt: now),
        ], event: (kind: "commit-planned", actor: "hub", subject: "c1", message: "m", details: "{}"))
        try db.recordPlans([StoredPlan(cluster: "a", id: "sha256:2", body: Data("{\"plan\":2}".utf8), signature: "t", fleetCommit: "c2", createdAt: now)], event: nil)
        let current = try db.currentPlans().sorted { $0.cluster < $1.cluster }
        #expect(current.map(\.id) == ["sha256:2", "sha256:1"])
        #expect(try db.planHistory(cluster: "a").map(\.id) == ["sha256:2", "sha256:1"])
        let bodies = try db.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM plans") }
        #expect(bodies == 2, "identical plans are stored once")
        try db.prunePlanHistory(keep: 1)
        #expect(try db.planHistory(cluster: "a").map(\.id) == ["sha256:2"])
        #expect(try db.events(after: nil, limit: 10).map(\.kind) == ["commit-planned"])
    }

    @Test func reportsAreIdempotentBySequenceAndTokensRevocable() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let db = try HubDatabase(path: temp.file("hub.db"))
        #expect(try db.recordReport(cluster: "a", sequence: 2, body: Data("2".utf8)))
        #expect(try !db.recordReport(cluster: "a", sequence: 2, body: Data("again".utf8)))
        #expect(try !db.recordReport(cluster: "a", sequence: 1, body: Data("old".utf8)))
        #expect(try db.latestReports().map(\.sequence) == [2])
        let id = try db.insertToken(hash: "h1", role: "spoke", cluster: "a", label: "spoke a")
        #expect(try db.token(hash: "h1")?.0.id == id)
        #expect(try db.revokeTokens(cluster: "a") == 1)
        #expect(try db.token(hash: "h1") == nil)
    }
}
