import FleetModel

/// Walks a `FieldSpec` path through an object and hands each node it reaches to a visitor,
/// creating missing maps on the way when the spec says `create`.
///
/// Semantics follow kustomize's field-spec filter: a segment marked `[]` expects a list and
/// continues into every element; a list met anywhere else is walked element by element too;
/// a null field counts as missing.
enum FieldSpecWalker {
    /// Applies `visit` at every place `path` reaches in `node`. `leaf` is what a missing final
    /// field is created as (an empty map for labels, an empty string for a namespace).
    static func walk<E: Error>(_ node: inout Value, path: ArraySlice<String>, create: Bool, leaf: Value,
                               visit: (inout Value) throws(E) -> Void) throws(E) {
        guard let first = path.first else {
            try visit(&node)
            return
        }
        if case .array(var items) = node {
            node = .null
            for index in items.indices {
                try walk(&items[index], path: path, create: create, leaf: leaf, visit: visit)
            }
            node = .array(items)
            return
        }
        guard case .object(var object) = node else { return }
        let isList = first.hasSuffix("[]")
        let field = isList ? String(first.dropLast(2)) : first
        let rest = path.dropFirst()
        var child: Value
        if let existing = object[field], !existing.isNull {
            child = existing
        } else {
            // Lists are never created: there would be no element to continue into, and
            // kustomize leaves the field absent rather than writing an empty list.
            guard create, !isList else { return }
            child = rest.isEmpty ? leaf : .emptyObject
        }
        node = .null
        object[field] = .null
        if isList, case .array(var items) = child {
            child = .null
            for index in items.indices {
                try walk(&items[index], path: rest, create: create, leaf: leaf, visit: visit)
            }
            child = .array(items)
        } else {
            try walk(&child, path: rest, create: create, leaf: leaf, visit: visit)
        }
        object[field] = child
        node = .object(object)
    }

    /// Applies a field spec to a resource if the spec selects the resource's type.
    static func apply<E: Error>(_ spec: FieldSpec, to resource: inout KustomizeResource, leaf: Value,
                                visit: (inout Value) throws(E) -> Void) throws(E) {
        guard resource.gvk.isSelected(by: spec.gvk) else { return }
        try walk(&resource.object, path: spec.path[...], create: spec.create, leaf: leaf, visit: visit)
    }
}

/// Kustomize's built-in field specs: where each transformer writes, per type.
enum BuiltinFieldSpecs {
    /// Template labels (`labels: includeTemplates` and the template half of `commonLabels`).
    static let templateLabels: [FieldSpec] = [
        FieldSpec(version: "v1", kind: "ReplicationController", path: "spec/template/metadata/labels", create: true),
        FieldSpec(kind: "Deployment", path: "spec/template/metadata/labels", create: true),
        FieldSpec(kind: "ReplicaSet", path: "spec/template/metadata/labels", create: true),
        FieldSpec(kind: "DaemonSet", path: "spec/template/metadata/labels", create: true),
        FieldSpec(group: "apps", kind: "StatefulSet", path: "spec/template/metadata/labels", create: true),
        FieldSpec(group: "apps", kind: "StatefulSet", path: "spec/volumeClaimTemplates[]/metadata/labels", create: true),
        FieldSpec(group: "batch", kind: "Job", path: "spec/template/metadata/labels", create: true),
        FieldSpec(group: "batch", kind: "CronJob", path: "spec/jobTemplate/metadata/labels", create: true),
        FieldSpec(group: "batch", kind: "CronJob", path: "spec/jobTemplate/spec/template/metadata/labels", create: true),
    ]

    static let metadataLabels = FieldSpec(path: "metadata/labels", create: true)

    /// Selectors that `commonLabels` (and `labels: includeSelectors`) also write.
    static let selectorLabels: [FieldSpec] = {
        var specs: [FieldSpec] = [
            FieldSpec(version: "v1", kind: "Service", path: "spec/selector", create: true),
            FieldSpec(version: "v1", kind: "ReplicationController", path: "spec/selector", create: true),
            FieldSpec(kind: "Deployment", path: "spec/selector/matchLabels", create: true),
            FieldSpec(kind: "ReplicaSet", path: "spec/selector/matchLabels", create: true),
            FieldSpec(kind: "DaemonSet", path: "spec/selector/matchLabels", create: true),
            FieldSpec(group: "apps", kind: "StatefulSet", path: "spec/selector/matchLabels", create: true),
            FieldSpec(group: "batch", kind: "Job", path: "spec/selector/matchLabels"),
            FieldSpec(group: "batch", kind: "CronJob", path: "spec/jobTemplate/spec/selector/matchLabels"),
            FieldSpec(group: "policy", kind: "PodDisruptionBudget", path: "spec/selector/matchLabels"),
            FieldSpec(group: "networking.k8s.io", kind: "NetworkPolicy", path: "spec/podSelector/matchLabels"),
            FieldSpec(group: "networking.k8s.io", kind: "NetworkPolicy", path: "spec/ingress/from/podSelector/matchLabels"),
            FieldSpec(group: "networking.k8s.io", kind: "NetworkPolicy", path: "spec/egress/to/podSelector/matchLabels"),
        ]
        let affinity = [
            "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
            "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
            "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
            "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
            "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
        ]
        for kind in ["Deployment", "StatefulSet"] {
            specs += affinity.map { FieldSpec(group: "apps", kind: kind, path: $0) }
        }
        return specs
    }()

    /// Everything `commonLabels` writes.
    static let commonLabels: [FieldSpec] = selectorLabels + [metadataLabels] + templateLabels

    static let commonAnnotations: [FieldSpec] = [
        FieldSpec(path: "metadata/annotations", create: true),
        FieldSpec(version: "v1", kind: "ReplicationController", path: "spec/template/metadata/annotations", create: true),
        FieldSpec(kind: "Deployment", path: "spec/template/metadata/annotations", create: true),
        FieldSpec(kind: "ReplicaSet", path: "spec/template/metadata/annotations", create: true),
        FieldSpec(kind: "DaemonSet", path: "spec/template/metadata/annotations", create: true),
        FieldSpec(kind: "StatefulSet", path: "spec/template/metadata/annotations", create: true),
        FieldSpec(group: "batch", kind: "Job", path: "spec/template/metadata/annotations", create: true),
        FieldSpec(group: "batch", kind: "CronJob", path: "spec/jobTemplate/metadata/annotations", create: true),
        FieldSpec(group: "batch", kind: "CronJob", path: "spec/jobTemplate/spec/template/metadata/annotations", create: true),
    ]

    /// Namespace fields besides `metadata/namespace` (which is handled for every namespaced
    /// type) and RoleBinding subjects (handled by their own rule).
    static let namespace: [FieldSpec] = [
        FieldSpec(kind: "Namespace", path: "metadata/name", create: true),
        FieldSpec(group: "apiregistration.k8s.io", kind: "APIService", path: "spec/service/namespace", create: true),
        FieldSpec(group: "apiextensions.k8s.io", kind: "CustomResourceDefinition", path: "spec/conversion/webhook/clientConfig/service/namespace"),
    ]

    static let images: [FieldSpec] = [
        FieldSpec(path: "spec/containers[]/image"),
        FieldSpec(path: "spec/initContainers[]/image"),
        FieldSpec(path: "spec/volumes[]/image/reference"),
        FieldSpec(path: "spec/template/spec/containers[]/image"),
        FieldSpec(path: "spec/template/spec/initContainers[]/image"),
        FieldSpec(path: "spec/template/spec/volumes[]/image/reference"),
    ]

    /// Kinds `replicas:` applies to, in the order kustomize lists them in its error message.
    static let replicaKinds = ["Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"]
}
