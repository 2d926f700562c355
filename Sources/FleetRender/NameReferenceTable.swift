/// Kustomize's built-in name-reference table: for each kind that can be renamed (prefix,
/// suffix, content hash), the fields of other kinds that refer to it by name.
///
/// When a ConfigMap becomes `prod-app-config-5k2h9`, every `configMapRef`, `configMap` volume
/// and `configMapKeyRef` in the same build that named `app-config` is rewritten to match.
struct NameReference: Equatable, Sendable {
    /// The kind being referred to (and its group/version, when kustomize pins them).
    var target: GroupVersionKind
    var referrers: [FieldSpec]
}

enum NameReferenceTable {
    static let entries: [NameReference] = build()

    private static let podSpecPrefixes: [(kind: String, group: String, prefix: String)] = [
        ("Pod", "", "spec"),
        ("Deployment", "", "spec/template/spec"),
        ("ReplicaSet", "", "spec/template/spec"),
        ("DaemonSet", "", "spec/template/spec"),
        ("StatefulSet", "", "spec/template/spec"),
        ("Job", "", "spec/template/spec"),
        ("CronJob", "", "spec/jobTemplate/spec/template/spec"),
    ]

    // size: data table (one entry per function or field, no logic between them)
    private static func build() -> [NameReference] {
        var result: [NameReference] = []
        let scaled = ["Deployment", "ReplicationController", "ReplicaSet", "StatefulSet"]
        for kind in scaled {
            result.append(NameReference(target: gvk(kind: kind), referrers: [FieldSpec(kind: "HorizontalPodAutoscaler", path: "spec/scaleTargetRef/name")]))
        }

        var configMap: [FieldSpec] = []
        var secret: [FieldSpec] = []
        for (kind, _, prefix) in podSpecPrefixes {
            let version = kind == "Pod" ? "v1" : ""
            configMap += [
                FieldSpec(version: version, kind: kind, path: "\(prefix)/volumes/configMap/name"),
                FieldSpec(version: version, kind: kind, path: "\(prefix)/containers/env/valueFrom/configMapKeyRef/name"),
                FieldSpec(version: version, kind: kind, path: "\(prefix)/initContainers/env/valueFrom/configMapKeyRef/name"),
                FieldSpec(version: version, kind: kind, path: "\(prefix)/containers/envFrom/configMapRef/name"),
                FieldSpec(version: version, kind: kind, path: "\(prefix)/initContainers/envFrom/configMapRef/name"),
                FieldSpec(version: version, kind: kind, path: "\(prefix)/volumes/projected/sources/configMap/name"),
            ]
            secret += [
                FieldSpec(version: version, kind: kind, path: "\(prefix)/volumes/secret/secretName"),
                FieldSpec(version: version, kind: kind, path: "\(prefix)/containers/env/valueFrom/secretKeyRef/name"),
                FieldSpec(version: version, kind: kind, path: "\(prefix)/initContainers/env/valueFrom/secretKeyRef/name"),
                FieldSpec(version: version, kind: kind, path: "\(prefix)/containers/envFrom/secretRef/name"),
                FieldSpec(version: version, kind: kind, path: "\(prefix)/initContainers/envFrom/secretRef/name"),
                FieldSpec(version: version, kind: kind, path: "\(prefix)/imagePullSecrets/name"),
                FieldSpec(version: version, kind: kind, path: "\(prefix)/volumes/projected/sources/secret/name"),
            ]
        }
        configMap += [
            FieldSpec(kind: "PodTemplate", path: "template/spec/volumes/configMap/name"),
            FieldSpec(kind: "PodTemplate", path: "template/spec/containers/env/valueFrom/configMapKeyRef/name"),
            FieldSpec(kind: "PodTemplate", path: "template/spec/initContainers/env/valueFrom/configMapKeyRef/name"),
            FieldSpec(kind: "PodTemplate", path: "template/spec/containers/envFrom/configMapRef/name"),
            FieldSpec(kind: "PodTemplate", path: "template/spec/initContainers/envFrom/configMapRef/name"),
            FieldSpec(kind: "PodTemplate", path: "template/spec/volumes/projected/sources/configMap/name"),
            FieldSpec(kind: "Node", path: "spec/configSource/configMap"),
            FieldSpec(kind: "Role", path: "rules/resourceNames"),
            FieldSpec(kind: "ClusterRole", path: "rules/resourceNames"),
            FieldSpec(kind: "Ingress", path: "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap"),
            FieldSpec(group: "serving.knative.dev", version: "v1", kind: "Service", path: "spec/template/spec/containers/env/valueFrom/configMapKeyRef/name"),
            FieldSpec(group: "serving.knative.dev", version: "v1", kind: "Service", path: "spec/template/spec/containers/envFrom/configMapRef/name"),
        ]
        secret += [
            FieldSpec(kind: "PodTemplate", path: "template/spec/volumes/secret/secretName"),
            FieldSpec(kind: "PodTemplate", path: "template/spec/containers/env/valueFrom/secretKeyRef/name"),
            FieldSpec(kind: "PodTemplate", path: "template/spec/initContainers/env/valueFrom/secretKeyRef/name"),
            FieldSpec(kind: "PodTemplate", path: "template/spec/containers/envFrom/secretRef/name"),
            FieldSpec(kind: "PodTemplate", path: "template/spec/initContainers/envFrom/secretRef/name"),
            FieldSpec(kind: "PodTemplate", path: "template/spec/imagePullSecrets/name"),
            FieldSpec(kind: "PodTemplate", path: "template/spec/volumes/projected/sources/secret/name"),
            FieldSpec(kind: "Ingress", path: "spec/tls/secretName"),
            FieldSpec(kind: "Ingress", path: "metadata/annotations/ingress.kubernetes.io\\/auth-secret"),
            FieldSpec(kind: "Ingress", path: "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret"),
            FieldSpec(kind: "Ingress", path: "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret"),
            FieldSpec(kind: "ServiceAccount", path: "imagePullSecrets/name"),
            FieldSpec(kind: "StorageClass", path: "parameters/secretName"),
            FieldSpec(kind: "StorageClass", path: "parameters/adminSecretName"),
            FieldSpec(kind: "StorageClass", path: "parameters/userSecretName"),
            FieldSpec(kind: "StorageClass", path: "parameters/secretRef"),
            FieldSpec(kind: "Role", path: "rules/resourceNames"),
            FieldSpec(kind: "ClusterRole", path: "rules/resourceNames"),
            FieldSpec(group: "serving.knative.dev", version: "v1", kind: "Service", path: "spec/template/spec/containers/env/valueFrom/secretKeyRef/name"),
            FieldSpec(kind: "PersistentVolume", path: "spec/azureFile/secretName"),
        ]
        result.append(NameReference(target: gvk(version: "v1", kind: "ConfigMap"), referrers: configMap))
        result.append(NameReference(target: gvk(version: "v1", kind: "Secret"), referrers: secret))

        result.append(NameReference(target: gvk(version: "v1", kind: "Service"), referrers: [
            FieldSpec(group: "apps", kind: "StatefulSet", path: "spec/serviceName"),
            FieldSpec(kind: "Ingress", path: "spec/rules/http/paths/backend/serviceName"),
            FieldSpec(kind: "Ingress", path: "spec/backend/serviceName"),
            FieldSpec(kind: "Ingress", path: "spec/rules/http/paths/backend/service/name"),
            FieldSpec(kind: "Ingress", path: "spec/defaultBackend/service/name"),
            FieldSpec(group: "apiregistration.k8s.io", kind: "APIService", path: "spec/service/name"),
            FieldSpec(group: "admissionregistration.k8s.io", kind: "ValidatingWebhookConfiguration", path: "webhooks/clientConfig/service"),
            FieldSpec(group: "admissionregistration.k8s.io", kind: "MutatingWebhookConfiguration", path: "webhooks/clientConfig/service"),
        ]))
        result.append(NameReference(target: gvk(group: "rbac.authorization.k8s.io", kind: "Role"), referrers: [
            FieldSpec(group: "rbac.authorization.k8s.io", kind: "RoleBinding", path: "roleRef/name"),
        ]))
        result.append(NameReference(target: gvk(group: "rbac.authorization.k8s.io", kind: "ClusterRole"), referrers: [
            FieldSpec(group: "rbac.authorization.k8s.io", kind: "RoleBinding", path: "roleRef/name"),
            FieldSpec(group: "rbac.authorization.k8s.io", kind: "ClusterRoleBinding", path: "roleRef/name"),
        ]))
        let workloads = [("Pod", "spec"), ("StatefulSet", "spec/template/spec"), ("Deployment", "spec/template/spec"),
                         ("ReplicationController", "spec/template/spec"), ("CronJob", "spec/jobTemplate/spec/template/spec"),
                         ("Job", "spec/template/spec"), ("DaemonSet", "spec/template/spec")]
        result.append(NameReference(target: gvk(version: "v1", kind: "ServiceAccount"), referrers: [
            FieldSpec(group: "rbac.authorization.k8s.io", kind: "RoleBinding", path: "subjects"),
            FieldSpec(group: "rbac.authorization.k8s.io", kind: "ClusterRoleBinding", path: "subjects"),
        ] + workloads.map { FieldSpec(kind: $0.0, path: "\($0.1)/serviceAccountName") }))
        result.append(NameReference(target: gvk(version: "v1", kind: "PersistentVolumeClaim"), referrers:
            workloads.map { FieldSpec(kind: $0.0, path: "\($0.1)/volumes/persistentVolumeClaim/claimName") }))
        result.append(NameReference(target: gvk(version: "v1", kind: "PersistentVolume"), referrers: [
            FieldSpec(kind: "PersistentVolumeClaim", path: "spec/volumeName"),
            FieldSpec(kind: "ClusterRole", path: "rules/resourceNames"),
        ]))
        result.append(NameReference(target: gvk(group: "storage.k8s.io", version: "v1", kind: "StorageClass"), referrers: [
            FieldSpec(kind: "PersistentVolume", path: "spec/storageClassName"),
            FieldSpec(kind: "PersistentVolumeClaim", path: "spec/storageClassName"),
            FieldSpec(kind: "StatefulSet", path: "spec/volumeClaimTemplates/spec/storageClassName"),
        ]))
        result.append(NameReference(target: gvk(group: "scheduling.k8s.io", version: "v1", kind: "PriorityClass"), referrers:
            workloads.map { FieldSpec(kind: $0.0, path: "\($0.1)/priorityClassName") }))
        result.append(NameReference(target: gvk(group: "admissionregistration.k8s.io", kind: "ValidatingAdmissionPolicy"), referrers: [
            FieldSpec(group: "admissionregistration.k8s.io", kind: "ValidatingAdmissionPolicyBinding", path: "spec/policyName"),
        ]))
        // Kustomize's table spells this group "networking.k8s.io/v1", which no object's group
        // equals, so IngressClass renames never propagate there; we keep that behaviour.
        result.append(NameReference(target: gvk(group: "networking.k8s.io/v1", version: "v1", kind: "IngressClass"), referrers: [
            FieldSpec(kind: "Ingress", path: "spec/ingressClassName"),
        ]))
        return result
    }

    private static func gvk(group: String = "", version: String = "", kind: String) -> GroupVersionKind {
        GroupVersionKind(group: group, version: version, kind: kind)
    }
}
