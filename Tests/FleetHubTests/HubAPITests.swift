import Crypto
import FleetHubCore
import FleetHubServer
import FleetModel
import FleetProtocol
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The API in-process (Hummingbird's router test framework), over a real Git repository.
@Suite struct HubAPITests {
    @Test func readinessFollowsTheFirstCompiledPlan() async throws {
        let hub = try await HubFixture()
        try await hub.app().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .serviceUnavailable) }
            await hub.round()
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
        }
    }

    /// Each route names who may use it, role by role: no role includes another's rights by
    /// rank (issue 13, finding 2: every role passed the spoke's status check).
    @Test func everyRouteAllowsExactlyTheRolesThatHoldItsCapability() async throws {
        let hub = try await HubFixture()
        await hub.round()
        let viewer = try await hub.token(.viewer)
        let op = try await hub.token(.operator)
        let spoke = try await hub.spokeToken("us-west-2")
        let otherSpoke = try await hub.spokeToken("us-east-1")
        let status = #"{"cluster":"us-west-2","sequence":1,"spokeVersion":"t","applications":[]}"#
        // (method, path, body, the tokens allowed)
        let everyoneButSpokes = ["viewer", "operator", "admin"]
        let operators = ["operator", "admin"]
        let routes: [(HTTPRequest.Method, String, String?, Set<String>)] = [
            (.get, "/api/v1/hub", nil, Set(everyoneButSpokes)),
            (.get, "/api/v1/clusters", nil, Set(everyoneButSpokes)),
            (.get, "/api/v1/clusters/us-west-2", nil, Set(everyoneButSpokes)),
            (.get, "/api/v1/clusters/us-west-2/plan", nil, Set(everyoneButSpokes + ["spoke us-west-2"])),
            (.get, "/api/v1/applications", nil, Set(everyoneButSpokes)),
            (.get, "/api/v1/applications/web-us-west-2", nil, Set(everyoneButSpokes)),
            (.get, "/api/v1/events", nil, Set(everyoneButSpokes)),
            (.get, "/api/v1/drills", nil, Set(everyoneButSpokes)),
            (.post, "/api/v1/refresh", nil, Set(operators)),
            (.post, "/api/v1/applications/web-us-west-2/sync", nil, Set(operators)),
            (.post, "/api/v1/clusters/eu-west-1/rotate", nil, Set(operators)),
            (.get, "/api/v1/tokens", nil, ["admin"]),
            (.post, "/api/v1/clusters/us-west-2/status", status, ["spoke us-west-2"]),
        ]
        let tokens: [(String, String)] = [(viewer, "viewer"), (op, "operator"), (hub.adminToken, "admin"), (spoke, "spoke us-west-2"), (otherSpoke, "spoke us-east-1")]
        try await hub.app().test(.router) { client in
            for (method, path, body, allowed) in routes {
                try await client.execute(uri: path, method: method) { #expect($0.status == .unauthorized, "\(path) without a token") }
                try await client.execute(uri: path, method: method, headers: .bearer("fleet_nope")) { #expect($0.status == .unauthorized) }
                for (token, who) in tokens {
                    try await client.execute(uri: path, method: method, headers: .bearer(token), body: body.map { ByteBuffer(string: $0) }) { response in
                        if allowed.contains(who) {
                            #expect(response.status.code < 300, "\(method) \(path) as \(who): \(response.status) \(response.text)")
                        } else {
                            #expect(response.status == .forbidden, "\(method) \(path) as \(who) should be refused, got \(response.status)")
                        }
                    }
                }
            }
        }
    }

    @Test func planIsSignedCachedByETagAndReadableOnlyByItsSpoke() async throws {
        let hub = try await HubFixture()
        await hub.round()
        let spoke = try await hub.spokeToken("us-west-2")
        try await hub.app().test(.router) { client in
            let etag = try await client.execute(uri: "/api/v1/clusters/us-west-2/plan", method: .get, headers: .bearer(spoke)) { response -> String in
                #expect(response.status == .ok)
                let plan = try #require(response.json)
                #expect(plan["cluster"] == "us-west-2")
                let id = try #require(plan["id"]?.stringValue)
                let generation = try #require(plan["generation"]?.intValue)
                #expect(response.headers[.eTag] == "\"g\(generation)-\(id)\"", "the ETag names the generation as well as the content")
                #expect(response.headers[HubRoutes.planIdHeader] == id)
                let signature = try #require(response.headers[HubRoutes.signatureHeader])
                #expect(signature.hasPrefix("ed25519="))
                #expect(PlanSigner.verify(Data(response.body.readableBytesView), signature: String(signature.dropFirst(8)), publicKey: hub.engine.signer.publicKey))
                #expect(!PlanSigner.verify(Data("tampered".utf8), signature: String(signature.dropFirst(8)), publicKey: hub.engine.signer.publicKey))
                return try #require(response.headers[.eTag]).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            try await client.execute(uri: "/api/v1/clusters/us-west-2/plan", method: .get,
                                     headers: [.authorization: "Bearer \(spoke)", .ifNoneMatch: "\"\(etag)\""]) { #expect($0.status == .notModified) }
            try await client.execute(uri: "/api/v1/clusters/us-east-1/plan", method: .get, headers: .bearer(spoke)) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/api/v1/clusters/mars/plan", method: .get, headers: .bearer(hub.adminToken)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/clusters/us-west-2/plan?wait=abc", method: .get, headers: .bearer(spoke)) { #expect($0.status == .badRequest) }
        }
        let denied = try await hub.engine.events(after: nil, limit: 50)
        #expect(denied.arrayValue?.contains { $0["kind"] == "access-denied" } == true, "a spoke reaching for another cluster is audited")
    }

    @Test func aLongPollReturnsAsSoonAsACommitChangesThePlan() async throws {
        let hub = try await HubFixture()
        await hub.round()
        let spoke = try await hub.spokeToken("us-west-2")
        let first = try #require(hub.engine.plan(for: "us-west-2"))
        let clock = ContinuousClock()
        let start = clock.now
        async let waited = hub.engine.waitForPlan(cluster: "us-west-2", differentFrom: first.etag, timeout: .seconds(30))
        try await Task.sleep(for: .milliseconds(200))
        try hub.commit(["apps/web/overlays/us-west-2/kustomization.yaml": "resources: [../../base]\nnamePrefix: usw2-\n"])
        await hub.round()
        let next = await waited
        #expect(next?.id != first.id)
        #expect(clock.now - start < .seconds(10))
        #expect(hub.engine.plan(for: "us-east-1")?.fleetCommit != nil)
        // Through HTTP: a poll with the current ETag and ?wait times out with 304.
        try await hub.app().test(.router) { client in
            try await client.execute(uri: "/api/v1/clusters/us-west-2/plan?wait=1", method: .get,
                                     headers: [.authorization: "Bearer \(spoke)", .ifNoneMatch: "\"\(next!.etag)\""]) { #expect($0.status == .notModified) }
        }
    }

    @Test func aBrokenCommitChangesNoPlanAndIsReportedWithFileAndLine() async throws {
        let hub = try await HubFixture()
        await hub.round()
        let before = try #require(hub.engine.plan(for: "us-west-2"))
        try hub.commit(["apps/web/overlays/us-west-2/kustomization.yaml": "resources: [../../base]\npatches:\n- path: missing.yaml\n"], message: "broken")
        await hub.round()
        let after = try #require(hub.engine.plan(for: "us-west-2"))
        let plan = try JSON.parse(Array(after.body))
        let app = try #require(plan["applications"]?[0])
        #expect(app["error"]?.stringValue?.contains("apps/web/overlays/us-west-2/kustomization.yaml") == true)
        #expect(app["resources"] == (try JSON.parse(Array(before.body)))["applications"]?[0]?["resources"], "last good resources kept")
        #expect(hub.engine.plan(for: "us-east-1") != nil)
        let detail = try #require(await hub.engine.application("web-us-west-2"))
        #expect(detail["error"]?.stringValue?.contains("missing.yaml") == true)
        let events = try await hub.engine.events(after: nil, limit: 10)
        #expect(events.arrayValue?.last?["message"]?.stringValue?.contains("problem") == true)
    }

    @Test func reportsAreValidatedSizeCappedAndIdempotent() async throws {
        let hub = try await HubFixture { $0.maxBodyBytes = 2048 }
        await hub.round()
        let spoke = try await hub.spokeToken("us-west-2")
        @Sendable func report(_ sequence: Int, sync: String = "Synced") -> ByteBuffer {
            ByteBuffer(string: #"{"cluster":"us-west-2","sequence":\#(sequence),"spokeVersion":"0.1.0","applications":[{"name":"web-us-west-2","sync":"\#(sync)","health":"Healthy"}]}"#)
        }
        try await hub.app().test(.router) { client in
            let path = "/api/v1/clusters/us-west-2/status"
            try await client.execute(uri: path, method: .post, headers: .bearer(spoke), body: report(1)) { #expect($0.status == .accepted) }
            try await client.execute(uri: path, method: .post, headers: .bearer(spoke), body: report(1)) { response in
                #expect(response.status == .ok)
                #expect(response.json?["duplicate"] == true)
            }
            try await client.execute(uri: path, method: .post, headers: .bearer(spoke), body: report(2, sync: "Sideways")) { response in
                #expect(response.status == .badRequest)
                #expect(response.text.contains("applications[0].sync"))
            }
            try await client.execute(uri: path, method: .post, headers: .bearer(spoke), body: ByteBuffer(string: "{not json")) { #expect($0.status == .badRequest) }
            try await client.execute(uri: path, method: .post, headers: .bearer(spoke), body: ByteBuffer(string: String(repeating: " ", count: 5000))) {
                #expect($0.status == .contentTooLarge)
            }
            try await client.execute(uri: "/api/v1/clusters/us-east-1/status", method: .post, headers: .bearer(spoke), body: report(3)) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/api/v1/applications?sync=Synced", method: .get, headers: .bearer(hub.adminToken)) { response in
                #expect(response.json?.arrayValue?.map { $0["name"] } == ["web-us-west-2"])
            }
        }
    }

    @Test func webhooksNeedAValidSignatureAndTriggerARound() async throws {
        let hub = try await HubFixture()
        let body = #"{"ref":"refs/heads/main","repository":{"clone_url":"https://git.example.com/fleet.git"}}"#
        let mac = HMAC<SHA256>.authenticationCode(for: Data(body.utf8), using: SymmetricKey(data: Data(HubFixture.webhookSecret.utf8)))
        let signature = "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
        let githubHeader = HTTPField.Name("X-Hub-Signature-256")!
        try await hub.app().test(.router) { client in
            try await client.execute(uri: "/api/v1/webhooks/git", method: .post, headers: [githubHeader: signature], body: ByteBuffer(string: body)) {
                #expect($0.status == .accepted)
            }
            try await client.execute(uri: "/api/v1/webhooks/git", method: .post, headers: [githubHeader: "sha256=00"], body: ByteBuffer(string: body)) {
                #expect($0.status == .unauthorized)
            }
            try await client.execute(uri: "/api/v1/webhooks/git", method: .post, headers: [HTTPField.Name("X-Gitlab-Token")!: HubFixture.webhookSecret],
                                     body: ByteBuffer(string: #"{"project":{"git_http_url":"https://git.example.com/fleet.git"}}"#)) {
                #expect($0.status == .accepted)
            }
            try await client.execute(uri: "/api/v1/webhooks/git", method: .post, body: ByteBuffer(string: body)) { #expect($0.status == .unauthorized) }
        }
    }

    @Test func aSyncRequestTravelsInThePlanUntilTheSpokeReportsItDone() async throws {
        let hub = try await HubFixture()
        await hub.round()
        let spoke = try await hub.spokeToken("us-west-2")
        let before = try #require(hub.engine.plan(for: "us-west-2"))
        try await hub.app().test(.router) { client in
            try await client.execute(uri: "/api/v1/applications/web-us-west-2/sync", method: .post, headers: .bearer(hub.adminToken),
                                     body: ByteBuffer(string: #"{"cluster":"us-west-2"}"#)) { #expect($0.status == .accepted) }
            try await client.execute(uri: "/api/v1/applications/web-us-west-2/sync", method: .post, headers: .bearer(hub.adminToken),
                                     body: ByteBuffer(string: #"{"cluster":"us-east-1"}"#)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/applications/web-us-west-2/sync", method: .post, headers: .bearer(hub.adminToken),
                                     body: ByteBuffer(string: #"{"clutser":"us-west-2"}"#)) { response in
                #expect(response.status == .badRequest)
                #expect(response.text.contains("clutser: unknown field"), "\(response.text)")
            }
        }
        let requested = try #require(hub.engine.plan(for: "us-west-2"))
        #expect(requested.id != before.id)
        let token = try #require(try JSON.parse(Array(requested.body))["syncRequests"]?["web-us-west-2"]?.stringValue)
        let report = #"{"cluster":"us-west-2","sequence":1,"spokeVersion":"0.1.0","applications":[{"name":"web-us-west-2","sync":"Synced","health":"Healthy","completedSyncToken":"\#(token)"}]}"#
        _ = try await hub.engine.ingest(report: Data(report.utf8), cluster: "us-west-2", principal: try #require(hub.engine.authenticate(spoke)))
        #expect(hub.engine.plan(for: "us-west-2")?.id == before.id, "done: the plan is back to the commit's plan")
    }

    @Test func tokensCanBeRotatedAndRevoked() async throws {
        let hub = try await HubFixture()
        await hub.round()
        let first = try await hub.spokeToken("us-west-2")
        #expect(hub.engine.authenticate(first)?.cluster == "us-west-2")
        try await hub.app().test(.router) { client in
            let second = try await client.execute(uri: "/api/v1/clusters/us-west-2/rotate", method: .post, headers: .bearer(hub.adminToken)) { response -> String in
                #expect(response.status == .created)
                return try #require(response.json?["token"]?.stringValue)
            }
            #expect(hub.engine.authenticate(first) == nil, "rotation revokes the old token")
            #expect(hub.engine.authenticate(second) != nil)
            try await client.execute(uri: "/api/v1/clusters/us-west-2/revoke", method: .post, headers: .bearer(hub.adminToken)) { #expect($0.status == .ok) }
            #expect(hub.engine.authenticate(second) == nil)
            try await client.execute(uri: "/api/v1/clusters/mars/enroll", method: .post, headers: .bearer(hub.adminToken)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/tokens", method: .post, headers: .bearer(hub.adminToken), body: ByteBuffer(string: #"{"role":"viewer","label":"ci"}"#)) {
                #expect($0.status == .created)
                #expect($0.json?["role"] == "viewer")
                #expect($0.json?["token"]?.stringValue?.hasPrefix("fleet_") == true)
            }
            try await client.execute(uri: "/api/v1/tokens", method: .post, headers: .bearer(hub.adminToken), body: ByteBuffer(string: #"{"role":"spoke"}"#)) {
                #expect($0.status == .badRequest, "spoke tokens are made by enrolling a cluster")
                #expect($0.text.contains("role: must be one of viewer, operator, admin"), "\($0.text)")
            }
            try await client.execute(uri: "/api/v1/tokens", method: .get, headers: .bearer(hub.adminToken)) { response in
                let listed = try TokenView.list(try #require(response.json))
                #expect(listed.contains { $0.role == "viewer" && $0.label == "ci" && $0.revokedAt == nil })
                #expect(listed.contains { $0.cluster == "us-west-2" && $0.revokedAt != nil }, "revoked spoke tokens stay listed")
                #expect(!response.text.contains("fleet_"), "the list never shows a secret")
            }
        }
        #expect(TokenCodec.hash("abc").count == 64)
        #expect(TokenCodec.constantTimeEquals("abc", "abc") && !TokenCodec.constantTimeEquals("abc", "abd"))
    }

    @Test func theHubStatusSaysWhatItFollowsAndWhichCommitItServes() async throws {
        let hub = try await HubFixture()
        await hub.round()
        try await hub.app().test(.router) { client in
            try await client.execute(uri: "/api/v1/hub", method: .get, headers: .bearer(hub.adminToken)) { response in
                let status = try HubStatusView(try #require(response.json))
                #expect(status.ready && status.fleetCommit?.count == 40)
                #expect(status.publicKey == hub.engine.signer.publicKey)
                #expect(status.clusters == 3 && status.problems.isEmpty && status.lastError == nil)
            }
        }
    }

    /// Argo CD: an Application whose manifests cannot be generated is `Unknown` with a
    /// `ComparisonError` condition, not the status its cluster last had.
    @Test func anApplicationThatCannotBeComparedWithGitIsUnknownWithAComparisonError() async throws {
        let hub = try await HubFixture()
        await hub.round()
        let spoke = try await hub.spokePrincipal("us-west-2")
        let report = #"{"cluster":"us-west-2","sequence":1,"spokeVersion":"0.1.0","applications":[{"name":"web-us-west-2","sync":"Synced","health":"Healthy"}]}"#
        _ = try await hub.engine.ingest(report: Data(report.utf8), cluster: "us-west-2", principal: spoke)
        func view(_ path: String) async throws -> Value {
            try await hub.app().test(.router) { client in
                try await client.execute(uri: path, method: .get, headers: .bearer(hub.adminToken)) { try #require($0.json) }
            }
        }
        let before = try ApplicationView(try await view("/api/v1/applications/web-us-west-2"))
        #expect(before.sync == "Synced" && before.conditions.isEmpty)
        #expect(before.revision?.count == 40, "the commit it is planned at")
        #expect(try ClusterView(try await view("/api/v1/clusters/us-west-2")).appliedFleetCommit == nil, "the spoke reported no plan id")

        try hub.commit(["apps/web/overlays/us-west-2/kustomization.yaml": "resources: [../../base]\nnamePrefix: [broken\n"])
        await hub.round()
        let broken = try ApplicationView(try await view("/api/v1/applications/web-us-west-2"))
        #expect(broken.sync == "Unknown" && broken.health == "Healthy", "health is still what the spoke sees")
        let condition = try #require(broken.conditions.first)
        #expect(condition.type == "ComparisonError" && condition.message.contains("kustomization.yaml"), "\(condition.message)")
        let apps = try ApplicationSummaryView.list(try await view("/api/v1/applications?cluster=us-west-2"))
        #expect(apps.first?.conditions.first?.type == "ComparisonError")
        let clusters = try ClusterView.list(try await view("/api/v1/clusters"))
        let west = try #require(clusters.first { $0.name == "us-west-2" })
        #expect(!west.isSyncedAndHealthy, "fleet status exits 3")
        #expect(west.applications.first?.conditions.first?.type == "ComparisonError")

        // The repository cannot be fetched: every Application it feeds is Unknown, naming why.
        try hub.commit(["apps/web/overlays/us-west-2/kustomization.yaml": "resources: [../../base]\n"])
        await hub.round()
        try FileManager.default.moveItem(atPath: hub.repo.path, toPath: hub.repo.path + "-gone")
        await hub.round()
        let unreachable = try ApplicationView(try await view("/api/v1/applications/web-us-west-2"))
        #expect(unreachable.sync == "Unknown")
        #expect(unreachable.conditions.first?.message.hasPrefix("cannot fetch ") == true, "\(unreachable.conditions)")
    }

    @Test func metricsArePrometheusText() async throws {
        let hub = try await HubFixture()
        await hub.round()
        try await hub.app().test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains("fleet_hub_plan_rounds_total 1"))
                #expect(response.text.contains("# TYPE fleet_hub_plan_compile_duration_seconds histogram"))
            }
        }
    }
}
