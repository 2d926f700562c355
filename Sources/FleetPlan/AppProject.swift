import FleetModel
import FleetProtocol
import FleetYAML

/// An Argo CD AppProject (`argoproj.io/v1alpha1`, under `projects/` in the fleet repository):
/// where its Applications may deploy, from which repositories, and which kinds. The `default`
/// project is implied (everything allowed) unless the repository defines one of that name.
/// Rules are matched as Argo CD matches them (`AppProject.IsSourcePermitted`,
/// `isDestinationMatched`, `IsGroupKindPermitted`): globs, and `!` patterns that deny.
public struct AppProject: Sendable {
    public typealias Destination = ProjectRules.Destination
    public typealias ResourceRule = ProjectRules.ResourceRule

    public var name: String
    public var sourceRepos: [String]
    public var sourceNamespaces: [String]
    /// Where objects may go; they travel in each plan entry for the spoke to check again.
    public var rules: ProjectRules

    /// The project Argo CD creates: anything from anywhere to anywhere.
    public static let implicitDefault = AppProject(
        name: "default", sourceRepos: ["*"], sourceNamespaces: [],
        rules: ProjectRules(project: "default", destinations: [Destination(server: "*", name: "*", namespace: "*")],
                            clusterResourceWhitelist: [ResourceRule(group: "*", kind: "*")]))

    public init(name: String, sourceRepos: [String], sourceNamespaces: [String], rules: ProjectRules) {
        self.name = name
        self.sourceRepos = sourceRepos
        self.sourceNamespaces = sourceNamespaces
        self.rules = rules
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
            try Self.rules(spec[field], field: field, source: source, project: name)
        }
        self.name = name
        sourceRepos = try strings("sourceRepos")
        sourceNamespaces = try strings("sourceNamespaces")
        guard let destinationItems = spec["destinations"]?.arrayValue ?? (spec["destinations"]?.isNull ?? true ? [] : nil) else {
            throw PlanningError("\(source): AppProject \(name): spec.destinations must be a list")
        }
        let destinations = destinationItems.map {
            Destination(server: $0["server"]?.stringValue ?? "", name: $0["name"]?.stringValue ?? "", namespace: $0["namespace"]?.stringValue ?? "")
        }
        self.rules = ProjectRules(project: name, destinations: destinations, clusterResourceWhitelist: try rules("clusterResourceWhitelist") ?? [],
                                  clusterResourceBlacklist: try rules("clusterResourceBlacklist") ?? [],
                                  namespaceResourceWhitelist: try rules("namespaceResourceWhitelist"),
                                  namespaceResourceBlacklist: try rules("namespaceResourceBlacklist") ?? [])
        if let orphaned = spec["orphanedResources"], !orphaned.isNull {
            guard case .object = orphaned else { throw PlanningError("\(source): AppProject \(name): spec.orphanedResources must be a map") }
            var policy = OrphanedResourcesPolicy(ignore: try Self.rules(orphaned["ignore"], field: "orphanedResources.ignore", source: source, project: name) ?? [])
            if let warn = orphaned["warn"], !warn.isNull {
                guard case .bool(let flag) = warn else { throw PlanningError("\(source): AppProject \(name): spec.orphanedResources.warn must be true or false") }
                policy.warn = flag
            }
            self.rules.orphanedResources = policy
        }
    }

    static func rules(_ value: Value?, field: String, source: String, project: String) throws(PlanningError) -> [ResourceRule]? {
        guard let value, !value.isNull else { return nil }
        guard let items = value.arrayValue else { throw PlanningError("\(source): AppProject \(project): spec.\(field) must be a list") }
        return items.map { ResourceRule(group: $0["group"]?.stringValue ?? "", kind: $0["kind"]?.stringValue ?? "", name: $0["name"]?.stringValue ?? "") }
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
            let matched = deny ? !ProjectRules.glob(body, normalized, separators: ["/"]) : (body == "*" || ProjectRules.glob(body, normalized, separators: ["/"]))
            if matched { matchedAny = true } else if deny { return false }
        }
        return matchedAny
    }

    public func permitsDestination(server: String, names: [String], namespace: String) -> Bool {
        rules.permitsDestination(server: server, names: names, namespace: namespace)
    }

    public func permitsKind(group: String, kind: String, name: String, namespaced: Bool) -> Bool {
        rules.permitsKind(group: group, kind: kind, name: name, namespaced: namespaced)
    }

    /// `IsAppNamespacePermitted`: Applications in the control namespace (or none) always; others
    /// when `sourceNamespaces` lists theirs.
    public func permitsApplicationNamespace(_ namespace: String, controlNamespace: String = "argocd") -> Bool {
        namespace.isEmpty || namespace == controlNamespace || sourceNamespaces.contains { ProjectRules.glob($0, namespace, separators: []) }
    }
}
