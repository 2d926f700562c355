import FleetModel
import OrderedCollections

// The bodies operators send to the hub (sync, rollback, drills, tokens) and what the hub
// answers (docs/api.md). A request refuses a field it does not know: a typo such as
// `"slaSecond"` is an error naming the field, never an option silently ignored. Answers are
// read leniently, so an older CLI keeps working against a newer hub.

/// `POST /api/v1/applications/{app}/sync`: the body is optional; `cluster` only checks that
/// the Application runs there.
public struct SyncRequest: Equatable, Sendable {
    public var cluster: String?

    public init(cluster: String? = nil) { self.cluster = cluster }

    public init(_ value: Value) throws(ProtocolError) {
        let reader = try FieldReader(value, path: "")
        try reader.refuseUnknown(known: ["cluster"])
        cluster = try reader.optionalString("cluster")
    }

    public var value: Value {
        var o = ValueObject()
        o.setIfPresent("cluster", cluster.map(Value.string))
        return .object(o)
    }
}

/// What a sync request was accepted for: the clusters whose spokes will sync it.
public struct SyncAccepted: Equatable, Sendable {
    public var application: String
    public var clusters: [String]

    public init(application: String, clusters: [String]) {
        self.application = application
        self.clusters = clusters
    }

    public init(_ value: Value) throws(ProtocolError) {
        let reader = try FieldReader(value, path: "")
        application = try reader.string("application")
        clusters = try reader.strings("clusters")
    }

    public var value: Value { ["application": .string(application), "clusters": .array(clusters.map(Value.string))] }
}

/// `POST /api/v1/applications/{app}/rollback`.
public struct RollbackRequest: Equatable, Sendable {
    /// A commit SHA (or prefix), tag or branch of the Application's source repository.
    public var revision: String
    public var cluster: String?

    public init(revision: String, cluster: String? = nil) {
        self.revision = revision
        self.cluster = cluster
    }

    public init(_ value: Value) throws(ProtocolError) {
        let reader = try FieldReader(value, path: "")
        try reader.refuseUnknown(known: ["revision", "cluster"])
        revision = try reader.string("revision")
        cluster = try reader.optionalString("cluster")
    }

    public var value: Value {
        var o: ValueObject = ["revision": .string(revision)]
        o.setIfPresent("cluster", cluster.map(Value.string))
        return .object(o)
    }
}

/// A rollback made: the pin, the plan that carries it, and the Application's render error at
/// that revision if it has one (then the spoke keeps what it runs).
public struct RollbackAccepted: Equatable, Sendable {
    public var rollback: RollbackView
    public var planId: String?
    public var error: String?

    public init(rollback: RollbackView, planId: String?, error: String?) {
        self.rollback = rollback
        self.planId = planId
        self.error = error
    }

    public init(_ value: Value) throws(ProtocolError) {
        let reader = try FieldReader(value, path: "")
        rollback = try RollbackView(reader)
        planId = try reader.optionalString("planId")
        error = try reader.optionalString("error")
    }

    public var value: Value {
        var o = rollback.value.objectValue ?? [:]
        o["planId"] = planId.map(Value.string) ?? .null
        o["error"] = error.map(Value.string) ?? .null
        return .object(o)
    }
}

/// `DELETE /api/v1/applications/{app}/rollback`: back to what Git says.
public struct RollbackCleared: Equatable, Sendable {
    public var application: String
    public var cluster: String
    /// Whether Git turns automated sync on for it (so it resumes by itself).
    public var automated: Bool
    public var planId: String?

    public init(application: String, cluster: String, automated: Bool, planId: String?) {
        self.application = application
        self.cluster = cluster
        self.automated = automated
        self.planId = planId
    }

    public init(_ value: Value) throws(ProtocolError) {
        let reader = try FieldReader(value, path: "")
        application = try reader.string("application")
        cluster = try reader.optionalString("cluster") ?? ""
        automated = try reader.bool("automated", default: false)
        planId = try reader.optionalString("planId")
    }

    public var value: Value {
        ["application": .string(application), "cluster": .string(cluster), "cleared": true, "automated": .bool(automated),
         "planId": planId.map(Value.string) ?? .null]
    }
}

/// `POST /api/v1/tokens`: an operator, viewer or admin token.
public struct TokenRequest: Equatable, Sendable {
    public static let roles = ["viewer", "operator", "admin"]
    public var role: String
    public var label: String?

    public init(role: String, label: String? = nil) {
        self.role = role
        self.label = label
    }

    public init(_ value: Value) throws(ProtocolError) {
        let reader = try FieldReader(value, path: "")
        try reader.refuseUnknown(known: ["role", "label"])
        role = try reader.string("role")
        guard Self.roles.contains(role) else { throw ProtocolError(path: "role", "must be one of \(Self.roles.joined(separator: ", ")), not \"\(role)\"") }
        label = try reader.optionalString("label")
        if let label, label.utf8.count > 200 { throw ProtocolError(path: "label", "is longer than 200 bytes") }
    }

    public var value: Value {
        var o: ValueObject = ["role": .string(role)]
        o.setIfPresent("label", label.map(Value.string))
        return .object(o)
    }
}

/// A token just made (`POST /api/v1/tokens`) or a cluster's token (`enroll`, `rotate`): the
/// secret is shown this once; the hub keeps only its hash.
public struct TokenIssued: Equatable, Sendable {
    public var id: Int?
    public var role: String?
    public var cluster: String?
    public var token: String

    public init(id: Int? = nil, role: String? = nil, cluster: String? = nil, token: String) {
        self.id = id
        self.role = role
        self.cluster = cluster
        self.token = token
    }

    public init(_ value: Value) throws(ProtocolError) {
        let reader = try FieldReader(value, path: "")
        id = try reader.optionalInt("id")
        role = try reader.optionalString("role")
        cluster = try reader.optionalString("cluster")
        token = try reader.string("token")
    }

    public var value: Value {
        var o = ValueObject()
        o.setIfPresent("id", id.map(Value.int))
        o.setIfPresent("role", role.map(Value.string))
        o.setIfPresent("cluster", cluster.map(Value.string))
        o["token"] = .string(token)
        return .object(o)
    }
}

/// One token as `GET /api/v1/tokens` lists it (never the secret).
public struct TokenView: Equatable, Sendable {
    public var id: Int
    public var role: String
    public var label: String
    /// The cluster a spoke token is for.
    public var cluster: String?
    public var createdAt: String
    public var revokedAt: String?

    public init(id: Int, role: String, label: String, cluster: String?, createdAt: String, revokedAt: String?) {
        self.id = id
        self.role = role
        self.label = label
        self.cluster = cluster
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    public init(_ value: Value) throws(ProtocolError) { try self.init(FieldReader(value, path: "")) }

    init(_ reader: FieldReader) throws(ProtocolError) {
        id = try reader.int("id")
        role = try reader.string("role")
        label = try reader.optionalString("label") ?? ""
        cluster = try reader.optionalString("cluster")
        createdAt = try reader.optionalString("createdAt") ?? ""
        revokedAt = try reader.optionalString("revokedAt")
    }

    public static func list(_ value: Value) throws(ProtocolError) -> [TokenView] {
        try FieldReader(["tokens": value], path: "").list("tokens", TokenView.init)
    }

    public var value: Value {
        var o: ValueObject = ["id": .int(id), "role": .string(role), "label": .string(label), "createdAt": .string(createdAt)]
        o.setIfPresent("cluster", cluster.map(Value.string))
        o["revokedAt"] = revokedAt.map(Value.string) ?? .null
        return .object(o)
    }
}

/// The hub itself (`GET /api/v1/hub`): what it follows, whether it is ready, and what is
/// wrong with the fleet repository or its fetches.
public struct HubStatusView: Equatable, Sendable {
    public var version: String
    /// The Ed25519 key plans are signed with (base64), for spokes' `hubPublicKey`.
    public var publicKey: String
    public var repository: String
    public var branch: String
    /// The fleet repository commit the served plans come from.
    public var fleetCommit: String?
    public var ready: Bool
    public var clusters: Int
    public var applications: Int
    public var lastSync: String?
    public var lastError: String?
    /// The latest fetch error per repository URL.
    public var fetchErrors: [String: String]
    /// What the last planning round found wrong (a broken ApplicationSet, a duplicate name...).
    public var problems: [String]

    public init(version: String, publicKey: String, repository: String, branch: String, fleetCommit: String?, ready: Bool, clusters: Int,
                applications: Int, lastSync: String?, lastError: String?, fetchErrors: [String: String], problems: [String]) {
        self.version = version
        self.publicKey = publicKey
        self.repository = repository
        self.branch = branch
        self.fleetCommit = fleetCommit
        self.ready = ready
        self.clusters = clusters
        self.applications = applications
        self.lastSync = lastSync
        self.lastError = lastError
        self.fetchErrors = fetchErrors
        self.problems = problems
    }

    public init(_ value: Value) throws(ProtocolError) {
        let reader = try FieldReader(value, path: "")
        version = try reader.optionalString("version") ?? ""
        publicKey = try reader.string("publicKey")
        repository = try reader.optionalString("repository") ?? ""
        branch = try reader.optionalString("branch") ?? ""
        fleetCommit = try reader.optionalString("fleetCommit")
        ready = try reader.bool("ready", default: false)
        clusters = try reader.optionalInt("clusters") ?? 0
        applications = try reader.optionalInt("applications") ?? 0
        lastSync = try reader.optionalString("lastSync")
        lastError = try reader.optionalString("lastError")
        var errors: [String: String] = [:]
        for (url, message) in try reader.reader("fetchErrors")?.object ?? [:] {
            guard let text = message.stringValue else { throw ProtocolError(path: "fetchErrors.\(url)", "must be a string, not \(message.typeName)") }
            errors[url] = text
        }
        fetchErrors = errors
        problems = try reader.strings("problems")
    }

    public var value: Value {
        var o: ValueObject = ["version": .string(version), "publicKey": .string(publicKey), "repository": .string(repository),
                              "branch": .string(branch), "ready": .bool(ready), "clusters": .int(clusters), "applications": .int(applications)]
        o["fleetCommit"] = fleetCommit.map(Value.string) ?? .null
        o["lastSync"] = lastSync.map(Value.string) ?? .null
        o["lastError"] = lastError.map(Value.string) ?? .null
        o["fetchErrors"] = .object(ValueObject(uniqueKeysWithValues: fetchErrors.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
        o["problems"] = .array(problems.map(Value.string))
        return .object(o)
    }
}
