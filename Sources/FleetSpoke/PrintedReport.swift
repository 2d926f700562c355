import FleetModel
import FleetProtocol

extension StatusReport {
    /// The report as `spoke apply` prints it: the report's fields, and for a script's sake
    /// whether everything is `synced` and `healthy`, whether the plan's signature was checked
    /// (`verified`; `unsigned` when it was not) and whether it was a `dryRun`.
    public func printed(verified: Bool? = nil, dryRun: Bool = false) -> Value {
        guard case .object(var object) = value else { return value }
        object["synced"] = .bool(synced)
        object["healthy"] = .bool(healthy)
        if let verified {
            object["verified"] = .bool(verified)
            object["unsigned"] = .bool(!verified)
        }
        object["dryRun"] = .bool(dryRun)
        return .object(object)
    }
}
