import FleetModel

/// The built-in transformers of one kustomization, each applied to everything accumulated at
/// that level (its resources, its bases' output, its generators and components), in kustomize's
/// order: patches, namespace, prefix/suffix, labels, annotations, JSON6902 patches, replicas,
/// images. See `KustomizeBuilder.runTransformers`.
/// How a namespace is set beyond `metadata.namespace` (a NamespaceTransformer's options; the
/// `namespace:` field uses the defaults).
struct NamespaceOptions {
    enum Subjects { case defaultOnly, allServiceAccounts, none }
    /// Only where no namespace is set yet.
    var unsetOnly = false
    var roleBindingSubjects = Subjects.defaultOnly
}

enum Transformers {
    // MARK: Namespace

    static func setNamespace(_ namespace: String, specs: [FieldSpec], options: NamespaceOptions = NamespaceOptions(),
                             in collection: inout ResourceCollection, origin: String) throws(RenderError) {
        guard !namespace.isEmpty else { return }
        // `metadata/namespace` is set by type (never on cluster-scoped objects), and
        // `metadata/name` only on core (`v1`) objects, so a custom kind named Namespace in
        // another API group is left alone (kustomize's removeUnneededMetaFieldSpecs).
        let fieldSpecs = specs.filter { $0.path != ["metadata", "namespace"] }
        for index in collection.resources.indices {
            var resource = collection.resources[index]
            guard case .object(let fields) = resource.object, !fields.isEmpty else { continue }
            resource.storePreviousID()
            let gvk = resource.gvk
            if !gvk.isClusterScoped && !(options.unsetOnly && !resource.namespace.isEmpty) { resource.namespace = namespace }
            if gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding" {
                setSubjectNamespaces(namespace, options: options, in: &resource.object)
            }
            let isCore = resource.object["apiVersion"]?.stringValue == "v1"
            for spec in fieldSpecs where isCore || spec.path != ["metadata", "name"] {
                FieldSpecWalker.apply(spec, to: &resource, leaf: .string("")) { (node: inout Value) in
                    if options.unsetOnly, let current = node.stringValue, !current.isEmpty { return }
                    node = .string(namespace)
                }
            }
            collection.resources[index] = resource
        }
        for (i, resource) in collection.resources.enumerated() {
            let id = resource.currentID
            if collection.resources[(i + 1)...].contains(where: { $0.currentID.matches(id) }) {
                throw RenderError(.conflict, file: origin, "namespace transformation produces ID conflict: two resources are now \(id)")
            }
        }
    }

    /// Kustomize sets the namespace of RoleBinding subjects only for the `default` service
    /// account (unless a NamespaceTransformer says every ServiceAccount, or none); other
    /// subjects are repointed by name reference, if they name an account of the build.
    private static func setSubjectNamespaces(_ namespace: String, options: NamespaceOptions, in object: inout Value) {
        guard options.roleBindingSubjects != .none, case .array(var subjects)? = object["subjects"] else { return }
        for i in subjects.indices {
            let selected = options.roleBindingSubjects == .defaultOnly
                ? subjects[i]["name"]?.stringValue == "default" : subjects[i]["kind"]?.stringValue == "ServiceAccount"
            guard selected else { continue }
            if options.unsetOnly, let current = subjects[i]["namespace"]?.stringValue, !current.isEmpty { continue }
            subjects[i]["namespace"] = .string(namespace)
        }
        object["subjects"] = .array(subjects)
    }

    // MARK: Prefix and suffix

    /// Kustomize's PrefixSuffixTransformer: the `metadata/name` spec renames (and records the
    /// affixes for name references); any other spec (from `configurations:`) adds the prefix
    /// and suffix to that field's text. CRDs, Namespaces and APIServices keep their names.
    static func addPrefixSuffix(prefix: String, suffix: String, specs: [FieldSpec], in collection: inout ResourceCollection) {
        for index in collection.resources.indices {
            var resource = collection.resources[index]
            let original = resource.originalID.gvk
            let skipped = original.kind == "CustomResourceDefinition" || original.kind == "Namespace"
                || (original.kind == "APIService" && original.group == "apiregistration.k8s.io")
            if skipped { continue }
            for spec in specs where original.isSelected(by: spec.gvk) {
                if spec.path == ["metadata", "name"] {
                    if !prefix.isEmpty { resource.namePrefixes.append(prefix) }
                    if !suffix.isEmpty { resource.nameSuffixes.append(suffix) }
                    if !prefix.isEmpty || !suffix.isEmpty {
                        resource.storePreviousID()
                        resource.name = prefix + resource.name + suffix
                    }
                } else {
                    FieldSpecWalker.walk(&resource.object, path: spec.path[...], create: spec.create, leaf: .string("")) { (node: inout Value) in
                        if case .string(let text) = node { node = .string(prefix + text + suffix) }
                    }
                }
            }
            collection.resources[index] = resource
        }
    }

    // MARK: Labels and annotations

    /// Writes `pairs` into every map the specs reach (creating maps where a spec says so).
    static func setEntries(_ pairs: [String: String], specs: [FieldSpec], in collection: inout ResourceCollection) {
        guard !pairs.isEmpty else { return }
        // Sorted, so objects built here have the same key order in every run.
        let pairs = pairs.sorted { $0.key < $1.key }
        for index in collection.resources.indices {
            for spec in specs {
                FieldSpecWalker.apply(spec, to: &collection.resources[index], leaf: .emptyObject) { (node: inout Value) in
                    guard case .object(var map) = node else {
                        if node.isNull { node = .object(ValueObject(uniqueKeysWithValues: pairs.map { ($0.key, Value.string($0.value)) })) }
                        return
                    }
                    node = .null
                    for (key, value) in pairs { map[key] = .string(value) }
                    node = .object(map)
                }
            }
        }
    }

    /// A `labels:` entry (one of kustomize's LabelTransformer configurations): its own
    /// `fields`, the configured `labels` specs, plus the configured `commonLabels` specs when
    /// it includes selectors, or else `metadata/labels` and (with `includeTemplates`) the
    /// configured `templateLabels` specs.
    static func applyLabels(_ entry: LabelsEntry, config: TransformerConfig, in collection: inout ResourceCollection,
                            origin: String) throws(RenderError) {
        var specs = entry.fields
        do {
            try TransformerConfig.merge(&specs, config.labels, "labels")
            if entry.includeSelectors {
                try TransformerConfig.merge(&specs, config.commonLabels, "labels")
            } else {
                if entry.includeTemplates { try TransformerConfig.merge(&specs, config.templateLabels, "labels") }
                try TransformerConfig.merge(&specs, [BuiltinFieldSpecs.metadataLabels], "labels")
            }
        } catch {
            throw RenderError(.invalidKustomization, file: origin, error.message)
        }
        setEntries(entry.pairs, specs: specs, in: &collection)
    }

    // MARK: Replicas

    /// Kustomize's ReplicaCountTransformer: every object whose type a `replicas` spec selects
    /// and whose name (any it has had) is the override's; none at all is an error.
    static func setReplicas(_ override: ReplicaOverride, specs: [FieldSpec], line: Int, in collection: inout ResourceCollection,
                            origin: String) throws(RenderError) {
        var found = false
        for spec in specs {
            for index in collection.resources.indices {
                let resource = collection.resources[index]
                guard resource.allIDs.contains(where: { $0.name == override.name && $0.gvk.isSelected(by: spec.gvk) }) else { continue }
                found = true
                guard resource.gvk.isSelected(by: spec.gvk) else { continue }
                FieldSpecWalker.walk(&collection.resources[index].object, path: spec.path[...], create: spec.create, leaf: .null) { (node: inout Value) in
                    node = .int(override.count)
                }
            }
        }
        if !found {
            let kinds = specs.map { spec in
                func or(_ s: String, _ fallback: String) -> String { s.isEmpty ? fallback : s }
                return "\(or(spec.gvk.kind, "[noKind]")).\(or(spec.gvk.version, "[noVer]")).\(or(spec.gvk.group, "[noGrp]"))"
            }.joined(separator: " ")
            throw RenderError(.invalidKustomization, file: origin, line: line,
                              "resource with name \(override.name) does not match a config with the following GVK [\(kinds)]")
        }
    }

    // MARK: Images

    static func setImage(_ override: ImageOverride, specs: [FieldSpec], in collection: inout ResourceCollection) {
        for index in collection.resources.indices where collection.resources[index].kind != "CustomResourceDefinition" {
            // Any `containers` or `initContainers` list at any depth, as kustomize's legacy
            // image filter does, so custom resources with pod-like specs are covered too.
            updateContainerImages(&collection.resources[index].object, override)
            for spec in specs where collection.resources[index].gvk.isSelected(by: spec.gvk) {
                FieldSpecWalker.walk(&collection.resources[index].object, path: spec.path[...], create: false, leaf: .null) { (node: inout Value) in
                    if case .string(let image) = node, let updated = ImageReference.apply(override, to: image) { node = .string(updated) }
                }
            }
        }
    }

    private static func updateContainerImages(_ node: inout Value, _ override: ImageOverride) {
        switch node {
        case .object(var fields):
            node = .null
            for key in Array(fields.keys) {
                var child = fields[key]!
                fields[key] = .null
                updateContainerImages(&child, override)
                if key == "containers" || key == "initContainers", case .array(var containers) = child {
                    child = .null
                    for i in containers.indices {
                        if case .string(let image)? = containers[i]["image"], let updated = ImageReference.apply(override, to: image) {
                            containers[i]["image"] = .string(updated)
                        }
                    }
                    child = .array(containers)
                }
                fields[key] = child
            }
            node = .object(fields)
        case .array(var items):
            node = .null
            for i in items.indices { updateContainerImages(&items[i], override) }
            node = .array(items)
        default:
            break
        }
    }
}

/// Container image references and kustomize's `images:` rewrite rules.
enum ImageReference {
    /// The rewritten image if `image` is `override.name` with an optional tag and digest,
    /// otherwise nil. A new tag or digest replaces both the old tag and the old digest.
    static func apply(_ override: ImageOverride, to image: String) -> String? {
        guard matches(image, name: override.name) else { return nil }
        var (name, tag, digest) = split(image)
        if let newName = override.newName, !newName.isEmpty { name = newName }
        let newTag = override.newTag ?? ""
        let newDigest = override.digest ?? ""
        let suffix = override.tagSuffix ?? ""
        switch (newTag.isEmpty, newDigest.isEmpty) {
        case (false, false): tag = newTag; digest = newDigest
        case (false, true): tag = newTag; digest = ""
        case (true, false): tag = ""; digest = newDigest
        case (true, true):
            // A suffix extends the tag (an untagged image gets `:` and the suffix) and drops
            // the digest. kubectl applies image overrides once by its field specs and once
            // by its container walk, so pod images get the suffix twice; ours do too.
            if !suffix.isEmpty { tag += suffix; digest = "" }
        }
        var result = name
        if !tag.isEmpty { result += ":" + tag }
        if !digest.isEmpty { result += "@" + digest }
        return result
    }

    /// `name`, then an optional `:tag` of [a-zA-Z0-9_.{}-] and an optional `@sha256:...`.
    static func matches(_ image: String, name: String) -> Bool {
        guard image.hasPrefix(name) else { return false }
        var rest = Substring(image.dropFirst(name.count))
        func isTagCharacter(_ c: Character) -> Bool {
            c.isASCII && (c.isLetter || c.isNumber || "_.{}-".contains(c))
        }
        if rest.first == ":" {
            rest = rest.dropFirst()
            rest = rest.drop(while: isTagCharacter)
        }
        if rest.hasPrefix("@sha256:") {
            rest = rest.dropFirst(8)
            rest = rest.drop(while: isTagCharacter)
        }
        return rest.isEmpty
    }

    /// Splits `registry:5000/app:v1@sha256:...` into name, tag and digest; a colon before the
    /// first slash belongs to the registry's port, not a tag.
    static func split(_ image: String) -> (name: String, tag: String, digest: String) {
        var remainder = Substring(image)
        var digest = ""
        if let at = remainder.lastIndex(of: "@") {
            digest = String(remainder[remainder.index(after: at)...])
            remainder = remainder[..<at]
        }
        let slash = remainder.firstIndex(of: "/")
        let searchStart = slash ?? remainder.startIndex
        if let colon = remainder[searchStart...].lastIndex(of: ":") {
            return (String(remainder[..<colon]), String(remainder[remainder.index(after: colon)...]), digest)
        }
        return (String(remainder), "", digest)
    }
}
