import FleetModel
import OrderedCollections

/// The part of an Argo CD AppProject that says where objects may go: destinations and the
/// kinds allowed (Argo CD's `isDestinationMatched` and `IsGroupKindPermitted`). The hub plans
/// only within them, and they travel in each plan entry so a spoke refuses an object outside
/// its project whatever the plan says.
public struct ProjectRules: Equatable, Sendable {
    public struct Destination: Equatable, Sendable {
        public var server: String
        public var name: String
        public var namespace: String

        public init(server: String = "", name: String = "", namespace: String = "") {
            self.server = server
            self.name = name
            self.namespace = namespace
        }
    }

    /// A kind rule: group and kind globs, and a name glob when given.
    public struct ResourceRule: Equatable, Sendable {
        public var group: String
        public var kind: String
        public var name: String

        public init(group: String, kind: String, name: String = "") {
            self.group = group
            self.kind = kind
            self.name = name
        }
    }

    public var project: String
    /// In a plan entry: the names the hub knows the cluster by (its record's name and Argo CD
    /// name), so the spoke matches destinations as the hub did.
    public var clusterNames: [String] = []
    public var destinations: [Destination]
    public var clusterResourceWhitelist: [ResourceRule]
    public var clusterResourceBlacklist: [ResourceRule]
    /// nil: every namespaced kind (Argo CD treats an absent whitelist as all, an empty one as none).
    public var namespaceResourceWhitelist: [ResourceRule]?
    public var namespaceResourceBlacklist: [ResourceRule]
    /// nil: the project does not watch for orphaned objects.
    public var orphanedResources: OrphanedResourcesPolicy?

    public init(project: String, destinations: [Destination], clusterResourceWhitelist: [ResourceRule] = [], clusterResourceBlacklist: [ResourceRule] = [],
                namespaceResourceWhitelist: [ResourceRule]? = nil, namespaceResourceBlacklist: [ResourceRule] = []) {
        self.project = project
        self.destinations = destinations
        self.clusterResourceWhitelist = clusterResourceWhitelist
        self.clusterResourceBlacklist = clusterResourceBlacklist
        self.namespaceResourceWhitelist = namespaceResourceWhitelist
        self.namespaceResourceBlacklist = namespaceResourceBlacklist
    }

    // MARK: Rules

    /// `isDestinationMatched`: some destination matches by server or name and by namespace,
    /// and no `!` pattern among them fails.
    public func permitsDestination(server: String, names: [String], namespace: String) -> Bool {
        var matchedAny = false
        for item in destinations {
            let nameMatched = names.contains { !$0.isEmpty && Self.pattern(item.name, matches: $0) }
            let serverMatched = !server.isEmpty && Self.pattern(item.server, matches: server)
            let namespaceMatched = Self.pattern(item.namespace, matches: namespace)
            if (serverMatched || nameMatched) && namespaceMatched {
                matchedAny = true
            } else if (!nameMatched && item.name.hasPrefix("!")) || (!serverMatched && item.server.hasPrefix("!"))
                        || (!namespaceMatched && item.namespace.hasPrefix("!")) {
                return false
            }
        }
        return matchedAny
    }

    /// `IsGroupKindPermitted`: cluster-scoped kinds need the whitelist (none without one),
    /// namespaced kinds are all allowed unless a whitelist is given; a blacklist always wins.
    public func permitsKind(group: String, kind: String, name: String, namespaced: Bool) -> Bool {
        func listed(_ rules: [ResourceRule]) -> Bool {
            rules.contains { rule in
                Self.glob(rule.kind, kind, separators: ["/"]) && Self.glob(rule.group, group, separators: ["/"])
                    && (rule.name.isEmpty || Self.glob(rule.name, name, separators: ["/"]))
            }
        }
        if namespaced {
            let whitelisted = namespaceResourceWhitelist.map { !$0.isEmpty && listed($0) } ?? true
            return whitelisted && !listed(namespaceResourceBlacklist)
        }
        return listed(clusterResourceWhitelist) && !listed(clusterResourceBlacklist)
    }

    /// Why an object (group, kind, namespace, name) may not be deployed to this cluster.
    public func violation(group: String, kind: String, namespace: String, name: String, server: String, clusterNames: [String]) -> String? {
        let namespaced = !namespace.isEmpty
        let described = "\(group.isEmpty ? "" : group + "/")\(kind) \(namespaced ? namespace + "/" : "")\(name)"
        if !permitsKind(group: group, kind: kind, name: name, namespaced: namespaced) {
            return "project \(project): resource \(described) is not permitted (spec.\(namespaced ? "namespaceResourceWhitelist/Blacklist" : "clusterResourceWhitelist/Blacklist"))"
        }
        if namespaced, !permitsDestination(server: server, names: clusterNames, namespace: namespace) {
            return "project \(project): resource \(described) is in namespace \(namespace), not a permitted destination (spec.destinations)"
        }
        return nil
    }

    /// Argo CD's `globMatch` with negation: `!p` matches what `p` does not.
    public static func pattern(_ pattern: String, matches value: String) -> Bool {
        if pattern.hasPrefix("!") { return !glob(String(pattern.dropFirst()), value, separators: []) }
        return pattern == "*" || glob(pattern, value, separators: [])
    }

    public static func glob(_ pattern: String, _ value: String, separators: Set<Character>) -> Bool {
        (try? Glob(pattern, separators: separators))?.matches(value) ?? (pattern == value)
    }

    // MARK: Coding (plan entry `projectRules`)

    init(_ reader: FieldReader) throws(ProtocolError) {
        project = try reader.string("project")
        clusterNames = try reader.strings("clusterNames")
        destinations = try reader.list("destinations") { (r) throws(ProtocolError) in
            Destination(server: try r.optionalString("server") ?? "", name: try r.optionalString("name") ?? "", namespace: try r.optionalString("namespace") ?? "")
        }
        func rules(_ key: String) throws(ProtocolError) -> [ResourceRule] {
            try reader.list(key) { (r) throws(ProtocolError) in
                ResourceRule(group: try r.optionalString("group") ?? "", kind: try r.optionalString("kind") ?? "", name: try r.optionalString("name") ?? "")
            }
        }
        clusterResourceWhitelist = try rules("clusterResourceWhitelist")
        clusterResourceBlacklist = try rules("clusterResourceBlacklist")
        namespaceResourceWhitelist = reader.value("namespaceResourceWhitelist") == nil ? nil : try rules("namespaceResourceWhitelist")
        namespaceResourceBlacklist = try rules("namespaceResourceBlacklist")
        orphanedResources = try reader.reader("orphanedResources").map { (r) throws(ProtocolError) in try OrphanedResourcesPolicy(r) }
    }

    public var value: Value {
        func encode(_ rules: [ResourceRule]) -> Value {
            .array(rules.map { rule in
                var o: ValueObject = ["group": .string(rule.group), "kind": .string(rule.kind)]
                if !rule.name.isEmpty { o["name"] = .string(rule.name) }
                return .object(o)
            })
        }
        var o: ValueObject = ["project": .string(project)]
        if !clusterNames.isEmpty { o["clusterNames"] = .array(clusterNames.map(Value.string)) }
        o["destinations"] = .array(destinations.map { ["server": .string($0.server), "name": .string($0.name), "namespace": .string($0.namespace)] })
        o["clusterResourceWhitelist"] = encode(clusterResourceWhitelist)
        o["clusterResourceBlacklist"] = encode(clusterResourceBlacklist)
        o.setIfPresent("namespaceResourceWhitelist", namespaceResourceWhitelist.map(encode))
        o["namespaceResourceBlacklist"] = encode(namespaceResourceBlacklist)
        o.setIfPresent("orphanedResources", orphanedResources?.value)
        return .object(o)
    }
}
