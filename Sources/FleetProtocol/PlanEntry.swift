import FleetModel
import OrderedCollections

/// One Application in a cluster's plan: its sync settings and its resources in apply order.
public struct PlanEntry: Equatable, Sendable {
    public var name: String
    /// The `fleet.gitops.dev/app` label value on the Application's objects (the name, or a
    /// digest form when the name is not a valid label value).
    public var trackingLabel: String?
    public var project: String
    /// The destination namespace.
    public var namespace: String
    public var sources: [PlanSource]
    public var syncPolicy: SyncPolicy
    /// The Application's `spec.ignoreDifferences`, as written (Argo CD's shape).
    public var ignoreDifferences: [Value]
    public var healthOverrides: [HealthOverride]
    public var resources: [PlannedResource]
    /// Why the Application did not render this time; `resources` are then its last good ones,
    /// and a spoke must neither apply nor prune for it.
    public var error: String?
    /// What happens to its objects when the Application leaves the plan (Argo CD's resources
    /// finalizer); nil: they stay, untracked.
    public var removal: RemovalPolicy?
    /// Where the Application's project lets its objects go; a spoke refuses what is outside.
    public var projectRules: ProjectRules?
    public var unknownFields: ValueObject

    public init(name: String, trackingLabel: String? = nil, project: String = "default", namespace: String = "", sources: [PlanSource] = [],
                syncPolicy: SyncPolicy = SyncPolicy(), ignoreDifferences: [Value] = [], healthOverrides: [HealthOverride] = [],
                resources: [PlannedResource] = [], error: String? = nil, removal: RemovalPolicy? = nil, unknownFields: ValueObject = [:]) {
        self.name = name
        self.trackingLabel = trackingLabel
        self.project = project
        self.namespace = namespace
        self.sources = sources
        self.syncPolicy = syncPolicy
        self.ignoreDifferences = ignoreDifferences
        self.healthOverrides = healthOverrides
        self.resources = resources
        self.error = error
        self.removal = removal
        self.unknownFields = unknownFields
    }

    static let knownFields: Set<String> = [
        "name", "trackingLabel", "project", "namespace", "sources", "syncPolicy", "ignoreDifferences", "healthOverrides", "resources", "error",
        "removal", "projectRules",
    ]

    /// Decodes one `applications[]` entry on its own (paths start at the entry).
    public init(_ value: Value) throws(ProtocolError) { try self.init(FieldReader(value, path: "")) }

    init(_ reader: FieldReader) throws(ProtocolError) {
        name = try reader.string("name")
        guard !name.isEmpty else { throw ProtocolError(path: reader.at("name"), "must not be empty") }
        trackingLabel = try reader.optionalString("trackingLabel")
        project = try reader.optionalString("project") ?? "default"
        namespace = try reader.optionalString("namespace") ?? ""
        sources = try reader.list("sources", PlanSource.init)
        syncPolicy = try reader.reader("syncPolicy").map(SyncPolicy.init) ?? SyncPolicy()
        ignoreDifferences = try reader.array("ignoreDifferences")
        healthOverrides = try reader.list("healthOverrides", HealthOverride.init)
        resources = try reader.list("resources", PlannedResource.init)
        error = try reader.optionalString("error")
        if let text = try reader.optionalString("removal") {
            guard let policy = RemovalPolicy(rawValue: text) else {
                throw ProtocolError(path: reader.at("removal"), "must be foreground or background, not \"\(text)\"")
            }
            removal = policy
        }
        projectRules = try reader.reader("projectRules").map(ProjectRules.init)
        unknownFields = reader.unknownFields(known: Self.knownFields)
    }

    public var value: Value {
        var object: ValueObject = ["name": .string(name)]
        object.setIfPresent("trackingLabel", trackingLabel.map(Value.string))
        object["project"] = .string(project)
        object["namespace"] = .string(namespace)
        object["sources"] = .array(sources.map(\.value))
        object["syncPolicy"] = syncPolicy.value
        object["ignoreDifferences"] = .array(ignoreDifferences)
        object["healthOverrides"] = .array(healthOverrides.map(\.value))
        object.setIfPresent("error", error.map(Value.string))
        object.setIfPresent("removal", removal.map { .string($0.rawValue) })
        object.setIfPresent("projectRules", projectRules?.value)
        object["resources"] = .array(resources.map(\.value))
        object.merge(unknown: unknownFields)
        return .object(object)
    }
}

/// How an Application's objects are deleted when it leaves the plan: Argo CD's
/// `resources-finalizer.argocd.argoproj.io` (foreground: each object waits for its dependents)
/// or its `/background` form.
public enum RemovalPolicy: String, Equatable, Sendable {
    case foreground, background
}

/// A rendered source of an Application (audit: where its resources came from).
public struct PlanSource: Equatable, Sendable {
    public var repoURL: String
    public var path: String
    public var targetRevision: String
    /// A chart from a Helm chart repository (which has no path).
    public var chart: String?

    public init(repoURL: String, path: String, targetRevision: String = "HEAD", chart: String? = nil) {
        self.repoURL = repoURL
        self.path = path
        self.targetRevision = targetRevision
        self.chart = chart
    }

    init(_ reader: FieldReader) throws(ProtocolError) {
        repoURL = try reader.string("repoURL")
        path = try reader.optionalString("path") ?? ""
        targetRevision = try reader.optionalString("targetRevision") ?? "HEAD"
        chart = try reader.optionalString("chart")
    }

    public var value: Value {
        var object: ValueObject = ["repoURL": .string(repoURL), "path": .string(path), "targetRevision": .string(targetRevision)]
        object.setIfPresent("chart", chart.map(Value.string))
        return .object(object)
    }
}

/// An Application's `syncPolicy`, with Argo CD's defaults filled in.
public struct SyncPolicy: Equatable, Sendable {
    /// nil: manual sync (only a sync request from the hub applies the Application).
    public var automated: AutomatedSync?
    public var syncOptions: [String]
    public var retry: RetryPolicy?

    public init(automated: AutomatedSync? = nil, syncOptions: [String] = [], retry: RetryPolicy? = nil) {
        self.automated = automated
        self.syncOptions = syncOptions
        self.retry = retry
    }

    init(_ reader: FieldReader) throws(ProtocolError) {
        automated = try reader.reader("automated").map(AutomatedSync.init)
        syncOptions = try reader.strings("syncOptions")
        retry = try reader.reader("retry").map(RetryPolicy.init)
    }

    public var value: Value {
        var object: ValueObject = ["automated": automated?.value ?? .null, "syncOptions": .array(syncOptions.map(Value.string))]
        object.setIfPresent("retry", retry?.value)
        return .object(object)
    }
}

public struct AutomatedSync: Equatable, Sendable {
    public var prune: Bool
    public var selfHeal: Bool
    public var allowEmpty: Bool

    public init(prune: Bool = false, selfHeal: Bool = false, allowEmpty: Bool = false) {
        self.prune = prune
        self.selfHeal = selfHeal
        self.allowEmpty = allowEmpty
    }

    init(_ reader: FieldReader) throws(ProtocolError) {
        prune = try reader.bool("prune", default: false)
        selfHeal = try reader.bool("selfHeal", default: false)
        allowEmpty = try reader.bool("allowEmpty", default: false)
    }

    public var value: Value { ["prune": .bool(prune), "selfHeal": .bool(selfHeal), "allowEmpty": .bool(allowEmpty)] }
}

/// `syncPolicy.retry`: after a failed sync, wait `duration x factor^n` (up to `maxDuration`),
/// and give up after `limit` attempts (negative: never) until the plan changes.
public struct RetryPolicy: Equatable, Sendable {
    public var limit: Int
    public var duration: String
    public var factor: Int
    public var maxDuration: String

    public init(limit: Int = 5, duration: String = "5s", factor: Int = 2, maxDuration: String = "3m") {
        self.limit = limit
        self.duration = duration
        self.factor = factor
        self.maxDuration = maxDuration
    }

    init(_ reader: FieldReader) throws(ProtocolError) {
        limit = try reader.optionalInt("limit") ?? 5
        let backoff = try reader.reader("backoff")
        duration = try backoff?.optionalString("duration") ?? "5s"
        factor = try backoff?.optionalInt("factor") ?? 2
        maxDuration = try backoff?.optionalString("maxDuration") ?? "3m"
    }

    public var value: Value {
        ["limit": .int(limit), "backoff": ["duration": .string(duration), "factor": .int(factor), "maxDuration": .string(maxDuration)]]
    }
}

/// A per-kind health override (`fleet.gitops.dev/health-overrides`): the spoke reports objects
/// of the kind with this health instead of assessing them.
public struct HealthOverride: Equatable, Sendable {
    /// nil: any group.
    public var group: String?
    public var kind: String
    public var health: HealthStatus

    public init(group: String? = nil, kind: String, health: HealthStatus = .healthy) {
        self.group = group
        self.kind = kind
        self.health = health
    }

    init(_ reader: FieldReader) throws(ProtocolError) {
        group = try reader.optionalString("group")
        kind = try reader.string("kind")
        let text = try reader.optionalString("health") ?? HealthStatus.healthy.rawValue
        guard let health = HealthStatus(rawValue: text) else {
            throw ProtocolError(path: reader.at("health"), "\"\(text)\" is not a health status (\(HealthStatus.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self.health = health
    }

    /// Reads the annotation's YAML-parsed list, naming the item that is wrong.
    public static func list(_ value: Value) throws(ProtocolError) -> [HealthOverride] {
        try FieldReader(["healthOverrides": value], path: "").list("healthOverrides", HealthOverride.init)
    }

    public func matches(group candidateGroup: String, kind candidateKind: String) -> Bool {
        kind == candidateKind && (group ?? candidateGroup) == candidateGroup
    }

    public var value: Value {
        var object: ValueObject = [:]
        object.setIfPresent("group", group.map(Value.string))
        object["health"] = .string(health.rawValue)
        object["kind"] = .string(kind)
        return .object(object)
    }
}

/// One resource of an Application's plan, in apply order.
public struct PlannedResource: Equatable, Sendable {
    public var group: String
    public var version: String
    public var kind: String
    public var namespace: String
    public var name: String
    /// `argocd.argoproj.io/sync-wave` (or a Helm hook weight), default 0.
    public var wave: Int
    /// `argocd.argoproj.io/sync-options`, split at commas.
    public var syncOptions: [String]
    /// `argocd.argoproj.io/hook` (or the Argo CD hooks a `helm.sh/hook` maps to); empty: none.
    public var hooks: [String]
    /// The manifest to apply, with the tracking label and annotation set.
    public var object: Value

    public init(group: String, version: String, kind: String, namespace: String, name: String, wave: Int = 0,
                syncOptions: [String] = [], hooks: [String] = [], object: Value) {
        self.group = group
        self.version = version
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.wave = wave
        self.syncOptions = syncOptions
        self.hooks = hooks
        self.object = object
    }

    /// Fields this version does not know, kept (see `Plan`).
    public var unknownFields: ValueObject = [:]

    static let knownFields: Set<String> = ["group", "version", "kind", "namespace", "name", "wave", "syncOptions", "hooks", "object"]

    /// Reads a resource entry; identity fields the entry leaves out come from its object.
    init(_ reader: FieldReader) throws(ProtocolError) {
        guard let object = try reader.reader("object") else { throw ProtocolError(path: reader.at("object"), "is required") }
        self.object = .object(object.object)
        guard let metadata = try object.reader("metadata") else { throw ProtocolError(path: object.at("metadata"), "is required") }
        let apiVersion = try object.string("apiVersion")
        let slash = apiVersion.firstIndex(of: "/")
        if let kind = try reader.optionalString("kind") { self.kind = kind } else { kind = try object.string("kind") }
        if let name = try reader.optionalString("name") { self.name = name } else { name = try metadata.string("name") }
        if let namespace = try reader.optionalString("namespace") { self.namespace = namespace } else {
            namespace = try metadata.optionalString("namespace") ?? ""
        }
        group = try reader.optionalString("group") ?? slash.map { String(apiVersion[..<$0]) } ?? ""
        version = try reader.optionalString("version") ?? slash.map { String(apiVersion[apiVersion.index(after: $0)...]) } ?? apiVersion
        wave = try reader.optionalInt("wave") ?? 0
        syncOptions = try reader.strings("syncOptions")
        hooks = try reader.strings("hooks")
        unknownFields = reader.unknownFields(known: Self.knownFields)
    }

    public var value: Value {
        var object: ValueObject = [
            "wave": .int(wave), "group": .string(group), "version": .string(version), "kind": .string(kind),
            "namespace": .string(namespace), "name": .string(name), "syncOptions": .array(syncOptions.map(Value.string)),
        ]
        if !hooks.isEmpty { object["hooks"] = .array(hooks.map(Value.string)) }
        object["object"] = self.object
        object.merge(unknown: unknownFields)
        return .object(object)
    }
}

extension PlannedResource {
    /// Decodes a JSON list of resource entries (a planner's kept copy of an Application's
    /// last good resources).
    public static func list(json bytes: [UInt8]) throws(ProtocolError) -> [PlannedResource] {
        let value: Value
        do { value = try JSON.parse(bytes) } catch { throw ProtocolError(path: "resources", "not JSON: \(error)") }
        return try FieldReader(["resources": value], path: "").list("resources", PlannedResource.init)
    }
}
