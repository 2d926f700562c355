import FleetModel
import FleetProtocol

/// What a rebuild from Git cannot bring back: objects whose value is data (persistent volume
/// claims, and the claims a StatefulSet makes from its templates). A DR report lists them so
/// nobody mistakes a green rebuild for restored data.
public enum StatefulObjects {
    /// The stateful objects of a cluster plan.
    public static func find(in plan: Plan) -> [StatefulObject] {
        var out: [StatefulObject] = []
        for application in plan.applications {
            for resource in application.resources {
                func entry(_ note: String) -> StatefulObject {
                    StatefulObject(application: application.name, kind: resource.kind, namespace: resource.namespace, name: resource.name, note: note)
                }
                switch resource.kind {
                case "PersistentVolumeClaim":
                    out.append(entry("a new, empty volume is provisioned; restore its data from a backup"))
                case "StatefulSet":
                    let templates = resource.object["spec"]?["volumeClaimTemplates"]?.arrayValue ?? []
                    let claims = templates.compactMap { $0["metadata"]?["name"]?.stringValue }
                    if !claims.isEmpty {
                        out.append(entry("volume claims \(claims.map { "\($0)-\(resource.name)-N" }.joined(separator: ", ")) start empty; restore their data from a backup"))
                    }
                default:
                    continue
                }
            }
        }
        return out
    }
}
