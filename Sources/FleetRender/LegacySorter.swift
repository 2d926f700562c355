/// Kustomize's default output order ("legacy"): kinds listed in `orderFirst` first in that
/// order (Namespace, ResourceQuota, StorageClass, CRDs, ServiceAccount, RBAC, ConfigMap,
/// Secret, Service...), the `orderLast` kinds last (webhook configurations), everything else
/// between; ties by group/version/kind, then by namespace and name.
enum LegacySorter {
    static let defaultOrderFirst = [
        "Namespace", "ResourceQuota", "StorageClass", "CustomResourceDefinition", "ServiceAccount", "PodSecurityPolicy",
        "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ConfigMap", "Secret", "Endpoints", "Service",
        "LimitRange", "PriorityClass", "PersistentVolume", "PersistentVolumeClaim", "Deployment", "StatefulSet",
        "CronJob", "PodDisruptionBudget",
    ]
    static let defaultOrderLast = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]

    static func sort(_ resources: [KustomizeResource], orderFirst: [String], orderLast: [String]) -> [KustomizeResource] {
        var rank: [String: Int] = [:]
        for (i, kind) in orderFirst.enumerated() { rank[kind] = -orderFirst.count + i }
        for (i, kind) in orderLast.enumerated() { rank[kind] = 1 + i }
        let keyed = resources.map { resource -> (KustomizeResource, ResourceID) in (resource, resource.currentID) }
        return keyed.sorted { a, b in
            let (ga, gb) = (a.1.gvk, b.1.gvk)
            if ga != gb {
                let (ra, rb) = (rank[ga.kind] ?? 0, rank[gb.kind] ?? 0)
                if ra != rb { return ra < rb }
                // The core Namespace precedes custom kinds named Namespace (kubectl does).
                if ga.kind == "Namespace", gb.kind == "Namespace", ga.group.isEmpty != gb.group.isEmpty { return ga.group.isEmpty }
                return gvkSortKey(ga) < gvkSortKey(gb)
            }
            return idSortKey(a.1) < idSortKey(b.1)
        }.map(\.0)
    }

    private static func gvkSortKey(_ gvk: GroupVersionKind) -> String {
        [gvk.group.isEmpty ? "~G" : gvk.group, gvk.version.isEmpty ? "~V" : gvk.version, gvk.kind.isEmpty ? "~K" : gvk.kind].joined(separator: "_")
    }

    private static func idSortKey(_ id: ResourceID) -> String {
        [id.gvk.description, id.namespace.isEmpty ? "~X" : id.namespace, id.name.isEmpty ? "~N" : id.name].joined(separator: "|")
    }
}
