import FleetModel
import FleetRegex

/// The resources accumulated by a build, in order, with kustomize's id rules: no two may share
/// a current id, generators merge into or replace what they match, and patch targets are
/// selected by type, name, namespace and labels.
struct ResourceCollection {
    var resources: [KustomizeResource] = []
    /// Where the built-in transformers write: the defaults and every `configurations:` file of
    /// the kustomizations accumulated so far (a base's stays in force above it).
    var config = TransformerConfig.empty
    /// Every `vars:` entry accumulated so far, each name once.
    var vars: [KustomizeVar] = []

    /// Adds a resource; an id already present is an error, as in kustomize.
    mutating func append(_ resource: KustomizeResource) throws(RenderError) {
        let id = resource.currentID
        if resources.contains(where: { $0.currentID.matches(id) }) {
            throw RenderError(.conflict, file: resource.source, "may not add resource with an already registered id: \(id)")
        }
        resources.append(resource)
    }

    /// Adds a base's resources, its configuration and its vars (kustomize's `MergeAccumulator`).
    mutating func append(contentsOf other: ResourceCollection, origin: String) throws(RenderError) {
        for resource in other.resources { try append(resource) }
        try mergeConfig(other.config, origin: origin)
        try addVars(other.vars, origin: origin)
    }

    mutating func mergeConfig(_ other: TransformerConfig, origin: String) throws(RenderError) {
        do {
            config = try config.merging(other)
        } catch {
            throw RenderError(.invalidKustomization, file: origin, error.message)
        }
    }

    /// Notes on every object that a transformer ran over it (`buildMetadata: [transformerAnnotations]`).
    mutating func recordTransformation(_ origin: BuildOrigin) {
        for index in resources.indices { resources[index].transformations.append(origin) }
    }

    /// A var name may be declared once in a whole build.
    mutating func addVars(_ incoming: [KustomizeVar], origin: String) throws(RenderError) {
        for variable in incoming {
            if vars.contains(where: { $0.name == variable.name }) {
                throw RenderError(.invalidKustomization, file: variable.origin, line: variable.line, "var '\(variable.name)' already encountered")
            }
            vars.append(variable)
        }
    }

    /// Indices of resources whose current or any previous id matches `id`.
    func indices(matchingAnyID id: ResourceID) -> [Int] {
        resources.indices.filter { i in resources[i].allIDs.contains { $0.matches(id) } }
    }

    /// Adds a generated resource, honouring its behavior: `create` must be new, `merge` and
    /// `replace` must find exactly the object they change (kustomize's appendReplaceOrMerge).
    mutating func absorb(_ generated: KustomizeResource) throws(RenderError) {
        let id = generated.currentID
        let matches = indices(matchingAnyID: id)
        switch matches.count {
        case 0:
            if generated.behavior != .create {
                throw RenderError(.generator, file: generated.source,
                                  "\(id) does not exist; cannot \(generated.behavior.rawValue) (behavior \(generated.behavior.rawValue) needs a ConfigMap or Secret of that name from resources or a base)")
            }
            try append(generated)
        case 1:
            let index = matches[0]
            let old = resources[index]
            var replacement = generated
            switch generated.behavior {
            case .create:
                throw RenderError(.generator, file: generated.source, "\(id) exists already; use behavior: merge or behavior: replace to change it")
            case .replace:
                Self.copyMetadata(from: old, into: &replacement)
            case .merge:
                Self.copyMetadata(from: old, into: &replacement)
                // A merge keeps the origin of the object it changes; a replace takes its own.
                replacement.origin = old.origin ?? replacement.origin
                for field in ["data", "binaryData"] {
                    let merged = (old.object[field]?.objectValue ?? [:]).merging(generated.object[field]?.objectValue ?? [:]) { _, new in new }
                    if !merged.isEmpty { replacement.object[field] = .object(merged) }
                }
            }
            resources[index] = replacement
        default:
            let ids = matches.map { resources[$0].currentID.description }.joined(separator: ", ")
            throw RenderError(.generator, file: generated.source, "\(id) matches more than one resource: \(ids)")
        }
    }

    /// Kustomize's `CopyMergeMetaDataFieldsFrom`: labels and annotations merge (the new
    /// generator's win), the name and namespace stay those of the old object, and the build
    /// bookkeeping (renames, hash flag) carries over from it.
    private static func copyMetadata(from old: KustomizeResource, into new: inout KustomizeResource) {
        for field in ["labels", "annotations"] {
            let merged = (old.object[path: "metadata", field]?.objectValue ?? [:])
                .merging(new.object[path: "metadata", field]?.objectValue ?? [:]) { _, new in new }
            new.object[path: "metadata", field] = merged.isEmpty ? nil : .object(merged)
        }
        new.name = old.name
        new.namespace = old.namespace
        new.previousIDs = old.previousIDs
        new.namePrefixes = old.namePrefixes
        new.nameSuffixes = old.nameSuffixes
        new.varNames = old.varNames
        new.transformations = old.transformations
        // Either side disabling the hash disables it (kubectl drops the suffix when the base
        // or the overlay's merge/replace generator says disableNameSuffixHash).
        new.needsHashSuffix = old.needsHashSuffix && new.needsHashSuffix
    }

    /// Resources a patch target selects: type by anchored regular expressions, name and
    /// namespace matched against original or current values, then label and annotation
    /// selectors.
    func select(_ target: PatchTarget, origin: String) throws(RenderError) -> [Int] {
        let matcher = try TargetMatcher(target, origin: origin)
        var selected: [Int] = []
        for index in resources.indices where try matcher.matches(resources[index]) { selected.append(index) }
        return selected
    }
}

/// One field of a patch target: an anchored regular expression with Go's semantics (as
/// Kustomize compiles `^(?:pattern)$`), or plain text compared directly when the pattern has no
/// regex syntax at all (the common case, and much cheaper).
enum TargetPattern {
    case literal(String)
    case regex(GoRegex, field: String, origin: String)

    func matches(_ text: String) throws(RenderError) -> Bool {
        switch self {
        case .literal(let literal):
            return literal == text
        case .regex(let regex, let field, let origin):
            do { return try regex.matches(text) } catch {
                throw RenderError(.invalidKustomization, file: origin, "patch target \(field) \"\(regex.pattern)\": \(error)")
            }
        }
    }
}

/// A compiled patch target.
struct TargetMatcher {
    private let group: TargetPattern?
    private let version: TargetPattern?
    private let kind: TargetPattern?
    private let name: TargetPattern?
    private let namespace: TargetPattern?
    private let labels: LabelSelector
    private let annotations: LabelSelector

    init(_ target: PatchTarget, origin: String) throws(RenderError) {
        func compile(_ pattern: String, _ field: String) throws(RenderError) -> TargetPattern? {
            guard !pattern.isEmpty else { return nil }
            // Names, kinds and groups are mostly made of these, none of them special in a regex.
            if pattern.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "/") }) {
                return .literal(pattern)
            }
            do {
                return .regex(try GoRegex("^(?:" + pattern + ")$"), field: field, origin: origin)
            } catch {
                throw RenderError(.invalidKustomization, file: origin, "patch target \(field) \"\(pattern)\" is not a valid regular expression: \(error)")
            }
        }
        group = try compile(target.group, "group")
        version = try compile(target.version, "version")
        kind = try compile(target.kind, "kind")
        name = try compile(target.name, "name")
        namespace = try compile(target.namespace, "namespace")
        do {
            labels = try LabelSelector(parsing: target.labelSelector)
            annotations = try LabelSelector(parsing: target.annotationSelector)
        } catch {
            throw RenderError(.invalidKustomization, file: origin, "patch target: \(error)")
        }
    }

    func matches(_ resource: KustomizeResource) throws(RenderError) -> Bool {
        let current = resource.currentID
        let original = resource.originalID
        if let namespace, try !namespace.matches(original.effectiveNamespace), try !namespace.matches(current.effectiveNamespace) { return false }
        if let name, try !name.matches(original.name), try !name.matches(current.name) { return false }
        let gvk = current.gvk
        if let group, try !group.matches(gvk.group) { return false }
        if let version, try !version.matches(gvk.version) { return false }
        if let kind, try !kind.matches(gvk.kind) { return false }
        if !labels.isEmpty && !labels.matches(resource.labels) { return false }
        if !annotations.isEmpty && !annotations.matches(resource.annotations) { return false }
        return true
    }
}
