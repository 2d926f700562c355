import FleetModel
import OrderedCollections

/// Argo CD's health statuses, ordered from best to worst for aggregation.
public enum HealthStatus: String, Sendable, Comparable, CaseIterable {
    case healthy = "Healthy"
    case suspended = "Suspended"
    case progressing = "Progressing"
    case missing = "Missing"
    case degraded = "Degraded"
    case unknown = "Unknown"

    var severity: Int {
        switch self {
        case .healthy: return 0
        case .suspended: return 1
        case .progressing: return 2
        case .missing: return 3
        case .degraded: return 4
        case .unknown: return 5
        }
    }

    public static func < (a: HealthStatus, b: HealthStatus) -> Bool { a.severity < b.severity }

    /// The Application's health: its worst resource's (Degraded > Missing > Progressing >
    /// Suspended > Healthy), Healthy for an Application without resources.
    public static func aggregate(_ statuses: [HealthStatus]) -> HealthStatus {
        statuses.filter { $0 != .unknown }.max() ?? (statuses.isEmpty ? .healthy : .unknown)
    }
}


/// Argo CD's sync statuses.
public enum SyncStatus: String, Sendable, CaseIterable {
    case synced = "Synced"
    case outOfSync = "OutOfSync"
    case unknown = "Unknown"
}

/// A spoke's report to the hub (`POST /api/v1/clusters/{name}/status`, docs/api.md), also what
/// `spoke apply` prints. The hub decodes it strictly (unknown top-level fields refused, limits
/// on counts and sizes) and names the first wrong field in its 400.
public struct StatusReport: Equatable, Sendable {
    public var cluster: String
    /// Increases with every report a spoke token sends; 0 in a report not yet numbered.
    public var sequence: Int
    public var spokeVersion: String
    /// The plan the spoke holds.
    public var planId: String?
    public var time: String?
    public var applications: [ApplicationStatus]
    public var conditions: [StatusCondition]
    /// The last DR drill the spoke carried out from its plan.
    public var drill: DrillOutcome?
    /// What the cluster itself is (Kubernetes: the `kube-system` namespace's UID; the local
    /// cluster: an id made with its store): a drill tells a rebuilt cluster from the old one.
    public var clusterIdentity: String?

    public static let maxApplications = 10_000
    /// Sequences travel as JSON numbers: at most 2^53 - 1, exact in every JSON reader.
    public static let maxSequence = 9_007_199_254_740_991
    static let knownFields: Set<String> = ["cluster", "sequence", "spokeVersion", "planId", "time", "applications", "conditions", "unsigned", "drill", "clusterIdentity"]

    public init(cluster: String, sequence: Int = 0, spokeVersion: String = FleetVersion.current, planId: String? = nil, time: String? = nil,
                applications: [ApplicationStatus] = [], conditions: [StatusCondition] = [], drill: DrillOutcome? = nil) {
        self.cluster = cluster
        self.sequence = sequence
        self.spokeVersion = spokeVersion
        self.planId = planId
        self.time = time
        self.applications = applications
        self.conditions = conditions
        self.drill = drill
    }

    /// The fields `spoke apply` prints beside the report (for scripts and drills).
    public static let printedFields: Set<String> = ["synced", "healthy", "verified", "unsigned", "dryRun"]

    /// Decodes a report as the hub receives it.
    public init(_ value: Value) throws(ProtocolError) { try self.init(value, alsoAllowing: []) }

    /// Decodes a report as `spoke apply` prints it (with its `printedFields`).
    public init(printed value: Value) throws(ProtocolError) { try self.init(value, alsoAllowing: Self.printedFields) }

    private init(_ value: Value, alsoAllowing extra: Set<String>) throws(ProtocolError) {
        let reader = try FieldReader(value, path: "")
        try reader.refuseUnknown(known: Self.knownFields.union(extra))
        cluster = try reader.string("cluster")
        sequence = try reader.int("sequence")
        guard sequence >= 0, sequence <= Self.maxSequence else { throw ProtocolError(path: "sequence", "must be an integer from 0 to 2^53 - 1") }
        spokeVersion = try reader.string("spokeVersion")
        guard !spokeVersion.isEmpty, spokeVersion.utf8.count <= 64 else { throw ProtocolError(path: "spokeVersion", "must be 1 to 64 characters") }
        planId = try reader.optionalString("planId")
        time = try reader.optionalString("time")
        guard reader.value("applications") != nil else { throw ProtocolError(path: "applications", "is required") }
        applications = try reader.list("applications", limit: Self.maxApplications, ApplicationStatus.init)
        var seen = Set<String>()
        for (index, app) in applications.enumerated() where !seen.insert(app.name).inserted {
            throw ProtocolError(path: "applications[\(index)]", "application \"\(app.name)\" is reported twice")
        }
        conditions = try reader.list("conditions", limit: 1000, StatusCondition.init)
        drill = try reader.reader("drill").map(DrillOutcome.init)
        clusterIdentity = try reader.optionalString("clusterIdentity")
    }

    /// Every Application Synced (an empty plan is synced).
    public var synced: Bool { applications.allSatisfy { $0.sync == .synced } }
    /// Every Application Healthy.
    public var healthy: Bool { applications.allSatisfy { $0.health == .healthy } }

    public var value: Value {
        var object: ValueObject = ["cluster": .string(cluster), "sequence": .int(sequence), "spokeVersion": .string(spokeVersion)]
        object.setIfPresent("planId", planId.map(Value.string))
        object.setIfPresent("time", time.map(Value.string))
        object["applications"] = .array(applications.map(\.value))
        if !conditions.isEmpty { object["conditions"] = .array(conditions.map(\.value)) }
        object.setIfPresent("drill", drill?.value)
        object.setIfPresent("clusterIdentity", clusterIdentity.map(Value.string))
        return .object(object)
    }
}

/// One Application's status in a report.
public struct ApplicationStatus: Equatable, Sendable {
    public var name: String
    /// The plan this status was reached against.
    public var planId: String?
    public var sync: SyncStatus
    public var health: HealthStatus
    /// Fields that differ from the plan (at most 50), as found after acting.
    public var drift: [DriftEntry]
    public var resources: [ResourceStatus]
    /// Resources left out of `resources` (a report lists at most 1,000).
    public var resourcesOmitted: Int?
    /// The last sync that changed something (kept across ticks).
    public var lastSync: LastSync?
    /// Live objects with the Application's label that the plan does not name (`spoke apply`
    /// prints them; not sent to the hub).
    public var extraneous: [String]
    /// Objects in the destination namespace no Application manages, when the Application's
    /// project watches for them (`orphanedResources`); at most 100 listed.
    public var orphaned: [String] = []
    public var conditions: [StatusCondition]
    /// The sync request this status completes.
    public var completedSyncToken: String?
    /// Fields this version does not know, kept as sent.
    public var unknownFields: ValueObject

    public init(name: String, planId: String? = nil, sync: SyncStatus, health: HealthStatus, drift: [DriftEntry] = [], resources: [ResourceStatus] = [],
                resourcesOmitted: Int? = nil, lastSync: LastSync? = nil, extraneous: [String] = [], conditions: [StatusCondition] = [],
                completedSyncToken: String? = nil, unknownFields: ValueObject = [:]) {
        self.name = name
        self.planId = planId
        self.sync = sync
        self.health = health
        self.drift = drift
        self.resources = resources
        self.resourcesOmitted = resourcesOmitted
        self.lastSync = lastSync
        self.extraneous = extraneous
        self.conditions = conditions
        self.completedSyncToken = completedSyncToken
        self.unknownFields = unknownFields
    }

    static let knownFields: Set<String> = [
        "name", "planId", "sync", "health", "drift", "resources", "resourcesOmitted", "lastSync", "extraneous", "orphaned", "conditions", "completedSyncToken",
    ]

    init(_ reader: FieldReader) throws(ProtocolError) {
        name = try reader.string("name")
        guard !name.isEmpty else { throw ProtocolError(path: reader.at("name"), "is required") }
        planId = try reader.optionalString("planId")
        sync = try reader.enumeration("sync", SyncStatus.self)
        health = try reader.enumeration("health", HealthStatus.self)
        drift = try reader.list("drift", limit: 10_000, DriftEntry.init)
        resources = try reader.list("resources", limit: 100_000, ResourceStatus.init)
        resourcesOmitted = try reader.optionalInt("resourcesOmitted")
        lastSync = try reader.reader("lastSync").map(LastSync.init)
        extraneous = try reader.strings("extraneous")
        orphaned = try reader.strings("orphaned")
        conditions = try reader.list("conditions", limit: 1000, StatusCondition.init)
        completedSyncToken = try reader.optionalString("completedSyncToken")
        unknownFields = reader.unknownFields(known: Self.knownFields)
    }

    public var value: Value {
        var object: ValueObject = ["name": .string(name)]
        object.setIfPresent("planId", planId.map(Value.string))
        object.setIfPresent("resourcesOmitted", resourcesOmitted.map(Value.int))
        object["sync"] = .string(sync.rawValue)
        object["health"] = .string(health.rawValue)
        object["drift"] = .array(drift.map(\.value))
        object["resources"] = .array(resources.map(\.value))
        object["lastSync"] = lastSync?.value ?? .null
        if !extraneous.isEmpty { object["extraneous"] = .array(extraneous.map(Value.string)) }
        if !orphaned.isEmpty { object["orphaned"] = .array(orphaned.map(Value.string)) }
        object["conditions"] = .array(conditions.map(\.value))
        object.setIfPresent("completedSyncToken", completedSyncToken.map(Value.string))
        object.merge(unknown: unknownFields)
        return .object(object)
    }
}

/// One object's status in an Application's report.
public struct ResourceStatus: Equatable, Sendable {
    /// `group/Kind namespace/name`, as `ResourceKey` prints it.
    public var resource: String
    public var sync: SyncStatus
    public var health: HealthStatus
    /// What the last sync did to it: `Synced` (created or configured), `SyncFailed`, `Pruned`.
    public var result: String?
    public var message: String?
    /// The live object's `metadata.creationTimestamp`: a drill's evidence that it was rebuilt.
    public var createdAt: String?

    public init(resource: String, sync: SyncStatus, health: HealthStatus, result: String? = nil, message: String? = nil) {
        self.resource = resource
        self.sync = sync
        self.health = health
        self.result = result
        self.message = message
    }

    init(_ reader: FieldReader) throws(ProtocolError) {
        resource = try reader.string("resource")
        sync = try reader.enumeration("sync", SyncStatus.self)
        health = try reader.enumeration("health", HealthStatus.self)
        result = try reader.optionalString("result")
        message = try reader.optionalString("message")
        createdAt = try reader.optionalString("createdAt")
    }

    public var value: Value {
        var object: ValueObject = ["resource": .string(resource), "health": .string(health.rawValue), "sync": .string(sync.rawValue)]
        object.setIfPresent("result", result.map(Value.string))
        object.setIfPresent("message", message.map(Value.string))
        object.setIfPresent("createdAt", createdAt.map(Value.string))
        return .object(object)
    }
}

/// One field that differs between the plan and the cluster.
public struct DriftEntry: Equatable, Sendable {
    public var resource: String
    /// JSON pointer of the field.
    public var pointer: String
    /// The planned value (null: the plan does not set the field).
    public var desired: Value
    /// The live value (null: the cluster does not have the field).
    public var live: Value

    public init(resource: String, pointer: String, desired: Value, live: Value) {
        self.resource = resource
        self.pointer = pointer
        self.desired = desired
        self.live = live
    }

    init(_ reader: FieldReader) throws(ProtocolError) {
        resource = try reader.string("resource")
        pointer = try reader.string("pointer")
        desired = reader.object["desired"] ?? .null
        live = reader.object["live"] ?? .null
    }

    public var value: Value { ["resource": .string(resource), "pointer": .string(pointer), "desired": desired, "live": live] }
}

/// A condition on a report or an Application (`SyncError`, `WaveTimeout`, `SignatureFailure`, ...).
public struct StatusCondition: Equatable, Sendable {
    public var type: String
    public var message: String

    public init(type: String, message: String) {
        self.type = type
        self.message = message
    }

    init(_ reader: FieldReader) throws(ProtocolError) {
        type = try reader.string("type")
        message = try reader.optionalString("message") ?? ""
    }

    public var value: Value { ["type": .string(type), "message": .string(message)] }
}

/// The last sync that changed something.
public struct LastSync: Equatable, Sendable {
    public enum Result: String, Sendable, CaseIterable {
        case succeeded = "Succeeded", failed = "Failed"
    }

    public var result: Result
    public var startedAt: String
    public var finishedAt: String
    /// `plan changed`, `sync requested`, `self-heal` or `missing objects`.
    public var reason: String
    /// What a self-heal put back: the drift as it was found.
    public var healed: [DriftEntry]?
    /// The resource hooks the sync ran, in the order it ran them.
    public var hooks: [HookRun]

    public init(result: Result, startedAt: String, finishedAt: String, reason: String, healed: [DriftEntry]? = nil, hooks: [HookRun] = []) {
        self.result = result
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.reason = reason
        self.healed = healed
        self.hooks = hooks
    }

    init(_ reader: FieldReader) throws(ProtocolError) {
        result = try reader.enumeration("result", Result.self)
        startedAt = try reader.optionalString("startedAt") ?? ""
        finishedAt = try reader.optionalString("finishedAt") ?? ""
        reason = try reader.optionalString("reason") ?? ""
        healed = reader.value("healed") == nil ? nil : try reader.list("healed", limit: 10_000, DriftEntry.init)
        hooks = try reader.list("hooks", limit: 1000, HookRun.init)
    }

    public var value: Value {
        var object: ValueObject = ["result": .string(result.rawValue), "startedAt": .string(startedAt), "finishedAt": .string(finishedAt),
                                   "reason": .string(reason)]
        object.setIfPresent("healed", healed.map { .array($0.map(\.value)) })
        if !hooks.isEmpty { object["hooks"] = .array(hooks.map(\.value)) }
        return .object(object)
    }

    /// Decodes a stored last sync (the spoke keeps it across restarts).
    public init(_ value: Value) throws(ProtocolError) { try self.init(FieldReader(value, path: "lastSync")) }
}

/// The outcome of a DR drill the spoke carried out.
public struct DrillOutcome: Equatable, Sendable {
    public var id: Int
    public var at: String?
    /// Objects deleted by the wipe.
    public var wiped: Int?
    /// Why the spoke refused the drill.
    public var error: String?

    public init(id: Int, at: String? = nil, wiped: Int? = nil, error: String? = nil) {
        self.id = id
        self.at = at
        self.wiped = wiped
        self.error = error
    }

    init(_ reader: FieldReader) throws(ProtocolError) {
        id = try reader.int("id")
        guard id > 0 else { throw ProtocolError(path: reader.at("id"), "must be a positive integer") }
        at = try reader.optionalString("at")
        wiped = try reader.optionalInt("wiped")
        error = try reader.optionalString("error")
    }

    public var value: Value {
        var object: ValueObject = ["id": .int(id)]
        object.setIfPresent("at", at.map(Value.string))
        object.setIfPresent("wiped", wiped.map(Value.int))
        object.setIfPresent("error", error.map(Value.string))
        return .object(object)
    }

    /// Decodes a stored outcome (the spoke keeps the last one across restarts).
    public init(_ value: Value) throws(ProtocolError) { try self.init(FieldReader(value, path: "drill")) }
}

extension FieldReader {
    /// A required string field from a closed set, listing the set when it is something else.
    func enumeration<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) throws(ProtocolError) -> E where E.RawValue == String {
        let text = try string(key)
        guard let value = E(rawValue: text) else {
            throw ProtocolError(path: at(key), "must be one of \(E.allCases.map(\.rawValue).sorted().joined(separator: ", "))")
        }
        return value
    }
}
