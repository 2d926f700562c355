/// The names hub, spoke and CLI share: the plan's format version, the labels and annotations the
/// plan puts on objects and reads back, and the HTTP headers of the plan endpoint. One place,
/// so the two sides of the protocol cannot drift apart (docs/plan-format.md, docs/api.md).
public enum PlanFormat {
    /// Bumped when a field changes meaning; spokes refuse versions they do not know.
    public static let version = 1
    /// Label on every object an Application owns (value: a label-safe form of the name), so a
    /// spoke lists an Application's live objects with one selector.
    public static let applicationLabel = "fleet.gitops.dev/app"
    /// Annotation with the full owner identity `<app>:<group>/<kind>:<namespace>/<name>`, as Argo
    /// CD's annotation tracking writes it, so a copied object is not mistaken for ours.
    public static let trackingAnnotation = "fleet.gitops.dev/tracking-id"
    /// Application annotation with per-kind health overrides (a YAML list of
    /// `{group, kind, health}`), for resources whose health the spoke should not assess.
    public static let healthOverridesAnnotation = "fleet.gitops.dev/health-overrides"
    public static let syncWaveAnnotation = "argocd.argoproj.io/sync-wave"
    public static let syncOptionsAnnotation = "argocd.argoproj.io/sync-options"
    public static let compareOptionsAnnotation = "argocd.argoproj.io/compare-options"
    public static let hookAnnotation = "argocd.argoproj.io/hook"
    public static let hookDeletePolicyAnnotation = "argocd.argoproj.io/hook-delete-policy"
    /// Argo CD's cascading-deletion finalizers on an Application (foreground, and background).
    public static let resourcesFinalizer = "resources-finalizer.argocd.argoproj.io"
    public static let resourcesFinalizerBackground = "resources-finalizer.argocd.argoproj.io/background"
    /// On a Cluster record, `"true"`: a plan may remove every Application of the cluster at once.
    public static let allowEmptyAnnotation = "fleet.gitops.dev/allow-empty"
    /// Helm's hook annotations, which Argo CD (gitops-engine) reads when an object has no
    /// Argo CD hook annotation.
    public static let helmHookAnnotation = "helm.sh/hook"
    public static let helmHookWeightAnnotation = "helm.sh/hook-weight"

    /// The response header with the plan's Ed25519 signature (base64) over the body's bytes.
    public static let signatureHeader = "X-Fleet-Signature"
    /// The response header with the served plan's id.
    public static let planIdHeader = "X-Fleet-Plan-Id"

    /// The API path of a cluster's resources (`/plan`, `/status` below it).
    public static func clusterPath(_ cluster: String) -> String { "/api/v1/clusters/\(cluster)" }
}
