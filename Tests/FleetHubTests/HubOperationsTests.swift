import FleetHubCore
import FleetModel
import FleetProtocol
import FleetTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// Rollbacks (pins to an earlier revision) and DR drills through the API.
@Suite struct HubOperationsTests {
    static func entry(_ plan: ServedPlan?, _ app: String) throws -> Value {
        let document = try JSON.parse(Array(try #require(plan).body))
        return try #require(document["applications"]?.arrayValue?.first { $0["name"]?.stringValue == app })
    }

    static func image(_ entry: Value) -> String? {
        entry["resources"]?.arrayValue?.first { $0["object"]?["kind"] == "Deployment" }?["object"]?["spec"]?["template"]?["spec"]?["containers"]?[0]?["image"]?.stringValue
    }

    @Test func aRollbackPinsTheOldRevisionSuspendsAutoSyncAndRequestsOneSync() async throws {
        let hub = try await HubFixture()
        await hub.round()
        let old = try hub.repo.head()
        try hub.commit(["apps/web/base/deployment.yaml": try String(contentsOfFile: hub.repo.path + "/apps/web/base/deployment.yaml", encoding: .utf8)
            .replacingOccurrences(of: "nginx:1.25", with: "nginx:1.27")], message: "nginx 1.27")
        await hub.round()
        #expect(Self.image(try Self.entry(hub.engine.plan(for: "us-west-2"), "web-us-west-2")) == "nginx:1.27")
        let viewer = try await hub.token(.viewer)
        try await hub.app().test(.router) { client in
            let body = ByteBuffer(string: #"{"revision":"\#(old.prefix(8))","cluster":"us-west-2"}"#)
            try await client.execute(uri: "/api/v1/applications/web-us-west-2/rollback", method: .post, headers: .bearer(viewer), body: body) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/api/v1/applications/web-us-west-2/rollback", method: .post, headers: .bearer(hub.adminToken),
                                     body: ByteBuffer(string: #"{"revision":"no-such-tag"}"#)) { response in
                #expect(response.status == .badRequest)
                #expect(response.text.contains("no-such-tag"))
            }
            try await client.execute(uri: "/api/v1/applications/web-us-west-2/rollback", method: .post, headers: .bearer(hub.adminToken),
                                     body: ByteBuffer(string: #"{"revision":"\#(old)","cluster":"us-east-1"}"#)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/applications/nope/rollback", method: .post, headers: .bearer(hub.adminToken), body: body) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/applications/web-us-west-2/rollback", method: .post, headers: .bearer(hub.adminToken), body: body) { response in
                #expect(response.status == .accepted, "\(response.text)")
                #expect(response.json?["revision"]?.stringValue == old, "the short SHA is resolved to the full commit")
            }
        }
        let pinned = try Self.entry(hub.engine.plan(for: "us-west-2"), "web-us-west-2")
        #expect(Self.image(pinned) == "nginx:1.25", "rendered at the old revision")
        #expect(pinned["source"]?["targetRevision"]?.stringValue == old || pinned["sources"]?[0]?["targetRevision"]?.stringValue == old)
        #expect((pinned["syncPolicy"]?["automated"] ?? .null).isNull, "automated sync is suspended")
        let document = try JSON.parse(Array(try #require(hub.engine.plan(for: "us-west-2")).body))
        #expect(document["syncRequests"]?["web-us-west-2"]?.stringValue != nil, "one sync is requested so the old revision is applied")
        #expect(Self.image(try Self.entry(hub.engine.plan(for: "us-east-1"), "web-us-east-1")) == "nginx:1.27", "other Applications follow Git")

        // A new commit does not undo the pin.
        try hub.commit(["apps/web/base/deployment.yaml": try String(contentsOfFile: hub.repo.path + "/apps/web/base/deployment.yaml", encoding: .utf8)
            .replacingOccurrences(of: "nginx:1.27", with: "nginx:1.28")], message: "nginx 1.28")
        await hub.round()
        #expect(Self.image(try Self.entry(hub.engine.plan(for: "us-west-2"), "web-us-west-2")) == "nginx:1.25")
        let view = try #require(await hub.engine.application("web-us-west-2"))
        #expect(view["rollback"]?["revision"]?.stringValue == old)
        let events = try await hub.engine.events(after: nil, limit: 50)
        #expect(events.arrayValue?.contains { $0["kind"] == "rollback" && $0["subject"] == "web-us-west-2" } == true)
        let planned = events.arrayValue?.filter { $0["kind"] == "commit-planned" }.compactMap { $0["subject"]?.stringValue } ?? []
        #expect(planned.count == Set(planned).count, "a rollback plans the same commit again as plans-updated, never a second commit-planned: \(planned)")
        #expect(events.arrayValue?.contains { $0["kind"] == "plans-updated" } == true)
        #expect((await hub.engine.clusterList()).arrayValue?.first { $0["name"] == "us-west-2" }?["applications"]?[0]?["rolledBackTo"]?.stringValue == old)

        // A restarted hub keeps the pin.
        let restarted = try HubEngine(config: hub.config)
        _ = try await restarted.restore()
        await restarted.runRound(force: true, only: nil)
        #expect(Self.image(try Self.entry(restarted.plan(for: "us-west-2"), "web-us-west-2")) == "nginx:1.25")

        try await hub.app().test(.router) { client in
            try await client.execute(uri: "/api/v1/applications/web-us-west-2/rollback", method: .delete, headers: .bearer(hub.adminToken)) { response in
                #expect(response.status == .ok, "\(response.text)")
                #expect(response.json?["automated"] == true)
            }
            try await client.execute(uri: "/api/v1/applications/web-us-west-2/rollback", method: .delete, headers: .bearer(hub.adminToken)) {
                #expect($0.status == .notFound, "nothing left to clear")
            }
        }
        let back = try Self.entry(hub.engine.plan(for: "us-west-2"), "web-us-west-2")
        #expect(Self.image(back) == "nginx:1.28")
        #expect(back["syncPolicy"]?["automated"]?.objectValue != nil)
    }

    @Test func aDrillTravelsInThePlanUntilItsReportIsStoredAndIsKeptInHistory() async throws {
        let hub = try await HubFixture()
        await hub.round()
        let before = try #require(hub.engine.plan(for: "us-west-2"))
        let viewer = try await hub.token(.viewer)
        try await hub.app().test(.router) { client in
            try await client.execute(uri: "/api/v1/drills", method: .post, headers: .bearer(viewer), body: ByteBuffer(string: #"{"cluster":"us-west-2"}"#)) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/api/v1/drills", method: .post, headers: .bearer(hub.adminToken), body: ByteBuffer(string: #"{"cluster":"mars-1"}"#)) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/drills", method: .post, headers: .bearer(hub.adminToken),
                                     body: ByteBuffer(string: #"{"cluster":"us-west-2","wipe":true,"slaSeconds":"soon"}"#)) { response in
                #expect(response.status == .badRequest)
                #expect(response.text.contains("slaSeconds: must be a number, not string"), "\(response.text)")
            }
            try await client.execute(uri: "/api/v1/drills", method: .post, headers: .bearer(hub.adminToken),
                                     body: ByteBuffer(string: #"{"cluster":"us-west-2","slaSecond":600}"#)) { response in
                #expect(response.status == .badRequest, "a misspelt option is refused, not ignored")
                #expect(response.text.contains("slaSecond: unknown field"), "\(response.text)")
            }
            try await client.execute(uri: "/api/v1/drills", method: .post, headers: .bearer(hub.adminToken),
                                     body: ByteBuffer(string: #"{"cluster":"us-west-2","slaSeconds":-5}"#)) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/v1/drills", method: .post, headers: .bearer(hub.adminToken),
                                     body: ByteBuffer(string: #"{"cluster":"us-west-2","wipe":true,"slaSeconds":600}"#)) { response in
                #expect(response.status == .created, "\(response.text)")
                #expect(response.json?["applications"] == ["web-us-west-2"])
                #expect(response.json?["stateful"] == [])
            }
        }
        let id = try #require(try await hub.engine.drillList(cluster: "us-west-2", limit: 1).first?.id)
        let during = try #require(hub.engine.plan(for: "us-west-2"))
        #expect(during.id != before.id)
        #expect(try JSON.parse(Array(during.body))["drill"] == ["id": .int(id), "wipe": true])
        #expect(try JSON.parse(Array(try #require(hub.engine.plan(for: "us-east-1")).body))["drill"] == nil, "only the drilled cluster")
        let report = #"{"cluster":"us-west-2","sequence":1,"spokeVersion":"0.1.0","drill":{"id":\#(id),"wiped":3},"applications":[]}"#
        let spoke = try await hub.spokePrincipal("us-west-2")
        #expect(try await hub.engine.ingest(report: Data(report.utf8), cluster: "us-west-2", principal: spoke) == .stored)
        let bad = #"{"cluster":"us-west-2","sequence":2,"spokeVersion":"0.1.0","drill":{"id":"x"},"applications":[]}"#
        await #expect(throws: HubError.self) { try await hub.engine.ingest(report: Data(bad.utf8), cluster: "us-west-2", principal: spoke) }

        try await hub.app().test(.router) { client in
            let result = ByteBuffer(string: #"{"status":"passed","rtoSeconds":4.2,"slaMet":true}"#)
            try await client.execute(uri: "/api/v1/drills/\(id)/result", method: .post, headers: .bearer(hub.adminToken), body: result) { response in
                #expect(response.status == .ok, "\(response.text)")
                #expect(response.json?["status"] == "passed")
                #expect(response.json?["rtoSeconds"] == 4.2)
            }
            try await client.execute(uri: "/api/v1/drills/\(id)/result", method: .post, headers: .bearer(hub.adminToken), body: result) {
                #expect($0.status == .conflict)
            }
            try await client.execute(uri: "/api/v1/drills?cluster=us-west-2", method: .get, headers: .bearer(viewer)) { response in
                #expect(response.json?.arrayValue?.count == 1)
                #expect(response.json?[0]?["slaSeconds"] == 600)
            }
            try await client.execute(uri: "/api/v1/drills/999", method: .get, headers: .bearer(viewer)) { #expect($0.status == .notFound) }
        }
        #expect(hub.engine.plan(for: "us-west-2")?.id == before.id, "the drill left the plan")
        let kinds = try await hub.engine.events(after: nil, limit: 50).arrayValue?.compactMap { $0["kind"]?.stringValue } ?? []
        #expect(kinds.contains("drill-started") && kinds.contains("drill-finished"))
    }

    @Test func aNewDrillSupersedesAnUnfinishedOne() async throws {
        let hub = try await HubFixture()
        await hub.round()
        let admin = try #require(hub.engine.authenticate(hub.adminToken))
        let first = try await hub.engine.startDrill(DrillRequest(cluster: "us-east-1"), by: admin)
        _ = try await hub.engine.startDrill(DrillRequest(cluster: "us-east-1"), by: admin)
        let drills = try await hub.engine.drillList(cluster: "us-east-1", limit: 10)
        #expect(drills.map(\.status) == ["running", "abandoned"])
        #expect(drills.last?.id == first.drill.id)
        #expect(drills.last?.report?["reason"] == "superseded by a newer drill")
    }
}
