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
        #expect(try db.appliedMigrations() == ["v1: metadata", "v2: plans, tokens, events, reports", "v3: rollbacks, drills", "v4: plans by signature, with generations", "v5: reports per token, with sizes"])
        let mode = try db.pool.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        try db.setMetadata("signing-key", "abc")
        try db.setMetadata("signing-key", "def")
        #expect(try db.metadata("signing-key") == "def")
        #expect(try db.metadata("missing") == nil)

        // Reopening applies nothing twice and keeps the data.
        let reopened = try HubDatabase(path: temp.file("hub.db"))
        #expect(try reopened.appliedMigrations() == ["v1: metadata", "v2: plans, tokens, events, reports", "v3: rollbacks, drills", "v4: plans by signature, with generations", "v5: reports per token, with sizes"])
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
    @Test func plansAreStoredOnceBySignatureWithAHistoryPerCluster() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let db = try HubDatabase(path: temp.file("hub.db"))
        let body = Data("{\"plan\":1}".utf8)
        let now = Date()
        try db.recordPlans([
            StoredPlan(cluster: "a", id: "sha256:1", generation: 1, body: body, signature: "s", fleetCommit: "c1", createdAt: now),
            StoredPlan(cluster: "b", id: "sha256:1", generation: 1, body: body, signature: "s", fleetCommit: "c1", createdAt: now),
        ])
        try db.recordPlans([StoredPlan(cluster: "a", id: "sha256:2", generation: 2, body: Data("{\"plan\":2}".utf8), signature: "t", fleetCommit: "c2", createdAt: now)])
        let current = try db.currentPlans().sorted { $0.cluster < $1.cluster }
        #expect(current.map(\.id) == ["sha256:2", "sha256:1"])
        #expect(current.map(\.generation) == [2, 1])
        #expect(try db.planHistory(cluster: "a").map(\.id) == ["sha256:2", "sha256:1"])
        let bodies = try db.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM planBodies") }
        #expect(bodies == 2, "identical plans are stored once")
        try db.prunePlanHistory(keep: 1)
        #expect(try db.planHistory(cluster: "a").map(\.id) == ["sha256:2"])
    }

    /// Issue 13, finding 6: two plans with the same desired-state id but different bytes (a
    /// commit and its revert differ in `revisions`) each keep their own body and signature.
    @Test func aPlanBodyNeverPairsWithAnotherBodysSignature() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let db = try HubDatabase(path: temp.file("hub.db"))
        let now = Date()
        try db.recordPlans([StoredPlan(cluster: "a", id: "sha256:same", generation: 1, body: Data("first".utf8), signature: "sig-first", fleetCommit: "c1", createdAt: now)])
        try db.recordPlans([StoredPlan(cluster: "a", id: "sha256:other", generation: 2, body: Data("second".utf8), signature: "sig-second", fleetCommit: "c2", createdAt: now)])
        try db.recordPlans([StoredPlan(cluster: "a", id: "sha256:same", generation: 3, body: Data("third".utf8), signature: "sig-third", fleetCommit: "c3", createdAt: now)])
        let reopened = try HubDatabase(path: temp.file("hub.db"))
        let current = try #require(try reopened.currentPlans().first)
        #expect(current.body == Data("third".utf8))
        #expect(current.signature == "sig-third")
        #expect(current.generation == 3)
    }

    @Test func reportsAreIdempotentBySequencePerTokenAndTokensRevocable() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let db = try HubDatabase(path: temp.file("hub.db"))
        #expect(try db.recordReport(cluster: "a", tokenID: 1, sequence: 2, body: Data("2".utf8)) == .stored)
        #expect(try db.recordReport(cluster: "a", tokenID: 1, sequence: 2, body: Data("again".utf8)) == .duplicate)
        #expect(try db.recordReport(cluster: "a", tokenID: 1, sequence: 1, body: Data("old".utf8)) == .behind(lastSequence: 2))
        // Issue 13, finding 7: a re-enrolled spoke (new token) starts its sequence again.
        #expect(try db.recordReport(cluster: "a", tokenID: 2, sequence: 1, body: Data("new spoke".utf8)) == .stored)
        #expect(try db.latestReports().map(\.body) == [Data("new spoke".utf8)])
        let id = try db.insertToken(hash: "h1", role: "spoke", cluster: "a", label: "spoke a")
        #expect(try db.liveTokens().first { $0.hash == "h1" }?.token.id == id)
        #expect(try db.revokeTokens(cluster: "a") == 1)
        #expect(try db.liveTokens().first { $0.hash == "h1" } == nil)
    }

    @Test func trimmingKeepsTheNewestReportsWithinTheByteBudget() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let db = try HubDatabase(path: temp.file("hub.db"))
        for sequence in 1...10 { _ = try db.recordReport(cluster: "a", tokenID: 1, sequence: Int64(sequence), body: Data(repeating: 0x41, count: 1000)) }
        _ = try db.recordReport(cluster: "b", tokenID: 2, sequence: 1, body: Data(repeating: 0x42, count: 1000))
        #expect(try db.trimReports(cluster: "a", keepBytes: 3500) == 3000)
        let kept = try db.pool.read { try Int64.fetchAll($0, sql: "SELECT seq FROM spokeReports WHERE cluster = 'a' ORDER BY id") }
        #expect(kept == [8, 9, 10])
        #expect(try db.reportBytes(cluster: "b") == 1000, "other clusters are untouched")
        #expect(try db.trimReports(cluster: "a", keepBytes: 10) == 1000, "the newest report always stays")
    }
}
