import FleetModel
import FleetYAML

/// Where a transformer writes: a `/`-separated path into objects of the selected types, with
/// `[]` marking a list whose every element continues the path (`spec/containers[]/image`).
/// Lists met without `[]` are walked implicitly too, as kustomize does.
public struct FieldSpec: Equatable, Sendable {
    public var gvk: GroupVersionKind
    public var path: [String]
    /// Create missing maps (and the final field) instead of skipping the object.
    public var create: Bool

    public init(group: String = "", version: String = "", kind: String = "", path: String, create: Bool = false) {
        self.gvk = GroupVersionKind(group: group, version: version, kind: kind)
        self.path = FieldSpec.split(path)
        self.create = create
    }

    /// Splits on `/`, honouring `\/` as a literal slash inside a segment (annotation keys).
    static func split(_ path: String) -> [String] {
        var segments: [String] = []
        var current = ""
        var escaped = false
        for c in path {
            if escaped {
                current.append(c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == "/" {
                segments.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        segments.append(current)
        return segments.filter { !$0.isEmpty }
    }
}

/// An `images:` entry: which image to match and what to change.
public struct ImageOverride: Equatable, Sendable {
    public var name: String
    public var newName: String?
    public var newTag: String?
    public var digest: String?
    /// Appended to the image's tag when no new tag or digest is given (kubectl v1.32).
    public var tagSuffix: String? = nil
}

/// A `replicas:` entry.
public struct ReplicaOverride: Equatable, Sendable {
    public var name: String
    public var count: Int
}

/// A patch target: type, name and namespace as anchored regular expressions, and label and
/// annotation selectors.
public struct PatchTarget: Equatable, Sendable {
    public var group: String = ""
    public var version: String = ""
    public var kind: String = ""
    public var name: String = ""
    public var namespace: String = ""
    public var labelSelector: String = ""
    public var annotationSelector: String = ""
}

/// A `patches:` (or legacy `patchesStrategicMerge:` / `patchesJson6902:`) entry, with the line
/// it was written on for error messages.
public struct PatchEntry: Sendable {
    public enum Source: Sendable {
        case inline(String)
        case file(String)
    }

    public var source: Source
    public var target: PatchTarget?
    public var allowNameChange = false
    public var allowKindChange = false
    public var line: Int
}

/// Generator options (per generator, or `generatorOptions:` for all).
public struct GeneratorOptions: Equatable, Sendable {
    public var labels: [String: String] = [:]
    public var annotations: [String: String] = [:]
    public var disableNameSuffixHash = false
    public var immutable = false

    /// Kustomize's `MergeGlobalOptionsIntoLocal`: global labels and annotations override local
    /// ones, and either level can disable the hash or make the object immutable.
    func merging(global: GeneratorOptions?) -> GeneratorOptions {
        guard let global else { return self }
        var merged = self
        merged.labels.merge(global.labels) { _, new in new }
        merged.annotations.merge(global.annotations) { _, new in new }
        merged.disableNameSuffixHash = disableNameSuffixHash || global.disableNameSuffixHash
        merged.immutable = immutable || global.immutable
        return merged
    }
}

/// A `configMapGenerator:` or `secretGenerator:` entry.
public struct GeneratorArgs: Sendable {
    public var name: String
    public var namespace: String
    public var behavior: GeneratorBehavior
    public var literals: [String]
    public var files: [String]
    public var envs: [String]
    public var type: String?
    public var options: GeneratorOptions
    public var line: Int
}

/// A `labels:` entry.
public struct LabelsEntry: Sendable {
    public var pairs: [String: String]
    public var includeSelectors: Bool
    public var includeTemplates: Bool
    public var fields: [FieldSpec]
}

/// The output order of a build.
public enum SortOrder: Equatable, Sendable {
    /// Kustomize's default: by kind priority (Namespace first, webhooks last), then id.
    case legacy(orderFirst: [String], orderLast: [String])
    /// The order resources were accumulated in.
    case fifo
}

/// A parsed `kustomization.yaml` (kind Kustomization or Component), with legacy fields folded
/// into their modern equivalents the way `kustomize edit fix` would.
public struct Kustomization: Sendable {
    public var isComponent = false
    /// The file's path in the tree and the name errors show.
    public var path: String
    public var displayPath: String
    /// The parsed file, kept for the line numbers of its fields.
    public var document: YAMLDocument

    public var resources: [(String, Int)] = []
    public var components: [(String, Int)] = []
    public var namespace = ""
    public var namePrefix = ""
    public var nameSuffix = ""
    public var commonLabels: [String: String] = [:]
    public var labels: [LabelsEntry] = []
    public var commonAnnotations: [String: String] = [:]
    public var images: [ImageOverride] = []
    public var replicas: [(ReplicaOverride, Int)] = []
    public var patches: [PatchEntry] = []
    public var patchesStrategicMerge: [PatchEntry] = []
    public var patchesJson6902: [PatchEntry] = []
    public var configMapGenerator: [GeneratorArgs] = []
    public var secretGenerator: [GeneratorArgs] = []
    public var generatorOptions: GeneratorOptions?
    public var replacements: [ReplacementEntry] = []
    /// `configurations:` files (transformer field specs), with their lines.
    public var configurations: [(String, Int)] = []
    public var vars: [KustomizeVar] = []
    /// `transformers:` and `generators:` entries: built-in plugin configurations, inline or
    /// as files or kustomization directories that produce them.
    public var transformers: [(String, Int)] = []
    public var generators: [(String, Int)] = []
    /// `buildMetadata:` options (only the top kustomization's count).
    public var buildMetadata: [String] = []
    public var openapi: OpenAPIField?
    /// `crds:` files: OpenAPI definitions of custom types with kustomize's field extensions.
    public var crds: [(String, Int)] = []
    /// `helmCharts` entries as written, `helmGlobals`, and the line of `helmCharts`.
    public var helmCharts: [Value] = []
    public var helmGlobals: Value?
    public var helmChartsLine: Int?
    public var sortOrder: SortOrder?
    /// Deprecation warnings kustomize would print on stderr.
    public var warnings: [String] = []
}
