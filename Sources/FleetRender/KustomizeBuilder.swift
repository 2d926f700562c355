import FleetModel
import FleetYAML

/// Settings of a render.
public struct RenderOptions: Sendable {
    /// Files larger than this are refused.
    public var maxFileBytes: Int
    /// Fetches remote bases and files (`github.com/org/repo//path?ref=v1`); without one, a
    /// remote reference is an error saying so.
    public var remote: (any RemoteResolver)?

    public init(maxFileBytes: Int = 8 << 20, remote: (any RemoteResolver)? = nil) {
        self.maxFileBytes = maxFileBytes
        self.remote = remote
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
    private var parsed: [String: [YAMLDocument]] = [:]
    private var inputs = Set<String>()
    private var warnings: [String] = []
    var remoteReferences = Set<String>()
    /// The kustomizations being accumulated, outermost first (for cycles and depth).
    private var chain: [String] = []
    private var chainMembers = Set<String>()
    /// With `buildMetadata`: where objects came from and what changed them is recorded, and the
    /// kustomization being accumulated, relative to the top one (Go's path.Join of the paths
    /// as written, as kustomize records origins).
    private(set) var recordsOrigins = false
    private(set) var originDirectory = ""
    /// The first `openapi:` field met (the top kustomization's, else the first base's or
    /// component's, in build order) chooses the schema for the rest of the build, as kubectl's
    /// global schema is set once; a custom file's schema replaces the built-in one entirely.
    private var schemaChosen = false
    private var customSchema: OpenAPIPatchSchemas?

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
        if recordsOrigins && !written.isEmpty { originDirectory = BuildOrigin.join(outerOrigin, written) }
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
                    if recordsOrigins { resource.origin = .file(BuildOrigin.join(originDirectory, path)) }
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

    private func chooseSchema(_ kustomization: Kustomization, directory: String) throws(RenderError) {
        guard !schemaChosen, let field = kustomization.openapi else { return }
        schemaChosen = true
        switch field {
        case .version:
            customSchema = nil
        case .path(let path):
            let bytes = try readFileInside(path, directory: directory, origin: kustomization.displayPath, line: kustomization.document.line(of: JSONPointer(tokens: ["openapi"])))
            let display = tree.displayPath(try resolve(path, from: directory, origin: kustomization.displayPath, line: nil))
            do {
                let document = try YAML.parse(bytes, source: display, options: YAMLParseOptions(maxBytes: options.maxFileBytes))
                customSchema = OpenAPIPatchSchemas(document: document, extendsBuiltin: kustomization.isComponent)
            } catch {
                throw RenderError(.yaml, file: display, line: error.line, "openapi schema: \(error.message)")
            }
        }
    }

    /// The kustomization file as build metadata names it: relative to the top kustomization.
    func configuredIn(_ kustomization: Kustomization) -> String {
        BuildOrigin.join(originDirectory, TreePath.basename(of: kustomization.path))
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
                let documents: [YAMLDocument]
                do {
                    documents = try YAML.parseStream(bytes, source: display, options: YAMLParseOptions(maxBytes: options.maxFileBytes, recordLines: true))
                } catch {
                    throw RenderError(.yaml, file: display, line: error.line, error.message)
                }
                for document in documents where !document.value.isNull {
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

    /// The defaults merged with a kustomization's `configurations:` (kustomize's
    /// `MakeTransformerConfig`): the files, merged together before they are merged into the
    /// defaults. Files must lie in or below the kustomization's directory, as every file
    /// kustomize's loader reads. (Inline configurations came after kubectl v1.32's kustomize.)
    private func transformerConfig(of kustomization: Kustomization, directory: String) throws(RenderError) -> TransformerConfig {
        guard !kustomization.configurations.isEmpty else { return .default }
        let origin = kustomization.displayPath
        func merge(_ a: TransformerConfig, _ b: TransformerConfig, file: String, line: Int?) throws(RenderError) -> TransformerConfig {
            do { return try a.merging(b) } catch { throw RenderError(.invalidKustomization, file: file, line: line, error.message) }
        }
        var files = TransformerConfig.empty
        for (entry, line) in kustomization.configurations {
            let bytes = try readFileInside(entry, directory: directory, origin: origin, line: line)
            let display = tree.displayPath(try resolve(entry, from: directory, origin: origin, line: line))
            files = try merge(files, try parseTransformerConfig(bytes, path: entry, display: display), file: display, line: nil)
        }
        return try merge(.default, files, file: origin, line: nil)
    }

    /// The field specs of a kustomization's `crds:` files (kustomize's LoadConfigFromCRDs).
    private func crdConfig(of kustomization: Kustomization, directory: String) throws(RenderError) -> TransformerConfig {
        let origin = kustomization.displayPath
        var config = TransformerConfig.empty
        for (path, line) in kustomization.crds {
            let bytes = try readFileInside(path, directory: directory, origin: origin, line: line)
            let display = tree.displayPath(try resolve(path, from: directory, origin: origin, line: line))
            let document: Value
            do {
                document = try YAML.parse(bytes, source: display, options: YAMLParseOptions(maxBytes: options.maxFileBytes))
            } catch {
                throw RenderError(.yaml, file: display, line: error.line, "crds: \(error.message)")
            }
            do {
                config = try config.merging(try CRDFieldSpecs.config(from: document))
            } catch {
                throw RenderError(.invalidKustomization, file: display, error.message)
            }
        }
        return config
    }

    /// One configuration: its first YAML document (as sigs.k8s.io/yaml reads it), sorted.
    private func parseTransformerConfig(_ bytes: [UInt8], path: String, display: String) throws(RenderError) -> TransformerConfig {
        let documents: [YAMLDocument]
        do {
            documents = try YAML.parseStream(bytes, source: display, options: YAMLParseOptions(maxBytes: options.maxFileBytes, yaml11Booleans: true,
                                                                                                recordLines: true, duplicateKeysLastWins: true))
        } catch {
            throw RenderError(.yaml, file: display, line: error.line, error.message)
        }
        guard let document = documents.first else { return .empty }
        var config = try KustomizationDecoder.decodeTransformerConfig(document, path: path, displayPath: display)
        config.sort()
        return config
    }

    func loadPatch(_ entry: PatchEntry, directory: String, origin: String) throws(RenderError) -> PatchApplier.Parsed {
        switch entry.source {
        case .inline(let text):
            return try PatchApplier.parse(text, origin: origin, line: entry.line)
        case .file(let path):
            let bytes = try readFileInside(path, directory: directory, origin: origin, line: entry.line)
            let display = tree.displayPath(try resolve(path, from: directory, origin: origin, line: entry.line))
            return try PatchApplier.parse(String(decoding: bytes, as: UTF8.self), origin: display, line: 0)
        }
    }

    // MARK: Loading

    func loadKustomization(in directory: String) throws(RenderError) -> Kustomization {
        var found: [String] = []
        for name in KustomizationDecoder.fileNames {
            let path = TreePath.join(directory, name)
            if try kind(path) != nil { found.append(path) }
        }
        guard let path = found.first else {
            throw RenderError(.notFound, file: tree.displayPath(directory),
                              "unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '\(tree.displayPath(directory))'")
        }
        if found.count > 1 {
            throw RenderError(.invalidKustomization, file: tree.displayPath(directory), "Found multiple kustomization files under: \(tree.displayPath(directory))")
        }
        let real = try realPath(path, naming: path)
        let display = tree.displayPath(path)
        let bytes = try read(real, display: display)
        let documents: [YAMLDocument]
        do {
            documents = try YAML.parseStream(bytes, source: display,
                                             options: YAMLParseOptions(maxBytes: options.maxFileBytes, yaml11Booleans: true, recordLines: true,
                                                                          duplicateKeysLastWins: true))
        } catch {
            throw RenderError(.yaml, file: display, line: error.line, error.message)
        }
        let content = documents.filter { !$0.value.isNull }
        guard content.count <= 1 else {
            throw RenderError(.invalidKustomization, file: display, line: content[1].line, "a kustomization file must hold one YAML document")
        }
        let document = content.first ?? YAMLDocument(value: .null, line: 1)
        let kustomization = try KustomizationDecoder.decode(document, path: path, displayPath: display)
        for warning in kustomization.warnings where !warnings.contains(warning) { warnings.append(warning) }
        return kustomization
    }

    /// The objects of a resource file: every non-empty document, `*List` kinds expanded.
    func loadResources(_ path: String) throws(RenderError) -> [KustomizeResource] {
        let display = tree.displayPath(path)
        let documents: [YAMLDocument]
        if let cached = parsed[treeKey + "\u{0}" + path] {
            documents = cached
        } else {
            let bytes = try read(path, display: display)
            do {
                documents = try YAML.parseStream(bytes, source: display,
                                                 options: YAMLParseOptions(maxBytes: options.maxFileBytes, timestampsAsRFC3339: true, annotationsAsText: true))
            } catch {
                throw RenderError(error.kind == .limitExceeded ? .tooLarge : .yaml, file: display, line: error.line, error.message)
            }
            parsed[treeKey + "\u{0}" + path] = documents
        }
        return try ManifestObjects.objects(in: documents, display: display, requireName: true)
            .map { KustomizeResource(object: $0, source: display) }
    }

    // MARK: Paths

    func kind(_ path: String) throws(RenderError) -> FileTreeEntryKind? { try reader.kind(path) }

    func read(_ path: String, display: String) throws(RenderError) -> [UInt8] {
        let bytes = try reader.read(path, display: display)
        inputs.insert(path)
        return bytes
    }

    func resolve(_ path: String, from directory: String, origin: String, line: Int?) throws(RenderError) -> String {
        try reader.resolve(path, from: directory, origin: origin, line: line)
    }

    func realPath(_ path: String, naming: String, origin: String? = nil, line: Int? = nil) throws(RenderError) -> String {
        try reader.realPath(path, naming: naming, origin: origin, line: line)
    }

    /// Kustomize's root-only restriction: files a kustomization reads must be in or below its
    /// directory.
    func requireInside(_ resolved: String, directory: String, naming: String, origin: String, line: Int?) throws(RenderError) {
        if directory.isEmpty || resolved == directory || resolved.hasPrefix(directory + "/") { return }
        throw RenderError(.outsideRoot, file: origin, line: line,
                          "security; file '\(tree.displayPath(resolved))' is not in or below '\(tree.displayPath(directory))' (\"\(naming)\"); use a kustomization in that directory as a base instead")
    }

    func readFileInside(_ path: String, directory: String, origin: String, line: Int?) throws(RenderError) -> [UInt8] {
        let resolved = try resolve(path, from: directory, origin: origin, line: line)
        try requireInside(resolved, directory: directory, naming: path, origin: origin, line: line)
        guard try kind(resolved) == .file else {
            throw RenderError(.notFound, file: origin, line: line, "file \"\(path)\" not found (\(tree.displayPath(resolved)))")
        }
        return try read(resolved, display: tree.displayPath(resolved))
    }

    /// Whether a directory of another tree (a remote base) is being accumulated already.
    func chainMembers(containsTree key: String, path: String) -> Bool {
        chainMembers.contains(key + "\u{0}" + (TreePath.normalize(path) ?? path))
    }

    func checkCycle(_ candidate: String, origin: String, line: Int) throws(RenderError) {
        let current = chain.last ?? ""
        let isAncestor = candidate.isEmpty || current == candidate || current.hasPrefix(candidate + "/")
        if chainMembers.contains(treeKey + "\u{0}" + candidate) || isAncestor {
            let cycle = (chain + [candidate]).map { tree.displayPath($0) }.joined(separator: " -> ")
            throw RenderError(.cycle, file: origin, line: line, "cycle detected: \(cycle)")
        }
    }

}
