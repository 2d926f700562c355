import FleetHelm
import FleetModel
import FleetRender

/// kustomize's `helmCharts` rendered by the in-process Helm engine, as `kubectl kustomize
/// --enable-helm` renders them with `helm template RELEASE CHART --values V [-f F]...`:
/// `fleet build --enable-helm` and, when a hub is configured for it, plans.
public struct HelmKustomizeInflater: HelmInflater {
    public init() {}

    public func inflate(_ spec: HelmChartSpec, tree: FileTree) throws(RenderError) -> [Value] {
        let display = tree.displayPath(spec.chartDirectory)
        func failure(_ message: String) -> RenderError { RenderError(.helm, file: spec.origin, "helmCharts \(spec.name): \(message)") }
        let chart: HelmChart
        do { chart = try HelmChart.load(tree: tree, path: spec.chartDirectory) } catch { throw failure("\(display): \(error.message)") }
        var values = HelmValues.jsonNumbers(spec.values)
        for file in spec.additionalValuesFiles {
            let bytes: [UInt8]
            do { bytes = try tree.readFile(file) } catch { throw failure("cannot read \(tree.displayPath(file)): \(error)") }
            do { values = HelmValues.merge(values, try HelmValues.parseFile(bytes, source: tree.displayPath(file))) } catch { throw failure(error.message) }
        }
        // `--generate-name`: Helm names the release after the chart and the time.
        let release = spec.releaseName.isEmpty ? "\(chart.name)-\(Int(SystemClock.now()))" : spec.releaseName
        var options = HelmRenderOptions(releaseName: release, namespace: spec.namespace.isEmpty ? "default" : spec.namespace,
                                        apiVersions: spec.apiVersions, includeCRDs: spec.includeCRDs, skipTests: spec.skipTests, noHooks: spec.skipHooks)
        if !spec.kubeVersion.isEmpty { options.kubeVersion = spec.kubeVersion }
        let manifests: [HelmManifest]
        do { manifests = try HelmRenderer.render(chart, values: values, options: options) } catch { throw failure(error.message) }
        return try HelmSource.objects(of: manifests)
    }
}
