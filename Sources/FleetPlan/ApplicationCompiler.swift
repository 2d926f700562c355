import Crypto
import FleetAppSet
import FleetModel
import FleetProtocol
import FleetRender
import FleetYAML
import OrderedCollections

enum PlanDigest {
    /// SHA-256 of the concatenated parts, as 64 lower-case hex digits (no copy of the parts).
    static func hex(_ parts: [UInt8]...) -> String {
        var hasher = SHA256()
        for part in parts { hasher.update(data: part) }
        return Hex.encode(hasher.finalize())
    }
}

/// Why an Application could not be compiled into a plan (its rendering failed, or an object
/// it renders is unusable). The plan keeps its last good resources and carries this message.
public struct ApplicationError: Error, CustomStringConvertible, Sendable {
    public var application: String
    public var message: String
    public var description: String { "Application \(application): \(message)" }
}

/// Turns an Application and its rendered objects into the plan's entry for it: objects in the
/// destination namespace, tracking metadata added, sync waves and options read from Argo CD's
/// annotations, resources in apply order (wave, kind, name).
enum ApplicationCompiler {
    /// The plan entry's fields other than resources (sync policy, ignoreDifferences...).
    /// Throws for a health-overrides annotation that is not a list of `{group, kind, health}`.
    static func header(_ application: Value, sources: [Value]) throws(ApplicationError) -> PlanEntry {
        let name = application["metadata"]?["name"]?.stringValue ?? ""
        let spec = application["spec"] ?? .object([:])
        var entry = PlanEntry(name: name, trackingLabel: PlanFormat.labelValue(forApplication: name))
        entry.project = spec["project"]?.stringValue ?? "default"
        entry.namespace = spec["destination"]?["namespace"]?.stringValue ?? ""
        entry.sources = sources.map { source in
            // A chart from a Helm repository is named by `chart` (and has no path).
            PlanSource(repoURL: source["repoURL"]?.stringValue ?? "", path: source["path"]?.stringValue ?? "",
                       targetRevision: source["targetRevision"]?.stringValue ?? "HEAD", chart: source["chart"]?.stringValue)
        }
        let policy = spec["syncPolicy"]
        if let automated = policy?["automated"], !automated.isNull {
            entry.syncPolicy.automated = AutomatedSync(prune: automated["prune"]?.boolValue ?? false, selfHeal: automated["selfHeal"]?.boolValue ?? false,
                                                       allowEmpty: automated["allowEmpty"]?.boolValue ?? false)
        }
        entry.syncPolicy.syncOptions = (policy?["syncOptions"]?.arrayValue ?? []).compactMap(\.stringValue)
        if let retry = policy?["retry"], !retry.isNull {
            let backoff = retry["backoff"]
            entry.syncPolicy.retry = RetryPolicy(limit: retry["limit"]?.intValue ?? 5, duration: backoff?["duration"]?.scalarText ?? "5s",
                                                 factor: backoff?["factor"]?.intValue ?? 2, maxDuration: backoff?["maxDuration"]?.scalarText ?? "3m")
        }
        entry.ignoreDifferences = spec["ignoreDifferences"]?.arrayValue ?? []
        entry.removal = removalPolicy(finalizers: application["metadata"]?["finalizers"]?.arrayValue ?? [])
        if let text = application["metadata"]?["annotations"]?[PlanFormat.healthOverridesAnnotation]?.stringValue {
            do {
                entry.healthOverrides = try HealthOverride.list(try YAML.parse(text))
            } catch {
                throw ApplicationError(application: name, message: "annotation \(PlanFormat.healthOverridesAnnotation): \(error)")
            }
        }
        return entry
    }

    /// Argo CD deletes an Application's objects with it only when it carries the resources
    /// finalizer (foreground, or its `/background` form); without one they stay, orphaned.
    static func removalPolicy(finalizers: [Value]) -> RemovalPolicy? {
        let names = Set(finalizers.compactMap(\.stringValue))
        if names.contains(PlanFormat.resourcesFinalizer) || names.contains(PlanFormat.resourcesFinalizer + "/foreground") { return .foreground }
        if names.contains(PlanFormat.resourcesFinalizerBackground) { return .background }
        return nil
    }

    /// The plan resources of one Application, in apply order.
    static func resources(application name: String, destinationNamespace: String, objects: [Value]) throws(ApplicationError) -> [PlannedResource] {
        // Kinds the rendering itself defines as cluster-scoped (CRDs with scope: Cluster).
        var clusterScopedCustomKinds = Set<String>()
        for object in objects where object["kind"]?.stringValue == "CustomResourceDefinition" {
            if object["spec"]?["scope"]?.stringValue == "Cluster",
               let group = object["spec"]?["group"]?.stringValue, let kind = object["spec"]?["names"]?["kind"]?.stringValue {
                clusterScopedCustomKinds.insert(group + "/" + kind)
            }
        }
        let label = PlanFormat.labelValue(forApplication: name)
        var seen = Set<String>()
        var resources: [(order: Int, resource: PlannedResource)] = []
        for object in objects {
            // A hook may have only `generateName`: each sync creates it under a fresh name.
            let isHook = object["metadata"]?["annotations"]?[PlanFormat.hookAnnotation] != nil || object["metadata"]?["annotations"]?[PlanFormat.helmHookAnnotation] != nil
            let givenName = object["metadata"]?["name"]?.stringValue ?? ""
            let generated = isHook && givenName.isEmpty ? object["metadata"]?["generateName"]?.stringValue ?? "" : ""
            guard case .object(var body) = object,
                  let apiVersion = body["apiVersion"]?.stringValue, let kind = body["kind"]?.stringValue,
                  case .object(var metadata)? = body["metadata"], case let objectName = givenName.isEmpty ? generated : givenName, !objectName.isEmpty else {
                throw ApplicationError(application: name, message: "an object without apiVersion, kind or metadata.name: \(JSON.encode(object).prefix(200))")
            }
            let gvk = GroupVersionKind(apiVersion: apiVersion, kind: kind)
            let clusterScoped = gvk.isClusterScoped || clusterScopedCustomKinds.contains(gvk.group + "/" + kind)
                || ["Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "StorageClass", "PersistentVolume", "IngressClass", "PriorityClass", "APIService", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"].contains(kind)
            var namespace = metadata["namespace"]?.stringValue ?? ""
            if clusterScoped {
                namespace = ""
                metadata["namespace"] = nil
            } else if namespace.isEmpty {
                guard !destinationNamespace.isEmpty else {
                    throw ApplicationError(application: name, message: "\(kind) \(objectName) has no namespace and the Application's destination names none")
                }
                namespace = destinationNamespace
                metadata["namespace"] = .string(namespace)
            }
            let key = "\(gvk.group)/\(kind)/\(namespace)/\(objectName)"
            guard seen.insert(key).inserted else {
                throw ApplicationError(application: name, message: "\(kind) \(namespace.isEmpty ? "" : namespace + "/")\(objectName) is rendered twice")
            }
            var annotations = metadata["annotations"]?.objectValue ?? [:]
            var wave = 0
            if let waveText = annotations[PlanFormat.syncWaveAnnotation]?.scalarText {
                guard let parsed = Int(waveText.trimmingWhitespace()) else {
                    throw ApplicationError(application: name, message: "\(kind) \(objectName): \(PlanFormat.syncWaveAnnotation) \"\(waveText)\" is not an integer")
                }
                wave = parsed
            } else if let weight = annotations[PlanFormat.helmHookWeightAnnotation]?.scalarText, let parsed = Int(weight.trimmingWhitespace()) {
                // gitops-engine: without a sync wave, a Helm hook weight orders the object.
                wave = parsed
            }
            let syncOptions = (annotations[PlanFormat.syncOptionsAnnotation]?.stringValue ?? "")
                .split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
            var hooks = (annotations[PlanFormat.hookAnnotation]?.stringValue ?? "")
                .split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
            if annotations[PlanFormat.hookAnnotation] == nil, let helmHooks = annotations[PlanFormat.helmHookAnnotation]?.stringValue {
                hooks = PlanFormat.argoHooks(forHelmHooks: helmHooks)
            }
            annotations[PlanFormat.trackingAnnotation] = .string("\(name):\(gvk.group)/\(kind):\(namespace)/\(objectName)")
            metadata["annotations"] = .object(annotations)
            var labels = metadata["labels"]?.objectValue ?? [:]
            labels[PlanFormat.applicationLabel] = .string(label)
            metadata["labels"] = .object(labels)
            body["metadata"] = .object(metadata)
            let resource = PlannedResource(group: gvk.group, version: gvk.version, kind: kind, namespace: namespace, name: objectName,
                                           wave: wave, syncOptions: syncOptions, hooks: hooks, object: .object(body))
            resources.append((PlanFormat.kindOrder[kind] ?? PlanFormat.kindOrder.count, resource))
        }
        resources.sort { x, y in
            let a = x.resource, b = y.resource
            if a.wave != b.wave { return a.wave < b.wave }
            if x.order != y.order { return x.order < y.order }
            if a.kind != b.kind { return a.kind < b.kind }
            if a.namespace != b.namespace { return a.namespace < b.namespace }
            return a.name < b.name
        }
        return resources.map(\.resource)
    }
}
