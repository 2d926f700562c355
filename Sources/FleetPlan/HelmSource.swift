import FleetHelm
import FleetModel
import FleetRender
import FleetYAML

/// An Application source that is a Helm chart in a Git repository (a `path` holding
/// `Chart.yaml`), rendered in-process as Argo CD's `helm template` run renders it: value files
/// relative to the chart, then `values` or `valuesObject`, then `parameters` (`--set`, or
/// `--set-string` with `forceString`) and `fileParameters`; the release named after the
/// Application unless `releaseName` says otherwise; CRDs included unless `skipCrds`; test
/// hooks left out, as Argo CD never runs them.
enum HelmSource {
    /// Keys the planner adds to a Helm source before rendering (so they are part of the render
    /// cache key): the release name and namespace it defaults from the Application, and the
    /// contents of `$ref/...` value files read from the Application's other sources.
    static let releaseKey = "fleet:releaseName"
    static let namespaceKey = "fleet:namespace"
    static let referencedFilesKey = "fleet:referencedValueFiles"

    static func isChart(_ tree: FileTree, path: String) -> Bool {
        (try? tree.kind(of: TreePath.join(path, "Chart.yaml"))) == .file
    }

    static func render(_ source: Value, tree: FileTree, chartPath path: String) throws(RenderError) -> RenderedSource {
        let helm = source["helm"] ?? .emptyObject
        let displayChart = tree.displayPath(path.isEmpty ? "." : path)
        func failure(_ message: String, file: String? = nil) -> RenderError {
            RenderError(.helm, file: file ?? displayChart, message)
        }
        let chart: HelmChart
        do { chart = try HelmChart.load(tree: tree, path: path) } catch { throw failure(error.message) }
        var inputs: Set<String> = []
        var values: ValueObject = [:]

        func parseValues(_ bytes: [UInt8], file: String) throws(RenderError) -> ValueObject {
            do { return try HelmValues.parseFile(bytes, source: file) } catch { throw failure(error.message, file: file) }
        }

        let referenced = source[path: "helm", referencedFilesKey]?.objectValue ?? [:]
        let ignoreMissing = helm["ignoreMissingValueFiles"]?.boolValue ?? false
        for entry in helm["valueFiles"]?.arrayValue ?? [] {
            guard let name = entry.stringValue, !name.isEmpty else { continue }
            if name.hasPrefix("$") {
                switch referenced[name] {
                case .string(let text)?: values = HelmValues.merge(values, try parseValues(Array(text.utf8), file: name))
                case .null?, nil:
                    if !ignoreMissing { throw failure("values file \(name) not found in the referenced source (set ignoreMissingValueFiles to skip missing files)") }
                default: break
                }
                continue
            }
            if name.contains("://") {
                throw RenderError(.unsupported, file: displayChart, "values file \(name): value files fetched over the network are not supported; keep them in a repository")
            }
            guard let file = TreePath.normalize(TreePath.join(path, name)) else {
                throw RenderError(.outsideRoot, file: displayChart, "values file \(name) is outside the repository")
            }
            guard (try? tree.kind(of: file)) == .file else {
                if ignoreMissing { continue }
                throw failure("values file \(name) not found: \(tree.displayPath(file)) (set ignoreMissingValueFiles to skip missing files)")
            }
            let bytes: [UInt8]
            do { bytes = try tree.readFile(file) } catch { throw failure("cannot read \(tree.displayPath(file)): \(error)") }
            inputs.insert(file)
            values = HelmValues.merge(values, try parseValues(bytes, file: tree.displayPath(file)))
        }
        // valuesObject replaces values (Argo CD's ValuesYAML); either comes after the files.
        if case .object(let object)? = helm["valuesObject"] {
            values = HelmValues.merge(values, HelmValues.jsonNumbers(object))
        } else if let text = helm["values"]?.stringValue, !text.isEmpty {
            values = HelmValues.merge(values, try parseValues(Array(text.utf8), file: "spec.source.helm.values"))
        }
        try applyParameters(helm, tree: tree, chartPath: path, values: &values, inputs: &inputs, failure: failure)

        let options = HelmRenderOptions(
            releaseName: helm["releaseName"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? helm[releaseKey]?.stringValue ?? chart.name,
            namespace: helm["namespace"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? helm[namespaceKey]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "default",
            kubeVersion: helm["kubeVersion"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "v1.36.0",
            apiVersions: helm["apiVersions"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            includeCRDs: !(helm["skipCrds"]?.boolValue ?? false),
            skipTests: true,
            skipSchemaValidation: helm["skipSchemaValidation"]?.boolValue ?? false
        )
        let manifests: [HelmManifest]
        do { manifests = try HelmRenderer.render(chart, values: values, options: options) } catch { throw failure(error.message) }
        let objects = try Self.objects(of: manifests)
        return RenderedSource(objects: objects, inputs: inputs, root: path)
    }

    /// `parameters` (typed, then `forceString` ones, as `helm --set` and `--set-string`) and
    /// `fileParameters` (`--set-file`), over the values read so far.
    private static func applyParameters(_ helm: Value, tree: FileTree, chartPath path: String, values: inout ValueObject, inputs: inout Set<String>,
                                        failure: (String, String?) -> RenderError) throws(RenderError) {
        do {
            let parameters = helm["parameters"]?.arrayValue ?? []
            for forced in [false, true] {
                for parameter in parameters where (parameter["forceString"]?.boolValue ?? false) == forced {
                    guard let name = parameter["name"]?.stringValue, !name.isEmpty else { continue }
                    let value = parameter["value"]?.scalarText ?? ""
                    // Argo CD escapes commas unless the value is a `{a,b}` list.
                    let escaped = value.hasPrefix("{") && value.hasSuffix("}") ? value : escapeCommas(value)
                    try HelmValues.parseSet(name + "=" + escaped, mode: forced ? .string : .typed, into: &values)
                }
            }
            for parameter in helm["fileParameters"]?.arrayValue ?? [] {
                guard let name = parameter["name"]?.stringValue, let relative = parameter["path"]?.stringValue else { continue }
                guard let file = TreePath.normalize(TreePath.join(path, relative)), (try? tree.kind(of: file)) == .file,
                      let bytes = try? tree.readFile(file) else {
                    throw failure("fileParameters \(name): file \(relative) not found", nil)
                }
                inputs.insert(file)
                try HelmValues.parseSet(name + "=" + String(decoding: bytes, as: UTF8.self), mode: .literal, into: &values)
            }
        } catch let error as HelmError {
            throw failure(error.message, nil)
        } catch {
            throw failure("\(error)", nil)
        }
    }

    /// The objects of rendered manifests: documents Helm's checks parsed already, `crds/`
    /// files parsed here (one may hold several documents).
    static func objects(of manifests: [HelmManifest]) throws(RenderError) -> [Value] {
        var objects: [Value] = []
        for manifest in manifests {
            if let object = manifest.object {
                objects.append(object)
                continue
            }
            let documents: [YAMLDocument]
            do { documents = try YAML.parseStream(Array(manifest.text.utf8), source: manifest.source) } catch {
                throw RenderError(.yaml, file: manifest.source, line: error.line, error.message)
            }
            for document in documents where !document.value.isNull {
                guard case .object = document.value else {
                    throw RenderError(.invalidResource, file: manifest.source, "a rendered document is not a Kubernetes object")
                }
                objects.append(document.value)
            }
        }
        return objects
    }

    /// Argo CD's cleanSetParameters: `,` becomes `\,` unless already escaped.
    static func escapeCommas(_ value: String) -> String {
        var out = ""
        var previous: Character?
        for character in value {
            if character == ",", previous != "\\" { out += "\\," } else { out.append(character) }
            previous = character
        }
        return out
    }
}
