import FleetModel

/// A Kubernetes API type: group, version and kind (`apps`, `v1`, `Deployment`).
public struct GroupVersionKind: Hashable, Sendable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var kind: String

    public init(group: String, version: String, kind: String) {
        self.group = group
        self.version = version
        self.kind = kind
    }

    /// Splits an `apiVersion` (`apps/v1`, or `v1` for the core group).
    public init(apiVersion: String, kind: String) {
        if let slash = apiVersion.firstIndex(of: "/") {
            group = String(apiVersion[..<slash])
            version = String(apiVersion[apiVersion.index(after: slash)...])
        } else {
            group = ""
            version = apiVersion
        }
        self.kind = kind
    }

    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// Kustomize's spelling in messages: `Deployment.v1.apps`, `ConfigMap.v1.[noGrp]`.
    public var description: String {
        "\(kind.isEmpty ? "[noKind]" : kind).\(version.isEmpty ? "[noVer]" : version).\(group.isEmpty ? "[noGrp]" : group)"
    }

    /// Whether the type is known to be cluster-scoped (no namespace).
    ///
    /// Kustomize decides this from the Kubernetes OpenAPI schema it embeds, which is from
    /// Kubernetes 1.21: so `flowcontrol/v1beta1 FlowSchema` is cluster-scoped but the later
    /// `flowcontrol/v1 FlowSchema` is not, and custom resources never are. We use the same
    /// table so namespaces land exactly where `kubectl kustomize` puts them.
    public var isClusterScoped: Bool {
        ClusterScope.known.contains(self)
    }

    /// Whether `self` satisfies a selector whose empty fields match anything.
    public func isSelected(by selector: GroupVersionKind) -> Bool {
        (selector.group.isEmpty || selector.group == group)
            && (selector.version.isEmpty || selector.version == version)
            && (selector.kind.isEmpty || selector.kind == kind)
    }
}

struct GroupVersion: Hashable, Sendable {
    var group: String
    var version: String
}

/// A set of API types written as (group, versions, kinds) rows, looked up by kind.
struct KindTable {
    private(set) var versionsByKind: [String: Set<GroupVersion>] = [:]

    mutating func add(_ group: String, _ versions: [String], _ kinds: [String]) {
        for kind in kinds {
            for version in versions { versionsByKind[kind, default: []].insert(GroupVersion(group: group, version: version)) }
        }
    }

    func contains(_ gvk: GroupVersionKind) -> Bool {
        versionsByKind[gvk.kind]?.contains(GroupVersion(group: gvk.group, version: gvk.version)) ?? false
    }
}

/// The cluster-scoped types of the Kubernetes 1.21 API.
enum ClusterScope {
    static let known: KindTable = {
        var table = KindTable()
        func add(_ group: String, _ versions: [String], _ kinds: [String]) { table.add(group, versions, kinds) }
        add("", ["v1"], ["Namespace", "Node", "PersistentVolume", "ComponentStatus"])
        add("admissionregistration.k8s.io", ["v1", "v1beta1"], ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"])
        add("apiextensions.k8s.io", ["v1", "v1beta1"], ["CustomResourceDefinition"])
        add("apiregistration.k8s.io", ["v1", "v1beta1"], ["APIService"])
        add("authentication.k8s.io", ["v1", "v1beta1"], ["TokenReview"])
        add("authorization.k8s.io", ["v1", "v1beta1"], ["SelfSubjectAccessReview", "SelfSubjectRulesReview", "SubjectAccessReview"])
        add("certificates.k8s.io", ["v1", "v1beta1"], ["CertificateSigningRequest"])
        add("flowcontrol.apiserver.k8s.io", ["v1alpha1", "v1beta1"], ["FlowSchema", "PriorityLevelConfiguration"])
        add("networking.k8s.io", ["v1", "v1beta1"], ["IngressClass"])
        add("node.k8s.io", ["v1", "v1beta1", "v1alpha1"], ["RuntimeClass"])
        add("policy", ["v1beta1"], ["PodSecurityPolicy"])
        add("rbac.authorization.k8s.io", ["v1", "v1beta1", "v1alpha1"], ["ClusterRole", "ClusterRoleBinding"])
        add("scheduling.k8s.io", ["v1", "v1beta1", "v1alpha1"], ["PriorityClass"])
        add("storage.k8s.io", ["v1", "v1beta1"], ["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"])
        add("storage.k8s.io", ["v1alpha1"], ["VolumeAttachment"])
        add("internal.apiserver.k8s.io", ["v1alpha1"], ["StorageVersion"])
        return table
    }()
}

/// The identity of one resource in a build: its type, namespace and name.
public struct ResourceID: Hashable, Sendable, CustomStringConvertible {
    public var gvk: GroupVersionKind
    public var namespace: String
    public var name: String

    public init(gvk: GroupVersionKind, namespace: String, name: String) {
        self.gvk = gvk
        self.namespace = namespace
        self.name = name
    }

    /// The namespace as Kubernetes would place the object: `""` for cluster-scoped types,
    /// `default` for a namespaced object that names none.
    public var effectiveNamespace: String {
        if gvk.isClusterScoped { return "" }
        return namespace.isEmpty ? "default" : namespace
    }

    /// Kustomize's id equality: same type, same name, same effective namespace.
    public func matches(_ other: ResourceID) -> Bool {
        name == other.name && gvk == other.gvk && effectiveNamespace == other.effectiveNamespace
    }

    /// Kustomize's spelling: `ConfigMap.v1.[noGrp]/name.namespace` (`[noNs]` when empty).
    public var description: String {
        "\(gvk)/\(name.isEmpty ? "[noName]" : name).\(namespace.isEmpty ? "[noNs]" : namespace)"
    }
}
