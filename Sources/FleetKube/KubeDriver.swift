import FleetFiles
import FleetHTTPClient
import FleetModel
import FleetProtocol
import FleetReconcile

#if canImport(Glibc)
import Glibc
#endif

/// One API type as discovery describes it.
public struct APIResource: Equatable, Sendable {
    public var group: String
    public var version: String
    /// The plural resource name in URLs (`deployments`).
    public var resource: String
    public var kind: String
    public var namespaced: Bool
    public var verbs: [String]

    var groupVersionPath: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }
}

/// Kind -> resource mapping from `/api` and `/apis`: what a URL for an object of a kind is,
/// and whether it is namespaced. Each group's preferred version is recorded first; other
/// versions are kept for manifests that name them.
public struct Discovery: Sendable {
    /// `group/version/kind` -> resource.
    var byGroupVersionKind: [String: APIResource] = [:]
    /// `group/kind` -> the preferred version's resource.
    var byGroupKind: [String: APIResource] = [:]

    public init() {}

    /// Adds one `APIResourceList` (`/api/v1` or `/apis/GROUP/VERSION`).
    public mutating func add(resourceList: Value, preferred: Bool) {
        guard let groupVersion = resourceList["groupVersion"]?.stringValue else { return }
        let parts = groupVersion.split(separator: "/").map(String.init)
        let group = parts.count == 2 ? parts[0] : ""
        let version = parts.last ?? "v1"
        for entry in resourceList["resources"]?.arrayValue ?? [] {
            guard let name = entry["name"]?.stringValue, !name.contains("/"), let kind = entry["kind"]?.stringValue else { continue }
            let resource = APIResource(group: group, version: version, resource: name, kind: kind,
                                       namespaced: entry["namespaced"]?.boolValue ?? true,
                                       verbs: (entry["verbs"]?.arrayValue ?? []).compactMap(\.stringValue))
            byGroupVersionKind["\(group)/\(version)/\(kind)"] = resource
            if preferred || byGroupKind["\(group)/\(kind)"] == nil { byGroupKind["\(group)/\(kind)"] = resource }
        }
    }

    /// The resource for a kind, at the version asked when the server serves it.
    public func resource(group: String, version: String?, kind: String) -> APIResource? {
        if let version, let exact = byGroupVersionKind["\(group)/\(version)/\(kind)"] { return exact }
        return byGroupKind["\(group)/\(kind)"]
    }

    /// The namespaced kinds a namespace listing reads: each group's preferred version, listable,
    /// less what Argo CD's cluster cache never watches (events and metrics) and its default
    /// `resource.exclusions` (high-churn objects controllers make: Endpoints, EndpointSlices,
    /// Leases, policy and admission reports...).
    public var namespacedListable: [APIResource] {
        byGroupKind.values.filter { resource in
            resource.namespaced && resource.verbs.contains("list") && !Self.unwatchedGroups.contains(resource.group)
                && !Self.unwatchedKinds.contains(resource.group + "/" + resource.kind)
        }.sorted { ($0.group, $0.kind) < ($1.group, $1.kind) }
    }

    static let unwatchedGroups: Set<String> = ["events.k8s.io", "metrics.k8s.io"]
    static let unwatchedKinds: Set<String> = [
        "/Event", "/Endpoints", "discovery.k8s.io/EndpointSlice", "coordination.k8s.io/Lease", "cert-manager.io/CertificateRequest",
        "wgpolicyk8s.io/PolicyReport", "reports.kyverno.io/EphemeralReport", "kyverno.io/AdmissionReport", "kyverno.io/BackgroundScanReport",
        "kyverno.io/UpdateRequest", "cilium.io/CiliumIdentity", "cilium.io/CiliumEndpoint", "cilium.io/CiliumEndpointSlice",
    ]

    /// The groupVersions to read: core v1 and each group's versions, preferred first.
    public static func groupVersions(groupList: Value) -> [(groupVersion: String, preferred: Bool)] {
        var out: [(String, Bool)] = []
        for group in groupList["groups"]?.arrayValue ?? [] {
            let preferred = group["preferredVersion"]?["groupVersion"]?.stringValue
            if let preferred { out.append((preferred, true)) }
            for version in group["versions"]?.arrayValue ?? [] {
                if let gv = version["groupVersion"]?.stringValue, gv != preferred { out.append((gv, false)) }
            }
        }
        return out
    }
}

/// The spoke's driver for a real cluster, over the Kubernetes REST API with libcurl:
/// server-side apply with a fixed field manager, label-selected listing for the kinds an
/// Application uses, foreground deletion, discovery cached and refreshed on unknown kinds,
/// 429/5xx retried with backoff, errors decoded from the server's Status.
public final class KubeDriver: ClusterDriver {
    public static let fieldManager = "fleet-spoke"
    public let connection: KubeConnection
    let client: HTTPClient
    var discovery: Discovery?
    private var knownIdentity: String?
    public var sleep: (Double) -> Void = SystemClock.sleep

    public init(connection: KubeConnection) {
        self.connection = connection
        client = HTTPClient(configuration: HTTPClientConfiguration(
            connectTimeout: .seconds(10), requestTimeout: .seconds(60), maxResponseBytes: 256 << 20,
            caFile: connection.caFile, insecureSkipTLSVerify: connection.insecureSkipTLSVerify,
            clientCertificateFile: connection.clientCertificateFile, clientKeyFile: connection.clientKeyFile,
            userAgent: "fleet-spoke/\(FleetVersion.current)"))
    }

    /// The token file's contents and the file's identity when they were read (inode, change
    /// time, size: the kubelet replaces the file, so a rotation is a new inode).
    private var tokenFromFile: (inode: UInt, changed: timespec, size: Int, token: String)?

    /// The bearer token. A token file is read again when it changes (projected service
    /// account tokens rotate): one stat per request, not one read.
    func bearer() -> String? {
        guard let file = connection.tokenFile else { return connection.token }
        var info = stat()
        guard stat(file, &info) == 0 else { return tokenFromFile?.token ?? connection.token }
        if let cached = tokenFromFile, cached.inode == UInt(info.st_ino), cached.changed.tv_sec == info.st_mtim.tv_sec,
           cached.changed.tv_nsec == info.st_mtim.tv_nsec, cached.size == Int(info.st_size) {
            return cached.token
        }
        guard let bytes = try? LocalPaths.read(file) else { return tokenFromFile?.token ?? connection.token }
        let token = String(decoding: bytes, as: UTF8.self).trimmingWhitespace()
        tokenFromFile = (UInt(info.st_ino), info.st_mtim, Int(info.st_size), token)
        return token
    }

    // MARK: Requests

    func request(_ method: String, _ path: String, body: [UInt8]? = nil, contentType: String = "application/json", action: String) throws -> (Int, [UInt8]) {
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if let token = bearer() { headers.append(("Authorization", "Bearer \(token)")) }
        if body != nil { headers.append(("Content-Type", contentType)) }
        var attempt = 0
        while true {
            attempt += 1
            let response: HTTPResponse
            do {
                response = try client.send(HTTPRequest(method: method, url: connection.server + path, headers: headers, body: body))
            } catch {
                let failure = KubeError(.transport, "\(action): \(error)")
                if attempt < 4 && error.isTransient { sleep(Double(1 << (attempt - 1)) * 0.5); continue }
                throw failure
            }
            if response.status < 300 { return (response.status, response.body) }
            let failure = KubeError.from(status: response.status, body: response.body, action: action)
            if failure.isRetryable && attempt < 4 {
                sleep(Double(1 << (attempt - 1)) * 0.5)
                continue
            }
            throw failure
        }
    }

    func loadDiscovery() throws -> Discovery {
        var discovery = Discovery()
        let (_, core) = try request("GET", "/api/v1", action: "discover /api/v1")
        discovery.add(resourceList: try JSON.parse(core), preferred: true)
        let (_, groups) = try request("GET", "/apis", action: "discover /apis")
        for (groupVersion, preferred) in Discovery.groupVersions(groupList: try JSON.parse(groups)) {
            guard let (_, list) = try? request("GET", "/apis/\(groupVersion)", action: "discover \(groupVersion)") else { continue }
            discovery.add(resourceList: try JSON.parse(list), preferred: preferred)
        }
        self.discovery = discovery
        return discovery
    }

    /// The API resource of a kind, refreshing discovery once when it is unknown (a CRD
    /// applied in an earlier wave).
    func resource(group: String, version: String?, kind: String) throws -> APIResource {
        let known = try discovery ?? loadDiscovery()
        if let found = known.resource(group: group, version: version, kind: kind) { return found }
        if let found = try loadDiscovery().resource(group: group, version: version, kind: kind) { return found }
        throw KubeError(.notFound, "the API server does not serve \(group.isEmpty ? "" : group + "/")\(kind)\(version.map { " \($0)" } ?? "")")
    }

    /// The URL path of an object (or of its collection when `name` is nil).
    public static func path(_ resource: APIResource, namespace: String, name: String?) -> String {
        var path = resource.groupVersionPath
        if resource.namespaced { path += "/namespaces/\(namespace)" }
        path += "/\(resource.resource)"
        if let name { path += "/\(name)" }
        return path
    }

    static func version(of object: Value) -> String? {
        guard let apiVersion = object["apiVersion"]?.stringValue else { return nil }
        return String(apiVersion.split(separator: "/").last ?? "v1")
    }

    // MARK: ClusterDriver

    public func get(_ key: ResourceKey) throws -> Value? {
        let resource = try resource(group: key.group, version: nil, kind: key.kind)
        do {
            let (_, body) = try request("GET", Self.path(resource, namespace: key.namespace, name: key.name), action: "get \(key)")
            return try JSON.parse(body)
        } catch let error as KubeError where error.kind == .notFound {
            return nil
        }
    }

    public func list(trackingLabel: String, kinds: Set<GroupKind>) throws -> [ResourceKey: Value] {
        var out: [ResourceKey: Value] = [:]
        for kind in kinds.sorted(by: { ($0.group, $0.kind) < ($1.group, $1.kind) }) {
            guard let resource = try? resource(group: kind.group, version: nil, kind: kind.kind) else { continue }
            var path = resource.groupVersionPath + "/" + resource.resource
            path += "?labelSelector=" + URLQuery.escape("\(PlanFormat.applicationLabel)=\(trackingLabel)")
            let (_, body) = try request("GET", path, action: "list \(resource.resource)")
            for item in try JSON.parse(body)["items"]?.arrayValue ?? [] {
                var object = item
                if object["kind"] == nil {
                    object.setValue(.string(resource.kind), at: ["kind"])
                    object.setValue(.string(resource.group.isEmpty ? resource.version : "\(resource.group)/\(resource.version)"), at: ["apiVersion"])
                }
                if let key = ResourceKey(object: object) { out[key] = object }
            }
        }
        return out
    }

    /// The UID of `kube-system`, which lives as long as the cluster (the identity Kubernetes
    /// tooling uses for a cluster). Read once: it does not change while the driver talks to
    /// the same API server, and every report carries it.
    public func clusterIdentity() throws -> String? {
        if let knownIdentity { return knownIdentity }
        let (_, body) = try request("GET", "/api/v1/namespaces/kube-system", action: "read the kube-system namespace (the cluster's identity)")
        knownIdentity = try JSON.parse(body)["metadata"]?["uid"]?.stringValue
        return knownIdentity
    }

    public func listNamespace(_ namespace: String) throws -> [ResourceKey: Value] {
        var out: [ResourceKey: Value] = [:]
        for resource in (try discovery ?? loadDiscovery()).namespacedListable {
            let path = resource.groupVersionPath + "/namespaces/" + URLQuery.escape(namespace) + "/" + resource.resource
            let body: [UInt8]
            do { (_, body) = try request("GET", path, action: "list \(resource.resource) in \(namespace)") } catch let error as KubeError
                        where error.kind == .forbidden || error.kind == .notFound || error.status == 405 {
                continue  // not the spoke's to see (RBAC), or gone since discovery
            }
            for item in try JSON.parse(body)["items"]?.arrayValue ?? [] {
                var object = item
                object.setValue(.string(resource.kind), at: ["kind"])
                object.setValue(.string(resource.group.isEmpty ? resource.version : "\(resource.group)/\(resource.version)"), at: ["apiVersion"])
                if let key = ResourceKey(object: object) { out[key] = object }
            }
        }
        return out
    }

    /// The SSA request for an object: method, path and body (as tests check them).
    public static func applyRequest(_ object: Value, resource: APIResource, force: Bool = true) -> (method: String, path: String, contentType: String, body: [UInt8]) {
        let namespace = object["metadata"]?["namespace"]?.stringValue ?? "default"
        let name = object["metadata"]?["name"]?.stringValue ?? ""
        var path = self.path(resource, namespace: namespace, name: name) + "?fieldManager=\(fieldManager)"
        if force { path += "&force=true" }
        return ("PATCH", path, "application/apply-patch+yaml", JSON.encodeBytes(object))
    }

    @discardableResult
    public func apply(_ object: Value, replace: Bool) throws -> Value {
        guard let key = ResourceKey(object: object) else { throw KubeError(.invalid, "an object needs apiVersion, kind and metadata.name") }
        let resource = try resource(group: key.group, version: Self.version(of: object), kind: key.kind)
        if replace {
            let existing = try get(key)
            var body = object
            if let version = existing?["metadata"]?["resourceVersion"] { body.setValue(version, at: ["metadata", "resourceVersion"]) }
            let method = existing == nil ? "POST" : "PUT"
            let path = Self.path(resource, namespace: key.namespace, name: existing == nil ? nil : key.name)
            let (_, response) = try request(method, path, body: JSON.encodeBytes(body), action: "\(method == "PUT" ? "replace" : "create") \(key)")
            return try JSON.parse(response)
        }
        let apply = Self.applyRequest(object, resource: resource)
        let (_, response) = try request(apply.method, apply.path, body: apply.body, contentType: apply.contentType, action: "apply \(key)")
        return try JSON.parse(response)
    }

    public func delete(_ key: ResourceKey, propagation: DeletePropagation) throws {
        let resource = try resource(group: key.group, version: nil, kind: key.kind)
        // A Job's pods go with it in the background (the Job need not wait for them).
        let policy = key.kind == "Job" && propagation == .foreground ? DeletePropagation.background.rawValue : propagation.rawValue
        do {
            _ = try request("DELETE", Self.path(resource, namespace: key.namespace, name: key.name) + "?propagationPolicy=\(policy)", action: "delete \(key)")
        } catch let error as KubeError where error.kind == .notFound {
            return
        }
    }

    public func ensureNamespace(_ name: String) throws {
        do {
            _ = try request("GET", "/api/v1/namespaces/\(name)", action: "get namespace \(name)")
        } catch let error as KubeError where error.kind == .notFound {
            let body = JSON.encodeBytes(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]])
            do {
                _ = try request("POST", "/api/v1/namespaces", body: body, action: "create namespace \(name)")
            } catch let error as KubeError where error.kind == .conflict {
                return
            }
        }
    }

    /// A server-side dry-run apply (`dryRun=All`): the object as the API server would store
    /// it, defaults and mutating webhooks applied, nothing stored.
    public func storedForm(of object: Value) throws -> Value? {
        guard let key = ResourceKey(object: object) else { return nil }
        let resource = try resource(group: key.group, version: Self.version(of: object), kind: key.kind)
        let apply = Self.applyRequest(object, resource: resource)
        let (_, body) = try request(apply.method, apply.path + "&dryRun=All", body: apply.body, contentType: apply.contentType, action: "dry-run apply \(key)")
        return try JSON.parse(body)
    }
}
