import FleetModel
import FleetReconcile
import FleetSpoke
import FleetTestSupport
import Foundation
import Testing

@testable import FleetKube

@Suite struct FakeAPIServerTests {
    /// The Kubernetes driver against the fake API server, and a reconciler on it (no waits).
    static func reconciler(_ api: FakeAPIServer, _ temp: TemporaryDirectory) throws -> (KubeDriver, Reconciler) {
        let driver = KubeDriver(connection: KubeConnection(server: api.server.url, token: "test-token"))
        driver.sleep = { _ in }
        return (driver, Reconciler(driver: driver, state: try SpokeState(path: temp.file("s.sqlite")), waveTimeout: 5, sleep: { _ in }))
    }

    func plan(secret: Bool = false, withDeployment: Bool = true) -> Value {
        func labeled(_ o: Value) -> Value { var o = o; o.setValue(["fleet.gitops.dev/app": "web"], at: ["metadata", "labels"]); return o }
        var resources: [Value] = [["wave": 0, "object": labeled(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "settings", "namespace": "ml"], "data": ["a": "b"]])]]
        if withDeployment {
            resources.append(["wave": 1, "object": labeled(["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web", "namespace": "ml"],
                                                           "spec": ["replicas": 2, "template": ["spec": ["containers": [["name": "web", "image": "nginx:1"]]]]]])])
        }
        if secret { resources.append(["wave": 0, "object": labeled(["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "token", "namespace": "ml"]])]) }
        return ["formatVersion": 1, "cluster": "k", "id": "sha256:k", "applications": [[
            "name": "web", "namespace": "ml", "trackingLabel": "web",
            "syncPolicy": ["automated": ["prune": true, "selfHeal": true, "allowEmpty": true], "syncOptions": ["CreateNamespace=true"]],
            "resources": .array(resources),
        ]]]
    }

    @Test func theDriverAppliesListsAndPrunesThroughTheAPI() throws {
        let api = try FakeAPIServer()
        defer { api.server.stop() }
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let (_, reconciler) = try Self.reconciler(api, temp)
        let first = try reconciler.reconcile(plan: plan())
        #expect(first["synced"] == true, "\(first)")
        #expect(first["healthy"] == true)
        #expect(api.object("/api/v1/namespaces/ml") != nil, "CreateNamespace=true created it")
        #expect(api.object("/apis/apps/v1/namespaces/ml/deployments/web")?["spec"]?["replicas"] == 2)
        #expect(api.requests.contains { $0.hasPrefix("PATCH /api/v1/namespaces/ml/configmaps/settings?fieldManager=fleet-spoke&force=true") })

        let dryRuns = api.requests.filter { $0.contains("dryRun=All") }.count
        let mark = api.requests.count
        let again = try reconciler.reconcile(plan: plan())
        #expect(again["synced"] == true, "what a mutating webhook rewrites is not drift: \(again)")
        #expect(dryRuns > 0, "diffs use the server's dry-run view")
        #expect(api.requests.filter { $0.contains("dryRun=All") }.count == dryRuns, "and reuse it while neither side changes")
        #expect(!api.requests[mark...].contains { $0.hasPrefix("PATCH") && !$0.contains("dryRun") }, "nothing re-applied: \(api.requests[mark...])")

        let pruned = try reconciler.reconcile(plan: plan(withDeployment: false))
        #expect(pruned["synced"] == true, "\(pruned)")
        #expect(api.object("/apis/apps/v1/namespaces/ml/deployments/web") == nil)
        #expect(api.requests.contains { $0.hasPrefix("DELETE /apis/apps/v1/namespaces/ml/deployments/web?propagationPolicy=Foreground") })
    }

    /// Argo CD's resources finalizer: an Application that leaves the plan takes its objects
    /// with it, through the API with the finalizer's propagation policy.
    @Test func anApplicationThatLeavesThePlanIsDeletedThroughTheAPI() throws {
        let api = try FakeAPIServer()
        defer { api.server.stop() }
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let (_, reconciler) = try Self.reconciler(api, temp)
        var both = plan()
        var web = try #require(both["applications"]?[0])
        web.setValue("foreground", at: ["removal"])
        var other = web
        other.setValue("other", at: ["name"])
        other.setValue("other", at: ["trackingLabel"])
        other.setValue("background", at: ["removal"])
        other.setValue([["wave": 0, "object": ["apiVersion": "v1", "kind": "ConfigMap",
                                               "metadata": ["name": "other", "namespace": "ml", "labels": ["fleet.gitops.dev/app": "other"]]]]],
                       at: ["resources"])
        both.setValue([web, other], at: ["applications"])
        let first = try reconciler.reconcile(plan: both)
        #expect(first["synced"] == true, "\(first)")
        #expect(api.object("/api/v1/namespaces/ml/configmaps/other") != nil)

        var remaining = both
        remaining.setValue([other], at: ["applications"])
        let report = try reconciler.reconcile(plan: remaining)
        #expect(report["conditions"]?[0]?["type"] == "ApplicationDeleted", "\(report)")
        #expect(api.object("/apis/apps/v1/namespaces/ml/deployments/web") == nil && api.object("/api/v1/namespaces/ml/configmaps/settings") == nil)
        #expect(api.object("/api/v1/namespaces/ml/configmaps/other") != nil, "the other Application stays")
        let deletes = api.requests.filter { $0.hasPrefix("DELETE") }
        #expect(deletes == ["DELETE /apis/apps/v1/namespaces/ml/deployments/web?propagationPolicy=Foreground",
                            "DELETE /api/v1/namespaces/ml/configmaps/settings?propagationPolicy=Foreground"], "wave 1 before wave 0: \(deletes)")

        var none = both
        none.setValue([], at: ["applications"])
        let held = try reconciler.reconcile(plan: none)
        #expect(held["conditions"]?[0]?["type"] == "DeletionHeld", "emptying the cluster needs the Cluster record's allow-empty")
        none.setValue(true, at: ["allowEmpty"])
        _ = try reconciler.reconcile(plan: none)
        #expect(api.requests.last == "DELETE /api/v1/namespaces/ml/configmaps/other?propagationPolicy=Background" || api.object("/api/v1/namespaces/ml/configmaps/other") == nil)
        #expect(api.requests.contains("DELETE /api/v1/namespaces/ml/configmaps/other?propagationPolicy=Background"))
    }

    /// Orphaned-resource monitoring lists the destination namespace kind by kind as the API
    /// serves it (items without kind), skips what RBAC forbids and what Argo CD never watches
    /// (events), and warns of the one unmanaged object.
    @Test func orphanedResourcesAreFoundByListingTheNamespaceThroughTheAPI() throws {
        let api = try FakeAPIServer()
        defer { api.server.stop() }
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let (driver, reconciler) = try Self.reconciler(api, temp)
        var watched = plan()
        var entry = try #require(watched["applications"]?[0])
        entry.setValue(["project": "team", "destinations": [["server": "*", "name": "*", "namespace": "*"]], "clusterResourceWhitelist": [],
                          "clusterResourceBlacklist": [], "namespaceResourceBlacklist": [], "orphanedResources": ["warn": true, "ignore": []]],
                       at: ["projectRules"])
        watched.setValue([entry], at: ["applications"])
        _ = try reconciler.reconcile(plan: watched)
        try driver.apply(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "stray", "namespace": "ml"]], replace: false)
        reconciler.forgetCaches()
        let report = try reconciler.reconcile(plan: watched)
        let web = try #require(report["applications"]?[0])
        #expect(web["orphaned"] == ["ConfigMap ml/stray"], "\(web)")
        #expect(web["conditions"]?.arrayValue?.contains { $0["type"] == "OrphanedResourceWarning" && $0["message"] == "Application has 1 orphaned resources" } == true)
        #expect(api.requests.contains("GET /api/v1/namespaces/ml/configmaps"))
        #expect(api.requests.contains("GET /apis/apps/v1/namespaces/ml/deployments"))
        #expect(!api.requests.contains { $0.contains("/events") }, "events are never listed")
        let listed = try driver.listNamespace("ml")
        #expect(listed[ResourceKey(group: "", kind: "ConfigMap", namespace: "ml", name: "stray")]?["kind"] == "ConfigMap", "kind restored from discovery")
    }

    /// A PreSync hook Job through the API: created before the objects, run to completion,
    /// deleted in the background by its HookSucceeded policy.
    @Test func aHookJobRunsBeforeTheObjectsAndIsDeletedWhenItSucceeded() throws {
        let api = try FakeAPIServer()
        defer { api.server.stop() }
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let (_, reconciler) = try Self.reconciler(api, temp)
        var document = plan(withDeployment: false)
        var entries = document["applications"]?.arrayValue ?? []
        var resources = entries[0]["resources"]?.arrayValue ?? []
        resources.insert(["wave": 0, "hooks": ["PreSync"], "object": [
            "apiVersion": "batch/v1", "kind": "Job",
            "metadata": ["name": "migrate", "namespace": "ml", "labels": ["fleet.gitops.dev/app": "web"],
                         "annotations": ["argocd.argoproj.io/hook": "PreSync", "argocd.argoproj.io/hook-delete-policy": "HookSucceeded"]],
            "spec": ["template": ["spec": ["restartPolicy": "Never", "containers": [["name": "m", "image": "migrate:1"]]]]]]], at: 0)
        entries[0].setValue(.array(resources), at: ["resources"])
        document.setValue(.array(entries), at: ["applications"])
        let report = try reconciler.reconcile(plan: document)
        #expect(report["synced"] == true, "\(report)")
        #expect(report["applications"]?[0]?["lastSync"]?["hooks"]?[0]?["status"] == "Succeeded", "\(report)")
        let writes = api.requests.filter { $0.hasPrefix("PATCH") && !$0.contains("dryRun") || $0.hasPrefix("DELETE") }
        #expect(writes.first?.hasPrefix("PATCH /apis/batch/v1/namespaces/ml/jobs/migrate") == true, "the hook first: \(writes)")
        #expect(writes.contains("DELETE /apis/batch/v1/namespaces/ml/jobs/migrate?propagationPolicy=Background"))
        #expect(api.object("/apis/batch/v1/namespaces/ml/jobs/migrate") == nil)
    }

    @Test func aForbiddenVerbIsReportedWithTheResource() throws {
        let api = try FakeAPIServer()
        defer { api.server.stop() }
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let (_, reconciler) = try Self.reconciler(api, temp)
        let report = try reconciler.reconcile(plan: plan(secret: true))
        let text = JSON.encode(report)
        #expect(text.contains("cannot list resource \\\"secrets\\\"") && text.contains("docs/kubernetes.md"), "\(text)")
        #expect(report["synced"] == false)
        let unauthorized = KubeDriver(connection: KubeConnection(server: api.server.url, token: "wrong"))
        #expect(throws: KubeError.self) { try unauthorized.get(ResourceKey(group: "", kind: "ConfigMap", namespace: "ml", name: "x")) }
    }
}
