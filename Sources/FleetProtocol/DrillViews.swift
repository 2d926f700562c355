import FleetModel
import OrderedCollections

/// `POST /api/v1/drills`: start a DR drill on a cluster.
public struct DrillRequest: Equatable, Sendable {
    public var cluster: String
    /// Tell the cluster's spoke (in its signed plan) to wipe its live objects and its memory
    /// once; only a spoke on the local driver does.
    public var wipe: Bool
    /// The recovery-time objective the drill is judged against.
    public var slaSeconds: Double?

    public init(cluster: String, wipe: Bool = false, slaSeconds: Double? = nil) {
        self.cluster = cluster
        self.wipe = wipe
        self.slaSeconds = slaSeconds
    }

    public init(_ value: Value) throws(ProtocolError) {
        let reader = try FieldReader(value, path: "")
        try reader.refuseUnknown(known: ["cluster", "wipe", "slaSeconds"])
        cluster = try reader.string("cluster")
        wipe = try reader.bool("wipe", default: false)
        slaSeconds = try reader.optionalDouble("slaSeconds")
        if let sla = slaSeconds, !(sla > 0) { throw ProtocolError(path: "slaSeconds", "must be a positive number of seconds") }
    }

    public var value: Value {
        var o: ValueObject = ["cluster": .string(cluster), "wipe": .bool(wipe)]
        o.setIfPresent("slaSeconds", slaSeconds.map(Value.double))
        return .object(o)
    }
}

/// A drill as the hub records it (`GET /api/v1/drills[/{id}]`): who started it, when, and
/// the outcome the drill's runner reported (`report`, kept as it was sent).
public struct DrillView: Equatable, Sendable {
    public var id: Int
    public var cluster: String
    public var wipe: Bool
    public var requestedBy: String
    public var startedAt: String
    public var slaSeconds: Double?
    public var finishedAt: String?
    /// `running` until a report comes, then the report's status (`passed`, `sla-missed`,
    /// `timed-out`, `failed`, `abandoned`).
    public var status: String
    public var rtoSeconds: Double?
    public var slaMet: Bool?
    public var report: Value?

    public init(id: Int, cluster: String, wipe: Bool, requestedBy: String, startedAt: String, slaSeconds: Double? = nil,
                finishedAt: String? = nil, status: String = "running", rtoSeconds: Double? = nil, slaMet: Bool? = nil, report: Value? = nil) {
        self.id = id
        self.cluster = cluster
        self.wipe = wipe
        self.requestedBy = requestedBy
        self.startedAt = startedAt
        self.slaSeconds = slaSeconds
        self.finishedAt = finishedAt
        self.status = status
        self.rtoSeconds = rtoSeconds
        self.slaMet = slaMet
        self.report = report
    }

    public init(_ value: Value) throws(ProtocolError) { try self.init(FieldReader(value, path: "")) }

    init(_ reader: FieldReader) throws(ProtocolError) {
        id = try reader.int("id")
        cluster = try reader.string("cluster")
        wipe = try reader.bool("wipe", default: false)
        requestedBy = try reader.optionalString("requestedBy") ?? ""
        startedAt = try reader.optionalString("startedAt") ?? ""
        slaSeconds = try reader.optionalDouble("slaSeconds")
        finishedAt = try reader.optionalString("finishedAt")
        status = try reader.optionalString("status") ?? "running"
        rtoSeconds = try reader.optionalDouble("rtoSeconds")
        slaMet = try reader.optionalBool("slaMet")
        report = reader.value("report")
    }

    public static func list(_ value: Value) throws(ProtocolError) -> [DrillView] {
        try FieldReader(["drills": value], path: "").list("drills", DrillView.init)
    }

    public var value: Value {
        var o: ValueObject = ["id": .int(id), "cluster": .string(cluster), "wipe": .bool(wipe), "requestedBy": .string(requestedBy),
                              "startedAt": .string(startedAt)]
        o["slaSeconds"] = slaSeconds.map(Value.double) ?? .null
        o["finishedAt"] = finishedAt.map(Value.string) ?? .null
        o["status"] = .string(status)
        o["rtoSeconds"] = rtoSeconds.map(Value.double) ?? .null
        o["slaMet"] = slaMet.map(Value.bool) ?? .null
        o["report"] = report ?? .null
        return .object(o)
    }
}

/// A drill just started: the drill, and what its runner needs to measure it (the plan the
/// cluster must reach, its Applications, and the stateful objects Git cannot restore).
public struct DrillStarted: Equatable, Sendable {
    public var drill: DrillView
    public var planId: String?
    public var applications: [String]
    public var stateful: [StatefulObject]

    public init(drill: DrillView, planId: String?, applications: [String], stateful: [StatefulObject]) {
        self.drill = drill
        self.planId = planId
        self.applications = applications
        self.stateful = stateful
    }

    public init(_ value: Value) throws(ProtocolError) {
        let reader = try FieldReader(value, path: "")
        drill = try DrillView(reader)
        planId = try reader.optionalString("planId")
        applications = try reader.strings("applications")
        stateful = try reader.list("stateful", StatefulObject.init)
    }

    public var value: Value {
        var o = drill.value.objectValue ?? [:]
        o["planId"] = planId.map(Value.string) ?? .null
        o["applications"] = .array(applications.map(Value.string))
        o["stateful"] = .array(stateful.map(\.value))
        return .object(o)
    }
}

/// An object whose data a rebuild from Git does not bring back (a PersistentVolumeClaim, a
/// StatefulSet's volume claims): a drill names them so their restore is planned.
public struct StatefulObject: Equatable, Sendable {
    public var application: String
    public var kind: String
    public var namespace: String
    public var name: String
    public var note: String

    public init(application: String, kind: String, namespace: String, name: String, note: String) {
        self.application = application
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.note = note
    }

    init(_ reader: FieldReader) throws(ProtocolError) {
        application = try reader.optionalString("application") ?? ""
        kind = try reader.string("kind")
        namespace = try reader.optionalString("namespace") ?? ""
        name = try reader.string("name")
        note = try reader.optionalString("note") ?? ""
    }

    public var value: Value {
        ["application": .string(application), "kind": .string(kind), "namespace": .string(namespace), "name": .string(name), "note": .string(note)]
    }
}

/// The part of a drill runner's report the hub reads when the drill ends (the rest is kept
/// as sent): its verdict, RTO and whether the SLA was met.
public struct DrillVerdict: Equatable, Sendable {
    public var status: String
    public var rtoSeconds: Double?
    public var slaMet: Bool?

    public init(status: String, rtoSeconds: Double? = nil, slaMet: Bool? = nil) {
        self.status = status
        self.rtoSeconds = rtoSeconds
        self.slaMet = slaMet
    }

    public init(_ value: Value) throws(ProtocolError) {
        let reader = try FieldReader(value, path: "")
        status = try reader.optionalString("status") ?? "finished"
        rtoSeconds = try reader.optionalDouble("rtoSeconds")
        slaMet = try reader.optionalBool("slaMet")
    }
}
