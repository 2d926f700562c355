import FleetModel
import FleetYAML

/// A plugin configuration as loaded: the plugin, the file it came from (for errors), and the
/// origin `buildMetadata` records for what it generates or transforms.
struct LoadedPlugin {
    var plugin: BuiltinPlugin
    var source: String
    var origin: BuildOrigin
}

/// `transformers:` and `generators:`: built-in plugins configured by KRM objects.
extension KustomizeBuilder {
    /// The plugin configurations a `transformers:` or `generators:` list names: an entry that
    /// reads as YAML objects is inline; otherwise it is a path, to a file of configuration
    /// objects or to a kustomization directory whose (transformed) output they are. As in
    /// kustomize's `configureExternalTransformers`, every inline entry comes first, in order,
    /// then the paths' configurations.
    func loadPlugins(_ entries: [(String, Int)], field: String, kustomization: Kustomization,
                     directory: String) throws(RenderError) -> [LoadedPlugin] {
        let origin = kustomization.displayPath
        var plugins: [LoadedPlugin] = []
        var inline: [([Value], Int)] = []
        var paths: [(String, Int)] = []
        for (entry, line) in entries {
            if let objects = Self.inlineObjects(entry) { inline.append((objects, line)) } else { paths.append((entry, line)) }
        }
        for (objects, line) in inline {
            for object in objects {
                plugins.append(try decodePlugin(object, source: origin, configuredIn: recordsOrigins ? configuredIn(kustomization) : "",
                                                field: field, origin: origin, line: line))
            }
        }
        for (entry, line) in paths {
            var objects: [(Value, String, String)] = []
            let resolved = try resolve(entry, from: directory, origin: origin, line: line)
            switch try kind(resolved) {
            case .file?:
                try requireInside(resolved, directory: directory, naming: entry, origin: origin, line: line)
                let path = recordsOrigins ? GoPath.join(originDirectory, entry) : ""
                objects = try loadResources(resolved).map { ($0.object, $0.source, path) }
            case .directory?:
                try checkCycle(resolved, origin: origin, line: line)
                let base = try loadKustomization(in: resolved)
                var sub = ResourceCollection()
                try descend(into: resolved, written: entry, origin: origin, line: line) { () throws(RenderError) in
                    try accumulate(base, directory: resolved, into: &sub)
                }
                objects = sub.resources.map { ($0.object, $0.source, $0.origin?.path ?? "") }
            default:
                throw RenderError(.notFound, file: origin, line: line, "\(field) entry \"\(entry)\" not found: no file or directory \(tree.displayPath(resolved))")
            }
            for (object, source, path) in objects {
                plugins.append(try decodePlugin(object, source: source, configuredIn: path, field: field, origin: origin, line: line))
            }
        }
        return plugins
    }

    private func decodePlugin(_ object: Value, source: String, configuredIn: String, field: String, origin: String,
                              line: Int) throws(RenderError) -> LoadedPlugin {
        let plugin: BuiltinPlugin
        do {
            plugin = try BuiltinPlugin.decode(object, source: source)
        } catch {
            throw RenderError(error.kind, file: origin, line: line, "\(field): \(error.message)")
        }
        let kind = object["kind"]?.stringValue ?? ""
        if field == "generators" && !plugin.isGenerator {
            throw RenderError(.invalidKustomization, file: origin, line: line, "plugin \(kind) is not a generator")
        }
        if field == "transformers" && plugin.isGenerator {
            throw RenderError(.invalidKustomization, file: origin, line: line, "plugin \(kind) is not a transformer")
        }
        let metadata = object["metadata"]?.objectValue ?? [:]
        return LoadedPlugin(plugin: plugin, source: source,
                            origin: .builtin(kind, configuredIn: configuredIn, name: metadata["name"]?.stringValue ?? "",
                                             namespace: metadata["namespace"]?.stringValue ?? ""))
    }

    /// The objects of an inline plugin configuration, or nil when the entry is a path (kustomize
    /// tries to read every entry as resources first).
    private static func inlineObjects(_ entry: String) -> [Value]? {
        guard entry.contains(":") else { return nil }
        guard let documents = try? YAML.parseStream(entry, source: "inline") else { return nil }
        let objects = documents.map(\.value).filter { !$0.isNull }
        guard !objects.isEmpty, objects.allSatisfy({ $0["kind"]?.stringValue != nil }) else { return nil }
        return objects
    }

    func run(_ loaded: LoadedPlugin, directory: String, on collection: inout ResourceCollection) throws(RenderError) {
        let source = loaded.source
        switch loaded.plugin {
        case .prefixSuffix(let prefix, let suffix, let specs):
            Transformers.addPrefixSuffix(prefix: prefix, suffix: suffix, specs: specs, in: &collection)
        case .labels(let pairs, let specs):
            Transformers.setEntries(pairs, specs: specs, in: &collection)
        case .annotations(let pairs, let specs):
            Transformers.setEntries(pairs, specs: specs, in: &collection)
        case .namespace(let namespace, let specs, let options):
            try Transformers.setNamespace(namespace, specs: specs, options: options, in: &collection, origin: source)
        case .imageTag(let override, let specs):
            Transformers.setImage(override, specs: specs, in: &collection)
        case .replicaCount(let override, let specs):
            try Transformers.setReplicas(override, specs: specs, line: 0, in: &collection, origin: source)
        case .patches(let entries):
            try applyPatches(entries, directory: directory, origin: source, on: &collection)
        case .strategicMergePatches(let entries):
            try applyStrategicMergePatches(entries, directory: directory, origin: source, on: &collection)
        case .json6902Patch(let entry):
            try applyJSON6902Patches([entry], directory: directory, origin: source, on: &collection)
        case .replacements(let entries):
            try applyReplacements(entries, directory: directory, origin: source, on: &collection)
        case .hash:
            Self.appendHashSuffixes(&collection)
        case .configMapGenerator, .secretGenerator, .iamPolicyGenerator:
            throw RenderError(.invalidKustomization, file: source, "a generator cannot run as a transformer")
        }
    }

    func generate(_ loaded: LoadedPlugin, load: (String) throws(RenderError) -> [UInt8],
                  into collection: inout ResourceCollection) throws(RenderError) {
        let source = loaded.source
        var generated: KustomizeResource
        switch loaded.plugin {
        case .configMapGenerator(let args):
            generated = try Generators.generate(args, kind: .configMap, globalOptions: nil, origin: source, load: load)
        case .secretGenerator(let args):
            generated = try Generators.generate(args, kind: .secret, globalOptions: nil, origin: source, load: load)
        case .iamPolicyGenerator(let policy):
            generated = KustomizeResource(object: policy.serviceAccount, source: source)
        default:
            throw RenderError(.invalidKustomization, file: source, "a transformer cannot run as a generator")
        }
        if recordsOrigins { generated.origin = loaded.origin }
        try collection.absorb(generated)
    }
}
