import FleetModel
import OrderedCollections

/// The views `GET /api/v1/clusters[/{name}]` and `GET /api/v1/applications[/{app}]` answer
/// (docs/api.md), as the hub writes them and the CLI reads them. Absent facts are `null` in
/// the JSON (a cluster that never reported has `"lastSeen": null`), so scripts can rely on
/// every key being there. Decoding is lenient about what a newer hub adds.
public struct ClusterView: Equatable, Sendable {
    public var name: String
    public var server: String
    public var labels: ValueObject
    /// Whether the fleet repository has a Cluster record of this name (a cluster whose record
    /// was removed keeps its last plan until someone acts).
    public var inFleetRepository: Bool
    /// The plan served to the cluster.
    public var planId: String?
    public var planGeneration: Int?
    /// The size of a plan too large to publish this round, if there was one.
    public var planTooLarge: Int?
    /// The plan the spoke last reported it holds.
    public var appliedPlanId: String?
    /// The fleet repository commit of the served plan, and of the plan the spoke runs (when the
    /// hub still knows it).
    public var fleetCommit: String?
    public var appliedFleetCommit: String?
    /// When the spoke last reported (RFC 3339).
    public var lastSeen: String?
    /// No report within `staleAfter`: its Applications read Unknown.
    public var stale: Bool
    public var spokeVersion: String?
    public var applications: [ClusterApplicationView]
    /// The drill open on the cluster.
    public var drill: Int?
    /// The cluster-wide conditions of the spoke's latest report (an Application being
    /// removed, or a removal held).
    public var conditions: [StatusCondition] = []
    /// `GET /api/v1/clusters/{name}` only: the latest report and the plan history.
    public var report: StatusReport?
    public var planHistory: [PlanHistoryEntry]?

    public init(name: String, server: String = "", labels: ValueObject = [:], inFleetRepository: Bool = true, planId: String? = nil,
                planGeneration: Int? = nil, planTooLarge: Int? = nil, appliedPlanId: String? = nil, lastSeen: String? = nil, stale: Bool = true,
                spokeVersion: String? = nil, applications: [ClusterApplicationView] = [], drill: Int? = nil) {
        self.name = name
        self.server = server
        self.labels = labels
        self.inFleetRepository = inFleetRepository
        self.planId = planId
        self.planGeneration = planGeneration
        self.planTooLarge = planTooLarge
        self.appliedPlanId = appliedPlanId
        self.lastSeen = lastSeen
        self.stale = stale
        self.spokeVersion = spokeVersion
        self.applications = applications
        self.drill = drill
    }

    public init(_ value: Value) throws(ProtocolError) { try self.init(FieldReader(value, path: "")) }

    init(_ reader: FieldReader) throws(ProtocolError) {
        name = try reader.string("name")
        server = try reader.optionalString("server") ?? ""
        labels = try reader.reader("labels")?.object ?? [:]
        inFleetRepository = try reader.bool("inFleetRepository", default: true)
        planId = try reader.optionalString("planId")
        planGeneration = try reader.optionalInt("planGeneration")
        planTooLarge = try reader.optionalInt("planTooLarge")
        appliedPlanId = try reader.optionalString("appliedPlanId")
        fleetCommit = try reader.optionalString("fleetCommit")
        appliedFleetCommit = try reader.optionalString("appliedFleetCommit")
        lastSeen = try reader.optionalString("lastSeen")
        stale = try reader.bool("stale", default: true)
        spokeVersion = try reader.optionalString("spokeVersion")
        applications = try reader.list("applications", ClusterApplicationView.init)
        drill = try reader.optionalInt("drill")
        conditions = try reader.list("conditions", StatusCondition.init)
        report = try reader.value("report").map { (value) throws(ProtocolError) in try StatusReport(value) }
        planHistory = reader.value("planHistory") == nil ? nil : try reader.list("planHistory", PlanHistoryEntry.init)
    }

    /// Decodes a list view (`GET /api/v1/clusters`).
    public static func list(_ value: Value) throws(ProtocolError) -> [ClusterView] {
        try FieldReader(["clusters": value], path: "").list("clusters", ClusterView.init)
    }

    /// Every Application on the cluster Synced and Healthy (a stale cluster's are Unknown),
    /// and no Application still being removed or held from removal.
    public var isSyncedAndHealthy: Bool {
        applications.allSatisfy { $0.sync == "Synced" && $0.health == "Healthy" } && !conditions.contains { Self.pendingConditions.contains($0.type) }
    }

    /// Cluster conditions that mean the cluster does not yet run what Git says.
    public static let pendingConditions: Set<String> = ["ApplicationDeleting", "DeletionHeld"]

    public var value: Value {
        var o: ValueObject = ["name": .string(name), "server": .string(server), "labels": .object(labels), "inFleetRepository": .bool(inFleetRepository)]
        o["planId"] = planId.map(Value.string) ?? .null
        o["planGeneration"] = planGeneration.map(Value.int) ?? .null
        o["planTooLarge"] = planTooLarge.map(Value.int) ?? .null
        o["appliedPlanId"] = appliedPlanId.map(Value.string) ?? .null
        o["fleetCommit"] = fleetCommit.map(Value.string) ?? .null
        o["appliedFleetCommit"] = appliedFleetCommit.map(Value.string) ?? .null
        o["lastSeen"] = lastSeen.map(Value.string) ?? .null
        o["stale"] = .bool(stale)
        o["spokeVersion"] = spokeVersion.map(Value.string) ?? .null
        o["applications"] = .array(applications.map(\.value))
        o["drill"] = drill.map(Value.int) ?? .null
        o["conditions"] = .array(conditions.map(\.value))
        if let report { o["report"] = report.value } else if planHistory != nil { o["report"] = .null }
        if let planHistory { o["planHistory"] = .array(planHistory.map(\.value)) }
        return .object(o)
    }
}

/// An Application in a cluster's view.
public struct ClusterApplicationView: Equatable, Sendable {
    public var name: String
    /// `Synced`, `OutOfSync` or `Unknown` (no report, or a stale one).
    public var sync: String
    public var health: String
    /// The commit a `fleet rollback` pinned it to.
    public var rolledBackTo: String?
    /// Why the hub cannot compare it with Git now (`ComparisonError`: its latest commit does not
    /// render, or its repository cannot be fetched); its sync then reads Unknown.
    public var conditions: [StatusCondition]

    public init(name: String, sync: String, health: String, rolledBackTo: String? = nil, conditions: [StatusCondition] = []) {
        self.name = name
        self.sync = sync
        self.health = health
        self.rolledBackTo = rolledBackTo
        self.conditions = conditions
    }

    init(_ reader: FieldReader) throws(ProtocolError) {
        name = try reader.string("name")
        sync = try reader.optionalString("sync") ?? SyncStatus.unknown.rawValue
        health = try reader.optionalString("health") ?? HealthStatus.unknown.rawValue
        rolledBackTo = try reader.optionalString("rolledBackTo")
        conditions = try reader.list("conditions", StatusCondition.init)
    }

    public var value: Value {
        var o: ValueObject = ["name": .string(name), "sync": .string(sync), "health": .string(health)]
        o.setIfPresent("rolledBackTo", rolledBackTo.map(Value.string))
        if !conditions.isEmpty { o["conditions"] = .array(conditions.map(\.value)) }
        return .object(o)
    }
}

/// One plan served to a cluster, newest first in `planHistory`.
public struct PlanHistoryEntry: Equatable, Sendable {
    public var id: String
    public var generation: Int
    public var fleetCommit: String
    public var createdAt: String

    public init(id: String, generation: Int, fleetCommit: String, createdAt: String) {
        self.id = id
        self.generation = generation
        self.fleetCommit = fleetCommit
        self.createdAt = createdAt
    }

    init(_ reader: FieldReader) throws(ProtocolError) {
        id = try reader.string("id")
        generation = try reader.optionalInt("generation") ?? 0
        fleetCommit = try reader.optionalString("fleetCommit") ?? ""
        createdAt = try reader.optionalString("createdAt") ?? ""
    }

    public var value: Value {
        ["id": .string(id), "generation": .int(generation), "fleetCommit": .string(fleetCommit), "createdAt": .string(createdAt)]
    }
}

/// An Application as `GET /api/v1/applications` lists it.
public struct ApplicationSummaryView: Equatable, Sendable {
    public var name: String
    public var cluster: String
    public var sync: String
    public var health: String
    public var labels: ValueObject
    /// Why it did not render at the last commit (it keeps its last good resources).
    public var error: String?
    /// How many fields drift, as last reported.
    public var drift: Int
    public var rolledBackTo: String?
    /// The commit of its (first) source repository it is planned at.
    public var revision: String?
    /// `ComparisonError` when the hub cannot compare it with Git now (sync then reads Unknown).
    public var conditions: [StatusCondition] = []

    public init(name: String, cluster: String, sync: String, health: String, labels: ValueObject = [:], error: String? = nil, drift: Int = 0,
                rolledBackTo: String? = nil) {
        self.name = name
        self.cluster = cluster
        self.sync = sync
        self.health = health
        self.labels = labels
        self.error = error
        self.drift = drift
        self.rolledBackTo = rolledBackTo
    }

    init(_ reader: FieldReader) throws(ProtocolError) {
        name = try reader.string("name")
        cluster = try reader.optionalString("cluster") ?? ""
        sync = try reader.optionalString("sync") ?? SyncStatus.unknown.rawValue
        health = try reader.optionalString("health") ?? HealthStatus.unknown.rawValue
        labels = try reader.reader("labels")?.object ?? [:]
        error = try reader.optionalString("error")
        drift = try reader.optionalInt("drift") ?? 0
        rolledBackTo = try reader.optionalString("rolledBackTo")
        revision = try reader.optionalString("revision")
        conditions = try reader.list("conditions", StatusCondition.init)
    }

    /// Decodes a list view (`GET /api/v1/applications`).
    public static func list(_ value: Value) throws(ProtocolError) -> [ApplicationSummaryView] {
        try FieldReader(["applications": value], path: "").list("applications", ApplicationSummaryView.init)
    }

    public var value: Value {
        var o: ValueObject = ["name": .string(name), "cluster": .string(cluster), "sync": .string(sync), "health": .string(health)]
        o["labels"] = .object(labels)
        o["error"] = error.map(Value.string) ?? .null
        o["drift"] = .int(drift)
        o["rolledBackTo"] = rolledBackTo.map(Value.string) ?? .null
        o["revision"] = revision.map(Value.string) ?? .null
        o["conditions"] = .array(conditions.map(\.value))
        return .object(o)
    }
}
