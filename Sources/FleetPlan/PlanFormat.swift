import FleetAppSet
import FleetProtocol
import FleetModel
import FleetRender
import OrderedCollections

/// How the planner derives the plan's names and order (the names themselves are the
/// protocol's: FleetProtocol's `PlanFormat`).
extension PlanFormat {
    /// The Argo CD hooks a `helm.sh/hook` value maps to, as gitops-engine maps them:
    /// pre-install/pre-upgrade run PreSync, post-install/post-upgrade PostSync, post-delete
    /// PostDelete; any other Helm hook (tests, rollbacks, pre-delete) is a hook of no phase,
    /// never applied, which `Skip` says.
    public static func argoHooks(forHelmHooks text: String) -> [String] {
        let mapping = ["pre-install": "PreSync", "pre-upgrade": "PreSync", "post-install": "PostSync", "post-upgrade": "PostSync", "post-delete": "PostDelete"]
        var hooks: [String] = []
        for helmHook in text.split(separator: ",") {
            if let hook = mapping[String(helmHook).trimmingWhitespace()], !hooks.contains(hook) { hooks.append(hook) }
        }
        return hooks.isEmpty ? ["Skip"] : hooks
    }
    /// The label value for an Application name: the name itself when it is a valid label value,
    /// otherwise a prefix and a digest of it (label values are at most 63 characters).
    public static func labelValue(forApplication name: String) -> String {
        let valid = name.utf8.count <= 63 && name.utf8.allSatisfy { b in
            (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F || b == 0x2E
        } && (name.first?.isLetter ?? false || name.first?.isNumber ?? false) && (name.last?.isLetter ?? false || name.last?.isNumber ?? false)
        if valid { return name }
        let digest = PlanDigest.hex(Array(name.utf8)).prefix(16)
        let safe = String(ArgoNames.sanitize(name).prefix(46)).trimmingDashes()
        return (safe.isEmpty ? "app" : safe) + "-" + digest
    }

    /// Kubernetes' install order by kind (Namespace first, webhooks and APIServices last), as
    /// Argo CD's gitops-engine sorts the resources of one wave.
    public static let kindOrder: [String: Int] = {
        let kinds = [
            "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy", "PodDisruptionBudget",
            "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass", "PersistentVolume",
            "PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleList",
            "ClusterRoleBinding", "ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList",
            "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet", "Deployment",
            "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
        ]
        return Dictionary(uniqueKeysWithValues: kinds.enumerated().map { ($0.element, $0.offset) })
    }()
}

extension String {
    func trimmingDashes() -> String {
        var s = Substring(self)
        while s.first == "-" || s.first == "." { s = s.dropFirst() }
        while s.last == "-" || s.last == "." { s = s.dropLast() }
        return String(s)
    }
}

/// Turns a plan document into its canonical bytes and id, after the hub has changed it (a
/// pending sync request added, the publication envelope set): the id is the SHA-256 of the
/// canonical document without `id`, `revisions` and the envelope, exactly as the planner
/// computes it, so it names the desired state alone.
public enum PlanDocument {
    /// Fields about a publication rather than the desired state: not part of the id.
    /// `generation` increases with every plan published for a cluster; a spoke refuses a plan
    /// older than the one it holds, so an old signed plan cannot be replayed.
    public static let envelopeKeys = ["id", "revisions", "generation", "issuedAt", "fleetCommit", "committedAt"]

    public static func seal(_ plan: Value) -> (json: [UInt8], id: String) {
        guard case .object(var object) = plan else { return (JSON.encodeBytes(plan, options: [.sortedKeys]), "") }
        var envelope = ValueObject()
        for key in envelopeKeys {
            if let value = object.removeValue(forKey: key) { envelope[key] = value }
        }
        let state = JSON.encodeBytes(.object(object), options: [.sortedKeys])
        let id = "sha256:" + PlanDigest.hex(state)
        envelope["id"] = .string(id)
        for (key, value) in envelope { object[key] = value }
        return (JSON.encodeBytes(.object(object), options: [.sortedKeys]), id)
    }
}
