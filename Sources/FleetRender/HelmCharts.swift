import FleetModel
import FleetYAML

/// One `helmCharts` entry of a kustomization, with its paths resolved in the tree: what
/// kustomize's HelmChartInflationGenerator hands to `helm template`.
public struct HelmChartSpec: Sendable {
    public var name: String
    public var version: String
    public var repo: String
    /// Empty: Helm's `--generate-name`.
    public var releaseName: String
    public var namespace: String
    public var nameTemplate: String
    /// The chart's directory in the tree.
    public var chartDirectory: String
    /// The values file (default: the chart's own `values.yaml`) in the tree, already merged
    /// with `valuesInline` as `valuesMerge` says; passed as `--values`.
    public var values: ValueObject
    /// `additionalValuesFiles`, in the tree, passed as `-f` after the values.
    public var additionalValuesFiles: [String]
    public var includeCRDs: Bool
    public var skipHooks: Bool
    public var skipTests: Bool
    public var apiVersions: [String]
    public var kubeVersion: String
    /// The kustomization that names it, for errors.
    public var origin: String
}

/// Renders `helmCharts` entries (kustomize's `--enable-helm`). FleetRender stays free of the
/// Helm engine: the planner and `fleet build --enable-helm` supply one.
public protocol HelmInflater: Sendable {
    func inflate(_ chart: HelmChartSpec, tree: FileTree) throws(RenderError) -> [Value]
}

extension KustomizeBuilder {
    /// kustomize's HelmChartInflationGenerator for each `helmCharts` entry, after the ConfigMap
    /// and Secret generators: the chart from `helmGlobals.chartHome` (default `charts`) under the
    /// kustomization, at `NAME` (or `NAME-VERSION/NAME`, where kustomize pulls a versioned chart),
    /// never pulled from a repository.
    func inflateHelmCharts(_ kustomization: Kustomization, directory: String, origin: String, into collection: inout ResourceCollection) throws(RenderError) {
        guard !kustomization.helmCharts.isEmpty else { return }
        guard let inflater = options.helm else {
            throw RenderError(.unsupported, file: origin, line: kustomization.helmChartsLine,
                              "helmCharts: must specify --enable-helm (fleet build --enable-helm renders charts in-process, as kubectl kustomize --enable-helm renders them with helm)")
        }
        let home = kustomization.helmGlobals?["chartHome"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "charts"
        let chartHome = try resolve(home, from: directory, origin: origin, line: kustomization.helmChartsLine)
        for entry in kustomization.helmCharts {
            func text(_ key: String) -> String { entry[key].flatMap { $0.stringValue ?? $0.scalarText } ?? "" }
            func flag(_ key: String) -> Bool { entry[key]?.boolValue ?? false }
            let name = text("name")
            guard !name.isEmpty else { throw RenderError(.invalidKustomization, file: origin, line: kustomization.helmChartsLine, "helmCharts: chart name cannot be empty") }
            let version = text("version")
            var chartDirectory = TreePath.join(chartHome, name)
            if !version.isEmpty, (try? kind(TreePath.join(chartHome, "\(name)-\(version)/\(name)"))) == .directory {
                chartDirectory = TreePath.join(chartHome, "\(name)-\(version)/\(name)")
            }
            guard (try? kind(chartDirectory)) == .directory else {
                let repo = text("repo")
                throw RenderError(.unsupported, file: origin, line: kustomization.helmChartsLine, repo.isEmpty
                    ? "no repo specified for pull, no chart found at '\(tree.displayPath(chartDirectory))'"
                    : "helmCharts: chart \(name) is not in \(tree.displayPath(chartHome)), and fleet does not pull charts from \(repo): run `helm pull --untar --untardir \(home) --repo \(repo) \(name)` and commit it")
            }
            let merge = text("valuesMerge").isEmpty ? "override" : text("valuesMerge")
            guard ["merge", "override", "replace"].contains(merge) else {
                throw RenderError(.invalidKustomization, file: origin, line: kustomization.helmChartsLine, "valuesMerge must be one of [merge override replace]")
            }
            let valuesPath = text("valuesFile").isEmpty ? TreePath.join(chartDirectory, "values.yaml")
                : try resolve(text("valuesFile"), from: directory, origin: origin, line: kustomization.helmChartsLine)
            func readValues(_ path: String) throws(RenderError) -> ValueObject {
                try requireInside(path, directory: directory, naming: path, origin: origin, line: kustomization.helmChartsLine)
                guard try kind(path) == .file else {
                    throw RenderError(.notFound, file: origin, line: kustomization.helmChartsLine, "values file \(tree.displayPath(path)) not found")
                }
                let bytes = try read(path, display: tree.displayPath(path))
                do { return try YAML.parse(bytes, source: tree.displayPath(path)).objectValue ?? [:] } catch {
                    throw RenderError(.yaml, file: tree.displayPath(path), line: error.line, error.message)
                }
            }
            var values: ValueObject = [:]
            let inline = entry["valuesInline"]?.objectValue ?? [:]
            if inline.isEmpty {
                if (try? kind(valuesPath)) == .file || !text("valuesFile").isEmpty { values = try readValues(valuesPath) }
            } else if merge == "replace" {
                values = inline
            } else {
                let file = (try? kind(valuesPath)) == .file ? try readValues(valuesPath) : [:]
                values = Mergo.merge(file, inline, override: merge == "override")
            }
            var additional: [String] = []
            for file in entry["additionalValuesFiles"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
                additional.append(try resolve(file, from: directory, origin: origin, line: kustomization.helmChartsLine))
            }
            let spec = HelmChartSpec(
                name: name, version: version, repo: text("repo"), releaseName: text("releaseName"), namespace: text("namespace"),
                nameTemplate: text("nameTemplate"), chartDirectory: chartDirectory, values: values, additionalValuesFiles: additional,
                includeCRDs: flag("includeCRDs"), skipHooks: flag("skipHooks"), skipTests: flag("skipTests"),
                apiVersions: entry["apiVersions"]?.arrayValue?.compactMap(\.stringValue) ?? [], kubeVersion: text("kubeVersion"), origin: origin)
            for object in try inflater.inflate(spec, tree: tree) {
                var resource = KustomizeResource(object: object, source: tree.displayPath(chartDirectory))
                if recordsOrigins { resource.origin = .builtin("HelmChartInflationGenerator", configuredIn: configuredIn(kustomization)) }
                try collection.append(resource)
            }
        }
    }
}
