import FleetModel
import FleetProtocol

/// An object's identity within a cluster.
public struct ResourceKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var group: String
    public var kind: String
    public var namespace: String
    public var name: String

    public init(group: String, kind: String, namespace: String, name: String) {
        self.group = group
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    /// The key of a manifest (`apiVersion`, `kind`, `metadata`).
    public init?(object: Value) {
        guard let apiVersion = object["apiVersion"]?.stringValue, let kind = object["kind"]?.stringValue,
              let name = object["metadata"]?["name"]?.stringValue else { return nil }
        group = apiVersion.contains("/") ? String(apiVersion[..<apiVersion.firstIndex(of: "/")!]) : ""
        self.kind = kind
        namespace = object["metadata"]?["namespace"]?.stringValue ?? ""
        self.name = name
    }

    public var description: String {
        (group.isEmpty ? kind : "\(group)/\(kind)") + " " + (namespace.isEmpty ? name : "\(namespace)/\(name)")
    }

    public static func < (a: ResourceKey, b: ResourceKey) -> Bool {
        (a.group, a.kind, a.namespace, a.name) < (b.group, b.kind, b.namespace, b.name)
    }
}

/// A kind within its API group (`apps/Deployment`), without the version.
public struct GroupKind: Hashable, Sendable {
    public var group: String
    public var kind: String
    public init(group: String, kind: String) {
        self.group = group
        self.kind = kind
    }
}

extension ResourceKey {
    public var groupKind: GroupKind { GroupKind(group: group, kind: kind) }
}

/// One resource of an Application's plan.
public struct DesiredResource: Equatable, Sendable {
    public var key: ResourceKey
    public var wave: Int
    public var syncOptions: Set<String>
    public var hooks: [String]
    public var object: Value

    public init(key: ResourceKey, wave: Int = 0, syncOptions: Set<String> = [], hooks: [String] = [], object: Value) {
        self.key = key
        self.wave = wave
        self.syncOptions = syncOptions
        self.hooks = hooks
        self.object = object
    }

    /// A plan's resource entry (docs/plan-format.md).
    public init(_ resource: PlannedResource) {
        key = ResourceKey(group: resource.group, kind: resource.kind, namespace: resource.namespace, name: resource.name)
        wave = resource.wave
        syncOptions = Set(resource.syncOptions)
        hooks = resource.hooks
        object = resource.object
    }
}

/// An Application as the reconcile core needs it, read from a plan.
public struct ApplicationIntent: Sendable {
    public var name: String
    public var namespace: String
    /// nil: manual sync (apply only on a sync request).
    public var automated: (prune: Bool, selfHeal: Bool, allowEmpty: Bool)?
    public var syncOptions: Set<String>
    public var ignoreRules: [IgnoreRule]
    public var resources: [DesiredResource]
    /// The plan could not render the Application: freeze it.
    public var renderError: String?
    /// A pending manual sync request's token.
    public var syncToken: String?

    public init(name: String, namespace: String = "", automated: (prune: Bool, selfHeal: Bool, allowEmpty: Bool)? = nil,
                syncOptions: Set<String> = [], ignoreRules: [IgnoreRule] = [], resources: [DesiredResource], renderError: String? = nil, syncToken: String? = nil) {
        self.name = name
        self.namespace = namespace
        self.automated = automated
        self.syncOptions = syncOptions
        self.ignoreRules = ignoreRules
        self.resources = resources
        self.renderError = renderError
        self.syncToken = syncToken
    }

    /// One `applications[]` entry of a plan, and its pending sync request's token. Throws
    /// for an `ignoreDifferences` JSON pointer that does not parse.
    public init(_ entry: PlanEntry, syncToken: String? = nil) throws(JSONPointerError) {
        name = entry.name
        namespace = entry.namespace
        automated = entry.syncPolicy.automated.map { ($0.prune, $0.selfHeal, $0.allowEmpty) }
        syncOptions = Set(entry.syncPolicy.syncOptions)
        var rules: [IgnoreRule] = []
        for rule in entry.ignoreDifferences { rules.append(try IgnoreRule(rule)) }
        ignoreRules = rules
        resources = entry.resources.map(DesiredResource.init)
        renderError = entry.error
        self.syncToken = syncToken
    }

    public func rules(for key: ResourceKey) -> [IgnoreRule] {
        ignoreRules.filter { $0.applies(group: key.group, kind: key.kind, name: key.name, namespace: key.namespace) }
    }
}

/// What the agent should do for one Application.
public enum SyncAction: Equatable, Sendable {
    case createNamespace(String)
    /// Create or update the object (`replace`: PUT instead of apply; `serverSide`: SSA).
    case apply(DesiredResource, replace: Bool, serverSide: Bool)
    case prune(ResourceKey)
}

/// A condition to report with the Application.
public struct SyncCondition: Equatable, Sendable {
    public enum Kind: String, Sendable {
        case renderError = "RenderError", pruneRefused = "PruneRefused", syncLoop = "SyncLoop", manualSyncRequired = "ManualSyncRequired"
        case unsupported = "Unsupported", unknownSyncOption = "UnknownSyncOption", pruneConfirmationRequired = "PruneConfirmationRequired"
    }
    public var kind: Kind
    public var message: String
}

/// The decision for one Application: its sync status, what differs, and the actions in order
/// (applies grouped by wave, so the agent waits for each wave to be healthy; prunes last,
/// highest wave first).
public struct SyncDecision: Equatable, Sendable {
    public var synced: Bool
    public var drift: [ResourceKey: [Drift]]
    public var missing: [ResourceKey]
    public var extraneous: [ResourceKey]
    public var waves: [(wave: Int, actions: [SyncAction])]
    public var prunes: [SyncAction]
    public var conditions: [SyncCondition]
    /// How prunes delete (`PrunePropagationPolicy`).
    public var prunePropagation: DeletePropagation = .foreground
    /// The Application's hooks by phase, each in wave order (run only when `runsSync`).
    public var hooks: [HookPhase: [DesiredResource]] = [:]
    /// Whether this decision is a sync operation: something to apply or prune, or a sync request.
    public var runsSync = false

    public var actions: [SyncAction] { waves.flatMap(\.actions) + prunes }

    public static func == (a: SyncDecision, b: SyncDecision) -> Bool {
        a.synced == b.synced && a.drift == b.drift && a.missing == b.missing && a.extraneous == b.extraneous
            && a.waves.map(\.wave) == b.waves.map(\.wave) && a.waves.map(\.actions) == b.waves.map(\.actions)
            && a.prunes == b.prunes && a.conditions == b.conditions
    }
}

/// The reconcile decision as data: `decide(intent, live, lastApplied, context) -> SyncDecision`,
/// with no I/O, shared by the spoke and the CLI and tested on its own.
public enum SyncPlanner {
    public struct Context: Sendable {
        /// The plan changed since the Application was last synced (a new commit): automated
        /// sync applies it even without selfHeal.
        public var planChanged: Bool
        /// Refuse a prune of more than this share of the Application's live objects.
        public var maxPruneShare: Double
        /// Fields that keep drifting back (from `SyncLoopDetector`): not re-applied.
        public var loopingFields: [ResourceKey: [JSONPointer]]

        public init(planChanged: Bool, maxPruneShare: Double = 0.5, loopingFields: [ResourceKey: [JSONPointer]] = [:]) {
            self.planChanged = planChanged
            self.maxPruneShare = maxPruneShare
            self.loopingFields = loopingFields
        }
    }

    /// - Parameters:
    ///   - live: the live objects of this Application (found by its tracking label), by key;
    ///     an absent key is a missing object.
    ///   - lastApplied: what was applied last time, by key (for three-way diffs).
    public static func decide(_ intent: ApplicationIntent, live: [ResourceKey: Value], lastApplied: [ResourceKey: Value], context: Context) -> SyncDecision {
        var decision = SyncDecision(synced: true, drift: [:], missing: [], extraneous: [], waves: [], prunes: [], conditions: [])
        let unknown = SyncOptions.unknown(intent.syncOptions.union(intent.resources.flatMap(\.syncOptions)))
        if !unknown.isEmpty {
            decision.conditions.append(SyncCondition(kind: .unknownSyncOption, message: "not Argo CD sync options, ignored: \(unknown.joined(separator: ", "))"))
        }
        decision.prunePropagation = SyncOptions.prunePropagation(intent.syncOptions)
        var toApply: [DesiredResource] = []
        // Hooks are no part of the Application's state: run by a sync, never diffed or pruned.
        let desiredKeys = Set(intent.resources.filter { !$0.isHook }.map(\.key))
        for resource in intent.resources where resource.isHook {
            for phase in resource.hookPhases where phase != .skip { decision.hooks[phase, default: []].append(resource) }
        }
        for resource in intent.resources where !resource.isHook {
            guard let object = live[resource.key] else {
                decision.missing.append(resource.key)
                toApply.append(resource)
                continue
            }
            let drift = ResourceDiff.drift(desired: resource.object, live: object, lastApplied: lastApplied[resource.key], rules: intent.rules(for: resource.key))
            if !drift.isEmpty {
                decision.drift[resource.key] = drift
                if let looping = context.loopingFields[resource.key], drift.allSatisfy({ looping.contains($0.pointer) }) {
                    let fields = looping.map(\.description).joined(separator: ", ")
                    decision.conditions.append(SyncCondition(kind: .syncLoop, message: "\(resource.key) keeps changing back at \(fields): another controller manages it. Stop fighting it with ignoreDifferences: {group: \"\(resource.key.group)\", kind: \"\(resource.key.kind)\", jsonPointers: [\(looping.map { "\"\($0)\"" }.joined(separator: ", "))]}"))
                    continue
                }
                toApply.append(resource)
            }
        }
        decision.extraneous = live.keys.filter { !desiredKeys.contains($0) && !isHookObject(live[$0]) }.sorted()
        // `IgnoreExtraneous`: such an extraneous object does not make the Application OutOfSync.
        let counted = decision.extraneous.filter { !SyncOptions.compareOptions(of: live[$0]).contains("IgnoreExtraneous") }
        decision.synced = decision.missing.isEmpty && decision.drift.isEmpty && counted.isEmpty

        if let error = intent.renderError {
            decision.conditions.append(SyncCondition(kind: .renderError, message: "not synced while the plan cannot render this Application: \(error)"))
            return decision
        }
        let requested = intent.syncToken != nil
        let act: Bool
        let prune: Bool
        if let automated = intent.automated {
            act = requested || context.planChanged || automated.selfHeal
            prune = requested || automated.prune
        } else {
            act = requested
            prune = requested
            if !decision.synced && !requested {
                decision.conditions.append(SyncCondition(kind: .manualSyncRequired, message: "out of sync; automated sync is off, so it waits for a sync request (fleet sync \(intent.name))"))
            }
        }
        guard act else { return decision }

        let replaceAll = intent.syncOptions.contains("Replace=true")
        let serverSideAll = intent.syncOptions.contains("ServerSideApply=true")
        // Only with something to put in it: an in-sync tick makes no API calls (and is no sync).
        if intent.syncOptions.contains("CreateNamespace=true"), !intent.namespace.isEmpty, !toApply.isEmpty {
            decision.waves.append((wave: Int.min, actions: [.createNamespace(intent.namespace)]))
        }
        var byWave: [Int: [SyncAction]] = [:]
        for resource in toApply {
            let replace = replaceAll || resource.syncOptions.contains("Replace=true")
            let serverSide = (serverSideAll || resource.syncOptions.contains("ServerSideApply=true")) && !resource.syncOptions.contains("ServerSideApply=false")
            byWave[resource.wave, default: []].append(.apply(resource, replace: replace, serverSide: serverSide))
        }
        for wave in byWave.keys.sorted() { decision.waves.append((wave: wave, actions: byWave[wave]!)) }

        if prune, !decision.extraneous.isEmpty {
            decision.prunes = prunes(of: decision.extraneous, intent, live: live, context: context, conditions: &decision.conditions)
        }
        // A sync runs (and with it the hooks) when there is something to do, or someone asked.
        decision.runsSync = requested || !decision.actions.isEmpty
        return decision
    }

    /// The prunes of the extraneous objects, last waves first (PruneLast ones after all), or
    /// none with a condition saying why when pruning would empty the Application or take more
    /// than the allowed share of it (unless `allowEmpty`); `Prune=false` objects stay.
    private static func prunes(of extraneous: [ResourceKey], _ intent: ApplicationIntent, live: [ResourceKey: Value], context: Context,
                               conditions: inout [SyncCondition]) -> [SyncAction] {
        var prunable = extraneous.filter { key in
            let options = syncOptions(of: live[key])
            return !options.contains("Prune=false")
        }
        // `Prune=confirm` (on the object or the Application): pruned only by a sync someone asked for.
        let unconfirmed = prunable.filter { SyncOptions.holds("Prune=confirm", object: syncOptions(of: live[$0]), application: intent.syncOptions) }
        if !unconfirmed.isEmpty, intent.syncToken == nil {
            prunable.removeAll { unconfirmed.contains($0) }
            conditions.append(SyncCondition(kind: .pruneConfirmationRequired,
                                            message: "\(unconfirmed.map(\.description).joined(separator: ", ")) wait for confirmation (Prune=confirm): fleet sync \(intent.name)"))
        }
        let allowEmpty = intent.automated?.allowEmpty ?? false
        if intent.resources.isEmpty && !allowEmpty && !live.isEmpty {
            conditions.append(SyncCondition(kind: .pruneRefused, message: "the plan has no resources for \(intent.name); pruning all \(live.count) live objects needs syncPolicy.automated.allowEmpty: true"))
            return []
        }
        if !allowEmpty, live.count >= 4, Double(prunable.count) > context.maxPruneShare * Double(live.count) {
            conditions.append(SyncCondition(kind: .pruneRefused, message: "pruning \(prunable.count) of \(live.count) live objects of \(intent.name) is more than \(Int(context.maxPruneShare * 100))%; allow it with syncPolicy.automated.allowEmpty: true or prune by hand"))
            return []
        }
        let pruneLastAll = intent.syncOptions.contains("PruneLast=true")
        func wave(_ key: ResourceKey) -> Int { SyncOptions.wave(of: live[key]) }
        let ordered = prunable.sorted { a, b in
            let lastA = pruneLastAll || syncOptions(of: live[a]).contains("PruneLast=true")
            let lastB = pruneLastAll || syncOptions(of: live[b]).contains("PruneLast=true")
            if lastA != lastB { return !lastA }
            if wave(a) != wave(b) { return wave(a) > wave(b) }
            return a > b
        }
        return ordered.map { .prune($0) }
    }

    /// The `argocd.argoproj.io/sync-options` of a live object, split at commas.
    public static func syncOptions(of object: Value?) -> Set<String> {
        SyncOptions.commaSeparated(object, "argocd.argoproj.io/sync-options")
    }
}

/// Notices a field that keeps drifting back after being re-applied (an HPA owning
/// `spec.replicas`, a mutating webhook): after `threshold` re-applies of the same field within
/// `window`, the field is reported as a sync loop and no longer re-applied.
public struct SyncLoopDetector: Sendable {
    public var threshold: Int
    public var window: Double
    private var history: [ResourceKey: [JSONPointer: [Double]]] = [:]

    public init(threshold: Int = 3, window: Double = 300) {
        self.threshold = threshold
        self.window = window
    }

    /// Records that these fields of `key` were re-applied at `time` (seconds).
    public mutating func record(_ key: ResourceKey, pointers: [JSONPointer], at time: Double) {
        for pointer in pointers {
            var times = history[key, default: [:]][pointer, default: []]
            times.append(time)
            history[key, default: [:]][pointer] = times.filter { time - $0 <= window }
        }
    }

    /// The fields re-applied `threshold` times within the window before `time`, by resource.
    public func looping(at time: Double) -> [ResourceKey: [JSONPointer]] {
        var out: [ResourceKey: [JSONPointer]] = [:]
        for (key, fields) in history {
            let looping = fields.filter { $0.value.filter { time - $0 <= window }.count >= threshold }.keys
            if !looping.isEmpty { out[key] = looping.sorted { $0.description < $1.description } }
        }
        return out
    }
}
