import FleetAppSet
import FleetModel
import FleetRender
import FleetYAML
import OrderedCollections

/// A file tree with some files replaced, so an Application's `kustomize` options can be
/// applied to its kustomization without touching the repository (Argo CD runs
/// `kustomize edit` in a scratch checkout to the same effect).
struct OverlayFileTree: FileTree {
    let base: FileTree
    let overrides: [String: [UInt8]]

    var displayName: String { base.displayName }
    func displayPath(_ path: String) -> String { base.displayPath(path) }
    func kind(of path: String) throws -> FileTreeEntryKind? {
        overrides[path] != nil ? .file : try base.kind(of: path)
    }
    func readFile(_ path: String) throws -> [UInt8] {
        if let bytes = overrides[path] { return bytes }
        return try base.readFile(path)
    }
    func listDirectory(_ path: String) throws -> [String] { try base.listDirectory(path) }
}

/// What rendering one Application source produced.
struct RenderedSource: Sendable {
    var objects: [Value]
    /// The tree paths read (for incremental re-renders).
    var inputs: Set<String>
    /// The directory rendered; any change below it re-renders.
    var root: String
    /// Read remote bases: rendered again each round (their refs may move).
    var usesRemote = false
}

/// Renders one `spec.source` of an Application: a kustomization (with the Application's
/// `kustomize` options applied as `kustomize edit` would), a Helm chart, or a plain directory
/// of manifests.
enum SourceRenderer {
    static let kustomizationNames = ["kustomization.yaml", "kustomization.yml", "Kustomization"]

    /// Why a source cannot be rendered at all, before its repository is even read (a Helm
    /// chart repository is not a Git repository).
    static func unsupportedReason(_ source: Value) -> String? {
        if let repoURL = source["repoURL"]?.stringValue, source["chart"] != nil, repoURL.hasPrefix("oci://") || !repoURL.contains("://") {
            return "Helm charts from OCI registries are not supported yet (\(repoURL)): use an HTTP chart repository or vendor the chart into Git (see docs/helm.md)"
        }
        if source["plugin"] != nil { return "config management plugins are not supported" }
        return nil
    }

    /// Whether `source` renders as a Helm chart: its path holds `Chart.yaml` and no
    /// kustomization, or it asks for Helm (Argo CD's discovery).
    static func isHelm(_ source: Value, tree: FileTree) -> Bool {
        let path = TreePath.normalize(source["path"]?.stringValue ?? "") ?? ""
        guard HelmSource.isChart(tree, path: path) else { return false }
        if source["helm"] != nil && source["kustomize"] == nil { return true }
        return !kustomizationNames.contains { (try? tree.kind(of: TreePath.join(path, $0))) == .file }
    }

    static func render(_ source: Value, tree: FileTree, remote: (any RemoteResolver)? = nil, kustomizeHelm: (any HelmInflater)? = nil) throws(RenderError) -> RenderedSource {
        let path = TreePath.normalize(source["path"]?.stringValue ?? "") ?? ""
        if let reason = unsupportedReason(source) {
            throw RenderError(.unsupported, file: path.isEmpty ? nil : path, reason)
        }
        var kustomizationFile: String?
        for name in kustomizationNames {
            let candidate = TreePath.join(path, name)
            if (try? tree.kind(of: candidate)) == .file { kustomizationFile = candidate; break }
        }
        // Argo CD's discovery: a kustomization wins over Chart.yaml unless the source asks for Helm.
        let asksForHelm = source["helm"] != nil && source["kustomize"] == nil
        if HelmSource.isChart(tree, path: path), kustomizationFile == nil || asksForHelm {
            return try HelmSource.render(source, tree: tree, chartPath: path)
        }
        if asksForHelm {
            throw RenderError(.helm, file: path.isEmpty ? "." : path, "spec.source.helm is set but the directory has no Chart.yaml")
        }
        if let kustomizationFile {
            var renderTree = tree
            if case .object(let options)? = source["kustomize"], !options.isEmpty {
                let original: [UInt8]
                do { original = try tree.readFile(kustomizationFile) } catch {
                    throw RenderError(.notFound, file: tree.displayPath(kustomizationFile), "\(error)")
                }
                let edited = try applyKustomizeOptions(options, to: original, file: tree.displayPath(kustomizationFile))
                renderTree = OverlayFileTree(base: tree, overrides: [kustomizationFile: Array(edited.utf8)])
            }
            let result = try KustomizeBuilder(tree: renderTree, options: RenderOptions(remote: remote, helm: kustomizeHelm)).build(path)
            return RenderedSource(objects: result.objects, inputs: result.inputs, root: path, usesRemote: !result.remoteReferences.isEmpty)
        }
        if case .object(let options)? = source["kustomize"], !options.isEmpty {
            throw RenderError(.invalidKustomization, file: path.isEmpty ? "." : path, "spec.source.kustomize is set but the directory has no kustomization.yaml")
        }
        let directory = source["directory"]
        let options = DirectoryOptions(
            recurse: directory?["recurse"]?.boolValue ?? false,
            include: directory?["include"]?.stringValue,
            exclude: directory?["exclude"]?.stringValue
        )
        let result = try DirectoryRenderer.render(tree, directory: path, options: options)
        return RenderedSource(objects: result.objects, inputs: result.inputs, root: path)
    }

    /// The kustomization with an Application's `spec.source.kustomize` options merged in, as
    /// `kustomize edit set namePrefix|nameSuffix|namespace|image|replicas`, `add label|annotation`
    /// and appended patches and components leave it.
    static func applyKustomizeOptions(_ options: ValueObject, to original: [UInt8], file: String) throws(RenderError) -> String {
        var kustomization: ValueObject
        do {
            let parsed = try YAML.parse(original, source: file, options: YAMLParseOptions(yaml11Booleans: true))
            kustomization = parsed.objectValue ?? [:]
        } catch {
            throw RenderError(.yaml, file: file, "\(error)")
        }
        for key in ["namePrefix", "nameSuffix", "namespace"] {
            if let value = options[key]?.stringValue, !value.isEmpty { kustomization[key] = .string(value) }
        }
        if case .array(let images)? = options["images"] {
            var entries = kustomization["images"]?.arrayValue ?? []
            for image in images {
                guard let text = image.stringValue else {
                    throw RenderError(.invalidKustomization, file: file, "spec.source.kustomize.images entries must be strings like name=new:tag")
                }
                let entry = try imageEntry(text, file: file)
                if let index = entries.firstIndex(where: { $0["name"] == entry["name"] }) { entries[index] = entry } else { entries.append(entry) }
            }
            kustomization["images"] = .array(entries)
        }
        if case .object(let labels)? = options["commonLabels"], !labels.isEmpty {
            if options["labelWithoutSelector"]?.boolValue == true {
                var pairs = ValueObject()
                for (key, value) in labels { pairs[key] = .string(value.scalarText ?? "") }
                var entry: ValueObject = ["pairs": .object(pairs)]
                if options["labelIncludeTemplates"]?.boolValue == true { entry["includeTemplates"] = true }
                kustomization["labels"] = .array((kustomization["labels"]?.arrayValue ?? []) + [.object(entry)])
            } else {
                var merged = kustomization["commonLabels"]?.objectValue ?? [:]
                for (key, value) in labels { merged[key] = .string(value.scalarText ?? "") }
                kustomization["commonLabels"] = .object(merged)
            }
        }
        if case .object(let annotations)? = options["commonAnnotations"], !annotations.isEmpty {
            var merged = kustomization["commonAnnotations"]?.objectValue ?? [:]
            for (key, value) in annotations { merged[key] = .string(value.scalarText ?? "") }
            kustomization["commonAnnotations"] = .object(merged)
        }
        if case .array(let replicas)? = options["replicas"] {
            var entries = kustomization["replicas"]?.arrayValue ?? []
            for replica in replicas {
                guard let name = replica["name"]?.stringValue, let count = replica["count"] else {
                    throw RenderError(.invalidKustomization, file: file, "spec.source.kustomize.replicas entries need name and count")
                }
                let number: Value
                if let n = count.intValue { number = .int(n) } else if let s = count.stringValue, let n = Int(s) { number = .int(n) } else {
                    throw RenderError(.invalidKustomization, file: file, "spec.source.kustomize.replicas \(name): count must be a number")
                }
                let entry: Value = ["name": .string(name), "count": number]
                if let index = entries.firstIndex(where: { $0["name"]?.stringValue == name }) { entries[index] = entry } else { entries.append(entry) }
            }
            kustomization["replicas"] = .array(entries)
        }
        if case .array(let patches)? = options["patches"], !patches.isEmpty {
            kustomization["patches"] = .array((kustomization["patches"]?.arrayValue ?? []) + patches)
        }
        if case .array(let components)? = options["components"], !components.isEmpty {
            kustomization["components"] = .array((kustomization["components"]?.arrayValue ?? []) + components)
        }
        return YAML.emit(.object(kustomization))
    }

    /// `kustomize edit set image` syntax: `name`, `name:tag`, `name@digest`, `name=new`,
    /// `name=new:tag`, `name=new@digest`, or `name:tag` where name may hold a registry port.
    static func imageEntry(_ text: String, file: String) throws(RenderError) -> Value {
        var name = text
        var target = text
        if let equals = text.firstIndex(of: "=") {
            name = String(text[..<equals])
            target = String(text[text.index(after: equals)...])
        }
        func split(_ reference: String) -> (name: String, tag: String?, digest: String?) {
            var base = reference
            var digest: String?
            if let at = base.firstIndex(of: "@") {
                digest = String(base[base.index(after: at)...])
                base = String(base[..<at])
            }
            var tag: String?
            if let colon = base.lastIndex(of: ":"), !base[base.index(after: colon)...].contains("/") {
                tag = String(base[base.index(after: colon)...])
                base = String(base[..<colon])
            }
            return (base, tag, digest)
        }
        let parsedTarget = split(target)
        let parsedName = text.contains("=") ? split(name).name : parsedTarget.name
        guard !parsedName.isEmpty else {
            throw RenderError(.invalidKustomization, file: file, "invalid image \"\(text)\"")
        }
        var entry: ValueObject = ["name": .string(parsedName)]
        if text.contains("="), parsedTarget.name != parsedName, !parsedTarget.name.isEmpty { entry["newName"] = .string(parsedTarget.name) }
        if let tag = parsedTarget.tag { entry["newTag"] = .string(tag) }
        if let digest = parsedTarget.digest { entry["digest"] = .string(digest) }
        return .object(entry)
    }
}
