import FleetModel
import FleetYAML

/// How a generated ConfigMap or Secret combines with one of the same name already built.
public enum GeneratorBehavior: String, Sendable {
    case create, merge, replace
}

/// One object moving through a build, with the bookkeeping kustomize keeps beside it:
/// every id it had before (so references to an old name can be repointed), the name prefixes
/// and suffixes applied to it layer by layer, and generator flags.
///
/// Kustomize keeps this in internal annotations on the object; we keep it in fields, so the
/// object itself never carries build state and there is nothing to strip at the end.
public struct KustomizeResource: Sendable {
    public var object: Value
    /// Ids the resource had before renames, oldest first; the first is its original id.
    public var previousIDs: [ResourceID] = []
    public var namePrefixes: [String] = []
    public var nameSuffixes: [String] = []
    /// Generated with a content-hash name suffix still to append at the end of the build.
    public var needsHashSuffix = false
    public var behavior: GeneratorBehavior = .create
    /// The `vars` bound to this object (kustomize's `refVarNames`), resolved at the end.
    public var varNames: [String] = []
    /// Where it was read or generated, and the transformers that ran over it (recorded only
    /// for `buildMetadata`).
    var origin: BuildOrigin?
    var transformations: [BuildOrigin] = []
    /// Where the resource was read or generated, for error messages.
    public var source: String

    public init(object: Value, source: String) {
        self.object = object
        self.source = source
    }

    public var gvk: GroupVersionKind {
        GroupVersionKind(apiVersion: object["apiVersion"]?.stringValue ?? "", kind: object["kind"]?.stringValue ?? "")
    }

    public var kind: String { object["kind"]?.stringValue ?? "" }

    public var name: String {
        get { object[path: "metadata", "name"]?.stringValue ?? "" }
        set { object[path: "metadata", "name"] = .string(newValue) }
    }

    public var namespace: String {
        get { object[path: "metadata", "namespace"]?.stringValue ?? "" }
        set {
            if newValue.isEmpty {
                object[path: "metadata", "namespace"] = nil
            } else {
                object[path: "metadata", "namespace"] = .string(newValue)
            }
        }
    }

    public var currentID: ResourceID { ResourceID(gvk: gvk, namespace: namespace, name: name) }

    /// The id the resource was read or generated with.
    public var originalID: ResourceID { previousIDs.first ?? currentID }

    /// Every id the resource has had, current included.
    public var allIDs: [ResourceID] { previousIDs + [currentID] }

    /// Records the current id before a rename, as kustomize's `StorePreviousId` does: with the
    /// effective namespace (`default` for an unnamespaced object).
    public mutating func storePreviousID() {
        let id = currentID
        previousIDs.append(ResourceID(gvk: id.gvk, namespace: id.effectiveNamespace, name: id.name))
    }

    /// Annotations as kustomize writes them back at the end of a build (through a string map):
    /// every value a string (a number or boolean as written, a list or map as ""), and an
    /// empty or malformed `annotations` field dropped.
    public mutating func normalizeAnnotations() {
        guard case .object(let metadata)? = object["metadata"], let annotations = metadata["annotations"] else { return }
        guard case .object(let entries) = annotations, !entries.isEmpty else {
            object[path: "metadata", "annotations"] = nil
            return
        }
        guard entries.values.contains(where: { $0.stringValue == nil }) else { return }
        var normalized = ValueObject()
        for (key, value) in entries {
            switch value {
            case .string: normalized[key] = value
            case .null: normalized[key] = ""  // `key:` with nothing written; a written `~` arrives as text
            default: normalized[key] = .string(YAML.plainScalarText(value) ?? "")
            }
        }
        object[path: "metadata", "annotations"] = .object(normalized)
    }

    public var labels: [String: String] { object[path: "metadata", "labels"]?.stringMap ?? [:] }
    public var annotations: [String: String] { object[path: "metadata", "annotations"]?.stringMap ?? [:] }

    /// Whether this resource and `other` were renamed by the same stack of prefixes and
    /// suffixes (kustomize's `PrefixesSuffixesEquals`: one list ends with the other, and an
    /// empty list matches only an empty one).
    /// With `emptyMatchesAny`, a side with no prefixes (or no suffixes) matches any list.
    public func hasSameNameAffixes(as other: KustomizeResource, emptyMatchesAny: Bool = false) -> Bool {
        func same(_ a: [String], _ b: [String]) -> Bool {
            (emptyMatchesAny && (a.isEmpty || b.isEmpty)) || Self.sameEnding(a, b)
        }
        return same(namePrefixes, other.namePrefixes) && same(nameSuffixes, other.nameSuffixes)
    }

    private static func sameEnding(_ a: [String], _ b: [String]) -> Bool {
        let (shorter, longer) = a.count <= b.count ? (a, b) : (b, a)
        if shorter.isEmpty { return longer.isEmpty }
        return Array(longer.suffix(shorter.count)) == shorter
    }
}
