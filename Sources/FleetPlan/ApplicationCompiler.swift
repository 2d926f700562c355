import Crypto
import FleetAppSet
import FleetModel
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
    static func header(_ application: Value, sources: [Value]) -> ValueObject {
        let name = application["metadata"]?["name"]?.stringValue ?? ""
        let spec = application["spec"] ?? .object([:])
        var entry: ValueObject = ["name": .string(name)]
        entry["trackingLabel"] = .string(PlanFormat.labelValue(forApplication: name))
        entry["project"] = .string(spec["project"]?.stringValue ?? "default")
        let destination = spec["destination"] ?? .object([:])
        entry["namespace"] = .string(destination["namespace"]?.stringValue ?? "")
        entry["sources"] = .array(sources.map { source in
            var header: ValueObject = [
                "repoURL": .string(source["repoURL"]?.stringValue ?? ""),
                "path": .string(source["path"]?.stringValue ?? ""),
                "targetRevision": .string(source["targetRevision"]?.stringValue ?? "HEAD"),
            ]
            // A chart from a Helm repository is named by `chart` (and has no path).
            if let chart = source["chart"]?.stringValue { header["chart"] = .string(chart) }
            return .object(header)
        })
        let policy = spec["syncPolicy"]
        var syncPolicy = ValueObject()
        if let automated = policy?["automated"], !automated.isNull {
            syncPolicy["automated"] = [
                "prune": .bool(automated["prune"]?.boolValue ?? false),
                "selfHeal": .bool(automated["selfHeal"]?.boolValue ?? false),
                "allowEmpty": .bool(automated["allowEmpty"]?.boolValue ?? false),
            ]
        } else {
            syncPolicy["automated"] = .null
        }
        syncPolicy["syncOptions"] = .array((policy?["syncOptions"]?.arrayValue ?? []).compactMap { $0.stringValue.map(Value.string) })
        if let retry = policy?["retry"], !retry.isNull {
            let backoff = retry["backoff"]
            syncPolicy["retry"] = [
                "limit": .int(retry["limit"]?.intValue ?? 5),
                "backoff": [
                    "duration": .string(backoff?["duration"]?.scalarText ?? "5s"),
                    "factor": .int(backoff?["factor"]?.intValue ?? 2),
                    "maxDuration": .string(backoff?["maxDuration"]?.scalarText ?? "3m"),
                ],
            ]
        }
        entry["syncPolicy"] = .object(syncPolicy)
        entry["ignoreDifferences"] = spec["ignoreDifferences"] ?? .array([])
        var overrides: Value = .array([])
        if let text = application["metadata"]?["annotations"]?[PlanFormat.healthOverridesAnnotation]?.stringValue,
           let parsed = try? YAML.parse(text), case .array = parsed {
            overrides = parsed
        }
        entry["healthOverrides"] = overrides
        return entry
    }

    /// The plan resources of one Application, in apply order.
    static func resources(application name: String, destinationNamespace: String, objects: [Value]) throws(ApplicationError) -> [Value] {
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
        var resources: [(wave: Int, order: Int, kind: String, namespace: String, name: String, value: Value)] = []
        for object in objects {
            guard case .object(var body) = object,
                  let apiVersion = body["apiVersion"]?.stringValue, let kind = body["kind"]?.stringValue,
                  case .object(var metadata)? = body["metadata"], let objectName = metadata["name"]?.stringValue, !objectName.isEmpty else {
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
            var resource: ValueObject = [
                "wave": .int(wave),
                "group": .string(gvk.group),
                "version": .string(gvk.version),
                "kind": .string(kind),
                "namespace": .string(namespace),
                "name": .string(objectName),
                "syncOptions": .array(syncOptions.map(Value.string)),
            ]
            if !hooks.isEmpty { resource["hooks"] = .array(hooks.map(Value.string)) }
            resource["object"] = .object(body)
            resources.append((wave, PlanFormat.kindOrder[kind] ?? PlanFormat.kindOrder.count, kind, namespace, objectName, .object(resource)))
        }
        resources.sort { a, b in
            if a.wave != b.wave { return a.wave < b.wave }
            if a.order != b.order { return a.order < b.order }
            if a.kind != b.kind { return a.kind < b.kind }
            if a.namespace != b.namespace { return a.namespace < b.namespace }
            return a.name < b.name
        }
        return resources.map(\.value)
    }
}
