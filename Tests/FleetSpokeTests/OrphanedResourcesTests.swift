import FleetModel
import FleetProtocol
import FleetReconcile
import Testing

@testable import FleetSpoke

/// Argo CD's Orphaned Resources Monitoring: "each project application that has any orphaned
/// resources in its target namespace will get a warning"; never orphaned: "Namespaced resources
/// denied in the project", "ServiceAccount with the name default", "Service with the name
/// kubernetes in the default namespace", "ConfigMap with the name kube-root-ca.crt in all
/// namespaces", and what `ignore` names (name globs).
@Suite struct OrphanedResourcesTests {
    typealias Removal = ApplicationRemovalTests

    static func object(_ kind: String, _ name: String, apiVersion: String = "v1", extra: ValueObject = [:], metadata: ValueObject = [:]) -> Value {
        var meta: ValueObject = ["name": .string(name), "namespace": "ml"]
        for (k, v) in metadata { meta[k] = v }
        var o: ValueObject = ["apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": .object(meta)]
        for (k, v) in extra { o[k] = v }
        return .object(o)
    }

    func watched(_ policy: OrphanedResourcesPolicy?, blacklist: [ProjectRules.ResourceRule] = []) -> PlanEntry {
        var web = Removal.entry("web", removal: .foreground, resources: [Removal.configMap("web", "web-config")])
        web.projectRules = ProjectRules(project: "team", destinations: [ProjectRules.Destination(server: "*", namespace: "*")], namespaceResourceBlacklist: blacklist)
        web.projectRules?.orphanedResources = policy
        return web
    }

    func seed(_ setup: ReconcilerFixture) throws {
        try setup.cluster.ensureNamespace("ml")
        for object in [
            Self.object("ConfigMap", "stray"),
            Self.object("ConfigMap", "kube-root-ca.crt"),
            Self.object("ServiceAccount", "default"),
            Self.object("Secret", "cert.example.com"),
            Self.object("ResourceQuota", "quota"),
            Self.object("Pod", "web-1", metadata: ["ownerReferences": [["kind": "ReplicaSet", "name": "web", "uid": "1", "apiVersion": "apps/v1"]]]),
            Self.object("ConfigMap", "argo-managed", metadata: ["labels": ["argocd.argoproj.io/instance": "old-app"]]),
        ] {
            try setup.cluster.apply(object)
        }
    }

    @Test func aWatchingProjectsApplicationIsWarnedOfUnmanagedTopLevelObjectsInItsNamespace() throws {
        let setup = try ReconcilerFixture()
        try seed(setup)
        let policy = OrphanedResourcesPolicy(ignore: [ProjectRules.ResourceRule(group: "", kind: "Secret", name: "*.example.com")])
        let blacklist = [ProjectRules.ResourceRule(group: "", kind: "ResourceQuota")]
        let report = try setup.reconciler.reconcile(plan: Removal.plan([watched(policy, blacklist: blacklist)]))
        let web = try #require(report.applications.first)
        #expect(web.orphaned == ["ConfigMap ml/stray"], "\(web.orphaned)")
        #expect(web.conditions.contains(StatusCondition(type: "OrphanedResourceWarning", message: "Application has 1 orphaned resources")))
        #expect(try setup.exists("ConfigMap", "stray"), "monitoring never deletes")
    }

    @Test func warnFalseListsOrphansWithoutTheConditionAndNoPolicyLooksNowhere() throws {
        let setup = try ReconcilerFixture()
        try seed(setup)
        let quiet = try setup.reconciler.reconcile(plan: Removal.plan([watched(OrphanedResourcesPolicy(warn: false))])).applications[0]
        #expect(quiet.orphaned.contains("ConfigMap ml/stray") && quiet.orphaned.contains("ResourceQuota ml/quota"))
        #expect(!quiet.conditions.contains { $0.type == "OrphanedResourceWarning" })
        let unwatched = try setup.reconciler.reconcile(plan: Removal.plan([watched(nil)])).applications[0]
        #expect(unwatched.orphaned.isEmpty)
    }

    @Test func theRulesTravelInThePlanEntry() throws {
        var web = watched(OrphanedResourcesPolicy(warn: false, ignore: [ProjectRules.ResourceRule(group: "", kind: "Secret", name: "x*")]))
        web.trackingLabel = "web"
        let decoded = try PlanEntry(web.value)
        #expect(decoded.projectRules?.orphanedResources == web.projectRules?.orphanedResources)
    }
}
