import FleetModel

/// Where a spoke applies plans: the port a cluster driver implements (the Kubernetes API, or
/// the embedded local cluster). Only what reconciling needs: no clock, no wipe, so a driver for
/// a real cluster has nothing to pretend.
public protocol ClusterDriver: AnyObject {
    /// The live objects an Application owns (those carrying its tracking label value), among
    /// `kinds` (what the plan and the last sync used: a real cluster is never listed whole).
    func list(trackingLabel: String, kinds: Set<GroupKind>) throws -> [ResourceKey: Value]
    func get(_ key: ResourceKey) throws -> Value?
    /// Every object of a namespaced kind in `namespace` that the driver may list, managed or
    /// not: what orphaned-resource monitoring (an AppProject's `orphanedResources`) looks
    /// through. Kinds the cluster refuses to list to the spoke are skipped.
    func listNamespace(_ namespace: String) throws -> [ResourceKey: Value]
    /// Creates or updates an object; `replace` replaces it whole (PUT).
    @discardableResult
    func apply(_ object: Value, replace: Bool) throws -> Value
    /// Deletes an object (absent already: nothing to do). `foreground`: the object stays,
    /// marked, until the objects it owns are gone; `background`: at once, they follow.
    func delete(_ key: ResourceKey, propagation: DeletePropagation) throws
    /// Creates the namespace if it does not exist.
    func ensureNamespace(_ name: String) throws
    /// The object as the cluster would store it if applied now (defaults and mutating
    /// admission included), without storing it; nil when the driver cannot tell. Diffs use it,
    /// so what the server adds or rewrites is never drift.
    func storedForm(of object: Value) throws -> Value?
    /// What the cluster itself is, stable for its life and new when it is replaced (Kubernetes:
    /// the `kube-system` namespace's UID); nil when the driver cannot tell.
    func clusterIdentity() throws -> String?
}

/// Kubernetes' deletion propagation policies (orphan: only for a prune whose Application asks
/// for `PrunePropagationPolicy=orphan`).
public enum DeletePropagation: String, Sendable {
    case foreground = "Foreground", background = "Background", orphan = "Orphan"
}

extension ClusterDriver {
    /// Deletes an object in the foreground (as Argo CD prunes by default).
    public func delete(_ key: ResourceKey) throws { try delete(key, propagation: .foreground) }

    public func storedForm(of object: Value) throws -> Value? { nil }

    public func clusterIdentity() throws -> String? { nil }
}
