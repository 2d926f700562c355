import FleetModel
import Foundation

/// A tiny Kubernetes API server on loopback with the shapes of the real one (discovery,
/// server-side apply, label-selected and namespace lists, deletes, Status errors, a
/// Deployment and a Job controller), to run the spoke's Kubernetes driver end to end. Bearer
/// token `test-token`; Secrets are forbidden, as to a spoke without RBAC on them.
public final class FakeAPIServer: @unchecked Sendable {
    private let lock = NSLock()
    private var objects: [String: Value] = [:]
    public private(set) var requests: [String] = []
    public var server: LoopbackHTTPServer!

    /// The cluster's identity: the UID of its `kube-system` namespace (a new server is a new cluster).
    public let identity: String

    public init(identity: String = "kube-system-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)) throws {
        self.identity = identity
        objects["/api/v1/namespaces/kube-system"] = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "kube-system", "uid": .string(identity)]]
        server = try LoopbackHTTPServer { [unowned self] request in self.handle(request) }
    }

    /// The stored object at an API path (`/api/v1/namespaces/ml/configmaps/web`).
    public func object(_ path: String) -> Value? { lock.withLock { objects[path] } }

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
        if request.method == "GET", let document = Self.discovery[request.path] { return json(try! JSON.parse(document)) }
        if request.path.contains("/secrets") {
            return status(403, "Forbidden", "secrets is forbidden: User \"system:serviceaccount:fleet:spoke\" cannot \(request.method == "PATCH" ? "patch" : request.path.hasSuffix("/secrets") ? "list" : "get") resource \"secrets\"")
        }
        switch request.method {
        case "PATCH":
            return apply(request)
        case "POST" where request.path == "/api/v1/namespaces":
            guard var object = try? JSON.parse(request.body), let name = object["metadata"]?["name"]?.stringValue else { return status(400, "BadRequest", "bad") }
            guard objects["/api/v1/namespaces/\(name)"] == nil else { return status(409, "AlreadyExists", "namespaces \"\(name)\" already exists") }
            object.setValue(.string(Self.uid()), at: ["metadata", "uid"])
            object.setValue(.string(Timestamp.rfc3339(SystemClock.now())), at: ["metadata", "creationTimestamp"])
            objects["/api/v1/namespaces/\(name)"] = object
            return json(object, 201)
        case "DELETE":
            guard objects.removeValue(forKey: request.path) != nil else { return status(404, "NotFound", "not found") }
            return json(["kind": "Status", "status": "Success"])
        case "GET":
            return read(request)
        default:
            return status(405, "MethodNotAllowed", "no")
        }
    }

    static let discovery: [String: String] = [
        "/api/v1": #"{"kind":"APIResourceList","groupVersion":"v1","resources":[{"name":"namespaces","namespaced":false,"kind":"Namespace","verbs":["get","create"]},{"name":"configmaps","namespaced":true,"kind":"ConfigMap","verbs":["get","list","patch","delete"]},{"name":"secrets","namespaced":true,"kind":"Secret","verbs":["get","list"]},{"name":"events","namespaced":true,"kind":"Event","verbs":["get","list"]}]}"#,
        "/apis": #"{"kind":"APIGroupList","groups":[{"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],"preferredVersion":{"groupVersion":"apps/v1","version":"v1"}},{"name":"batch","versions":[{"groupVersion":"batch/v1","version":"v1"}],"preferredVersion":{"groupVersion":"batch/v1","version":"v1"}}]}"#,
        "/apis/batch/v1": #"{"kind":"APIResourceList","groupVersion":"batch/v1","resources":[{"name":"jobs","namespaced":true,"kind":"Job","verbs":["get","list","patch","delete"]}]}"#,
        "/apis/apps/v1": #"{"kind":"APIResourceList","groupVersion":"apps/v1","resources":[{"name":"deployments","namespaced":true,"kind":"Deployment","verbs":["get","list","patch","delete"]}]}"#,
    ]

    static func uid() -> String {
        let hex = String(UInt64.random(in: 0...UInt64.max), radix: 16) + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return String(hex.prefix(32))
    }

    /// Server-side apply, with a mutating webhook and the controllers' status.
    private func apply(_ request: TestHTTPRequest) -> TestHTTPResponse {
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
        // What the server owns: uid and creationTimestamp are set once, when the object is made.
        let existing = objects[request.path]?["metadata"]
        object.setValue(existing?["uid"] ?? .string(Self.uid()), at: ["metadata", "uid"])
        object.setValue(existing?["creationTimestamp"] ?? .string(Timestamp.rfc3339(SystemClock.now())), at: ["metadata", "creationTimestamp"])
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
    }

    /// An object, a namespace's collection, or a label-selected collection across namespaces,
    /// listed as the real server lists: items without apiVersion and kind.
    private func read(_ request: TestHTTPRequest) -> TestHTTPResponse {
        if let object = objects[request.path] { return json(object) }
        func list(_ items: [Value]) -> TestHTTPResponse {
            json(["kind": "List", "apiVersion": "v1", "metadata": ["resourceVersion": "1"], "items": .array(items.map { item in
                guard case .object(var o) = item else { return item }
                o["kind"] = nil
                o["apiVersion"] = nil
                return .object(o)
            })])
        }
        let parts = request.path.split(separator: "/").map(String.init)
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
            return list(objects.filter { $0.key.split(separator: "/").dropLast().last.map(String.init) == resource }
                .map(\.value).filter { $0["metadata"]?["labels"]?[pieces[0]]?.stringValue == pieces[1] })
        }
        return status(404, "NotFound", "\(request.path) not found")
    }
}
