import FleetModel
import FleetProtocol
import FleetReconcile

/// Orphaned-resource monitoring, as Argo CD's controller does it for an AppProject with
/// `orphanedResources`: the top-level objects (no owner) in an Application's destination
/// namespace that no Application manages, less what the project denies and what it ignores.
/// With `warn` (the default) the Application gets `OrphanedResourceWarning` ("Application has N
/// orphaned resources"); the objects are listed either way. Nothing is ever deleted.
extension Reconciler {
    /// Labels and annotations that say an object is managed: ours, and Argo CD's (a cluster
    /// moving over from Argo CD is not full of orphans).
    static let managedMarkers = (labels: [PlanFormat.applicationLabel, "argocd.argoproj.io/instance"], annotations: [PlanFormat.trackingAnnotation, "argocd.argoproj.io/tracking-id"])

    func markOrphans(_ statuses: inout [ApplicationStatus], plan: Plan) {
        let watching = plan.applications.filter { $0.projectRules?.orphanedResources != nil && !$0.namespace.isEmpty }
        guard !watching.isEmpty else { return }
        let planned = Set(plan.applications.flatMap { $0.resources.map { ResourceKey(group: $0.group, kind: $0.kind, namespace: $0.namespace, name: $0.name) } })
        for entry in watching {
            guard let rules = entry.projectRules, let policy = rules.orphanedResources,
                  let index = statuses.firstIndex(where: { $0.name == entry.name }) else { continue }
            let objects: [ResourceKey: Value]
            do { objects = try namespaceObjects(entry.namespace) } catch {
                statuses[index].conditions.append(StatusCondition(type: "OrphanedResourceError", message: "cannot list namespace \(entry.namespace): \(error)"))
                continue
            }
            let orphans = objects.filter { key, object in
                !planned.contains(key) && Self.isTopLevelAndUnmanaged(object)
                    && rules.permitsKind(group: key.group, kind: key.kind, name: key.name, namespaced: true)
                    && !policy.ignores(group: key.group, kind: key.kind, namespace: key.namespace, name: key.name, object: object)
            }.keys.sorted()
            statuses[index].orphaned = orphans.prefix(100).map(\.description)
            if policy.warn, !orphans.isEmpty {
                statuses[index].conditions.append(StatusCondition(type: "OrphanedResourceWarning", message: "Application has \(orphans.count) orphaned resources"))
            }
        }
    }

    static func isTopLevelAndUnmanaged(_ object: Value) -> Bool {
        let metadata = object["metadata"]
        if let owners = metadata?["ownerReferences"]?.arrayValue, !owners.isEmpty { return false }
        if managedMarkers.labels.contains(where: { metadata?["labels"]?[$0] != nil }) { return false }
        return !managedMarkers.annotations.contains { metadata?["annotations"]?[$0] != nil }
    }

    /// A namespace's objects, listed at most once per `orphanCheckInterval` (a namespace listing
    /// reads every namespaced kind: too much for every tick).
    private func namespaceObjects(_ namespace: String) throws -> [ResourceKey: Value] {
        let now = clock()
        if let cached = namespaceListings[namespace], now - cached.at < orphanCheckInterval { return cached.objects }
        let objects = try driver.listNamespace(namespace)
        namespaceListings[namespace] = (now, objects)
        return objects
    }
}
