import FleetModel
import FleetYAML

/// An Argo CD AppProject (`argoproj.io/v1alpha1`, under `projects/` in the fleet repository):
/// where its Applications may deploy, from which repositories, and which kinds. The `default`
/// project is implied (everything allowed) unless the repository defines one of that name.
/// Rules are matched as Argo CD matches them (`AppProject.IsSourcePermitted`,
/// `isDestinationMatched`, `IsGroupKindPermitted`): globs, and `!` patterns that deny.
public struct AppProject: Sendable {
    public struct Destination: Equatable, Sendable {
        public var server: String
        public var name: String
        public var namespace: String
    }

    /// A kind rule: group and kind globs, and a name glob when given.
    public struct ResourceRule: Equatable, Sendable {
        public var group: String
        public var kind: String
        public var name: String
    }

    public var name: String
    public var sourceRepos: [String]
    public var destinations: [Destination]
    public var clusterResourceWhitelist: [ResourceRule]
    public var clusterResourceBlacklist: [ResourceRule]
    /// nil: every namespaced kind (Argo CD treats an absent whitelist as all, an empty one as none).
    public var namespaceResourceWhitelist: [ResourceRule]?
    public var namespaceResourceBlacklist: [ResourceRule]
    public var sourceNamespaces: [String]

    /// The project Argo CD creates: anything from anywhere to anywhere.
    public static let implicitDefault = AppProject(
        name: "default", sourceRepos: ["*"], destinations: [Destination(server: "*", name: "*", namespace: "*")],
        clusterResourceWhitelist: [ResourceRule(group: "*", kind: "*", name: "")], clusterResourceBlacklist: [],
        namespaceResourceWhitelist: nil, namespaceResourceBlacklist: [], sourceNamespaces: [])

    public init(name: String, sourceRepos: [String], destinations: [Destination], clusterResourceWhitelist: [ResourceRule],
                clusterResourceBlacklist: [ResourceRule], namespaceResourceWhitelist: [ResourceRule]?, namespaceResourceBlacklist: [ResourceRule],
                sourceNamespaces: [String]) {
        self.name = name
        self.sourceRepos = sourceRepos
        self.destinations = destinations
        self.clusterResourceWhitelist = clusterResourceWhitelist
        self.clusterResourceBlacklist = clusterResourceBlacklist
        self.namespaceResourceWhitelist = namespaceResourceWhitelist
        self.namespaceResourceBlacklist = namespaceResourceBlacklist
        self.sourceNamespaces = sourceNamespaces
    }

    /// Reads an AppProject document; errors name the field.
    public init(_ document: Value, source: String) throws(PlanningError) {
        guard let name = document["metadata"]?["name"]?.stringValue, !name.isEmpty else {
            throw PlanningError("\(source): AppProject without metadata.name")
        }
        let spec = document["spec"] ?? .object([:])
        func strings(_ field: String) throws(PlanningError) -> [String] {
            guard let value = spec[field], !value.isNull else { return [] }
            guard let items = value.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
                throw PlanningError("\(source): AppProject \(name): spec.\(field) must be a list of strings")
            }
            return items.compactMap(\.stringValue)
        }
        func rules(_ field: String) throws(PlanningError) -> [ResourceRule]? {
            guard let value = spec[field], !value.isNull else { return nil }
            guard let items = value.arrayValue else { throw PlanningError("\(source): AppProject \(name): spec.\(field) must be a list") }
            return items.map { ResourceRule(group: $0["group"]?.stringValue ?? "", kind: $0["kind"]?.stringValue ?? "", name: $0["name"]?.stringValue ?? "") }
        }
        self.name = name
        sourceRepos = try strings("sourceRepos")
        guard let destinationItems = spec["destinations"]?.arrayValue ?? (spec["destinations"]?.isNull ?? true ? [] : nil) else {
            throw PlanningError("\(source): AppProject \(name): spec.destinations must be a list")
        }
        destinations = destinationItems.map {
            Destination(server: $0["server"]?.stringValue ?? "", name: $0["name"]?.stringValue ?? "", namespace: $0["namespace"]?.stringValue ?? "")
        }
        clusterResourceWhitelist = try rules("clusterResourceWhitelist") ?? []
        clusterResourceBlacklist = try rules("clusterResourceBlacklist") ?? []
        namespaceResourceWhitelist = try rules("namespaceResourceWhitelist")
        namespaceResourceBlacklist = try rules("namespaceResourceBlacklist") ?? []
        sourceNamespaces = try strings("sourceNamespaces")
    }

    // MARK: Rules

    /// `IsSourcePermitted`: some pattern matches the repository (URLs normalized, `*` not
    /// crossing `/`), and no `!` pattern fails to match it.
    public func permitsSource(_ repoURL: String) -> Bool {
        let normalized = RepositoryURL.normalized(repoURL)
        var matchedAny = false
        for pattern in sourceRepos {
            let deny = pattern.hasPrefix("!")
            let body = RepositoryURL.normalized(deny ? String(pattern.dropFirst()) : pattern)
            let matched = deny ? !Self.glob(body, normalized, separators: ["/"]) : (body == "*" || Self.glob(body, normalized, separators: ["/"]))
            if matched { matchedAny = true } else if deny { return false }
        }
        return matchedAny
    }

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

    /// `IsAppNamespacePermitted`: Applications in the control namespace (or none) always; others
    /// when `sourceNamespaces` lists theirs.
    public func permitsApplicationNamespace(_ namespace: String, controlNamespace: String = "argocd") -> Bool {
        namespace.isEmpty || namespace == controlNamespace || sourceNamespaces.contains { Self.glob($0, namespace, separators: []) }
    }

    /// Argo CD's `globMatch` with negation: `!p` matches what `p` does not.
    static func pattern(_ pattern: String, matches value: String) -> Bool {
        if pattern.hasPrefix("!") { return !glob(String(pattern.dropFirst()), value, separators: []) }
        return pattern == "*" || glob(pattern, value, separators: [])
    }

    static func glob(_ pattern: String, _ value: String, separators: Set<Character>) -> Bool {
        (try? Glob(pattern, separators: separators))?.matches(value) ?? (pattern == value)
    }
}
