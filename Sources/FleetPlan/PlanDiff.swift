import FleetModel
import OrderedCollections

/// What changes between two plans of the same cluster: the review aid for a pull request to
/// the fleet repository (`fleet diff`).
public struct PlanChanges: Sendable {
    public struct ObjectChange: Sendable {
        public enum Kind: String, Sendable { case added, removed, changed }
        public var kind: Kind
        /// `group/kind namespace/name` (`apps/Deployment ml/inference-server`).
        public var object: String
        public var differences: [ValueDifference]
    }

    public struct ApplicationChange: Sendable {
        public enum Kind: String, Sendable { case added, removed, changed }
        public var kind: Kind
        public var application: String
        /// Changes to the Application's settings (sync policy, namespace, sources...).
        public var settings: [ValueDifference]
        public var objects: [ObjectChange]
    }

    public var cluster: String
    public var applications: [ApplicationChange]
    public var isEmpty: Bool { applications.isEmpty }

    /// Compares two plan documents (either may be absent: a cluster added or removed).
    public static func between(_ old: Value?, _ new: Value?, cluster: String) -> PlanChanges {
        func applications(_ plan: Value?) -> OrderedDictionary<String, Value> {
            var out = OrderedDictionary<String, Value>()
            for app in plan?["applications"]?.arrayValue ?? [] { out[app["name"]?.stringValue ?? ""] = app }
            return out
        }
        func objects(_ app: Value?) -> OrderedDictionary<String, Value> {
            var out = OrderedDictionary<String, Value>()
            for resource in app?["resources"]?.arrayValue ?? [] {
                let group = resource["group"]?.stringValue ?? ""
                let kind = resource["kind"]?.stringValue ?? ""
                let namespace = resource["namespace"]?.stringValue ?? ""
                let name = resource["name"]?.stringValue ?? ""
                let key = (group.isEmpty ? kind : "\(group)/\(kind)") + " " + (namespace.isEmpty ? name : "\(namespace)/\(name)")
                out[key] = resource["object"] ?? .null
            }
            return out
        }
        func settings(_ app: Value?) -> Value? {
            guard case .object(var o)? = app else { return nil }
            o["resources"] = nil
            return .object(o)
        }
        let before = applications(old)
        let after = applications(new)
        var changes: [ApplicationChange] = []
        var names = Array(before.keys)
        for name in after.keys where before[name] == nil { names.append(name) }
        for name in names.sorted() {
            let a = before[name], b = after[name]
            let oldObjects = objects(a), newObjects = objects(b)
            var objectChanges: [ObjectChange] = []
            var keys = Array(oldObjects.keys)
            for key in newObjects.keys where oldObjects[key] == nil { keys.append(key) }
            for key in keys.sorted() {
                switch (oldObjects[key], newObjects[key]) {
                case (nil, let added?): objectChanges.append(ObjectChange(kind: .added, object: key, differences: ValueDiff.differences(nil, added)))
                case (let removed?, nil): objectChanges.append(ObjectChange(kind: .removed, object: key, differences: ValueDiff.differences(removed, nil)))
                case (let x?, let y?):
                    let d = ValueDiff.differences(x, y)
                    if !d.isEmpty { objectChanges.append(ObjectChange(kind: .changed, object: key, differences: d)) }
                default: break
                }
            }
            let settingChanges = ValueDiff.differences(settings(a), settings(b))
            let kind: ApplicationChange.Kind = a == nil ? .added : b == nil ? .removed : .changed
            if kind != .changed || !objectChanges.isEmpty || !settingChanges.isEmpty {
                changes.append(ApplicationChange(kind: kind, application: name, settings: kind == .changed ? settingChanges : [], objects: objectChanges))
            }
        }
        return PlanChanges(cluster: cluster, applications: changes)
    }
}
