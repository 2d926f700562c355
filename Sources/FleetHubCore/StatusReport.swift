import FleetModel

/// A spoke's report, validated. The body is kept as sent (stored and served back); these are
/// the fields the hub reads from it.
public struct StatusReport: Sendable {
    public static let syncStatuses: Set<String> = ["Synced", "OutOfSync", "Unknown"]
    public static let healthStatuses: Set<String> = ["Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"]

    public struct ApplicationStatus: Sendable {
        public var name: String
        public var sync: String
        public var health: String
        public var planId: String?
        /// The sync request this report completes, if any.
        public var completedSyncToken: String?
        public var driftCount: Int
    }

    public var cluster: String
    public var sequence: Int64
    public var spokeVersion: String
    public var planId: String?
    public var applications: [ApplicationStatus]
    public var value: Value
    /// The last DR drill the spoke carried out (from the plan), if any.
    public var drillID: Int64?

    /// Validates a report for `cluster`: the shape the API documents (docs/api.md), with
    /// limits, and a message naming the first field that is wrong.
    public init(_ value: Value, cluster expected: String) throws(ReportError) {
        guard case .object(let object) = value else { throw ReportError("the report must be a JSON object") }
        let allowed: Set<String> = ["cluster", "sequence", "spokeVersion", "planId", "time", "applications", "conditions", "unsigned", "drill"]
        for key in object.keys where !allowed.contains(key) { throw ReportError("unknown field \"\(key)\"") }
        guard let cluster = object["cluster"]?.stringValue else { throw ReportError("\"cluster\" is required and must be a string") }
        guard cluster == expected else { throw ReportError("\"cluster\" is \"\(cluster)\" but the report was posted for \"\(expected)\"") }
        guard let sequence = object["sequence"]?.intValue, sequence >= 0 else { throw ReportError("\"sequence\" is required and must be a non-negative integer") }
        guard let spokeVersion = object["spokeVersion"]?.stringValue, !spokeVersion.isEmpty, spokeVersion.utf8.count <= 64 else {
            throw ReportError("\"spokeVersion\" is required (a string of at most 64 characters)")
        }
        if let plan = object["planId"], !plan.isNull, plan.stringValue == nil { throw ReportError("\"planId\" must be a string") }
        if let drill = object["drill"], !drill.isNull {
            guard case .object(let d) = drill, let id = d["id"]?.intValue, id > 0 else { throw ReportError("\"drill\" must be an object with a positive integer \"id\"") }
            self.drillID = Int64(id)
        }
        guard case .array(let apps)? = object["applications"] else { throw ReportError("\"applications\" is required and must be a list") }
        guard apps.count <= 10_000 else { throw ReportError("more than 10000 applications") }
        var statuses: [ApplicationStatus] = []
        var seen = Set<String>()
        for (index, app) in apps.enumerated() {
            let at = "applications[\(index)]"
            guard case .object(let a) = app else { throw ReportError("\(at) must be an object") }
            guard let name = a["name"]?.stringValue, !name.isEmpty else { throw ReportError("\(at).name is required") }
            guard seen.insert(name).inserted else { throw ReportError("\(at): application \"\(name)\" is reported twice") }
            guard let sync = a["sync"]?.stringValue, Self.syncStatuses.contains(sync) else {
                throw ReportError("\(at).sync must be one of \(Self.syncStatuses.sorted().joined(separator: ", "))")
            }
            guard let health = a["health"]?.stringValue, Self.healthStatuses.contains(health) else {
                throw ReportError("\(at).health must be one of \(Self.healthStatuses.sorted().joined(separator: ", "))")
            }
            if let drift = a["drift"], !drift.isNull, drift.arrayValue == nil { throw ReportError("\(at).drift must be a list") }
            if let resources = a["resources"], !resources.isNull, resources.arrayValue == nil { throw ReportError("\(at).resources must be a list") }
            statuses.append(ApplicationStatus(name: name, sync: sync, health: health, planId: a["planId"]?.stringValue,
                                              completedSyncToken: a["completedSyncToken"]?.stringValue,
                                              driftCount: a["drift"]?.arrayValue?.count ?? 0))
        }
        self.cluster = cluster
        self.sequence = Int64(sequence)
        self.spokeVersion = spokeVersion
        planId = object["planId"]?.stringValue
        applications = statuses
        self.value = value
    }
}

public struct ReportError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
