import FleetModel

/// Rewrites references to renamed objects, once, at the end of a build (kustomize's
/// `FixBackReferences`).
///
/// A reference is repointed when exactly one renamed object had the referenced name before,
/// is of the right type, and may be referred to from the referrer's namespace; ties are broken
/// by the prefix/suffix history (objects renamed by the same kustomizations as the referrer).
/// References to objects outside the build, or never renamed, are left alone.
enum NameReferenceFixer {
    private struct Filter {
        var spec: FieldSpec
        var target: GroupVersionKind
    }

    static func fix(_ resources: inout [KustomizeResource], config: TransformerConfig) throws(RenderError) {
        // Candidates are chosen by names and namespaces, which fixing references never changes,
        // so every referrer is fixed against the same snapshot and written back at the end.
        try checkRoleBindingSubjects(resources)
        let snapshot = resources
        guard snapshot.contains(where: { !$0.previousIDs.isEmpty }) else { return }
        let table = config.isDefault ? defaultFilters : filters(config.nameReference)
        for index in snapshot.indices {
            let referrer = snapshot[index]
            let filters = applicableFilters(referrer, table: table)
            guard !filters.isEmpty else { continue }
            var object = referrer.object
            var candidates: [Int]?
            for filter in filters {
                try FieldSpecWalker.walk(&object, path: filter.spec.path[...], create: false, leaf: .null) { (node: inout Value) throws(RenderError) in
                    if candidates == nil { candidates = candidateIndices(for: referrer, in: snapshot) }
                    try update(&node, referrer: referrer, filter: filter, candidates: candidates!, in: snapshot)
                }
            }
            resources[index].object = object
        }
    }

    /// kubectl reads the namespaces of every RoleBinding's ServiceAccount subjects while fixing
    /// references, renamed or not, and refuses a subject whose `namespace:` is there but blank.
    private static func checkRoleBindingSubjects(_ resources: [KustomizeResource]) throws(RenderError) {
        for resource in resources where resource.kind == "RoleBinding" {
            guard case .array(let subjects)? = resource.object["subjects"] else { continue }
            for subject in subjects where subject["kind"]?.stringValue == "ServiceAccount" {
                if let namespace = subject["namespace"], namespace.stringValue == nil {
                    throw RenderError(.invalidKustomization, file: resource.source,
                                      "Invalid Input: namespace is blank for resource \"\(resource.currentID)\": give the ServiceAccount subject \"\(subject["name"]?.stringValue ?? "")\" a namespace or leave the field out")
                }
            }
        }
    }

    /// The name-reference filters by referrer kind; a referrer spec without a kind (possible in
    /// `configurations:`) applies to every kind and is filed under "".
    private static func filters(_ references: [NameReference]) -> [String: [Filter]] {
        var table: [String: [Filter]] = [:]
        for entry in references {
            for spec in entry.referrers { table[spec.gvk.kind, default: []].append(Filter(spec: spec, target: entry.target)) }
        }
        return table
    }

    private static let defaultFilters = filters(NameReferenceTable.entries)

    private static func applicableFilters(_ resource: KustomizeResource, table: [String: [Filter]]) -> [Filter] {
        let original = resource.originalID.gvk
        let byKind = (table[original.kind] ?? []) + (original.kind.isEmpty ? [] : table[""] ?? [])
        return byKind.filter { original.isSelected(by: $0.spec.gvk) }
    }

    /// What the referrer may refer to: anything if it is cluster-scoped; otherwise cluster-scoped
    /// objects, objects in its own namespace, and (for a RoleBinding) service accounts in the
    /// namespaces its subjects name.
    private static func candidateIndices(for referrer: KustomizeResource, in resources: [KustomizeResource]) -> [Int] {
        let referrerID = referrer.currentID
        if referrerID.gvk.isClusterScoped { return Array(resources.indices) }
        var subjectNamespaces = Set<String>()
        if referrer.kind == "RoleBinding", case .array(let subjects)? = referrer.object["subjects"] {
            for subject in subjects where subject["kind"]?.stringValue == "ServiceAccount" {
                if let ns = subject["namespace"]?.stringValue { subjectNamespaces.insert(ns) }
            }
        }
        return resources.indices.filter { i in
            let id = resources[i].currentID
            return id.gvk.isClusterScoped || id.effectiveNamespace == referrerID.effectiveNamespace
                || subjectNamespaces.contains(resources[i].namespace)
        }
    }

    private static func update(_ node: inout Value, referrer: KustomizeResource, filter: Filter, candidates: [Int],
                               in resources: [KustomizeResource]) throws(RenderError) {
        switch node {
        case .string(let oldName):
            if let referral = try select(oldName, from: candidates, referrer: referrer, filter: filter, in: resources, sameNamespace: false),
               resources[referral].name != oldName {
                node = .string(resources[referral].name)
            }
        case .object:
            try updateMapping(&node, referrer: referrer, filter: filter, candidates: candidates, in: resources)
        case .array(var items):
            node = .null
            for i in items.indices {
                switch items[i] {
                case .string, .object:
                    try update(&items[i], referrer: referrer, filter: filter, candidates: candidates, in: resources)
                default: break
                }
            }
            node = .array(items)
        default:
            break
        }
    }

    /// A `{name, namespace}` reference (RoleBinding subjects, webhook services): the namespace
    /// narrows the candidates, and both fields are rewritten.
    private static func updateMapping(_ node: inout Value, referrer: KustomizeResource, filter: Filter, candidates: [Int],
                                      in resources: [KustomizeResource]) throws(RenderError) {
        guard let oldName = node["name"]?.stringValue else {
            throw RenderError(.conflict, file: referrer.source,
                              "\(referrer.currentID): \(filter.spec.path.joined(separator: "/")) has no 'name' field to update")
        }
        var scoped = candidates
        if let namespace = node["namespace"]?.stringValue {
            let byOriginal = candidates.filter { resources[$0].originalID.namespace == namespace }
            scoped = byOriginal.isEmpty ? candidates.filter { resources[$0].namespace == namespace } : byOriginal
        }
        guard let referral = try select(oldName, from: scoped, referrer: referrer, filter: filter, in: resources, sameNamespace: true) else { return }
        let target = resources[referral]
        if target.name == oldName && target.namespace.isEmpty { return }
        node["name"] = .string(target.name)
        if !target.namespace.isEmpty { node["namespace"] = .string(target.namespace) }
    }

    private static func select(_ oldName: String, from candidates: [Int], referrer: KustomizeResource, filter: Filter,
                               in resources: [KustomizeResource], sameNamespace: Bool) throws(RenderError) -> Int? {
        var matches = candidates.filter { i in
            resources[i].previousIDs.contains { $0.name == oldName }
                && resources[i].previousIDs.contains { $0.gvk.isSelected(by: filter.target) }
        }
        if filter.spec.path.suffix(2) == ["roleRef", "name"],
           let group = referrer.object[path: "roleRef", "apiGroup"]?.stringValue,
           let kind = referrer.object[path: "roleRef", "kind"]?.stringValue {
            let roleRef = GroupVersionKind(group: group, version: "", kind: kind)
            matches = matches.filter { i in resources[i].previousIDs.contains { $0.gvk.isSelected(by: roleRef) } }
        }
        let referrerID = referrer.currentID
        if !referrerID.gvk.isClusterScoped {
            matches = matches.filter { i in
                let id = resources[i].currentID
                return id.gvk.isClusterScoped || resources[i].kind == "ServiceAccount" || id.effectiveNamespace == referrerID.effectiveNamespace
            }
        }
        if matches.count == 1 { return matches[0] }
        // First a coarse pass where an empty prefix (or suffix) list matches any (a ConfigMap
        // generated above the base that suffixed its Deployment), then the exact one.
        matches = matches.filter { resources[$0].hasSameNameAffixes(as: referrer, emptyMatchesAny: true) }
        if matches.count == 1 { return matches[0] }
        matches = matches.filter { resources[$0].hasSameNameAffixes(as: referrer) }
        if matches.count == 1 { return matches[0] }
        if matches.isEmpty { return nil }
        let first = resources[matches[0]]
        let identical = matches.allSatisfy { i in
            resources[i].name == first.name && (!sameNamespace || resources[i].namespace == first.namespace)
        }
        if identical { return matches[0] }
        let ids = matches.map { resources[$0].currentID.description }.joined(separator: ", ")
        throw RenderError(.conflict, file: referrer.source,
                          "\(referrerID): the reference to \"\(oldName)\" at \(filter.spec.path.joined(separator: "/")) is ambiguous: found multiple possible referrals: \(ids)")
    }
}
