import FleetFiles
import FleetModel
import FleetReconcile
import FleetSpoke
import FleetTestSupport
import Foundation
import Testing

@testable import FleetKube

@Suite struct KubeConfigTests {
    static let kubeconfig = """
        apiVersion: v1
        kind: Config
        current-context: prod
        contexts:
        - name: prod
          context: {cluster: prod-cluster, user: spoke, namespace: fleet-system}
        - name: lab
          context: {cluster: lab-cluster, user: lab-user}
        clusters:
        - name: prod-cluster
          cluster:
            server: https://10.0.0.1:6443
            certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCmZha2UKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=
        - name: lab-cluster
          cluster: {server: 'https://lab.example.com:6443/', insecure-skip-tls-verify: true}
        users:
        - name: spoke
          user: {token: abc123}
        - name: lab-user
          user: {client-certificate: certs/lab.crt, client-key-data: a2V5Cg==}
        """

    @Test func readsTheCurrentContextAndWritesInlineDataToPrivateFiles() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let prod = try KubeConnection.kubeconfig(Self.kubeconfig, path: "/etc/kube/config", scratch: temp.path)
        #expect(prod.server == "https://10.0.0.1:6443")
        #expect(prod.token == "abc123")
        #expect(prod.namespace == "fleet-system")
        let ca = try #require(prod.caFile)
        #expect(try String(contentsOfFile: ca, encoding: .utf8).contains("BEGIN CERTIFICATE"))
        let mode = try FileManager.default.attributesOfItem(atPath: ca)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let lab = try KubeConnection.kubeconfig(Self.kubeconfig, path: "/etc/kube/config", context: "lab", scratch: temp.path)
        #expect(lab.server == "https://lab.example.com:6443")
        #expect(lab.insecureSkipTLSVerify)
        #expect(lab.clientCertificateFile == "/etc/kube/certs/lab.crt", "relative to the kubeconfig")
        #expect(try String(contentsOfFile: try #require(lab.clientKeyFile), encoding: .utf8) == "key\n")
    }

    @Test func refusesWhatItCannotUseWithTheReason() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        #expect(throws: KubeError.self) { try KubeConnection.kubeconfig(Self.kubeconfig, path: "k", context: "nope", scratch: temp.path) }
        let exec = Self.kubeconfig.replacingOccurrences(of: "user: {token: abc123}", with: "user: {exec: {command: aws}}")
        do {
            _ = try KubeConnection.kubeconfig(exec, path: "k", scratch: temp.path)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("exec or auth-provider"))
        }
    }

    @Test func inClusterConfigurationComesFromTheServiceAccount() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try temp.write("token", "tok-1")
        try temp.write("namespace", "fleet-system")
        try temp.write("ca.crt", "ca")
        let connection = try KubeConnection.inCluster(environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"], directory: temp.path)
        #expect(connection.server == "https://10.96.0.1:443")
        #expect(connection.tokenFile == temp.file("token"))
        #expect(connection.namespace == "fleet-system")
        let driver = KubeDriver(connection: connection)
        #expect(driver.bearer() == "tok-1")
        try temp.write("token", "tok-2")
        #expect(driver.bearer() == "tok-2", "a rotated token is picked up")
        #expect(throws: KubeError.self) { try KubeConnection.inCluster(environment: [:]) }
    }
}

@Suite struct DiscoveryAndRequestTests {
    static let coreV1 = try! JSON.parse(#"""
        {"kind":"APIResourceList","groupVersion":"v1","resources":[
          {"name":"namespaces","singularName":"namespace","namespaced":false,"kind":"Namespace","verbs":["create","delete","get","list","patch","update","watch"]},
          {"name":"configmaps","singularName":"configmap","namespaced":true,"kind":"ConfigMap","verbs":["create","delete","get","list","patch","update","watch"]},
          {"name":"pods/status","singularName":"","namespaced":true,"kind":"Pod","verbs":["get","patch","update"]}]}
        """#)
    static let groups = try! JSON.parse(#"""
        {"kind":"APIGroupList","apiVersion":"v1","groups":[
          {"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}},
          {"name":"example.com","versions":[{"groupVersion":"example.com/v1","version":"v1"},{"groupVersion":"example.com/v1beta1","version":"v1beta1"}],
           "preferredVersion":{"groupVersion":"example.com/v1","version":"v1"}}]}
        """#)
    static let apps = try! JSON.parse(#"""
        {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"apps/v1","resources":[
          {"name":"deployments","singularName":"deployment","namespaced":true,"kind":"Deployment","verbs":["create","delete","get","list","patch","update","watch"],"shortNames":["deploy"]},
          {"name":"deployments/scale","singularName":"","namespaced":true,"group":"autoscaling","version":"v1","kind":"Scale","verbs":["get","patch","update"]}]}
        """#)
    static let widgets = try! JSON.parse(#"""
        {"kind":"APIResourceList","groupVersion":"example.com/v1","resources":[{"name":"widgets","namespaced":false,"kind":"Widget","verbs":["get","list","patch"]}]}
        """#)

    var discovery: Discovery {
        var d = Discovery()
        d.add(resourceList: Self.coreV1, preferred: true)
        d.add(resourceList: Self.apps, preferred: true)
        d.add(resourceList: Self.widgets, preferred: true)
        return d
    }

    @Test func mapsKindsToResourcesAndScope() throws {
        #expect(Discovery.groupVersions(groupList: Self.groups).map(\.groupVersion) == ["apps/v1", "example.com/v1", "example.com/v1beta1"])
        let deployment = try #require(discovery.resource(group: "apps", version: "v1", kind: "Deployment"))
        #expect(deployment.resource == "deployments" && deployment.namespaced)
        #expect(KubeDriver.path(deployment, namespace: "ml", name: "web") == "/apis/apps/v1/namespaces/ml/deployments/web")
        let namespace = try #require(discovery.resource(group: "", version: "v1", kind: "Namespace"))
        #expect(KubeDriver.path(namespace, namespace: "", name: "ml") == "/api/v1/namespaces/ml")
        let widget = try #require(discovery.resource(group: "example.com", version: nil, kind: "Widget"))
        #expect(!widget.namespaced && KubeDriver.path(widget, namespace: "x", name: "w") == "/apis/example.com/v1/widgets/w")
        #expect(discovery.resource(group: "", version: "v1", kind: "Pod") == nil, "subresources are not kinds")
    }

    @Test func serverSideApplyRequestsUseOurFieldManagerAndForce() throws {
        let deployment = try #require(discovery.resource(group: "apps", version: "v1", kind: "Deployment"))
        let object: Value = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web", "namespace": "ml"], "spec": ["replicas": 2]]
        let request = KubeDriver.applyRequest(object, resource: deployment)
        #expect(request.method == "PATCH")
        #expect(request.path == "/apis/apps/v1/namespaces/ml/deployments/web?fieldManager=fleet-spoke&force=true")
        #expect(request.contentType == "application/apply-patch+yaml")
        #expect(try JSON.parse(request.body) == object)
    }

    @Test func errorsSayWhatWasRefusedAndWhy() {
        let forbidden = KubeError.from(status: 403, body: Array(#"""
            {"kind":"Status","apiVersion":"v1","status":"Failure","message":"deployments.apps \"web\" is forbidden: User \"system:serviceaccount:fleet:spoke\" cannot patch resource \"deployments\" in API group \"apps\" in the namespace \"ml\"","reason":"Forbidden","code":403}
            """#.utf8), action: "apply apps/Deployment ml/web")
        #expect(forbidden.kind == .forbidden)
        #expect(forbidden.description.contains("cannot patch resource \"deployments\""))
        #expect(forbidden.description.contains("docs/kubernetes.md"))
        let invalid = KubeError.from(status: 422, body: Array(#"""
            {"kind":"Status","status":"Failure","message":"Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0","reason":"Invalid",
             "details":{"name":"web","group":"apps","kind":"Deployment","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: -1: must be greater than or equal to 0","field":"spec.replicas"}]},"code":422}
            """#.utf8), action: "apply apps/Deployment ml/web")
        #expect(invalid.kind == .invalid)
        #expect(invalid.causes.first?.field == "spec.replicas")
        #expect(KubeError.from(status: 429, body: [], action: "x").isRetryable)
        #expect(KubeError.from(status: 503, body: Array("oops".utf8), action: "x").isRetryable)
        #expect(!KubeError.from(status: 404, body: [], action: "x").isRetryable)
    }
}

/// Against a real API server, when KUBECONFIG names one; otherwise reported as skipped.
@Suite(.serialized) struct KubeIntegrationTests {
    static let kubeconfig = ProcessInfo.processInfo.environment["KUBECONFIG"]

    static func labeled(_ o: Value) -> Value { var o = o; o.setValue(["fleet.gitops.dev/app": "it"], at: ["metadata", "labels"]); return o }

    static func plan(namespace: String, withService: Bool, widget: Bool) -> Value {
        var resources: [Value] = [
            ["wave": -2, "object": labeled(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]])],
            ["wave": 0, "object": labeled(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "settings", "namespace": .string(namespace)], "data": ["a": "b"]])],
            ["wave": 1, "object": labeled(["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web", "namespace": .string(namespace)],
                                           "spec": ["replicas": 1, "selector": ["matchLabels": ["app": "web"]],
                                                    "template": ["metadata": ["labels": ["app": "web"]], "spec": ["containers": [["name": "web", "image": "registry.k8s.io/pause:3.9"]]]]]])],
        ]
        // A PreSync hook under a generated name, deleted once it succeeded (a ConfigMap: done when
        // created, so the test needs no nodes to run a Job's pod).
        resources.append(["wave": 0, "hooks": ["PreSync"], "object": labeled(["apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["generateName": "it-presync-", "namespace": .string(namespace),
                         "annotations": ["argocd.argoproj.io/hook": "PreSync", "argocd.argoproj.io/hook-delete-policy": "HookSucceeded"]],
            "data": ["step": "migrate"]])])
        if withService {
            resources.append(["wave": 0, "object": labeled(["apiVersion": "v1", "kind": "Service", "metadata": ["name": "web", "namespace": .string(namespace)],
                                                           "spec": ["ports": [["port": 80]], "selector": ["app": "web"]]])])
        }
        if widget {
            // A CRD, then an instance of it in a later wave: discovery must learn the new kind.
            resources.append(["wave": -1, "object": labeled(["apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                "metadata": ["name": "widgets.it.fleet.dev"],
                "spec": ["group": "it.fleet.dev", "scope": "Namespaced", "names": ["plural": "widgets", "singular": "widget", "kind": "Widget"],
                         "versions": [["name": "v1", "served": true, "storage": true, "subresources": ["status": [:]],
                                       "schema": ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]]]]]])])
            resources.append(["wave": 2, "object": labeled(["apiVersion": "it.fleet.dev/v1", "kind": "Widget",
                                                           "metadata": ["name": "w", "namespace": .string(namespace)], "spec": ["size": 3]])])
        }
        return ["formatVersion": 1, "cluster": "it", "id": "sha256:it", "applications": [[
            "name": "it", "namespace": .string(namespace), "trackingLabel": "it",
            "syncPolicy": ["automated": ["prune": true, "selfHeal": true, "allowEmpty": true], "syncOptions": ["CreateNamespace=true"]],
            // The API server under test may have no nodes (envtest): the Deployment's health is
            // not what this test is about (the Widget's status is).
            "healthOverrides": [["group": "apps", "kind": "Deployment", "health": "Healthy"]],
            "resources": .array(resources),
        ]]]
    }

    /// The driver for the cluster KUBECONFIG's first file names.
    static func driver(_ temp: TemporaryDirectory) throws -> KubeDriver {
        let path = try #require(kubeconfig?.split(separator: ":").first.map(String.init))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return KubeDriver(connection: try KubeConnection.kubeconfig(text, path: path, scratch: temp.path))
    }

    @Test(.enabled(if: kubeconfig != nil, "skipped: no KUBECONFIG"))
    func appliesReadsBackHealsAndPrunesOnARealCluster() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let driver = try Self.driver(temp)
        let namespace = "fleet-it-\(getpid())"
        let reconciler = Reconciler(driver: driver, state: try SpokeState(path: temp.file("state.sqlite")), waveTimeout: 120)
        defer {
            try? driver.delete(ResourceKey(group: "", kind: "Namespace", namespace: "", name: namespace))
            try? driver.delete(ResourceKey(group: "apiextensions.k8s.io", kind: "CustomResourceDefinition", namespace: "", name: "widgets.it.fleet.dev"))
        }
        let first = try reconciler.reconcile(plan: Self.plan(namespace: namespace, withService: true, widget: true))
        #expect(first["synced"] == true, "\(first)")
        #expect(first["applications"]?[0]?["lastSync"]?["hooks"]?[0]?["status"] == "Succeeded", "the PreSync hook ran: \(first)")
        let configMap = ResourceKey(group: "", kind: "ConfigMap", namespace: namespace, name: "settings")
        #expect(try driver.get(configMap)?["data"]?["a"] == "b")
        #expect(try driver.get(ResourceKey(group: "it.fleet.dev", kind: "Widget", namespace: namespace, name: "w"))?["spec"]?["size"] == 3)

        #expect(try driver.get(ResourceKey(group: "apps", kind: "Deployment", namespace: namespace, name: "web"))?["spec"]?["replicas"] == 1)
        #expect(try driver.get(ResourceKey(group: "", kind: "Namespace", namespace: "", name: namespace)) != nil)

        // Health from a status written through the status subresource, as a controller would.
        func setReady(_ ready: Bool) throws {
            let patch = JSON.encodeBytes(["status": ["conditions": [["type": "Ready", "status": .string(ready ? "True" : "False"), "message": "widget is broken"]]]])
            _ = try driver.request("PATCH", "/apis/it.fleet.dev/v1/namespaces/\(namespace)/widgets/w/status", body: patch,
                                   contentType: "application/merge-patch+json", action: "set the widget's status")
        }
        try setReady(false)
        let degraded = try reconciler.reconcile(plan: Self.plan(namespace: namespace, withService: true, widget: true))
        #expect(degraded["applications"]?[0]?["health"] == "Degraded", "\(degraded)")
        #expect(degraded["synced"] == true, "status is not drift")
        try setReady(true)
        let recovered = try reconciler.reconcile(plan: Self.plan(namespace: namespace, withService: true, widget: true))
        #expect(recovered["applications"]?[0]?["health"] == "Healthy", "\(recovered)")

        // An identity without RBAC: the error names the verb and the resource.
        _ = try driver.apply(["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "no-rights", "namespace": .string(namespace)]], replace: false)
        let request = JSON.encodeBytes(["apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": ["expirationSeconds": 600]])
        let (_, answer) = try driver.request("POST", "/api/v1/namespaces/\(namespace)/serviceaccounts/no-rights/token", body: request, action: "request a token")
        let token = try #require(try JSON.parse(answer)["status"]?["token"]?.stringValue)
        var limited = driver.connection
        (limited.token, limited.tokenFile, limited.clientCertificateFile, limited.clientKeyFile) = (token, nil, nil, nil)
        let refused = KubeDriver(connection: limited)
        do {
            _ = try refused.apply(Self.labeled(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "nope", "namespace": .string(namespace)]]), replace: false)
            Issue.record("an identity without RBAC could apply")
        } catch {
            #expect("\(error)".contains("forbidden") && "\(error)".contains("configmaps"), "\(error)")
            #expect("\(error)".contains("patch"), "the verb is named: \(error)")
        }

        // Another field manager changes our field: drift, healed on the next pass.
        let intruder = JSON.encodeBytes(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "settings", "namespace": .string(namespace)], "data": ["a": "changed"]])
        _ = try driver.request("PATCH", "/api/v1/namespaces/\(namespace)/configmaps/settings?fieldManager=intruder&force=true",
                               body: intruder, contentType: "application/apply-patch+yaml", action: "intrude")
        #expect(try driver.get(configMap)?["data"]?["a"] == "changed")
        let healed = try reconciler.reconcile(plan: Self.plan(namespace: namespace, withService: true, widget: true))
        #expect(healed["synced"] == true, "\(healed)")
        #expect(try driver.get(configMap)?["data"]?["a"] == "b")

        // Removed from the plan: pruned.
        let pruned = try reconciler.reconcile(plan: Self.plan(namespace: namespace, withService: false, widget: true))
        #expect(pruned["synced"] == true)
        #expect(try driver.get(ResourceKey(group: "", kind: "Service", namespace: namespace, name: "web")) == nil)

        // Removed from Git with Argo CD's resources finalizer: every object goes, last wave
        // first (the Widget, then the Deployment, ... the Namespace last), each gone before the next.
        var removable = Self.plan(namespace: namespace, withService: false, widget: true)
        var entries = removable["applications"]?.arrayValue ?? []
        entries[0].setValue("foreground", at: ["removal"])
        removable.setValue(.array(entries), at: ["applications"])
        _ = try reconciler.reconcile(plan: removable)
        var empty = removable
        empty.setValue([], at: ["applications"])
        let held = try reconciler.reconcile(plan: empty)
        #expect(held["conditions"]?[0]?["type"] == "DeletionHeld", "\(held)")
        #expect(try driver.get(configMap) != nil)
        empty.setValue(true, at: ["allowEmpty"])
        let removed = try reconciler.reconcile(plan: empty)
        #expect(removed["conditions"]?[0]?["type"] == "ApplicationDeleted", "\(removed)")
        #expect(try driver.get(configMap) == nil)
        #expect(try driver.get(ResourceKey(group: "it.fleet.dev", kind: "Widget", namespace: namespace, name: "w")) == nil)
        #expect(try driver.get(ResourceKey(group: "", kind: "Namespace", namespace: "", name: namespace)) == nil)
    }

    /// An AppProject's `orphanedResources` on a real cluster: the namespace is listed kind by
    /// kind; the default ServiceAccount, kube-root-ca.crt, owned objects (ReplicaSets, Pods) and
    /// what controllers make (Endpoints, EndpointSlices, Events) are never orphans; an unlabeled
    /// ConfigMap is.
    @Test(.enabled(if: kubeconfig != nil, "skipped: no KUBECONFIG"))
    func orphanedResourcesAreFoundOnARealCluster() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let driver = try Self.driver(temp)
        let namespace = "fleet-orphans-\(getpid())"
        let reconciler = Reconciler(driver: driver, state: try SpokeState(path: temp.file("state.sqlite")), waveTimeout: 120)
        reconciler.orphanCheckInterval = 0
        defer { try? driver.delete(ResourceKey(group: "", kind: "Namespace", namespace: "", name: namespace)) }
        var plan = Self.plan(namespace: namespace, withService: true, widget: false)
        var entry = try #require(plan["applications"]?[0])
        entry.setValue(["project": "team", "destinations": [["server": "*", "name": "*", "namespace": "*"]],
                        "clusterResourceWhitelist": [["group": "*", "kind": "*"]], "clusterResourceBlacklist": [], "namespaceResourceBlacklist": [],
                        "orphanedResources": ["warn": true, "ignore": []]], at: ["projectRules"])
        plan.setValue([entry], at: ["applications"])
        let first = try reconciler.reconcile(plan: plan)
        #expect(first["synced"] == true, "\(first)")
        #expect(first["applications"]?[0]?["orphaned"] == nil, "a fresh namespace has no orphans: \(first)")
        _ = try driver.apply(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "stray", "namespace": .string(namespace)]], replace: false)
        let second = try reconciler.reconcile(plan: plan)
        let app = try #require(second["applications"]?[0])
        #expect(app["orphaned"] == [.string("ConfigMap \(namespace)/stray")], "\(app)")
        #expect(app["conditions"]?.arrayValue?.contains { $0["type"] == "OrphanedResourceWarning" } == true)
    }
}
