import FleetModel
import FleetProtocol
import FleetReconcile
import FleetTestSupport
import Foundation
import Testing

@testable import FleetSpoke

/// An Application that leaves the plan is removed as Argo CD deletes an Application: "when an
/// Application with the resources-finalizer.argocd.argoproj.io finalizer is deleted, its
/// resources are deleted too" (cascading, last sync wave first); without the finalizer "the
/// Application's resources are left" (orphaned).
@Suite struct ApplicationRemovalTests {
    typealias Setup = ReconcilerFixture

    static func configMap(_ app: String, _ name: String, wave: Int = 0, options: String? = nil) -> PlannedResource {
        var annotations: ValueObject = [PlanFormat.syncWaveAnnotation: .string(String(wave))]
        if let options { annotations[PlanFormat.syncOptionsAnnotation] = .string(options) }
        let labels: ValueObject = [PlanFormat.applicationLabel: .string(app)]
        let object: Value = ["apiVersion": "v1", "kind": "ConfigMap",
                             "metadata": ["name": .string(name), "namespace": "ml", "labels": .object(labels), "annotations": .object(annotations)]]
        return PlannedResource(group: "", version: "v1", kind: "ConfigMap", namespace: "ml", name: name, wave: wave, object: object)
    }

    static func entry(_ name: String, removal: RemovalPolicy?, resources: [PlannedResource]) -> PlanEntry {
        PlanEntry(name: name, trackingLabel: name, namespace: "ml",
                  syncPolicy: SyncPolicy(automated: AutomatedSync(prune: true, selfHeal: true), syncOptions: ["CreateNamespace=true"]),
                  resources: resources, removal: removal)
    }

    static let web = entry("web", removal: .foreground, resources: [
        configMap("web", "web-early", wave: -1), configMap("web", "web-late", wave: 5), configMap("web", "web-keep", options: "Delete=false"),
    ])
    static let legacy = entry("legacy", removal: nil, resources: [configMap("legacy", "legacy-config")])
    static let api = entry("api", removal: .background, resources: [configMap("api", "api-config")])

    static func plan(_ entries: [PlanEntry], allowEmpty: Bool = false, holdRemovals: String? = nil) -> Plan {
        Plan(cluster: "eu", server: "", id: "sha256:\(entries.map(\.name).joined())", applications: entries, allowEmpty: allowEmpty, holdRemovals: holdRemovals)
    }

    @Test func anApplicationWithTheFinalizerTakesItsObjectsWithItAndOneWithoutLeavesThem() throws {
        let setup = try Setup()
        let first = try setup.reconciler.reconcile(plan: Self.plan([Self.web, Self.legacy, Self.api]))
        #expect(first.synced, "\(first)")
        #expect(try setup.exists("ConfigMap", "web-late") && setup.exists("ConfigMap", "legacy-config"))

        let dry = try setup.reconciler.reconcile(plan: Self.plan([Self.api]), dryRun: true)
        #expect(try setup.exists("ConfigMap", "web-late"), "a dry run deletes nothing")
        #expect(dry.conditions.contains { $0.type == "ApplicationDeleting" && $0.message.contains("would delete 2 object(s)") })

        let report = try setup.reconciler.reconcile(plan: Self.plan([Self.api]))
        #expect(try !setup.exists("ConfigMap", "web-early") && !setup.exists("ConfigMap", "web-late"))
        #expect(try setup.exists("ConfigMap", "web-keep"), "Delete=false: kept, untracked")
        #expect(try setup.exists("ConfigMap", "legacy-config"), "no finalizer: the objects stay")
        #expect(try setup.exists("ConfigMap", "api-config"))
        let deleted = try #require(report.conditions.first { $0.type == "ApplicationDeleted" })
        #expect(deleted.message.contains("web left the plan: deleted 2 object(s)") && deleted.message.contains("kept (Delete=false): ConfigMap ml/web-keep"), "\(deleted.message)")
        #expect(report.conditions.contains { $0.type == "ApplicationRemoved" && $0.message.hasPrefix("legacy") })
        #expect(try setup.reconciler.state.rememberedApplications().keys.sorted() == ["api"], "both are forgotten")
        #expect(try setup.reconciler.state.lastApplied(app: "web").isEmpty)

        let quiet = try setup.reconciler.reconcile(plan: Self.plan([Self.api]))
        #expect(quiet.conditions.isEmpty, "a removal is reported once")
    }

    @Test func theLastWaveGoesFirst() throws {
        let setup = try Setup()
        _ = try setup.reconciler.reconcile(plan: Self.plan([Self.web, Self.api]))
        _ = try setup.reconciler.reconcile(plan: Self.plan([Self.legacy]))
        #expect(setup.driver.deletions.map { "\($0.name):\($0.propagation.rawValue)" } == ["api-config:Background", "web-late:Foreground", "web-early:Foreground"],
                "api's background finalizer; web's wave 5 before wave -1")
    }

    @Test func aPlanThatCannotListEveryApplicationHoldsTheRemoval() throws {
        let setup = try Setup()
        _ = try setup.reconciler.reconcile(plan: Self.plan([Self.web, Self.api]))
        let held = try setup.reconciler.reconcile(plan: Self.plan([Self.api], holdRemovals: "ApplicationSet web could not be generated"))
        #expect(try setup.exists("ConfigMap", "web-late"))
        #expect(held.conditions == [StatusCondition(type: "DeletionHeld", message: "web left the plan but ApplicationSet web could not be generated")])
        _ = try setup.reconciler.reconcile(plan: Self.plan([Self.api]))
        #expect(try !setup.exists("ConfigMap", "web-late"), "once the plan is whole again, the removal proceeds")
    }

    @Test func removingEveryApplicationAtOnceNeedsTheClusterRecordToAllowIt() throws {
        let setup = try Setup()
        _ = try setup.reconciler.reconcile(plan: Self.plan([Self.web, Self.api]))
        let held = try setup.reconciler.reconcile(plan: Self.plan([]))
        #expect(try setup.exists("ConfigMap", "web-late") && setup.exists("ConfigMap", "api-config"))
        #expect(held.conditions.first?.type == "DeletionHeld")
        #expect(held.conditions.first?.message.contains(PlanFormat.allowEmptyAnnotation) == true)
        _ = try setup.reconciler.reconcile(plan: Self.plan([], allowEmpty: true))
        #expect(try !setup.exists("ConfigMap", "web-late") && !setup.exists("ConfigMap", "api-config"))
    }

    @Test func anEntryThatDidNotRenderKeepsTheRemovalPolicyLastSeen() throws {
        let setup = try Setup()
        _ = try setup.reconciler.reconcile(plan: Self.plan([Self.web, Self.api]))
        var broken = Self.web
        broken.error = "kustomization.yaml:3: unknown field"
        broken.removal = nil
        _ = try setup.reconciler.reconcile(plan: Self.plan([broken, Self.api]))
        #expect(try setup.reconciler.state.rememberedApplications()["web"]?.removal == .foreground)
        let restarted = Reconciler(driver: setup.cluster, state: setup.reconciler.state, waveTimeout: 30, clock: { setup.clock.now }, sleep: { setup.clock.now += $0 })
        _ = try restarted.reconcile(plan: Self.plan([Self.api]))
        #expect(try !setup.exists("ConfigMap", "web-late"), "a restarted spoke still knows what to remove")
    }

    /// "Delete=confirm: ... requires confirmation before deletion": here, a person deleting it.
    @Test func anObjectWhoseDeletionNeedsConfirmationHoldsTheRemovalUntilSomeoneDeletesIt() throws {
        let setup = try Setup()
        let careful = Self.entry("careful", removal: .foreground, resources: [Self.configMap("careful", "ledger", options: "Delete=confirm"),
                                                                               Self.configMap("careful", "cache")])
        _ = try setup.reconciler.reconcile(plan: Self.plan([careful, Self.api]))
        let held = try setup.reconciler.reconcile(plan: Self.plan([Self.api]))
        #expect(try !setup.exists("ConfigMap", "cache") && setup.exists("ConfigMap", "ledger"))
        #expect(held.conditions.first?.type == "DeletionHeld" && held.conditions.first?.message.contains("ConfigMap ml/ledger") == true, "\(held.conditions)")
        try setup.cluster.delete(ResourceKey(group: "", kind: "ConfigMap", namespace: "ml", name: "ledger"))
        let done = try setup.reconciler.reconcile(plan: Self.plan([Self.api]))
        #expect(done.conditions.first?.type == "ApplicationDeleted")
        #expect(try setup.reconciler.state.rememberedApplications()["careful"] == nil)
    }
}
