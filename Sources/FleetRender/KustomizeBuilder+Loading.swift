import FleetModel
import FleetYAML

/// Reading the tree: kustomization files, resource files, patches, and paths kept inside the
/// tree and each kustomization's root.
extension KustomizeBuilder {
    /// How kustomization-like files are read (kustomizations, configurations), as kustomize's
    /// go-yaml v2 reads them: YAML 1.1 booleans, a repeated key's last value wins.
    var kustomizationYAML: YAMLParseOptions {
        YAMLParseOptions(maxBytes: options.maxFileBytes, yaml11Booleans: true, recordLines: true, duplicateKeysLastWins: true)
    }

    /// How resource files are read, as kubectl reads them.
    var resourceYAML: YAMLParseOptions {
        YAMLParseOptions(maxBytes: options.maxFileBytes, timestampsAsRFC3339: true, annotationsAsText: true)
    }

    /// The documents of a file the build reads; an error names the file and line.
    func parseYAML(_ bytes: [UInt8], display: String, _ parseOptions: YAMLParseOptions) throws(RenderError) -> [YAMLDocument] {
        do {
            return try YAML.parseStream(bytes, source: display, options: parseOptions)
        } catch {
            throw RenderError(error.kind == .limitExceeded ? .tooLarge : .yaml, file: display, line: error.line, error.message)
        }
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
        documents = try parseYAML(bytes, display: display, kustomizationYAML)
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
            documents = try parseYAML(bytes, display: display, resourceYAML)
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
