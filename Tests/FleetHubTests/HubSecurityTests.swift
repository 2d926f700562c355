import Crypto
@testable import FleetHubCore
@testable import FleetHubServer
import FleetModel
import FleetSpoke
import FleetTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Issue 13's findings, each reproduced against the hub in-process: what a viewer, a forged
/// report, a replayed plan or a revert could do before, and what the hub does now.
@Suite struct HubSecurityTests {
    static func report(_ cluster: String, sequence: Int, padding: Int = 0) -> String {
        let pad = padding > 0 ? #","conditions":[{"type":"Pad","message":"\#(String(repeating: "x", count: padding))"}]"# : ""
        return #"{"cluster":"\#(cluster)","sequence":\#(sequence),"spokeVersion":"t","applications":[]\#(pad)}"#
    }

    @Test func anEmptyOrMalformedLabelSelectorIsABadRequestNotACrash() async throws {
        let hub = try await HubFixture()
        await hub.round()
        try await hub.app().test(.router) { client in
            try await client.execute(uri: "/api/v1/applications?label=", method: .get, headers: .bearer(hub.adminToken)) { response in
                #expect(response.status == .ok)
                #expect(response.json?.arrayValue?.count == 3, "an empty selector selects everything, as kubectl's does")
            }
            try await client.execute(uri: "/api/v1/applications?label==", method: .get, headers: .bearer(hub.adminToken)) { response in
                #expect(response.status == .badRequest)
                #expect(response.json?["error"]?.stringValue?.contains("label selector") == true)
            }
            try await client.execute(uri: "/api/v1/applications?label=env%20in%20(prod)", method: .get, headers: .bearer(hub.adminToken)) {
                #expect($0.status == .ok)
            }
        }
    }

    @Test func onlyAClustersOwnSpokeWritesItsStatusAndOnlyForClustersOfTheFleet() async throws {
        let hub = try await HubFixture()
        await hub.round()
        let viewer = try await hub.token(.viewer)
        let spoke = try await hub.spokePrincipal("us-west-2")
        try await hub.app().test(.router) { client in
            for token in [viewer, try await hub.token(.operator), hub.adminToken] {
                try await client.execute(uri: "/api/v1/clusters/us-west-2/status", method: .post, headers: .bearer(token),
                                         body: ByteBuffer(string: Self.report("us-west-2", sequence: 1 << 40))) { #expect($0.status == .forbidden) }
            }
        }
        // The real spoke's reports still count (a forged huge sequence never got stored).
        #expect(try await hub.engine.ingest(report: Data(Self.report("us-west-2", sequence: 1).utf8), cluster: "us-west-2", principal: spoke) == .stored)
        await #expect(throws: HubError.self, "a sequence beyond what JSON numbers hold is refused") {
            try await hub.engine.ingest(report: Data(Self.report("us-west-2", sequence: 1 << 60).utf8), cluster: "us-west-2", principal: spoke)
        }
        // A cluster no longer in the fleet: not stored, not exported.
        try hub.commit(["clusters/us-west-2.yaml": ""], message: "remove us-west-2")
        await hub.round()
        do {
            _ = try await hub.engine.ingest(report: Data(Self.report("us-west-2", sequence: 2).utf8), cluster: "us-west-2", principal: spoke)
            Issue.record("a report for a cluster outside the fleet was stored")
        } catch let error as HubError {
            #expect(error.kind == .notFound)
        }
    }

    @Test func aSpokeThatLostItsSequenceIsToldWhereToResumeAndReEnrolmentStartsAfresh() async throws {
        let hub = try await HubFixture()
        await hub.round()
        let spoke = try await hub.spokePrincipal("us-east-1")
        for sequence in 1...5 {
            _ = try await hub.engine.ingest(report: Data(Self.report("us-east-1", sequence: sequence).utf8), cluster: "us-east-1", principal: spoke)
        }
        #expect(try await hub.engine.ingest(report: Data(Self.report("us-east-1", sequence: 5).utf8), cluster: "us-east-1", principal: spoke) == .duplicate)
        do {
            _ = try await hub.engine.ingest(report: Data(Self.report("us-east-1", sequence: 1).utf8), cluster: "us-east-1", principal: spoke)
            Issue.record("a lower sequence was accepted silently")
        } catch let error as HubError {
            #expect(error.kind == .conflict)
            #expect(error.fields["lastSequence"] == 5)
        }
        // Re-enrolled (a new spoke with a new token): its first report counts.
        let fresh = try await hub.spokePrincipal("us-east-1")
        #expect(try await hub.engine.ingest(report: Data(Self.report("us-east-1", sequence: 1).utf8), cluster: "us-east-1", principal: fresh) == .stored)
    }

    @Test func reportsBeyondTheSpokesAllowanceGet429AndStoredBytesStayCapped() async throws {
        // A frozen clock: the allowance does not refill however slowly the machine runs.
        let hub = try await HubFixture(configure: { config in
            config.reportsPerMinute = 5
            config.reportBytesPerMinute = 1 << 30
            config.reportBytesPerCluster = 1 << 20
        }, clock: { 1_000 })
        await hub.round()
        let spoke = try await hub.spokeToken("eu-west-1")
        try await hub.app().test(.router) { client in
            for sequence in 1...5 {
                try await client.execute(uri: "/api/v1/clusters/eu-west-1/status", method: .post, headers: .bearer(spoke),
                                         body: ByteBuffer(string: Self.report("eu-west-1", sequence: sequence, padding: 400_000))) { #expect($0.status == .accepted) }
            }
            try await client.execute(uri: "/api/v1/clusters/eu-west-1/status", method: .post, headers: .bearer(spoke),
                                     body: ByteBuffer(string: Self.report("eu-west-1", sequence: 6))) { response in
                #expect(response.status == .tooManyRequests)
                #expect(Int(response.headers[.retryAfter] ?? "") ?? 0 >= 1)
            }
        }
        let stored = try await hub.engine.database.reportBytes(cluster: "eu-west-1")
        #expect(stored <= 1 << 20, "\(stored) report bytes kept for one cluster")
    }

    @Test func internalErrorsReachTheClientAsAnIncidentIdOnly() async throws {
        let hub = try await HubFixture()
        struct DatabaseTrouble: Error, CustomStringConvertible { var description: String { "SQLite error 11: database disk image is malformed: /var/lib/fleet-hub/hub.sqlite" } }
        // The hub's own router and middleware chain, with one route that fails as a database might.
        let router = HubRoutes.router(engine: hub.engine)
        router.get("boom") { _, _ -> Response in throw DatabaseTrouble() }
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/boom", method: .get) { response in
                #expect(response.status == .internalServerError)
                #expect(!response.text.contains("hub.sqlite") && !response.text.contains("SQLite"))
                #expect(response.text.contains("incident"))
            }
        }
    }

    @Test func aRequestWithoutAUsableBearerTokenGets401SayingWhy() async throws {
        let hub = try await HubFixture()
        try await hub.app().test(.router) { client in
            for (headers, reason) in [([:], "missing bearer token"), ([.authorization: "Basic YTpi"], "the Authorization header must be"),
                                      ([.authorization: "Bearer fleet_nope"], "unknown or revoked token")] as [(HTTPFields, String)] {
                try await client.execute(uri: "/api/v1/clusters", method: .get, headers: headers) { response in
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[.wwwAuthenticate] == "Bearer")
                    #expect(response.text.contains(reason), "\(response.text)")
                }
            }
        }
    }

    @Test func plansCarryAnIncreasingGenerationAndARollbackIsANewOne() async throws {
        let hub = try await HubFixture()
        await hub.round()
        let first = try #require(hub.engine.plan(for: "us-west-2"))
        let document = try JSON.parse(Array(first.body))
        #expect(document["generation"]?.intValue == Int(first.generation))
        #expect(document["fleetCommit"]?.stringValue == first.fleetCommit)
        #expect(document["committedAt"]?.stringValue?.hasSuffix("Z") == true)
        let original = try #require(await hub.engine.fleetCommit)
        try hub.commit(["apps/web/overlays/us-west-2/kustomization.yaml": "resources: [../../base]\nnamePrefix: usw2-\n"])
        await hub.round()
        let second = try #require(hub.engine.plan(for: "us-west-2"))
        #expect(second.generation > first.generation)
        let admin = try #require(hub.engine.authenticate(hub.adminToken))
        _ = try await hub.engine.rollback(application: "web-us-west-2", to: original, cluster: nil, by: admin)
        let rolledBack = try #require(hub.engine.plan(for: "us-west-2"))
        #expect(rolledBack.generation > second.generation, "a rollback is a new generation pinning old content, never the old plan")
    }

    /// Issue 13, finding 6: commit, revert, restart; a new spoke must get a plan that verifies.
    @Test func afterACommitItsRevertAndARestartTheServedPlanStillVerifies() async throws {
        let hub = try await HubFixture()
        await hub.round()
        try hub.commit(["apps/web/overlays/us-west-2/kustomization.yaml": "resources: [../../base]\nnamePrefix: other-\n"], message: "change")
        await hub.round()
        try hub.commit(["apps/web/overlays/us-west-2/kustomization.yaml": "resources: [../../base]\nnamePrefix: us-west-2-\n"], message: "revert")
        await hub.round()
        let restarted = try HubEngine(config: hub.config)
        _ = try await restarted.restore()
        let served = try #require(restarted.plan(for: "us-west-2"))
        #expect(PlanSigner.verify(served.body, signature: served.signature, publicKey: restarted.signer.publicKey))
        let verifier = try PlanVerifier(publicKeyBase64: restarted.signer.publicKey)
        #expect(verifier.verify(Array(served.body), signature: "ed25519=" + served.signature))
    }

    @Test func aPlanTooLargeForASpokeIsNotPublishedAndTheClusterKeepsItsLastOne() async throws {
        let hub = try await HubFixture { config in config.maxPlanBytes = 6000 }
        await hub.round()
        let before = try #require(hub.engine.plan(for: "us-west-2"))
        let big = (0..<40).map { "  key\($0): \(String(repeating: "v", count: 200))" }.joined(separator: "\n")
        try hub.commit(["apps/web/overlays/us-west-2/kustomization.yaml": "resources: [../../base, big.yaml]\nnamePrefix: us-west-2-\n",
                        "apps/web/overlays/us-west-2/big.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n\(big)\n"])
        await hub.round()
        // The Application that grew too large stays at its last good resources, with the error.
        let after = try #require(hub.engine.plan(for: "us-west-2"))
        #expect(after.body.count <= 6000)
        let entry = try #require(try JSON.parse(Array(after.body))["applications"]?[0])
        #expect(entry["error"]?.stringValue?.contains("bytes, more than the 6000 a spoke accepts") == true)
        #expect(entry["resources"] == (try JSON.parse(Array(before.body))["applications"]?[0]?["resources"]))
    }

    @Test func aFirstStartWithATokenFileDoesNotPrintTheToken() async throws {
        // The printing is HubServer's; the engine writes the file before storing the token.
        let temp = try TemporaryDirectory(prefix: "fleet-token")
        defer { temp.remove() }
        var config = try HubConfig(.object(["stateDir": .string(temp.file("state")), "repository": ["url": "/nonexistent"],
                                            "tokens": ["adminTokenFile": .string(temp.file("missing-dir/admin-token"))]]), file: "t.yaml")
        config.adminTokenFile = temp.file("missing-dir/admin-token")
        let engine = try HubEngine(config: config)
        await #expect(throws: (any Error).self, "an unwritable token file fails the start") { try await engine.restore() }
        // Nothing was stored: the next start (with a writable file) makes the admin token.
        try FileManager.default.createDirectory(atPath: temp.file("missing-dir"), withIntermediateDirectories: true)
        let token = try await HubEngine(config: config).restore()
        #expect(token != nil)
        #expect((try? String(contentsOfFile: temp.file("missing-dir/admin-token"), encoding: .utf8))?.hasPrefix("fleet_") == true)
    }
}

/// A planning round that does not finish must not look healthy (issue 13, finding 4: later
/// commits were never planned while /readyz stayed green).
@Suite struct HubPlannerHealthTests {
    @Test func readyzReportsAStuckPlannerAndRecoversWhenTheRoundEnds() async throws {
        let hub = try await HubFixture { config in
            config.stuckPlannerAfter = .milliseconds(50)
            config.renderTimeout = .seconds(120)
        }
        await hub.round()
        #expect(await hub.engine.readiness.ready)
        try hub.commit(["applicationsets/slow.yaml": """
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: slow, namespace: argocd}
            spec:
              goTemplate: true
              generators: [{list: {elements: [{n: a}, {n: b}, {n: c}, {n: d}]}}]
              template:
                metadata: {name: 'slow-{{.n}}', annotations: {spin: '{{ range $i := 900000 }}{{ end }}'}}
                spec:
                  project: default
                  source: {repoURL: 'https://git.example.com/fleet.git', path: apps/web/base}
                  destination: {name: us-east-1, namespace: slow}
            """], message: "a slow set")
        let engine = hub.engine
        let round = Task { await engine.runRound(force: true, only: nil) }
        var sawStuck = false
        for _ in 0..<400 where !sawStuck {
            let readiness = await engine.readiness
            if !readiness.ready && readiness.reason.contains("planner stuck") { sawStuck = true }
            try await Task.sleep(for: .milliseconds(10))
        }
        await round.value
        #expect(sawStuck, "/readyz says the planner is stuck while the round runs too long")
        #expect(await engine.readiness.ready, "and is ready again when it ends")
    }
}
