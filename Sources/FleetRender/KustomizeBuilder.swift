import FleetModel
import FleetYAML

/// Settings of a render.
public struct RenderOptions: Sendable {
    /// Files larger than this are refused.
    public var maxFileBytes: Int
    /// Fetches remote bases and files (`github.com/org/repo//path?ref=v1`); without one, a
    /// remote reference is an error saying so.
    public var remote: (any RemoteResolver)?
    /// Renders `helmCharts` (kustomize's `--enable-helm`); without one they are refused as
    /// kubectl refuses them without the flag.
    public var helm: (any HelmInflater)?

    public init(maxFileBytes: Int = 8 << 20, remote: (any RemoteResolver)? = nil, helm: (any HelmInflater)? = nil) {
        self.maxFileBytes = maxFileBytes
        self.remote = remote
        self.helm = helm
    }
}

/// What a render produced.
public struct RenderResult: Sendable {
    /// The objects, in output order.
    public var objects: [Value]
    /// Deprecation notices kustomize would print (on stderr) for the same input.
    public var warnings: [String]
    /// Every file read, as tree paths: what the output depends on (for incremental re-renders).
    public var inputs: Set<String>
    /// The remote bases and files it read (`repo//path?ref=`): outside the tree, so a change
    /// there shows in no diff of it; callers that cache renders must render these again.
    public var remoteReferences: Set<String> = []
}

/// Renders a kustomization directory of a `FileTree` with the semantics of `kustomize build`
/// (Kustomize v5, as `kubectl kustomize` runs it).
///
/// The pipeline per kustomization: its resources (files, and directories built recursively as
/// their own kustomizations), its generators, its components (which see and transform
/// everything accumulated so far), then its transformers in kustomize's order. At the top
/// level only: content-hash suffixes, name-reference fixing, dropping `local-config`
/// objects, sorting. See docs/rendering.md for what is supported.
///
/// Paths never leave the tree (a Git commit, or a directory), files named by a kustomization
/// must lie inside its directory (kustomize's root-only load restriction), symlinks are
/// resolved inside the tree, remote bases are refused, and cycles are reported.
public final class KustomizeBuilder {
    /// The tree being read: the one given, or a remote base's while it is accumulated.
    public internal(set) var tree: FileTree
    public let options: RenderOptions
    var reader: TreeReader
    /// Which tree paths belong to ("" for the given tree, the repository and ref for a remote
    /// base's), so caches and cycle checks never mix two trees' paths.
    var treeKey = ""
    var parsed: [String: [YAMLDocument]] = [:]
    var inputs = Set<String>()
    var warnings: [String] = []
    var remoteReferences = Set<String>()
    /// The kustomizations being accumulated, outermost first (for cycles and depth).
    var chain: [String] = []
    var chainMembers = Set<String>()
    /// With `buildMetadata`: where objects came from and what changed them is recorded, and the
    /// kustomization being accumulated, relative to the top one (Go's path.Join of the paths
    /// as written, as kustomize records origins).
    var recordsOrigins = false
    var originDirectory = ""
    /// The first `openapi:` field met (the top kustomization's, else the first base's or
    /// component's, in build order) chooses the schema for the rest of the build, as kubectl's
    /// global schema is set once; a custom file's schema replaces the built-in one entirely.
    var schemaChosen = false
    var customSchema: OpenAPIPatchSchemas?

    /// How deep bases and components may nest. kubectl builds chains of thousands of levels,
    /// so the limit is high; the builder runs on a large stack (`LargeStack`) to honour it.
    public static let maxDepth = 10_000

    public init(tree: FileTree, options: RenderOptions = RenderOptions()) {
        self.tree = tree
        self.options = options
        self.reader = TreeReader(tree: tree, maxFileBytes: options.maxFileBytes)
    }

    /// Renders the kustomization in `directory` (a tree path).
    public func build(_ directory: String) throws(RenderError) -> RenderResult {
        inputs.removeAll()
        warnings.removeAll()
        remoteReferences.removeAll()
        guard let normalized = TreePath.normalize(directory) else {
            throw RenderError(.outsideRoot, file: directory, "the directory is outside the repository")
        }
        let root = try realPath(normalized, naming: directory)
        guard try kind(root) == .directory else {
            throw RenderError(.notFound, file: tree.displayPath(root), "not a directory")
        }
        let kustomization = try loadKustomization(in: root)
        var collection = ResourceCollection()
        chain = []
        chainMembers = []
        let buildMetadata = BuildMetadataOptions(kustomization.buildMetadata)
        recordsOrigins = !kustomization.buildMetadata.isEmpty
        originDirectory = ""
        schemaChosen = false
        customSchema = nil
        try descend(into: root, written: "", origin: tree.displayPath(root), line: nil) { () throws(RenderError) in
            try accumulate(kustomization, directory: root, into: &collection)
        }

        Self.appendHashSuffixes(&collection)
        try NameReferenceFixer.fix(&collection.resources, config: collection.config)
        try VarResolver.resolve(&collection)
        collection.resources.removeAll { $0.annotations["config.kubernetes.io/local-config"] == "true" }
        buildMetadata.apply(to: &collection.resources)
        for index in collection.resources.indices { collection.resources[index].normalizeAnnotations() }

        let ordered: [KustomizeResource]
        switch kustomization.sortOrder ?? .legacy(orderFirst: LegacySorter.defaultOrderFirst, orderLast: LegacySorter.defaultOrderLast) {
        case .fifo: ordered = collection.resources
        case .legacy(let first, let last): ordered = LegacySorter.sort(collection.resources, orderFirst: first, orderLast: last)
        }
        return RenderResult(objects: ordered.map(\.object), warnings: warnings, inputs: inputs, remoteReferences: remoteReferences)
    }

    // MARK: Accumulation

    /// Runs `body` with `directory` on the chain of kustomizations being built.
    func descend(into directory: String, written: String, origin: String, line: Int?,
                 _ body: () throws(RenderError) -> Void) throws(RenderError) {
        guard chain.count < Self.maxDepth else {
            throw RenderError(.invalidKustomization, file: origin, line: line,
                              "bases and components nest more than \(Self.maxDepth) levels deep (at \(tree.displayPath(directory)))")
        }
        if WorkDeadline.isPast {
            throw RenderError(.timeLimit, file: origin, line: line, "rendering stopped: \(WorkDeadline.current?.reason ?? "its time limit was reached")")
        }
        let member = treeKey + "\u{0}" + directory
        chain.append(directory)
        chainMembers.insert(member)
        let outerOrigin = originDirectory
        if recordsOrigins && !written.isEmpty { originDirectory = GoPath.join(outerOrigin, written) }
        defer {
            chain.removeLast()
            chainMembers.remove(member)
            originDirectory = outerOrigin
        }
        try body()
    }

    func accumulate(_ kustomization: Kustomization, directory: String, into collection: inout ResourceCollection) throws(RenderError) {
        let origin = kustomization.displayPath
        try chooseSchema(kustomization, directory: directory)
        for (path, line) in kustomization.resources {
            if let remote = RemoteReference(path) {
                try accumulateRemote(remote, written: path, asComponent: false, origin: origin, line: line, into: &collection)
                continue
            }
            let resolved = try resolve(path, from: directory, origin: origin, line: line)
            switch try kind(resolved) {
            case .file?:
                try requireInside(resolved, directory: directory, naming: path, origin: origin, line: line)
                for var resource in try loadResources(resolved) {
                    if recordsOrigins { resource.origin = .file(GoPath.join(originDirectory, path)) }
                    try collection.append(resource)
                }
            case .directory?:
                try checkCycle(resolved, origin: origin, line: line)
                let base = try loadKustomization(in: resolved)
                if base.isComponent {
                    throw RenderError(.invalidKustomization, file: origin, line: line,
                                      "expected kind != 'Component' for path '\(tree.displayPath(resolved))': list it under components, not resources")
                }
                var sub = ResourceCollection()
                try descend(into: resolved, written: path, origin: origin, line: line) { () throws(RenderError) in
                    try accumulate(base, directory: resolved, into: &sub)
                }
                try collection.append(contentsOf: sub, origin: origin)
            default:
                throw RenderError(.notFound, file: origin, line: line, "resource \"\(path)\" not found: no file or directory \(tree.displayPath(resolved))")
            }
        }

        try collection.mergeConfig(try transformerConfig(of: kustomization, directory: directory), origin: origin)
        if !kustomization.crds.isEmpty {
            try collection.mergeConfig(try crdConfig(of: kustomization, directory: directory), origin: origin)
        }

        let load: (String) throws(RenderError) -> [UInt8] = { relative throws(RenderError) in
            try self.readFileInside(relative, directory: directory, origin: origin, line: nil)
        }
        for args in kustomization.configMapGenerator {
            var generated = try Generators.generate(args, kind: .configMap, globalOptions: kustomization.generatorOptions, origin: origin, load: load)
            if recordsOrigins { generated.origin = .builtin("ConfigMapGenerator", configuredIn: configuredIn(kustomization)) }
            try collection.absorb(generated)
        }
        for args in kustomization.secretGenerator {
            var generated = try Generators.generate(args, kind: .secret, globalOptions: kustomization.generatorOptions, origin: origin, load: load)
            if recordsOrigins { generated.origin = .builtin("SecretGenerator", configuredIn: configuredIn(kustomization)) }
            try collection.absorb(generated)
        }
        try inflateHelmCharts(kustomization, directory: directory, origin: origin, into: &collection)
        for plugin in try loadPlugins(kustomization.generators, field: "generators", kustomization: kustomization, directory: directory) {
            try generate(plugin, load: load, into: &collection)
        }

        for (path, line) in kustomization.components {
            if let remote = RemoteReference(path) {
                try accumulateRemote(remote, written: path, asComponent: true, origin: origin, line: line, into: &collection)
                continue
            }
            let resolved = try resolve(path, from: directory, origin: origin, line: line)
            guard try kind(resolved) == .directory else {
                throw RenderError(.notFound, file: origin, line: line, "component \"\(path)\" must be a directory with a kustomization")
            }
            try checkCycle(resolved, origin: origin, line: line)
            let component = try loadKustomization(in: resolved)
            guard component.isComponent else {
                throw RenderError(.invalidKustomization, file: origin, line: line,
                                  "expected kind 'Component' for path '\(tree.displayPath(resolved))' but got 'Kustomization'")
            }
            try descend(into: resolved, written: path, origin: origin, line: line) { () throws(RenderError) in
                try accumulate(component, directory: resolved, into: &collection)
            }
        }

        try runTransformers(kustomization, directory: directory, on: &collection)
        try VarResolver.merge(kustomization.vars, into: &collection, origin: origin)
    }

    private func runTransformers(_ k: Kustomization, directory: String, on collection: inout ResourceCollection) throws(RenderError) {
        let origin = k.displayPath
        // Each step kubectl would configure a built-in transformer for is recorded, with
        // `buildMetadata`, on every object it ran over (changed or not, as kustomize does).
        let configuredIn = recordsOrigins ? configuredIn(k) : ""
        func ran(_ kind: String) {
            guard recordsOrigins else { return }
            collection.recordTransformation(.builtin(kind, configuredIn: configuredIn))
        }
        if !k.patchesStrategicMerge.isEmpty {
            try applyStrategicMergePatches(k.patchesStrategicMerge, directory: directory, origin: origin, on: &collection)
            ran("PatchStrategicMergeTransformer")
        }
        for entry in k.patches {
            try applyPatches([entry], directory: directory, origin: origin, on: &collection)
            ran("PatchTransformer")
        }
        let config = collection.config
        if !k.namespace.isEmpty {
            try Transformers.setNamespace(k.namespace, specs: config.namespace, in: &collection, origin: origin)
            ran("NamespaceTransformer")
        }
        // kubectl v1.32's kustomize runs a PrefixTransformer and a SuffixTransformer, each with
        // its own configured field specs.
        if !k.namePrefix.isEmpty {
            Transformers.addPrefixSuffix(prefix: k.namePrefix, suffix: "", specs: config.namePrefix, in: &collection)
            ran("PrefixTransformer")
        }
        if !k.nameSuffix.isEmpty {
            Transformers.addPrefixSuffix(prefix: "", suffix: k.nameSuffix, specs: config.nameSuffix, in: &collection)
            ran("SuffixTransformer")
        }
        for entry in k.labels {
            try Transformers.applyLabels(entry, config: config, in: &collection, origin: origin)
            ran("LabelTransformer")
        }
        // kubectl configures the commonLabels LabelTransformer whenever there are labels at all.
        if !k.commonLabels.isEmpty || !k.labels.isEmpty {
            Transformers.setEntries(k.commonLabels, specs: config.commonLabels, in: &collection)
            ran("LabelTransformer")
        }
        if !k.commonAnnotations.isEmpty {
            Transformers.setEntries(k.commonAnnotations, specs: config.commonAnnotations, in: &collection)
            ran("AnnotationsTransformer")
        }
        for entry in k.patchesJson6902 {
            try applyJSON6902Patches([entry], directory: directory, origin: origin, on: &collection)
            ran("PatchJson6902Transformer")
        }
        for (override, line) in k.replicas {
            try Transformers.setReplicas(override, specs: config.replicas, line: line, in: &collection, origin: origin)
            ran("ReplicaCountTransformer")
        }
        for image in k.images {
            Transformers.setImage(image, specs: config.images, in: &collection)
            ran("ImageTagTransformer")
        }
        if !k.replacements.isEmpty {
            try applyReplacements(k.replacements, directory: directory, origin: origin, on: &collection)
            ran("ReplacementTransformer")
        }
        for plugin in try loadPlugins(k.transformers, field: "transformers", kustomization: k, directory: directory) {
            try run(plugin, directory: directory, on: &collection)
            if recordsOrigins { collection.recordTransformation(plugin.origin) }
        }
    }

    /// The kustomization file as build metadata names it: relative to the top kustomization.
    func configuredIn(_ kustomization: Kustomization) -> String {
        GoPath.join(originDirectory, TreePath.basename(of: kustomization.path))
    }

    func applyStrategicMergePatches(_ entries: [PatchEntry], directory: String, origin: String,
                                    on collection: inout ResourceCollection) throws(RenderError) {
        for entry in entries {
            let parsed = try loadPatch(entry, directory: directory, origin: origin)
            guard case .strategic = parsed else {
                throw RenderError(.patch, file: origin, line: entry.line, "patchesStrategicMerge entries must be strategic merge patches; use patches for a JSON patch")
            }
            try PatchApplier.apply(entry, parsed: parsed, to: &collection, origin: origin, schemas: customSchema)
        }
    }

    func applyPatches(_ entries: [PatchEntry], directory: String, origin: String, on collection: inout ResourceCollection) throws(RenderError) {
        for entry in entries {
            try PatchApplier.apply(entry, parsed: try loadPatch(entry, directory: directory, origin: origin), to: &collection, origin: origin,
                                   schemas: customSchema)
        }
    }

    func applyJSON6902Patches(_ entries: [PatchEntry], directory: String, origin: String, on collection: inout ResourceCollection) throws(RenderError) {
        for entry in entries {
            let parsed = try loadPatch(entry, directory: directory, origin: origin)
            guard case .json6902(let operations) = parsed, let target = entry.target else {
                throw RenderError(.patch, file: origin, line: entry.line, "patchesJson6902 entries must be JSON patches (a list of operations)")
            }
            for index in try collection.select(target, origin: origin) {
                try PatchApplier.applyJSON(operations, at: index, in: &collection, origin: origin, line: entry.line)
            }
        }
    }

    func applyReplacements(_ entries: [ReplacementEntry], directory: String, origin: String, on collection: inout ResourceCollection) throws(RenderError) {
        for entry in entries {
            switch entry {
            case .inline(let replacement):
                try ReplacementTransformer.apply(replacement, to: &collection, origin: origin)
            case .file(let path, let line):
                let bytes = try readFileInside(path, directory: directory, origin: origin, line: line)
                let display = tree.displayPath(try resolve(path, from: directory, origin: origin, line: line))
                for document in try parseYAML(bytes, display: display, YAMLParseOptions(maxBytes: options.maxFileBytes, recordLines: true)) where !document.value.isNull {
                    for replacement in try KustomizationDecoder.decodeReplacementFile(document, path: path, displayPath: display) {
                        try ReplacementTransformer.apply(replacement, to: &collection, origin: display)
                    }
                }
            }
        }
    }

    /// Kustomize's HashTransformer, run at the end of every build (and wherever a
    /// `transformers:` entry asks for it): generated objects get their content-hash suffix.
    static func appendHashSuffixes(_ collection: inout ResourceCollection) {
        for index in collection.resources.indices where collection.resources[index].needsHashSuffix {
            let hash = KustomizeHasher.hash(collection.resources[index].object)
            collection.resources[index].storePreviousID()
            collection.resources[index].name += "-" + hash
        }
    }

}
