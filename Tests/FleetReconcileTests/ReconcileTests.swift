import FleetModel
import FleetProtocol
import FleetYAML
import Foundation
import Testing

@testable import FleetReconcile

@Suite struct QuantityAndDiffTests {
    @Test(arguments: [("1000m", "1"), ("1Gi", "1024Mi"), ("0.5", "500m"), ("1e3", "1k"), ("128974848", "123Mi"), ("2", "2.0")])
    func equalQuantitiesWrittenDifferently(a: String, b: String) throws {
        #expect(try #require(Quantity(a)) == #require(Quantity(b)))
    }

    @Test func differentQuantitiesAndNonsense() {
        #expect(Quantity("1Gi") != Quantity("1G"))
        #expect(Quantity("abc") == nil)
        #expect(Quantity("1Qi") == nil)
    }

    let desired = try! YAML.parse("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: ml, labels: {app: web}}
        spec:
          replicas: 2
          template:
            spec:
              containers:
              - name: web
                image: nginx:1.25
                ports: [{containerPort: 8080}]
                resources: {limits: {cpu: "1", memory: 1Gi}}
        """)

    var live: Value {
        try! YAML.parse("""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: ml
              labels: {app: web}
              uid: 1234
              resourceVersion: "99"
              generation: 4
              creationTimestamp: "2026-01-01T00:00:00Z"
              managedFields: [{manager: kubectl}]
              annotations: {deployment.kubernetes.io/revision: "3"}
            spec:
              replicas: 2
              progressDeadlineSeconds: 600
              template:
                spec:
                  containers:
                  - name: sidecar
                    image: envoy
                  - name: web
                    image: nginx:1.25
                    imagePullPolicy: IfNotPresent
                    ports: [{containerPort: 8080, protocol: TCP}]
                    resources: {limits: {cpu: 1000m, memory: 1024Mi}}
            status: {replicas: 2}
            """)
    }

    @Test func serverFieldsDefaultsAndEquivalentQuantitiesAreNotDrift() {
        #expect(ResourceDiff.drift(desired: desired, live: live).isEmpty)
    }

    @Test func aChangedFieldIsDriftAtItsPointerWithBothValues() throws {
        var edited = live
        edited.setValue(5, at: ["spec", "replicas"])
        let drift = ResourceDiff.drift(desired: desired, live: edited)
        #expect(drift == [Drift(pointer: try JSONPointer(parsing: "/spec/replicas"), desired: 2, live: 5)])
        let image = try JSONPatch.apply([JSONPatchOperation(kind: .replace, path: try JSONPointer(parsing: "/spec/template/spec/containers/1/image"), value: "nginx:latest")], to: live)
        let imageDrift = ResourceDiff.drift(desired: desired, live: image)
        #expect(imageDrift.map(\.pointer.description) == ["/spec/template/spec/containers/1/image"], "matched by container name, pointer into the live list")
    }

    @Test func ignoreDifferencesByPointerAndByManager() throws {
        var scaled = live
        scaled.setValue(7, at: ["spec", "replicas"])
        let byPointer = try IgnoreRule(["kind": "Deployment", "jsonPointers": ["/spec/replicas"]])
        #expect(ResourceDiff.drift(desired: desired, live: scaled, rules: [byPointer]).isEmpty)
        scaled.setValue(.array([["manager": "kube-controller-manager", "fieldsV1": ["f:spec": ["f:replicas": [:]]]]]), at: ["metadata", "managedFields"])
        let byManager = try IgnoreRule(["kind": "Deployment", "managedFieldsManagers": ["kube-controller-manager"]])
        #expect(ResourceDiff.drift(desired: desired, live: scaled, rules: [byManager]).isEmpty)
        let otherManager = try IgnoreRule(["managedFieldsManagers": ["someone-else"]])
        #expect(!ResourceDiff.drift(desired: desired, live: scaled, rules: [otherManager]).isEmpty)
    }

    @Test func aFieldDroppedFromThePlanIsDriftWhileItIsStillLive() throws {
        var lastApplied = desired
        lastApplied.setValue(["tier": "gold"], at: ["metadata", "annotations"])
        var withAnnotation = live
        withAnnotation.setValue(["tier": "gold", "deployment.kubernetes.io/revision": "3"], at: ["metadata", "annotations"])
        let drift = ResourceDiff.drift(desired: desired, live: withAnnotation, lastApplied: lastApplied)
        #expect(drift.map(\.pointer.description) == ["/metadata/annotations"])
        #expect(ResourceDiff.drift(desired: desired, live: withAnnotation).isEmpty, "two-way: someone else's annotation is not ours to remove")
    }

    @Test func numbersAndTheirStringsAreEqual() {
        let a: Value = ["spec": ["ports": [["port": 80, "targetPort": "8080"]]]]
        let b: Value = ["spec": ["ports": [["port": "80", "targetPort": 8080]]]]
        #expect(ResourceDiff.drift(desired: a, live: b).isEmpty)
        let named: Value = ["spec": ["ports": [["port": 80, "targetPort": "http"]]]]
        #expect(!ResourceDiff.drift(desired: named, live: b).isEmpty)
    }
}

@Suite struct HealthTests {
    static let fixtures: [String] = {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/health").path
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted().map { directory + "/" + $0 }
    }()

    @Test func thereAreFixturesForEveryKind() {
        #expect(Self.fixtures.count >= 20)
    }

    @Test(arguments: fixtures)
    func fixtureHealthMatchesItsName(path: String) throws {
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let expected = try #require(name.split(separator: "-").dropFirst().first.flatMap { HealthStatus(rawValue: $0.prefix(1).uppercased() + $0.dropFirst()) })
        let object = try YAML.parse(try String(contentsOfFile: path, encoding: .utf8), source: path)
        let result = ResourceHealth.assess(object)
        #expect(result.status == expected, "\(name): \(result.message)")
    }

    @Test func aMissingObjectIsMissingAndAggregationTakesTheWorst() {
        #expect(ResourceHealth.assess(nil).status == .missing)
        #expect(HealthStatus.aggregate([.healthy, .progressing, .suspended]) == .progressing)
        #expect(HealthStatus.aggregate([.healthy, .missing, .progressing]) == .missing)
        #expect(HealthStatus.aggregate([.missing, .degraded]) == .degraded)
        #expect(HealthStatus.aggregate([]) == .healthy)
    }
}

@Suite struct SyncPlannerTests {
    func resource(_ kind: String, _ name: String, wave: Int = 0, options: Set<String> = [], data: String = "v1") -> DesiredResource {
        let apiVersion = kind == "Deployment" ? "apps/v1" : "v1"
        let object: Value = ["apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": ["name": .string(name), "namespace": "ml"], "data": ["v": .string(data)]]
        return DesiredResource(key: ResourceKey(object: object)!, wave: wave, syncOptions: options, object: object)
    }

    func live(_ resources: [DesiredResource]) -> [ResourceKey: Value] {
        Dictionary(uniqueKeysWithValues: resources.map { ($0.key, $0.object) })
    }

    @Test func missingAndDriftedResourcesAreAppliedWaveByWave() {
        let cm = resource("ConfigMap", "settings", data: "v2")
        let svc = resource("Service", "web")
        let deploy = resource("Deployment", "web", wave: 1)
        let intent = ApplicationIntent(name: "app", namespace: "ml", automated: (prune: true, selfHeal: true, allowEmpty: false),
                                       syncOptions: ["CreateNamespace=true"], resources: [cm, svc, deploy])
        var liveObjects = live([resource("ConfigMap", "settings", data: "v1"), svc])
        liveObjects[deploy.key] = nil
        let decision = SyncPlanner.decide(intent, live: liveObjects, lastApplied: [:], context: .init(planChanged: false))
        #expect(!decision.synced)
        #expect(decision.missing == [deploy.key])
        #expect(decision.drift[cm.key]?.map(\.pointer.description) == ["/data/v"])
        #expect(decision.waves.map(\.wave) == [Int.min, 0, 1])
        #expect(decision.actions == [.createNamespace("ml"), .apply(cm, replace: false, serverSide: false), .apply(deploy, replace: false, serverSide: false)])
    }

    @Test func manualApplicationsWaitForASyncRequest() {
        let cm = resource("ConfigMap", "settings", data: "v2")
        var intent = ApplicationIntent(name: "gated", automated: nil, resources: [cm])
        let decision = SyncPlanner.decide(intent, live: [:], lastApplied: [:], context: .init(planChanged: true))
        #expect(decision.actions.isEmpty)
        #expect(decision.conditions.map(\.kind) == [.manualSyncRequired])
        intent.syncToken = "t1"
        #expect(SyncPlanner.decide(intent, live: [:], lastApplied: [:], context: .init(planChanged: true)).actions.count == 1)
    }

    @Test func withoutSelfHealDriftOnAnUnchangedPlanIsOnlyReported() {
        let cm = resource("ConfigMap", "settings", data: "v2")
        let intent = ApplicationIntent(name: "app", automated: (prune: false, selfHeal: false, allowEmpty: false), resources: [cm])
        let drifted = live([resource("ConfigMap", "settings", data: "edited")])
        #expect(SyncPlanner.decide(intent, live: drifted, lastApplied: [:], context: .init(planChanged: false)).actions.isEmpty)
        #expect(SyncPlanner.decide(intent, live: drifted, lastApplied: [:], context: .init(planChanged: true)).actions.count == 1)
    }

    @Test func pruneOnlyExtraneousObjectsInReverseWaveWithPruneLastAndPruneFalse() {
        let keep = resource("ConfigMap", "keep")
        var old1 = resource("ConfigMap", "old1")
        old1.object.setValue(["argocd.argoproj.io/sync-wave": "5"], at: ["metadata", "annotations"])
        var old2 = resource("ConfigMap", "old2")
        old2.object.setValue(["argocd.argoproj.io/sync-options": "PruneLast=true"], at: ["metadata", "annotations"])
        var pinned = resource("ConfigMap", "pinned")
        pinned.object.setValue(["argocd.argoproj.io/sync-options": "Prune=false"], at: ["metadata", "annotations"])
        let others = (0..<6).map { resource("Service", "s\($0)") }
        let intent = ApplicationIntent(name: "app", automated: (prune: true, selfHeal: true, allowEmpty: false), resources: [keep] + others)
        let decision = SyncPlanner.decide(intent, live: live([keep, old1, old2, pinned] + others), lastApplied: [:], context: .init(planChanged: false))
        #expect(decision.extraneous.count == 3)
        let old3 = resource("ConfigMap", "old3")
        let second = SyncPlanner.decide(intent, live: live([keep, old1, old2, old3, pinned] + others), lastApplied: [:], context: .init(planChanged: false))
        #expect(second.prunes == [.prune(old1.key), .prune(old3.key), .prune(old2.key)], "wave 5 first, PruneLast last, Prune=false never")
        #expect(decision.prunes.count == 2)
    }

    @Test func aPruneOfEverythingOrMostIsRefusedWithAReason() {
        let objects = (0..<6).map { resource("ConfigMap", "c\($0)") }
        let empty = ApplicationIntent(name: "app", automated: (prune: true, selfHeal: true, allowEmpty: false), resources: [])
        let all = SyncPlanner.decide(empty, live: live(objects), lastApplied: [:], context: .init(planChanged: true))
        #expect(all.prunes.isEmpty)
        #expect(all.conditions.first?.kind == .pruneRefused)
        let most = ApplicationIntent(name: "app", automated: (prune: true, selfHeal: true, allowEmpty: false), resources: [objects[0]])
        #expect(SyncPlanner.decide(most, live: live(objects), lastApplied: [:], context: .init(planChanged: true)).conditions.first?.kind == .pruneRefused)
        let allowed = ApplicationIntent(name: "app", automated: (prune: true, selfHeal: true, allowEmpty: true), resources: [])
        #expect(SyncPlanner.decide(allowed, live: live(objects), lastApplied: [:], context: .init(planChanged: true)).prunes.count == 6)
    }

    @Test func aRenderErrorFreezesTheApplication() {
        let objects = [resource("ConfigMap", "a"), resource("ConfigMap", "b")]
        let intent = ApplicationIntent(name: "app", automated: (prune: true, selfHeal: true, allowEmpty: true), resources: [], renderError: "kustomization.yaml:3: bad")
        let decision = SyncPlanner.decide(intent, live: live(objects), lastApplied: [:], context: .init(planChanged: true))
        #expect(decision.actions.isEmpty)
        #expect(decision.conditions.map(\.kind) == [.renderError])
    }

    @Test func aFieldThatKeepsDriftingBackIsReportedAsASyncLoopNotReapplied() throws {
        let deploy = resource("Deployment", "web")
        var scaled = deploy.object
        scaled.setValue("hpa", at: ["data", "v"])
        let pointer = try JSONPointer(parsing: "/data/v")
        var detector = SyncLoopDetector(threshold: 3, window: 300)
        for t in [0.0, 60, 120] { detector.record(deploy.key, pointers: [pointer], at: t) }
        #expect(detector.looping(at: 130)[deploy.key] == [pointer])
        #expect(detector.looping(at: 1000).isEmpty, "old re-applies fall out of the window")
        let intent = ApplicationIntent(name: "app", automated: (prune: false, selfHeal: true, allowEmpty: false), resources: [deploy])
        let decision = SyncPlanner.decide(intent, live: [deploy.key: scaled], lastApplied: [:],
                                          context: .init(planChanged: false, loopingFields: detector.looping(at: 130)))
        #expect(decision.actions.isEmpty)
        let condition = try #require(decision.conditions.first)
        #expect(condition.kind == .syncLoop)
        #expect(condition.message.contains("jsonPointers: [\"/data/v\"]"))
    }

    @Test func applicationIntentReadsAPlanEntry() throws {
        let entry = try JSON.parse(#"""
            {"name":"web","namespace":"ml","syncPolicy":{"automated":{"prune":true,"selfHeal":false,"allowEmpty":false},"syncOptions":["CreateNamespace=true"]},
             "ignoreDifferences":[{"kind":"Deployment","jsonPointers":["/spec/replicas"]}],
             "resources":[{"wave":1,"syncOptions":["Replace=true"],"object":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"ml"}}}]}
            """#)
        let intent = try ApplicationIntent(PlanEntry(entry), syncToken: "tok")
        #expect(intent.automated?.prune == true && intent.automated?.selfHeal == false)
        #expect(intent.resources.first?.wave == 1 && intent.resources.first?.syncOptions == ["Replace=true"])
        #expect(intent.ignoreRules.first?.jsonPointers.first?.description == "/spec/replicas")
        #expect(intent.syncToken == "tok")
    }
}
