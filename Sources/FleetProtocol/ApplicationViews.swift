import FleetModel
import OrderedCollections

/// One Application as `GET /api/v1/applications/{app}` answers: its status as last reported,
/// its spec as planned (pins applied), a render error, a rollback pin and its recent events.
public struct ApplicationView: Equatable, Sendable {
    public var name: String
    public var cluster: String
    public var sync: String
    public var health: String
    /// The Application's `spec` as planned, as written (Argo CD's shape).
    public var spec: Value
    public var error: String?
    /// The plan served to its cluster.
    public var planId: String?
    /// The Application's part of its cluster's latest report.
    public var status: ApplicationStatus?
    public var rollback: RollbackView?
    /// Its latest audit events, oldest first.
    public var history: [EventView]
    /// The commit of its (first) source repository it is planned at.
    public var revision: String?
    /// `ComparisonError` when the hub cannot compare it with Git now (sync then reads Unknown).
    public var conditions: [StatusCondition] = []

    public init(name: String, cluster: String, sync: String, health: String, spec: Value = .null, error: String? = nil, planId: String? = nil,
                status: ApplicationStatus? = nil, rollback: RollbackView? = nil, history: [EventView] = []) {
        self.name = name
        self.cluster = cluster
        self.sync = sync
        self.health = health
        self.spec = spec
        self.error = error
        self.planId = planId
        self.status = status
        self.rollback = rollback
        self.history = history
    }

    public init(_ value: Value) throws(ProtocolError) {
        let reader = try FieldReader(value, path: "")
        name = try reader.string("name")
        cluster = try reader.optionalString("cluster") ?? ""
        sync = try reader.optionalString("sync") ?? SyncStatus.unknown.rawValue
        health = try reader.optionalString("health") ?? HealthStatus.unknown.rawValue
        spec = reader.value("spec") ?? .null
        error = try reader.optionalString("error")
        planId = try reader.optionalString("planId")
        status = try reader.reader("status").map(ApplicationStatus.init)
        rollback = try reader.reader("rollback").map(RollbackView.init)
        history = try reader.list("history", EventView.init)
        revision = try reader.optionalString("revision")
        conditions = try reader.list("conditions", StatusCondition.init)
    }

    public var value: Value {
        var o: ValueObject = ["name": .string(name), "cluster": .string(cluster), "sync": .string(sync), "health": .string(health)]
        o["spec"] = spec
        o["error"] = error.map(Value.string) ?? .null
        o["planId"] = planId.map(Value.string) ?? .null
        o["status"] = status?.value ?? .null
        o["rollback"] = rollback?.value ?? .null
        o["history"] = .array(history.map(\.value))
        o["revision"] = revision.map(Value.string) ?? .null
        o["conditions"] = .array(conditions.map(\.value))
        return .object(o)
    }
}

/// A rollback pin: the Application renders its repository at `revision` and automated sync is
/// suspended until the pin is cleared.
public struct RollbackView: Equatable, Sendable {
    public var application: String
    public var cluster: String
    public var repoURL: String
    /// The commit it is pinned to, and what the operator asked for (a SHA prefix, a tag...).
    public var revision: String
    public var requested: String
    public var requestedBy: String
    public var createdAt: String

    public init(application: String, cluster: String, repoURL: String, revision: String, requested: String, requestedBy: String, createdAt: String) {
        self.application = application
        self.cluster = cluster
        self.repoURL = repoURL
        self.revision = revision
        self.requested = requested
        self.requestedBy = requestedBy
        self.createdAt = createdAt
    }

    init(_ reader: FieldReader) throws(ProtocolError) {
        application = try reader.optionalString("application") ?? ""
        cluster = try reader.optionalString("cluster") ?? ""
        repoURL = try reader.optionalString("repoURL") ?? ""
        revision = try reader.string("revision")
        requested = try reader.optionalString("requested") ?? revision
        requestedBy = try reader.optionalString("requestedBy") ?? ""
        createdAt = try reader.optionalString("createdAt") ?? ""
    }

    public var value: Value {
        ["application": .string(application), "cluster": .string(cluster), "repoURL": .string(repoURL), "revision": .string(revision),
         "requested": .string(requested), "requestedBy": .string(requestedBy), "createdAt": .string(createdAt)]
    }
}

/// One entry of the hub's audit log (`GET /api/v1/events`).
public struct EventView: Equatable, Sendable {
    public var sequence: Int
    public var time: String
    /// `commit-planned`, `token-created`, `access-denied`, `sync-requested`, ...
    public var kind: String
    public var actor: String
    public var subject: String
    public var message: String
    /// Kind-specific facts (a planned commit's author and changed clusters, ...).
    public var details: Value

    public init(sequence: Int, time: String, kind: String, actor: String, subject: String, message: String, details: Value = .object([:])) {
        self.sequence = sequence
        self.time = time
        self.kind = kind
        self.actor = actor
        self.subject = subject
        self.message = message
        self.details = details
    }

    init(_ reader: FieldReader) throws(ProtocolError) {
        sequence = try reader.optionalInt("sequence") ?? 0
        time = try reader.optionalString("time") ?? ""
        kind = try reader.string("kind")
        actor = try reader.optionalString("actor") ?? ""
        subject = try reader.optionalString("subject") ?? ""
        message = try reader.optionalString("message") ?? ""
        details = reader.value("details") ?? .object([:])
    }

    /// Decodes a list (`GET /api/v1/events`).
    public static func list(_ value: Value) throws(ProtocolError) -> [EventView] {
        try FieldReader(["events": value], path: "").list("events", EventView.init)
    }

    public var value: Value {
        ["sequence": .int(sequence), "time": .string(time), "kind": .string(kind), "actor": .string(actor), "subject": .string(subject),
         "message": .string(message), "details": details]
    }
}
