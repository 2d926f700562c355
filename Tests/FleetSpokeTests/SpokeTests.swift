import Crypto
import FleetModel
import FleetProtocol
import FleetReconcile
import FleetTestSupport
import Foundation
import Testing

@testable import FleetSpoke

final class FakeClock: @unchecked Sendable {
    var now: Double = 1_800_000_000
}

@Suite struct PlanVerifierTests {
    @Test func acceptsTheHubsSignatureAndRefusesTamperingOrAnotherKey() throws {
        let key = Curve25519.Signing.PrivateKey()
        let body = Array(#"{"applications":[],"cluster":"a","formatVersion":1}"#.utf8)
        let signature = "ed25519=" + (try key.signature(for: Data(body))).base64EncodedString()
        let verifier = try PlanVerifier(publicKeyBase64: key.publicKey.rawRepresentation.base64EncodedString())
        #expect(verifier.verify(body, signature: signature))
        var tampered = body
        tampered[2] = UInt8(ascii: "b")
        #expect(!verifier.verify(tampered, signature: signature))
        let other = try PlanVerifier(publicKeyBase64: Curve25519.Signing.PrivateKey().publicKey.rawRepresentation.base64EncodedString())
        #expect(!other.verify(body, signature: signature))
        #expect(!verifier.verify(body, signature: "ed25519=not-base64"))
        #expect(throws: SpokeError.self) { try PlanVerifier(publicKeyBase64: "c2hvcnQ=") }
    }
}

@Suite struct LocalClusterTests {
    @Test func behavesLikeAnAPIServerForWhatItSets() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let clock = FakeClock()
        let cluster = try LocalCluster(path: temp.file("c.sqlite"), readyDelay: 5, failingImages: ["bad:1"], clock: { clock.now })
        #expect(throws: SpokeError.self) {
            try cluster.apply(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c", "namespace": "missing"]])
        }
        try cluster.ensureNamespace("ml")
        let deployment: Value = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web", "namespace": "ml"],
                                 "spec": ["replicas": 2, "template": ["spec": ["containers": [["name": "web", "image": "good:1"]]]]]]
        let created = try cluster.apply(deployment)
        #expect(created["metadata"]?["generation"] == 1)
        #expect(created["metadata"]?["uid"]?.stringValue?.count == 36)
        let key = try #require(ResourceKey(object: created))
        try cluster.advance(now: clock.now + 1)
        #expect(ResourceHealth.assess(try cluster.get(key)).status == .progressing)
        try cluster.advance(now: clock.now + 6)
        #expect(ResourceHealth.assess(try cluster.get(key)).status == .healthy)
        try cluster.edit(key) { $0.setValue(5, at: ["spec", "replicas"]) }
        #expect(try cluster.get(key)?["metadata"]?["generation"] == 2)

        var bad = deployment
        bad.setValue("bad-web", at: ["metadata", "name"])
        bad.setValue([["name": "web", "image": "bad:1"]], at: ["spec", "template", "spec", "containers"])
        let badKey = try #require(ResourceKey(object: try cluster.apply(bad)))
        try cluster.advance(now: clock.now + 100)
        #expect(ResourceHealth.assess(try cluster.get(badKey)).status == .degraded)
        try cluster.wipe()
        #expect(try cluster.all().isEmpty)
    }
}

@Suite struct ReconcilerTests {
    /// The local cluster settles two seconds after a change.
    static func fixture() throws -> ReconcilerFixture { try ReconcilerFixture(readyDelay: 2) }

    func plan(automated: Bool = true, replicas: Int = 2, extra: Bool = true, error: String? = nil, syncRequest: String? = nil) -> Value {
        func labeled(_ object: Value) -> Value {
            var o = object
            o.setValue(["fleet.gitops.dev/app": "web"], at: ["metadata", "labels"])
            return o
        }
        var resources: [Value] = [
            ["wave": 0, "syncOptions": [], "object": labeled(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "settings", "namespace": "ml"], "data": ["a": "b"]])],
            ["wave": 1, "syncOptions": [], "object": labeled(["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web", "namespace": "ml"],
                                                                "spec": ["replicas": .int(replicas), "template": ["spec": ["containers": [["name": "web", "image": "nginx:1"]]]]]])],
        ]
        if extra {
            resources.append(["wave": 0, "syncOptions": [], "object": labeled(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "extra", "namespace": "ml"]])])
        }
        var app: ValueObject = [
            "name": "web", "namespace": "ml", "trackingLabel": "web",
            "syncPolicy": ["automated": automated ? ["prune": true, "selfHeal": true, "allowEmpty": false] : .null, "syncOptions": ["CreateNamespace=true"]],
            "ignoreDifferences": [], "resources": .array(resources),
        ]
        if let error { app["error"] = .string(error) }
        var document: ValueObject = ["formatVersion": 1, "cluster": "a", "id": "sha256:x", "applications": [.object(app)]]
        if let syncRequest { document["syncRequests"] = ["web": .string(syncRequest)] }
        return .object(document)
    }

    @Test func convergesWaveByWaveThenHealsDriftAndPrunes() throws {
        let setup = try Self.fixture()
        defer { setup.temp.remove() }
        let first = try setup.reconciler.reconcile(plan: plan())
        #expect(first["synced"] == true, "\(first)")
        #expect(first["healthy"] == true)
        #expect(try setup.cluster.all().count == 4, "namespace + 3 objects")

        let deployment = ResourceKey(group: "apps", kind: "Deployment", namespace: "ml", name: "web")
        try setup.cluster.edit(deployment) { $0.setValue(9, at: ["spec", "replicas"]) }
        let healed = try setup.reconciler.reconcile(plan: plan())
        #expect(healed["synced"] == true)
        #expect(try setup.cluster.get(deployment)?["spec"]?["replicas"] == 2)

        let pruned = try setup.reconciler.reconcile(plan: plan(extra: false))
        #expect(pruned["synced"] == true)
        #expect(try setup.cluster.get(ResourceKey(group: "", kind: "ConfigMap", namespace: "ml", name: "extra")) == nil)
    }

    @Test func manualApplicationsChangeNothingUntilASyncRequest() throws {
        let setup = try Self.fixture()
        defer { setup.temp.remove() }
        let waiting = try setup.reconciler.reconcile(plan: plan(automated: false))
        #expect(waiting["synced"] == false)
        #expect(try setup.cluster.all().isEmpty)
        #expect(waiting["applications"]?[0]?["conditions"]?[0]?["type"] == "ManualSyncRequired")
        let requested = try setup.reconciler.reconcile(plan: plan(automated: false, syncRequest: "tok"))
        #expect(requested["synced"] == true)
        #expect(requested["applications"]?[0]?["completedSyncToken"] == "tok")
    }

    @Test func aRenderErrorFreezesTheApplicationAndAWipedClusterIsRebuilt() throws {
        let setup = try Self.fixture()
        defer { setup.temp.remove() }
        _ = try setup.reconciler.reconcile(plan: plan())
        let frozen = try setup.reconciler.reconcile(plan: plan(extra: false, error: "kustomization.yaml:2: broken"))
        #expect(try setup.cluster.get(ResourceKey(group: "", kind: "ConfigMap", namespace: "ml", name: "extra")) != nil, "nothing pruned while the plan cannot render")
        #expect(frozen["applications"]?[0]?["conditions"]?[0]?["type"] == "RenderError")
        try setup.cluster.wipe()
        let rebuilt = try setup.reconciler.reconcile(plan: plan())
        #expect(rebuilt["synced"] == true && rebuilt["healthy"] == true)
        #expect(try setup.cluster.all().count == 4)
    }

    @Test func theStateSurvivesARestart() throws {
        let setup = try Self.fixture()
        defer { setup.temp.remove() }
        _ = try setup.reconciler.reconcile(plan: plan())
        let reopened = try SpokeState(path: setup.temp.file("s.sqlite"))
        #expect(try reopened.lastApplied(app: "web").count == 3)
    }

    @Test func aFailedSyncIsRetriedWithBackoffAndHealthOverridesApply() throws {
        let setup = try Self.fixture()
        defer { setup.temp.remove() }
        guard case .object(var document) = plan(), case .object(var app)? = document["applications"]?[0] else { return }
        app["syncPolicy"] = ["automated": ["prune": true, "selfHeal": true], "syncOptions": [], "retry": ["limit": 2, "backoff": ["duration": "10s", "factor": 2, "maxDuration": "1m"]]]
        document["applications"] = [.object(app)]
        let failing = Value.object(document)
        let first = try setup.reconciler.reconcile(plan: failing)
        #expect(first["applications"]?[0]?["lastSync"]?["result"] == "Failed", "no namespace ml and no CreateNamespace")
        let soon = try setup.reconciler.reconcile(plan: failing)
        #expect(soon["applications"]?[0]?["conditions"]?.arrayValue?.contains { $0["message"]?.stringValue?.contains("next attempt in") == true } == true)
        setup.clock.now += 11
        _ = try setup.reconciler.reconcile(plan: failing)
        setup.clock.now += 21
        _ = try setup.reconciler.reconcile(plan: failing)
        setup.clock.now += 100
        let exhausted = try setup.reconciler.reconcile(plan: failing)
        #expect(exhausted["applications"]?[0]?["conditions"]?.arrayValue?.contains { $0["message"]?.stringValue?.contains("retries exhausted") == true } == true)

        // Fixed plan (a new digest): syncs at once; a Degraded kind can be overridden.
        app["syncPolicy"] = ["automated": ["prune": true, "selfHeal": true], "syncOptions": ["CreateNamespace=true"]]
        app["healthOverrides"] = [["group": "apps", "kind": "Deployment", "health": "Healthy"]]
        document["applications"] = [.object(app)]
        setup.cluster.failingImages = ["nginx:1"]
        setup.reconciler.waveTimeout = 1
        let fixed = try setup.reconciler.reconcile(plan: .object(document))
        #expect(fixed["applications"]?[0]?["resources"]?.arrayValue?.first { $0["resource"] == "apps/Deployment ml/web" }?["health"] == "Healthy")
    }
}

@Suite struct SpokeDrillAndHealReportTests {
    /// A driver for a real cluster as far as drills care: it cannot be wiped.
    final class UnwipeableDriver: ClusterDriver {
        func list(trackingLabel: String, kinds: Set<GroupKind>) throws -> [ResourceKey: Value] { [:] }
        func get(_ key: ResourceKey) throws -> Value? { nil }
        func listNamespace(_ namespace: String) throws -> [ResourceKey: Value] { [:] }
        func apply(_ object: Value, replace: Bool) throws -> Value { object }
        func delete(_ key: ResourceKey, propagation: DeletePropagation) throws {}
        func ensureNamespace(_ name: String) throws {}
    }

    func agent(_ driver: ClusterDriver, _ state: SpokeState) throws -> SpokeAgent {
        var config = SpokeConfig()
        config.hubURL = "http://127.0.0.1:9"
        config.cluster = "a"
        config.hubPublicKey = Curve25519.Signing.PrivateKey().publicKey.rawRepresentation.base64EncodedString()
        let agent = try SpokeAgent(config: config, driver: driver, state: state)
        agent.log = { _ in }
        return agent
    }

    @Test func aSelfHealReportsTheFieldsItPutBackAndTheLastSyncIsRemembered() throws {
        let setup = try ReconcilerTests.fixture()
        defer { setup.temp.remove() }
        let plan = ReconcilerTests().plan()
        _ = try setup.reconciler.reconcile(plan: plan)
        let deployment = ResourceKey(group: "apps", kind: "Deployment", namespace: "ml", name: "web")
        try setup.cluster.edit(deployment) { $0.setValue(9, at: ["spec", "replicas"]) }
        let healed = try setup.reconciler.reconcile(plan: plan)
        let lastSync = healed["applications"]?[0]?["lastSync"]
        #expect(lastSync?["reason"] == "self-heal")
        #expect(lastSync?["healed"]?[0]?["pointer"] == "/spec/replicas")
        #expect(lastSync?["healed"]?[0]?["live"] == 9 && lastSync?["healed"]?[0]?["desired"] == 2)
        let quiet = try setup.reconciler.reconcile(plan: plan)
        #expect(quiet["applications"]?[0]?["lastSync"] == lastSync, "a tick that does nothing still reports the last sync")
    }

    @Test func aDrillInThePlanWipesTheLocalClusterAndTheSpokesMemoryOnce() throws {
        let setup = try ReconcilerTests.fixture()
        defer { setup.temp.remove() }
        var plan = ReconcilerTests().plan()
        _ = try setup.reconciler.reconcile(plan: plan)
        #expect(try setup.cluster.all().count == 4)
        let agent = try agent(setup.cluster, setup.reconciler.state)
        plan.setValue(["id": 7, "wipe": true], at: ["drill"])
        agent.runDrillIfAsked(try Plan(plan))
        #expect(try setup.cluster.all().isEmpty, "the cluster is wiped")
        #expect(try setup.reconciler.state.lastApplied(app: "web").isEmpty, "and the spoke forgot what it applied")
        let outcome = try JSON.parse(try #require(try setup.reconciler.state.value("drill-report")))
        #expect(outcome["id"] == 7 && outcome["wiped"] == 4)
        let rebuilt = try setup.reconciler.reconcile(plan: plan)
        #expect(rebuilt["synced"] == true && rebuilt["healthy"] == true)
        agent.runDrillIfAsked(try Plan(plan))
        #expect(try setup.cluster.all().count == 4, "the same drill is not run twice")
    }

    @Test func aRealClusterIsNeverWipedByADrill() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let state = try SpokeState(path: temp.file("s.sqlite"))
        let agent = try agent(UnwipeableDriver(), state)
        agent.runDrillIfAsked(Plan(cluster: "a", server: "", drill: PlanDrill(id: 3, wipe: true)))
        let outcome = try JSON.parse(try #require(try state.value("drill-report")))
        #expect(outcome["id"] == 3)
        #expect(outcome["error"]?.stringValue?.contains("local driver") == true)
    }
}
