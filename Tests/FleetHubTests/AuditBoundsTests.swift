import FleetHubCore
import FleetHubStore
import FleetModel
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// The audit log cannot be grown by a caller: refusals are summarized per token and their
/// caller-chosen text cut, and events are kept by age and count (issue 27, finding 1: 1,000
/// forbidden GETs with 60,000-character cluster names grew the database by 116 MB).
@Suite struct AuditBoundsTests {
    @Test func repeatedRefusalsWriteOneShortEventAMinute() async throws {
        let hub = try await HubFixture()
        await hub.round()
        let spoke = try await hub.spokeToken("us-west-2")
        let long = String(repeating: "x", count: 60_000)
        try await hub.app().test(.router) { client in
            for _ in 0..<200 {
                try await client.execute(uri: "/api/v1/clusters/\(long)/plan", method: .get, headers: .bearer(spoke)) { response in
                    #expect(response.status == .forbidden || response.status == .notFound)
                    #expect(response.body.readableBytes < 2000, "the refusal does not echo the whole name back")
                }
            }
        }
        let events = try await hub.engine.events(after: nil, limit: 500).arrayValue ?? []
        let denied = events.filter { $0["kind"] == "access-denied" }
        #expect(denied.count == 1, "one event for 200 refusals within a minute: \(denied.count)")
        #expect((denied.first?["subject"]?.stringValue?.count ?? 0) <= 200)
        #expect((denied.first?["message"]?.stringValue?.count ?? 0) <= 400)
    }

    @Test func eventsAreKeptByAgeAndCount() async throws {
        let hub = try await HubFixture()
        let database = try HubDatabase(path: hub.config.stateDirectory + "/hub.sqlite")
        for i in 0..<1500 { try database.recordEvent(kind: "test", actor: "t", subject: "\(i)", message: "m") }
        try database.pruneEvents(olderThan: 3600, keep: 1000)
        let kept = try database.events(after: nil, limit: 5000)
        #expect(kept.count == 1000 && kept.last?.subject == "1499", "the newest 1,000 are kept")
        try database.pruneEvents(olderThan: -1, keep: 1000)
        #expect(try database.events(after: nil, limit: 5000).isEmpty, "older than the retention: dropped")
    }
}

