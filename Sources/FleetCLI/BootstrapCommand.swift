import ArgumentParser
import FleetFiles
import FleetModel
import FleetYAML

/// `fleet bootstrap CLUSTER`: the manifests that install a spoke into a cluster, filled in.
struct BootstrapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bootstrap",
        abstract: "Print the manifests that install a spoke into a cluster (the DR bootstrap).",
        discussion: """
            Prints a Namespace, a ServiceAccount, the ClusterRole the spoke needs and its binding, a Secret with the spoke token, a ConfigMap with spoke.yaml, and the Deployment (probes, resource requests, a persistent state volume), for one cluster:

              fleet bootstrap us-west-2 --hub https://hub.example.com:8080 --hub-key KEY --token-file us-west-2.token | kubectl apply -f -

            The token comes from `fleet cluster enroll us-west-2` (POST /api/v1/clusters/us-west-2/enroll); the hub key from the hub's start-up line or GET /api/v1/hub. spoke/deploy/spoke.yaml is this output for placeholder values. See docs/kubernetes.md for the permissions and why.
            """
    )

    @Argument(help: "The cluster's name, as in its Cluster record.")
    var cluster: String

    @Option(name: .long, help: "The hub's URL as the spoke reaches it.")
    var hub: String = "https://hub.example.com:8080"

    @Option(name: .long, help: "The hub's plan-signing public key (base64).")
    var hubKey: String = "REPLACE-WITH-THE-HUB-PUBLIC-KEY"

    @Option(name: .long, help: "File holding the spoke token (default: a placeholder to replace).")
    var tokenFile: String?

    @Option(name: .long, help: "The spoke container image. `make image` builds fleet-spoke:VERSION (spoke/Containerfile); push it to a registry your clusters pull from and give its name here.")
    var image: String = "fleet-spoke:\(FleetVersion.current)"

    @Option(name: .long, help: "Namespace to install the spoke into.")
    var namespace: String = "fleet-system"

    func run() throws {
        var token = "REPLACE-WITH-THE-SPOKE-TOKEN"
        if let tokenFile {
            let bytes: [UInt8]
            do { bytes = try LocalPaths.read(tokenFile) } catch { throw CommandFailure("\(error)") }
            token = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            guard !token.isEmpty else { throw CommandFailure("\(tokenFile) is empty") }
        }
        print(Self.manifests(cluster: cluster, hub: hub, hubKey: hubKey, token: token, image: image, namespace: namespace), terminator: "")
    }

    static func manifests(cluster: String, hub: String, hubKey: String, token: String, image: String, namespace: String) -> String {
        let labels: Value = ["app.kubernetes.io/name": "fleet-spoke", "app.kubernetes.io/part-of": "fleet"]
        let spokeYAML = """
            hub: \(hub)
            cluster: \(cluster)
            tokenFile: /etc/fleet-spoke/token/token
            hubPublicKey: \(hubKey)
            stateDir: /var/lib/fleet-spoke
            driver: kubernetes
            pollWait: 10s
            waveTimeout: 5m

            """
        let objects: [Value] = [
            ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace), "labels": labels]],
            ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "fleet-spoke", "namespace": .string(namespace), "labels": labels]],
            ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": ["name": "fleet-spoke", "labels": labels],
             "rules": [
                // Discovery, to map kinds to resources.
                ["nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*"], "verbs": ["get"]],
                // Whatever the plan holds: applied with server-side apply, listed by the
                // tracking label, pruned. A GitOps agent writes every kind its repository
                // declares; narrow these to the kinds your fleet uses if you can.
                ["apiGroups": ["*"], "resources": ["*"], "verbs": ["get", "list", "create", "patch", "update", "delete"]],
             ]],
            ["apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": ["name": "fleet-spoke", "labels": labels],
             "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "fleet-spoke"],
             "subjects": [["kind": "ServiceAccount", "name": "fleet-spoke", "namespace": .string(namespace)]]],
            ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "fleet-spoke-token", "namespace": .string(namespace), "labels": labels],
             "type": "Opaque", "stringData": ["token": .string(token)]],
            ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "fleet-spoke-config", "namespace": .string(namespace), "labels": labels],
             "data": ["spoke.yaml": .string(spokeYAML)]],
            ["apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": ["name": "fleet-spoke-state", "namespace": .string(namespace), "labels": labels],
             "spec": ["accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "1Gi"]]]],
            ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "fleet-spoke", "namespace": .string(namespace), "labels": labels],
             "spec": [
                "replicas": 1,
                "strategy": ["type": "Recreate"],
                "selector": ["matchLabels": ["app.kubernetes.io/name": "fleet-spoke"]],
                "template": [
                    "metadata": ["labels": labels],
                    "spec": [
                        "serviceAccountName": "fleet-spoke",
                        "securityContext": ["runAsNonRoot": true, "runAsUser": 65532, "fsGroup": 65532],
                        "containers": [[
                            "name": "spoke",
                            "image": .string(image),
                            "args": ["--config", "/etc/fleet-spoke/config/spoke.yaml"],
                            "resources": ["requests": ["cpu": "10m", "memory": "32Mi"], "limits": ["memory": "128Mi"]],
                            // The agent writes its state every tick; a stalled agent stops.
                            // In the spoke itself: its image has no shell (spoke/Containerfile).
                            "livenessProbe": ["exec": ["command": ["/usr/local/bin/spoke", "probe", "live", "--state", "/var/lib/fleet-spoke", "--max-age", "5m"]],
                                              "initialDelaySeconds": 60, "periodSeconds": 60],
                            "readinessProbe": ["exec": ["command": ["/usr/local/bin/spoke", "probe", "ready", "--state", "/var/lib/fleet-spoke"]], "periodSeconds": 10],
                            "securityContext": ["allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": ["drop": ["ALL"]]],
                            "volumeMounts": [
                                ["name": "config", "mountPath": "/etc/fleet-spoke/config", "readOnly": true],
                                ["name": "token", "mountPath": "/etc/fleet-spoke/token", "readOnly": true],
                                ["name": "state", "mountPath": "/var/lib/fleet-spoke"],
                            ],
                        ]],
                        "volumes": [
                            ["name": "config", "configMap": ["name": "fleet-spoke-config"]],
                            ["name": "token", "secret": ["secretName": "fleet-spoke-token"]],
                            ["name": "state", "persistentVolumeClaim": ["claimName": "fleet-spoke-state"]],
                        ],
                    ],
                ],
             ]],
        ]
        return "# The spoke for cluster \(cluster): `fleet bootstrap \(cluster)` printed this.\n" + YAML.emitStream(objects, options: .kustomize)
    }
}
