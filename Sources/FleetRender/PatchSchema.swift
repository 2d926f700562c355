/// How a strategic merge patch combines one list with another.
enum ListMerge: Equatable, Sendable {
    /// Elements are matched by this field (containers by `name`, ports by `containerPort`).
    case byKey(String)
    /// A list of scalars merged as a set (metadata.finalizers).
    case primitives
    /// The patch's list replaces the original (every list the schema does not describe).
    case replace
}

/// The part of the Kubernetes schema a strategic merge needs: where the lists with merge keys
/// are. Maps always merge and scalars always replace, so only the paths leading to keyed lists
/// are described; anything else is `.opaque`.
indirect enum PatchSchema: Sendable {
    case object([String: PatchSchema])
    case list(item: PatchSchema, merge: ListMerge)
    case opaque

    func field(_ name: String) -> PatchSchema {
        if case .object(let fields) = self { return fields[name] ?? .opaque }
        return .opaque
    }

    var listMerge: ListMerge {
        if case .list(_, let merge) = self { return merge }
        return .replace
    }

    var item: PatchSchema {
        if case .list(let item, _) = self { return item }
        return .opaque
    }
}

/// Merge strategies of the built-in types, as kustomize knows them from the Kubernetes 1.21
/// OpenAPI schema it embeds (`x-kubernetes-patch-merge-key`). Types that schema does not know,
/// custom resources and API versions removed before 1.21 alike, get plain JSON merge
/// semantics: every list is replaced.
enum BuiltinPatchSchemas {
    static func schema(for gvk: GroupVersionKind) -> PatchSchema? {
        guard known.contains(gvk) else { return nil }
        return specialized[gvk.kind] ?? .object(["metadata": objectMeta])
    }

    private static func keyed(_ key: String, _ item: PatchSchema = .opaque) -> PatchSchema { .list(item: item, merge: .byKey(key)) }

    static let objectMeta: PatchSchema = .object([
        "finalizers": .list(item: .opaque, merge: .primitives),
        "ownerReferences": keyed("uid"),
    ])

    static let container: PatchSchema = .object([
        "ports": keyed("containerPort"),
        "env": keyed("name"),
        "volumeMounts": keyed("mountPath"),
        "volumeDevices": keyed("devicePath"),
    ])

    static let podSpec: PatchSchema = .object([
        "containers": keyed("name", container),
        "initContainers": keyed("name", container),
        "ephemeralContainers": keyed("name", container),
        "volumes": keyed("name"),
        "imagePullSecrets": keyed("name"),
        "hostAliases": keyed("ip"),
        "topologySpreadConstraints": keyed("topologyKey"),
    ])

    static let podTemplate: PatchSchema = .object(["metadata": objectMeta, "spec": podSpec])

    static let jobTemplate: PatchSchema = .object(["metadata": objectMeta, "spec": .object(["template": podTemplate])])

    private static let withTemplate: PatchSchema = .object(["metadata": objectMeta, "spec": .object(["template": podTemplate])])

    /// The built-in definitions a custom schema's `$ref`s may name, by their OpenAPI names.
    static let definitions: [String: PatchSchema] = {
        let withTemplate: PatchSchema = .object(["template": podTemplate])
        return [
            "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": objectMeta,
            "io.k8s.api.core.v1.PodTemplateSpec": podTemplate,
            "io.k8s.api.core.v1.PodSpec": podSpec,
            "io.k8s.api.core.v1.Container": container,
            "io.k8s.api.core.v1.EphemeralContainer": container,
            "io.k8s.api.batch.v1.JobTemplateSpec": jobTemplate,
            "io.k8s.api.batch.v1beta1.JobTemplateSpec": jobTemplate,
            "io.k8s.api.batch.v1.JobSpec": withTemplate,
            "io.k8s.api.batch.v1.CronJobSpec": .object(["jobTemplate": jobTemplate]),
            "io.k8s.api.apps.v1.DeploymentSpec": withTemplate,
            "io.k8s.api.apps.v1.StatefulSetSpec": withTemplate,
            "io.k8s.api.apps.v1.DaemonSetSpec": withTemplate,
            "io.k8s.api.apps.v1.ReplicaSetSpec": withTemplate,
            "io.k8s.api.core.v1.ReplicationControllerSpec": withTemplate,
            "io.k8s.api.core.v1.ServiceSpec": .object(["ports": keyed("port")]),
        ]
    }()

    static let specialized: [String: PatchSchema] = [
        "Pod": .object(["metadata": objectMeta, "spec": podSpec]),
        "PodTemplate": .object(["metadata": objectMeta, "template": podTemplate]),
        "ReplicationController": withTemplate,
        "Deployment": withTemplate,
        "StatefulSet": withTemplate,
        "DaemonSet": withTemplate,
        "ReplicaSet": withTemplate,
        "Job": withTemplate,
        "CronJob": .object(["metadata": objectMeta, "spec": .object(["jobTemplate": jobTemplate])]),
        "Service": .object(["metadata": objectMeta, "spec": .object(["ports": keyed("port")])]),
        "ServiceAccount": .object(["metadata": objectMeta, "secrets": keyed("name")]),
        "MutatingWebhookConfiguration": .object(["metadata": objectMeta, "webhooks": keyed("name")]),
        "ValidatingWebhookConfiguration": .object(["metadata": objectMeta, "webhooks": keyed("name")]),
    ]

    /// The built-in types of Kubernetes 1.21, by kind.
    static let known: KindTable = {
        var table = KindTable()
        func add(_ group: String, _ versions: [String], _ kinds: [String]) { table.add(group, versions, kinds) }
        add("", ["v1"], ["Binding", "ComponentStatus", "ConfigMap", "Endpoints", "Event", "LimitRange", "Namespace", "Node",
                         "PersistentVolume", "PersistentVolumeClaim", "Pod", "PodTemplate", "ReplicationController",
                         "ResourceQuota", "Secret", "Service", "ServiceAccount"])
        add("apps", ["v1"], ["ControllerRevision", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"])
        add("batch", ["v1"], ["Job", "CronJob"])
        add("batch", ["v1beta1"], ["CronJob"])
        add("autoscaling", ["v1", "v2beta1", "v2beta2"], ["HorizontalPodAutoscaler"])
        add("networking.k8s.io", ["v1", "v1beta1"], ["Ingress", "IngressClass"])
        add("networking.k8s.io", ["v1"], ["NetworkPolicy"])
        add("extensions", ["v1beta1"], ["Ingress"])
        add("policy", ["v1", "v1beta1"], ["PodDisruptionBudget"])
        add("policy", ["v1beta1"], ["PodSecurityPolicy"])
        add("rbac.authorization.k8s.io", ["v1", "v1beta1", "v1alpha1"], ["Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"])
        add("storage.k8s.io", ["v1", "v1beta1"], ["StorageClass", "CSIDriver", "CSINode", "VolumeAttachment"])
        add("storage.k8s.io", ["v1beta1", "v1alpha1"], ["CSIStorageCapacity"])
        add("scheduling.k8s.io", ["v1", "v1beta1", "v1alpha1"], ["PriorityClass"])
        add("admissionregistration.k8s.io", ["v1", "v1beta1"], ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"])
        add("apiextensions.k8s.io", ["v1", "v1beta1"], ["CustomResourceDefinition"])
        add("apiregistration.k8s.io", ["v1", "v1beta1"], ["APIService"])
        add("coordination.k8s.io", ["v1", "v1beta1"], ["Lease"])
        add("discovery.k8s.io", ["v1", "v1beta1"], ["EndpointSlice"])
        add("events.k8s.io", ["v1", "v1beta1"], ["Event"])
        add("node.k8s.io", ["v1", "v1beta1", "v1alpha1"], ["RuntimeClass"])
        add("certificates.k8s.io", ["v1", "v1beta1"], ["CertificateSigningRequest"])
        add("flowcontrol.apiserver.k8s.io", ["v1alpha1", "v1beta1"], ["FlowSchema", "PriorityLevelConfiguration"])
        return table
    }()
}
