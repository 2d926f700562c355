import FleetModel
import FleetProtocol
import FleetReconcile
import FleetTestSupport
import Foundation
import Testing

@testable import FleetSpoke

/// Resource hooks as Argo CD runs them ("Resource Hooks": PreSync before the manifests, Sync
/// with them, PostSync after every resource is healthy, SyncFail when the sync fails; the
/// default delete policy is BeforeHookCreation).
@Suite struct HookTests {
    func setup() throws -> ReconcilerFixture {
        try ReconcilerFixture(readyDelay: 1, failingImages: ["broken:1"], namespace: "ml")
    }

    static func job(_ name: String, hook: String, wave: Int = 0, image: String = "migrate:1", deletePolicy: String? = nil, generate: Bool = false) -> PlannedResource {
        var annotations: ValueObject = [PlanFormat.hookAnnotation: .string(hook)]
        if wave != 0 { annotations[PlanFormat.syncWaveAnnotation] = .string(String(wave)) }
        if let deletePolicy { annotations[PlanFormat.hookDeletePolicyAnnotation] = .string(deletePolicy) }
        let labels: ValueObject = [PlanFormat.applicationLabel: "db"]
        var metadata: ValueObject = ["namespace": "ml", "labels": .object(labels), "annotations": .object(annotations)]
        metadata[generate ? "generateName" : "name"] = .string(name)
        let object: Value = ["apiVersion": "batch/v1", "kind": "Job", "metadata": .object(metadata),
                             "spec": ["template": ["spec": ["restartPolicy": "Never", "containers": [["name": "run", "image": .string(image)]]]]]]
        return PlannedResource(group: "batch", version: "v1", kind: "Job", namespace: "ml", name: name, wave: wave, hooks: [hook], object: object)
    }

    static func plan(_ resources: [PlannedResource], syncRequest: String? = nil) -> Plan {
        let entry = PlanEntry(name: "db", trackingLabel: "db", namespace: "ml",
                              syncPolicy: SyncPolicy(automated: AutomatedSync(prune: true, selfHeal: true)), resources: resources)
        var plan = Plan(cluster: "eu", server: "", id: "sha256:\(resources.count)", applications: [entry])
        if let syncRequest { plan.syncRequests = ["db": syncRequest] }
        return plan
    }

    static let config = ApplicationRemovalTests.configMap("db", "db-config", wave: 1)

    @Test func phasesRunInOrderAroundTheWavesAndAreReportedWithTheLastSync() throws {
        let setup = try setup()
        let resources = [Self.job("migrate-", hook: "PreSync", generate: true), Self.config, Self.job("smoke", hook: "PostSync", deletePolicy: "HookSucceeded"),
                         Self.job("seed", hook: "Sync", wave: 1), Self.job("alert", hook: "SyncFail"), Self.job("never", hook: "Skip")]
        let report = try setup.reconciler.reconcile(plan: Self.plan(resources))
        let status = try #require(report.applications.first)
        #expect(status.sync == .synced && status.health == .healthy, "\(status)")
        let applied = setup.driver.applied
        #expect(applied.count == 4, "\(applied)")
        #expect(applied[0].hasPrefix("migrate-") && applied[0].count == "migrate-".count + 5, "a generated name: \(applied[0])")
        #expect(Array(applied.dropFirst()) == ["db-config", "seed", "smoke"], "PreSync, then wave 1's object and its Sync hook, then PostSync")
        let hooks = try #require(status.lastSync?.hooks)
        #expect(hooks.map(\.phase) == ["PreSync", "Sync", "PostSync"])
        #expect(hooks.allSatisfy { $0.status == .succeeded })
        #expect(setup.driver.deleted == ["smoke"], "HookSucceeded: deleted once it succeeded")
        #expect(status.extraneous.isEmpty, "hooks left behind are not extraneous: \(status.extraneous)")

        let quiet = try setup.reconciler.reconcile(plan: Self.plan(resources))
        #expect(setup.driver.applied.count == 4, "an in-sync tick is no sync: no hook runs")
        #expect(quiet.applications.first?.sync == .synced)

        // A sync request is a sync: the hooks run again; BeforeHookCreation deletes `seed` first.
        _ = try setup.reconciler.reconcile(plan: Self.plan(resources, syncRequest: "t1"))
        #expect(setup.driver.applied.count == 7, "\(setup.driver.applied)")
        #expect(setup.driver.deleted.contains("seed"))
        #expect(Set(setup.driver.applied.filter { $0.hasPrefix("migrate-") }).count == 2, "a new generated name each run")
    }

    @Test func aFailedPreSyncHookStopsTheSyncAndRunsTheSyncFailHooks() throws {
        let setup = try setup()
        let resources = [Self.job("migrate", hook: "PreSync", image: "broken:1"), Self.config, Self.job("alert", hook: "SyncFail")]
        let report = try setup.reconciler.reconcile(plan: Self.plan(resources))
        let status = try #require(report.applications.first)
        #expect(setup.driver.applied == ["migrate", "alert"], "nothing applied after the failed PreSync")
        #expect(try setup.cluster.get(ResourceKey(group: "", kind: "ConfigMap", namespace: "ml", name: "db-config")) == nil)
        #expect(status.lastSync?.result == .failed)
        #expect(status.lastSync?.hooks.map(\.status) == [.failed, .succeeded])
        #expect(status.conditions.contains { $0.type == "HookFailed" && $0.message.contains("PreSync hook batch/Job ml/migrate") }, "\(status.conditions)")
    }

    /// "PostDelete hooks ... run after all Application resources are deleted."
    @Test func postDeleteHooksRunOnceTheRemovedApplicationsObjectsAreGone() throws {
        let setup = try setup()
        func entry(_ name: String, image: String) -> PlanEntry {
            var config = ApplicationRemovalTests.configMap(name, "\(name)-config")
            config.object.setValue(.object([PlanFormat.applicationLabel: .string(name)]), at: ["metadata", "labels"])
            var cleanup = Self.job("\(name)-cleanup", hook: "PostDelete", image: image, deletePolicy: "HookSucceeded")
            cleanup.object.setValue(.object([PlanFormat.applicationLabel: .string(name)]), at: ["metadata", "labels"])
            return PlanEntry(name: name, trackingLabel: name, namespace: "ml", syncPolicy: SyncPolicy(automated: AutomatedSync(prune: true, selfHeal: true)),
                             resources: [config, cleanup], removal: .foreground)
        }
        let keep = entry("keep", image: "migrate:1")
        let first = Plan(cluster: "eu", server: "", id: "sha256:1", applications: [entry("db", image: "migrate:1"), entry("cache", image: "broken:1"), keep])
        _ = try setup.reconciler.reconcile(plan: first)
        #expect(!setup.driver.applied.contains { $0.hasSuffix("-cleanup") }, "PostDelete hooks do not run with a sync")

        let report = try setup.reconciler.reconcile(plan: Plan(cluster: "eu", server: "", id: "sha256:2", applications: [keep]))
        let deleted = try #require(report.conditions.first { $0.message.hasPrefix("db ") })
        #expect(deleted.type == "ApplicationDeleted" && deleted.message.contains("PostDelete hooks run: batch/Job ml/db-cleanup"), "\(deleted.message)")
        #expect(setup.driver.applied.contains("db-cleanup") && setup.driver.deleted.contains("db-cleanup"), "run, then deleted by HookSucceeded")
        let failing = try #require(report.conditions.first { $0.message.hasPrefix("cache ") })
        #expect(failing.type == "ApplicationDeleting" && failing.message.contains("PostDelete hook batch/Job ml/cache-cleanup"), "\(failing.message)")
        #expect(try setup.reconciler.state.rememberedApplications().keys.sorted() == ["cache", "keep"], "a failed PostDelete hook keeps the removal going")
    }
}
