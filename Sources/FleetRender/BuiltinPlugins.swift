import FleetModel
import FleetYAML

/// A kustomize built-in plugin configured by a KRM object (`apiVersion: builtin`) listed under
/// `transformers:` or `generators:`: the same transformers and generators the kustomization
/// fields drive, with the field specs and arguments the object gives (no defaults merged in).
///
/// Other plugins (exec, Go, containerized KRM functions) run code from the repository or the
/// network; they are refused by name.
enum BuiltinPlugin {
    case prefixSuffix(prefix: String, suffix: String, specs: [FieldSpec])
    case labels([String: String], specs: [FieldSpec])
    case annotations([String: String], specs: [FieldSpec])
    case namespace(String, specs: [FieldSpec], options: NamespaceOptions)
    case imageTag(ImageOverride, specs: [FieldSpec])
    case replicaCount(ReplicaOverride, specs: [FieldSpec])
    case patches([PatchEntry])
    case strategicMergePatches([PatchEntry])
    case json6902Patch(PatchEntry)
    case replacements([ReplacementEntry])
    case hash
    case configMapGenerator(GeneratorArgs)
    case secretGenerator(GeneratorArgs)
    case iamPolicyGenerator(IAMPolicy)

    /// A GKE workload-identity ServiceAccount (kustomize's IAMPolicyGenerator).
    struct IAMPolicy {
        var serviceAccountName: String
        var namespace: String
        var googleServiceAccount: String
        var projectID: String
    }

    static let transformerKinds: Set<String> = [
        "PrefixSuffixTransformer", "LabelTransformer", "AnnotationsTransformer", "NamespaceTransformer", "ImageTagTransformer",
        "ReplicaCountTransformer", "PatchTransformer", "PatchStrategicMergeTransformer", "PatchJson6902Transformer",
        "ReplacementTransformer", "HashTransformer",
    ]
    static let generatorKinds: Set<String> = ["ConfigMapGenerator", "SecretGenerator", "IAMPolicyGenerator"]

    /// Reads a plugin configuration object as kustomize's plugin `Config` does: leniently
    /// (unknown fields ignored), field names matched case-insensitively.
    static func decode(_ object: Value, source: String) throws(RenderError) -> BuiltinPlugin {
        let apiVersion = object["apiVersion"]?.stringValue ?? ""
        let kind = object["kind"]?.stringValue ?? ""
        guard apiVersion == "builtin" else {
            throw RenderError(.unsupported, file: source,
                              "plugin \(kind) (apiVersion \(apiVersion.isEmpty ? "none" : apiVersion)) is not a built-in plugin: exec, Go and KRM function plugins are not supported")
        }
        guard transformerKinds.contains(kind) || generatorKinds.contains(kind) else {
            throw RenderError(.unsupported, file: source, "unable to load builtin \(kind).builtin.[noGrp]: not a kustomize built-in plugin")
        }
        let configuration = PluginConfiguration(object: object, source: source)
        return generatorKinds.contains(kind) ? try configuration.generator(kind) : try configuration.transformer(kind)
    }

    var isGenerator: Bool {
        switch self {
        case .configMapGenerator, .secretGenerator, .iamPolicyGenerator: return true
        default: return false
        }
    }
}

extension BuiltinPlugin.IAMPolicy {
    /// The ServiceAccount the generator makes: annotated with the Google service account it
    /// impersonates.
    var serviceAccount: Value {
        var metadata: ValueObject = [
            "annotations": ["iam.gke.io/gcp-service-account": .string("\(googleServiceAccount)@\(projectID).iam.gserviceaccount.com")],
            "name": .string(serviceAccountName),
        ]
        if !namespace.isEmpty { metadata["namespace"] = .string(namespace) }
        return ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": .object(metadata)]
    }
}

/// One plugin configuration object being read: its fields (matched case-insensitively, as
/// kustomize's plugin `Config` does) and the decoder whose errors name the file and field.
private struct PluginConfiguration {
    let object: Value
    let source: String
    let decoder: KustomizationDecoder
    let root = JSONPointer()
    let metadata: ValueObject

    init(object: Value, source: String) {
        self.object = object
        self.source = source
        self.decoder = KustomizationDecoder(path: source, displayPath: source, lines: YAMLDocument(value: object, line: 0))
        self.metadata = object["metadata"]?.objectValue ?? [:]
    }

    func fields(_ known: Set<String>) throws(RenderError) -> ValueObject {
        guard case .object(let written) = object else { throw decoder.fail(root, "a plugin configuration must be a mapping") }
        return KustomizationDecoder.canonicalKeys(written, known: known.union(["apiVersion", "kind", "metadata"]))
    }

    func specs(_ f: ValueObject) throws(RenderError) -> [FieldSpec] {
        var result: [FieldSpec] = []
        for (index, item) in try decoder.list(f["fieldSpecs"], at: root.appending("fieldSpecs")).enumerated() {
            result.append(try decoder.fieldSpec(item, at: root.appending("fieldSpecs").appending(index), lenient: true))
        }
        return result
    }

    func only(_ f: ValueObject, _ keys: Set<String>) -> Value { .object(f.filter { keys.contains($0.key) }) }

    func transformer(_ kind: String) throws(RenderError) -> BuiltinPlugin {
        switch kind {
        case "PrefixSuffixTransformer":
            let f = try fields(["prefix", "suffix", "fieldSpecs"])
            guard f["fieldSpecs"].map({ !$0.isNull }) == true else { throw decoder.fail(root, "fieldSpecs is not expected to be nil") }
            return .prefixSuffix(prefix: try decoder.optionalString(f["prefix"], at: root.appending("prefix")) ?? "",
                                 suffix: try decoder.optionalString(f["suffix"], at: root.appending("suffix")) ?? "", specs: try specs(f))
        case "LabelTransformer":
            let f = try fields(["labels", "fieldSpecs"])
            return .labels(try decoder.stringMap(f["labels"], at: root.appending("labels")), specs: try specs(f))
        case "AnnotationsTransformer":
            let f = try fields(["annotations", "fieldSpecs"])
            return .annotations(try decoder.stringMap(f["annotations"], at: root.appending("annotations")), specs: try specs(f))
        case "NamespaceTransformer":
            let f = try fields(["fieldSpecs", "unsetOnly", "setRoleBindingSubjects"])
            var options = NamespaceOptions()
            options.unsetOnly = try decoder.bool(f["unsetOnly"], at: root.appending("unsetOnly"))
            let mode = try decoder.optionalString(f["setRoleBindingSubjects"], at: root.appending("setRoleBindingSubjects")) ?? ""
            switch mode {
            case "", "defaultOnly": options.roleBindingSubjects = .defaultOnly
            case "allServiceAccounts": options.roleBindingSubjects = .allServiceAccounts
            case "none": options.roleBindingSubjects = .none
            default: throw decoder.fail(root.appending("setRoleBindingSubjects"), "invalid value \"\(mode)\" for setRoleBindingSubjects (defaultOnly, allServiceAccounts or none)")
            }
            return .namespace(metadata["namespace"]?.stringValue ?? "", specs: try specs(f), options: options)
        case "ImageTagTransformer":
            let f = try fields(["imageTag", "fieldSpecs"])
            guard let image = try decoder.images(.array([f["imageTag"] ?? .emptyObject]), at: root.appending("imageTag")).first else {
                throw decoder.fail(root, "imageTag is required")
            }
            return .imageTag(image, specs: try specs(f))
        case "ReplicaCountTransformer":
            let f = try fields(["replica", "fieldSpecs"])
            guard let replica = try decoder.replicas(.array([f["replica"] ?? .emptyObject]), at: root.appending("replica")).first else {
                throw decoder.fail(root, "replica is required")
            }
            return .replicaCount(replica.0, specs: try specs(f))
        case "PatchTransformer":
            let f = try fields(["path", "patch", "target", "options"])
            return .patches(try decoder.patches(.array([only(f, ["path", "patch", "target", "options"])]), at: root))
        case "PatchStrategicMergeTransformer":
            let f = try fields(["paths", "patches"])
            // Like patchesStrategicMerge, a `paths` entry that reads as a patch is one.
            var entries = try decoder.strategicMergePatches(f["paths"], at: root.appending("paths"))
            if let text = try decoder.optionalString(f["patches"], at: root.appending("patches")), !text.isEmpty {
                entries.append(PatchEntry(source: .inline(text), line: 0))
            }
            if entries.isEmpty { throw decoder.fail(root, "empty file path and empty patch content") }
            return .strategicMergePatches(entries)
        case "PatchJson6902Transformer":
            return .json6902Patch(try json6902Patch())
        case "ReplacementTransformer":
            let f = try fields(["replacements"])
            return .replacements(try decoder.replacementEntries(f["replacements"], at: root.appending("replacements")))
        case "HashTransformer":
            return .hash
        default:
            throw RenderError(.unsupported, file: source, "unable to load builtin \(kind).builtin.[noGrp]")
        }
    }

    func json6902Patch() throws(RenderError) -> PatchEntry {
        let f = try fields(["target", "path", "jsonOp"])
        var entry: PatchEntry
        let path = try decoder.optionalString(f["path"], at: root.appending("path")) ?? ""
        let operations = try decoder.optionalString(f["jsonOp"], at: root.appending("jsonOp")) ?? ""
        switch (path.isEmpty, operations.isEmpty) {
        case (false, true): entry = PatchEntry(source: .file(path), line: 0)
        case (true, false): entry = PatchEntry(source: .inline(operations), line: 0)
        case (false, false): throw decoder.fail(root, "must specify either jsonOp or path, not both")
        case (true, true): throw decoder.fail(root, "empty file path and empty jsonOp")
        }
        guard let target = f["target"], !target.isNull else { throw decoder.fail(root, "must specify a target for patch") }
        entry.target = try decoder.patchTarget(target, at: root.appending("target"))
        return entry
    }

    func generator(_ kind: String) throws(RenderError) -> BuiltinPlugin {
        switch kind {
        case "ConfigMapGenerator", "SecretGenerator":
            let isSecret = kind == "SecretGenerator"
            var keys: Set<String> = ["name", "namespace", "behavior", "literals", "files", "envs", "env", "options"]
            if isSecret { keys.insert("type") }
            let f = try fields(keys)
            guard var args = try decoder.generators(.array([only(f, keys)]), at: root, allowsType: isSecret).first else {
                throw decoder.fail(root, "\(kind) has no arguments")
            }
            // The plugin falls back to its own metadata for the name and namespace.
            if args.name.isEmpty { args.name = metadata["name"]?.stringValue ?? "" }
            if args.namespace.isEmpty { args.namespace = metadata["namespace"]?.stringValue ?? "" }
            return isSecret ? .secretGenerator(args) : .configMapGenerator(args)
        case "IAMPolicyGenerator":
            let f = try fields(["cloud", "kubernetesService", "serviceAccount"])
            let cloud = try decoder.optionalString(f["cloud"], at: root.appending("cloud")) ?? ""
            guard cloud == "gke" else { throw decoder.fail(root.appending("cloud"), "cloud provider \(cloud) not supported yet") }
            let service = f["kubernetesService"]?.objectValue ?? [:]
            let account = f["serviceAccount"]?.objectValue ?? [:]
            return .iamPolicyGenerator(BuiltinPlugin.IAMPolicy(serviceAccountName: service["name"]?.stringValue ?? "",
                                                 namespace: service["namespace"]?.stringValue ?? "",
                                                 googleServiceAccount: account["name"]?.stringValue ?? "",
                                                 projectID: account["projectId"]?.stringValue ?? ""))
        default:
            throw RenderError(.unsupported, file: source, "unable to load builtin \(kind).builtin.[noGrp]")
        }
    }
}
