import FleetModel
import FleetReconcile
import FleetSpoke
import FleetTestSupport
import Foundation
import Testing

@testable import FleetKube

/// A tiny API server on loopback with the shapes of the real one (discovery, server-side
/// apply, label-selected lists, deletes, Status errors), to run the driver end to end.
final class FakeAPIServer: @unchecked Sendable {
    private let lock = NSLock()
    private var objects: [String: Value] = [:]
    private(set) var requests: [String] = []
    var server: LoopbackHTTPServer!

    init() throws {
        server = try LoopbackHTTPServer { [unowned self] request in self.handle(request) }
    }

    func object(_ path: String) -> Value? { lock.withLock { objects[path] } }

    private func json(_ value: Value, _ status: Int = 200) -> TestHTTPResponse {
        TestHTTPResponse(status: status, headers: [("Content-Type", "application/json")], body: JSON.encodeBytes(value))
    }

    private func status(_ code: Int, _ reason: String, _ message: String) -> TestHTTPResponse {
        json(["kind": "Status", "apiVersion": "v1", "status": "Failure", "message": .string(message), "reason": .string(reason), "code": .int(code)], code)
    }

    func handle(_ request: TestHTTPRequest) -> TestHTTPResponse {
        lock.lock()
        defer { lock.unlock() }
        requests.append("\(request.method) \(request.target)")
        guard request.header("Authorization") == "Bearer test-token" else { return status(401, "Unauthorized", "Unauthorized") }
        switch (request.method, request.path) {
        case ("GET", "/api/v1"):
            return json(try! JSON.parse(#"{"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"namespaces","namespaced":false,"kind":"Namespace","verbs":["get","create"]},{"name":"configmaps","namespaced":true,"kind":"ConfigMap","verbs":["get","list","patch","delete"]},{"name":"secrets","namespaced":true,"kind":"Secret","verbs":["get","list"]},{"name":"events","namespaced":true,"kind":"Event","verbs":["get","list"]}]}"#))
        case ("GET", "/apis"):
            return json(try! JSON.parse(#"{"kind":"APIGroupList","groups":[{"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}},{"name":"batch","versions":[{"groupVersion":"batch/v1","version":"v1"}],"preferredVersion":{"groupVersion":"batch/v1","version":"v1"}}]}"#))
        case ("GET", "/apis/batch/v1"):
            return json(try! JSON.parse(#"{"kind":"APIResourceList","groupVersion":"batch/v1","resources":[{"name":"jobs","namespaced":true,"kind":"Job","verbs":["get","list","patch","delete"]}]}"#))
        case ("GET", "/apis/apps/v1"):
            return json(try! JSON.parse(#"{"kind":"APIResourceList","groupVersion":"apps/v1","resources":[{"name":"deployments","namespaced":true,"kind":"Deployment","verbs":["get","list","patch","delete"]}]}"#))
        default: break
        }
        if request.path.contains("/secrets") {
            return status(403, "Forbidden", "secrets is forbidden: User \"system:serviceaccount:fleet:spoke\" cannot \(request.method == "PATCH" ? "patch" : "get") resource \"secrets\"")
        }
        let parts = request.path.split(separator: "/").map(String.init)
        switch request.method {
        case "PATCH":
            guard request.header("Content-Type") == "application/apply-patch+yaml", request.query.contains("fieldManager=fleet-spoke") else {
                return status(415, "UnsupportedMediaType", "server-side apply needs application/apply-patch+yaml and a fieldManager")
            }
            guard var object = try? JSON.parse(request.body) else { return status(400, "BadRequest", "bad body") }
            if let namespace = object["metadata"]?["namespace"]?.stringValue, objects["/api/v1/namespaces/\(namespace)"] == nil {
                return status(404, "NotFound", "namespaces \"\(namespace)\" not found")
            }
            // A mutating webhook: images get a registry.
            if case .array(var containers)? = object["spec"]?["template"]?["spec"]?["containers"] {
                for i in containers.indices {
                    if let image = containers[i]["image"]?.stringValue, !image.contains("/") {
                        containers[i].setValue(.string("docker.io/library/" + image), at: ["image"])
                    }
                }
                object.setValue(.array(containers), at: ["spec", "template", "spec", "containers"])
            }
            if request.query.contains("dryRun=All") { return json(object) }
            if object["kind"] == "Deployment" {
                object.setValue(["observedGeneration": 1, "replicas": object["spec"]?["replicas"] ?? 1, "updatedReplicas": object["spec"]?["replicas"] ?? 1,
                                 "availableReplicas": object["spec"]?["replicas"] ?? 1], at: ["status"])
                object.setValue(1, at: ["metadata", "generation"])
            }
            if object["kind"] == "Job" {
                // The Job controller runs it to completion (a node would run its pod).
                object.setValue(["succeeded": 1, "conditions": [["type": "Complete", "status": "True"]]], at: ["status"])
            }
            objects[request.path] = object
            return json(object)
        case "POST" where request.path == "/api/v1/namespaces":
            guard let object = try? JSON.parse(request.body), let name = object["metadata"]?["name"]?.stringValue else { return status(400, "BadRequest", "bad") }
            objects["/api/v1/namespaces/\(name)"] = object
            return json(object, 201)
        case "DELETE":
            guard objects.removeValue(forKey: request.path) != nil else { return status(404, "NotFound", "not found") }
            return json(["kind": "Status", "status": "Success"])
        case "GET":
            if let object = objects[request.path] { return json(object) }
            // As the real server lists: `<Kind>List`, items without apiVersion and kind.
            func list(_ items: [Value]) -> TestHTTPResponse {
                json(["kind": "List", "apiVersion": "v1", "metadata": ["resourceVersion": "1"], "items": .array(items.map { item in
                    guard case .object(var o) = item else { return item }
                    o["kind"] = nil
                    o["apiVersion"] = nil
                    return .object(o)
                })])
            }
            let resource = parts.last ?? ""
            // A collection in one namespace: /api/v1/namespaces/ml/configmaps
            if parts.count >= 5, parts[parts.count - 3] == "namespaces", request.query.isEmpty {
                return list(objects.filter { $0.key.hasPrefix(request.path + "/") && !$0.key.dropFirst(request.path.count + 1).contains("/") }
                    .sorted { $0.key < $1.key }.map(\.value))
            }
            // A collection across namespaces: /api/v1/configmaps?labelSelector=...
            let selector = request.query.removingPercentEncoding?.replacingOccurrences(of: "labelSelector=", with: "") ?? ""
            let pieces = selector.split(separator: "=").map(String.init)
            if pieces.count == 2 {
                let items = objects.filter { $0.key.split(separator: "/").dropLast().last.map(String.init) == resource }
                    .map(\.value).filter { $0["metadata"]?["labels"]?[pieces[0]]?.stringValue == pieces[1] }
                return list(items)
            }
            return status(404, "NotFound", "\(request.path) not found")
        default:
            return status(405, "MethodNotAllowed", "no")
        }
    }
}

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
        #expect(text.contains("cannot get resource \\\"secrets\\\"") && text.contains("docs/kubernetes.md"), "\(text)")
        #expect(report["synced"] == false)
        let unauthorized = KubeDriver(connection: KubeConnection(server: api.server.url, token: "wrong"))
        #expect(throws: KubeError.self) { try unauthorized.get(ResourceKey(group: "", kind: "ConfigMap", namespace: "ml", name: "x")) }
    }
}
