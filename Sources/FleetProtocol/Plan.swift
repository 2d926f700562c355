import FleetModel
import OrderedCollections

/// One cluster's plan: what the hub signs and serves, `fleet render` prints and `spoke apply`
/// reads (docs/plan-format.md). Decoding checks the whole shape and names the first wrong field;
/// fields this version does not know are kept, so a plan re-encodes to the bytes it came from.
public struct Plan: Equatable, Sendable {
    public var cluster: String
    public var server: String
    /// `sha256:` and the digest of the desired state (see `PlanDocument`); nil before sealing.
    public var id: String?
    /// The commit of every repository the plan was read from.
    public var revisions: [String: String]
    /// Sorted by name.
    public var applications: [PlanEntry]
    /// Pending manual syncs: Application name to the request's token.
    public var syncRequests: [String: String]
    /// A DR drill with `--wipe` open on the cluster.
    public var drill: PlanDrill?
    /// The publication envelope the hub sets (absent from `fleet render`).
    public var generation: Int?
    public var issuedAt: String?
    public var fleetCommit: String?
    public var committedAt: String?
    /// Whether the plan may remove every Application the cluster runs at once (the Cluster
    /// record's `fleet.gitops.dev/allow-empty`); otherwise a spoke holds such a removal.
    public var allowEmpty: Bool
    /// Why Applications that left this plan must not be deleted now (an ApplicationSet that
    /// could not be generated: its Applications cannot be told from removed ones).
    public var holdRemovals: String?
    public var unknownFields: ValueObject

    public init(cluster: String, server: String, id: String? = nil, revisions: [String: String] = [:], applications: [PlanEntry] = [],
                syncRequests: [String: String] = [:], drill: PlanDrill? = nil, generation: Int? = nil, issuedAt: String? = nil,
                fleetCommit: String? = nil, committedAt: String? = nil, allowEmpty: Bool = false, holdRemovals: String? = nil,
                unknownFields: ValueObject = [:]) {
        self.cluster = cluster
        self.server = server
        self.id = id
        self.revisions = revisions
        self.applications = applications
        self.syncRequests = syncRequests
        self.drill = drill
        self.generation = generation
        self.issuedAt = issuedAt
        self.fleetCommit = fleetCommit
        self.committedAt = committedAt
        self.allowEmpty = allowEmpty
        self.holdRemovals = holdRemovals
        self.unknownFields = unknownFields
    }

    static let knownFields: Set<String> = [
        "formatVersion", "cluster", "server", "id", "revisions", "applications", "syncRequests", "drill",
        "generation", "issuedAt", "fleetCommit", "committedAt", "allowEmpty", "holdRemovals",
    ]

    /// Parses and decodes a plan's bytes.
    public init(json bytes: [UInt8]) throws(ProtocolError) {
        let value: Value
        do { value = try JSON.parse(bytes) } catch { throw ProtocolError(path: "", "not JSON: \(error)") }
        try self.init(value)
    }

    public init(_ value: Value) throws(ProtocolError) {
        let reader = try FieldReader(value, path: "")
        guard let version = reader.value("formatVersion") else {
            throw ProtocolError(path: "formatVersion", "is required (not a plan? `fleet render --cluster NAME` prints one)")
        }
        guard version.intValue == PlanFormat.version else {
            throw ProtocolError(path: "formatVersion", "\(JSON.encode(version)) is not a plan format this version reads (\(PlanFormat.version))")
        }
        cluster = try reader.string("cluster")
        server = try reader.optionalString("server") ?? ""
        id = try reader.optionalString("id")
        revisions = try reader.stringMap("revisions")
        applications = try reader.list("applications", PlanEntry.init)
        var names = Set<String>()
        for (index, entry) in applications.enumerated() where !names.insert(entry.name).inserted {
            throw ProtocolError(path: "applications[\(index)].name", "Application \"\(entry.name)\" appears twice")
        }
        syncRequests = try reader.stringMap("syncRequests")
        drill = try reader.reader("drill").map(PlanDrill.init)
        generation = try reader.optionalInt("generation")
        issuedAt = try reader.optionalString("issuedAt")
        fleetCommit = try reader.optionalString("fleetCommit")
        committedAt = try reader.optionalString("committedAt")
        allowEmpty = try reader.bool("allowEmpty", default: false)
        holdRemovals = try reader.optionalString("holdRemovals")
        unknownFields = reader.unknownFields(known: Self.knownFields)
    }

    /// The plan as a JSON value (encode it with sorted keys for the canonical bytes).
    public var value: Value {
        var object: ValueObject = [
            "applications": .array(applications.map(\.value)),
            "cluster": .string(cluster),
            "formatVersion": .int(PlanFormat.version),
            "server": .string(server),
        ]
        object.setIfPresent("id", id.map(Value.string))
        if !revisions.isEmpty || id != nil { object["revisions"] = Self.encode(revisions) }
        if !syncRequests.isEmpty { object["syncRequests"] = Self.encode(syncRequests) }
        object.setIfPresent("drill", drill?.value)
        object.setIfPresent("generation", generation.map(Value.int))
        object.setIfPresent("issuedAt", issuedAt.map(Value.string))
        object.setIfPresent("fleetCommit", fleetCommit.map(Value.string))
        object.setIfPresent("committedAt", committedAt.map(Value.string))
        if allowEmpty { object["allowEmpty"] = true }
        object.setIfPresent("holdRemovals", holdRemovals.map(Value.string))
        object.merge(unknown: unknownFields)
        return .object(object)
    }

    /// The publication envelope's fields, as the hub sets them on a plan it serves (and splices
    /// into a planner's canonical bytes without parsing them).
    public static func envelope(generation: Int, issuedAt: String, fleetCommit: String, committedAt: String?) -> ValueObject {
        var fields: ValueObject = ["generation": .int(generation), "issuedAt": .string(issuedAt), "fleetCommit": .string(fleetCommit)]
        fields.setIfPresent("committedAt", committedAt.map(Value.string))
        return fields
    }

    /// Canonical JSON: sorted keys, no insignificant space (what is signed and hashed).
    public var canonicalJSON: [UInt8] { JSON.encodeBytes(value, options: [.sortedKeys]) }

    /// The entry of an Application, by name.
    public func entry(named name: String) -> PlanEntry? { applications.first { $0.name == name } }

    static func encode(_ map: [String: String]) -> Value {
        var object = ValueObject()
        for key in map.keys.sorted() { object[key] = .string(map[key]!) }
        return .object(object)
    }
}

/// A DR drill the hub asks the spoke to carry out (`fleet drill rebuild --wipe`).
public struct PlanDrill: Equatable, Sendable {
    public var id: Int
    /// Wipe the cluster (local driver) and the spoke's memory before rebuilding.
    public var wipe: Bool

    public init(id: Int, wipe: Bool) {
        self.id = id
        self.wipe = wipe
    }

    init(_ reader: FieldReader) throws(ProtocolError) {
        id = try reader.int("id")
        guard id > 0 else { throw ProtocolError(path: reader.at("id"), "must be a positive integer") }
        wipe = try reader.bool("wipe", default: false)
    }

    public var value: Value { ["id": .int(id), "wipe": .bool(wipe)] }
}

extension FieldReader {
    /// An object of strings (`revisions`, `syncRequests`).
    func stringMap(_ key: String) throws(ProtocolError) -> [String: String] {
        guard let map = try reader(key) else { return [:] }
        var out: [String: String] = [:]
        for (name, value) in map.object {
            guard let text = value.stringValue else { throw ProtocolError(path: map.at(name), "must be a string, not \(value.typeName)") }
            out[name] = text
        }
        return out
    }
}

/// A plan's canonical bytes written from already-encoded Application entries, without building
/// the document's tree: the planner keeps each entry's bytes between commits, and a fleet's
/// plans are large. The bytes are exactly `Plan.canonicalJSON` of the same plan (keys in
/// sorted order: applications, cluster, formatVersion, id, revisions, server).
public enum CanonicalPlanWriter {
    /// The desired state before `server`: what, with `stateTail`, the plan id hashes.
    public static func desiredState(entries: [[UInt8]], cluster: String, allowEmpty: Bool = false, holdRemovals: String? = nil) -> [UInt8] {
        var state = Array((allowEmpty ? "{\"allowEmpty\":true,\"applications\":[" : "{\"applications\":[").utf8)
        state.reserveCapacity(entries.reduce(64) { $0 + $1.count + 1 })
        for (index, entry) in entries.enumerated() {
            if index > 0 { state.append(UInt8(ascii: ",")) }
            state += entry
        }
        state += Array("],\"cluster\":".utf8) + JSON.encodeBytes(.string(cluster))
        state += Array(",\"formatVersion\":\(PlanFormat.version)".utf8)
        if let holdRemovals { state += Array(",\"holdRemovals\":".utf8) + JSON.encodeBytes(.string(holdRemovals)) }
        return state
    }

    /// The end of the desired state (the id covers `desiredState + stateTail`).
    public static func stateTail(server: String) -> [UInt8] {
        Array(",\"server\":".utf8) + JSON.encodeBytes(.string(server)) + [UInt8(ascii: "}")]
    }

    /// The whole plan: the desired state with its id and revisions.
    public static func document(desiredState state: [UInt8], id: String, revisions: [String: String], server: String) -> [UInt8] {
        var out = state
        out += Array(",\"id\":".utf8) + JSON.encodeBytes(.string(id))
        out += Array(",\"revisions\":".utf8) + JSON.encodeBytes(Plan.encode(revisions), options: [.sortedKeys])
        out += stateTail(server: server)
        return out
    }
}
