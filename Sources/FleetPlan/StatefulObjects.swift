import FleetModel

/// What a rebuild from Git cannot bring back: objects whose value is data (persistent volume
/// claims, and the claims a StatefulSet makes from its templates). A DR report lists them so
/// nobody mistakes a green rebuild for restored data.
public enum StatefulObjects {
    /// The stateful objects of a cluster plan, as `{application, kind, namespace, name, note}`.
    public static func find(in plan: Value) -> [Value] {
        var out: [Value] = []
        for application in plan["applications"]?.arrayValue ?? [] {
            let app = application["name"]?.stringValue ?? ""
            for resource in application["resources"]?.arrayValue ?? [] {
                let object = resource["object"] ?? .null
                let kind = object["kind"]?.stringValue ?? ""
                let name = object["metadata"]?["name"]?.stringValue ?? ""
                let namespace = object["metadata"]?["namespace"]?.stringValue ?? ""
                func entry(_ note: String) -> Value {
                    ["application": .string(app), "kind": .string(kind), "namespace": .string(namespace), "name": .string(name), "note": .string(note)]
                }
                switch kind {
                case "PersistentVolumeClaim":
                    out.append(entry("a new, empty volume is provisioned; restore its data from a backup"))
                case "StatefulSet":
                    let claims = (object["spec"]?["volumeClaimTemplates"]?.arrayValue ?? []).compactMap { $0["metadata"]?["name"]?.stringValue }
                    if !claims.isEmpty {
                        out.append(entry("volume claims \(claims.map { "\($0)-\(name)-N" }.joined(separator: ", ")) start empty; restore their data from a backup"))
                    }
                default:
                    continue
                }
            }
        }
        return out
    }
}
