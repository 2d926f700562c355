import ArgumentParser
import FleetCommandSupport
import FleetFiles
import FleetHelm
import FleetModel
import FleetTemplate
import FleetYAML

/// `fleet helm`: Helm charts rendered in-process.
public struct HelmCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "helm",
        abstract: "Render Helm charts in-process, as Helm does (work in progress: see docs/helm.md).",
        subcommands: [HelmTemplateCommand.self]
    )
    public init() {}
}

/// `fleet helm template RELEASE CHART [flags]`: what `helm template` prints.
public struct HelmTemplateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "template",
        abstract: "Print a chart's manifests as `helm template RELEASE CHART` does.",
        discussion: """
            CHART is a chart directory (subcharts unpacked under charts/). Values combine as Helm combines them: the chart's values.yaml, then each -f file in order, then --set-json, --set, --set-string and --set-literal (repeatable, comma-separated pairs). Each manifest is printed after a `---` and a `# Source:` line naming its template; hooks come last; CRDs from crds/ first with --include-crds.

            The engine is being completed (docs/helm.md says what works); a chart that needs a missing piece fails with a message naming it.

            Exit codes: 0 rendered, 1 Helm would fail (the message says why), 2 usage error.
            """
    )

    @Argument(help: "The release name (.Release.Name).")
    public var release: String

    @Argument(help: "The chart directory.")
    public var chart: String

    @Option(name: [.customShort("f"), .long], help: "A values file (repeatable; later files win).")
    public var values: [String] = []

    @Option(name: .customLong("set"), help: "key=value pairs, typed as Helm types them (repeatable).")
    public var set: [String] = []

    @Option(name: .customLong("set-string"), help: "key=value pairs, every value a string (repeatable).")
    public var setString: [String] = []

    @Option(name: .customLong("set-json"), help: "key=JSON pairs (repeatable).")
    public var setJSON: [String] = []

    @Option(name: .customLong("set-literal"), help: "key=value, the value taken literally (repeatable).")
    public var setLiteral: [String] = []

    @Option(name: [.short, .long], help: "The release namespace (.Release.Namespace).")
    public var namespace: String = "default"

    @Option(name: .customLong("kube-version"), help: "The Kubernetes version templates see (.Capabilities.KubeVersion).")
    public var kubeVersion: String = "v1.36.0"

    @Option(name: [.customShort("a"), .customLong("api-versions")], help: "Extra API versions for .Capabilities.APIVersions (repeatable).")
    public var apiVersions: [String] = []

    @Flag(name: .customLong("include-crds"), help: "Print the charts' CRDs (crds/) first.")
    public var includeCRDs = false

    @Flag(name: .customLong("skip-tests"), help: "Leave out test hooks.")
    public var skipTests = false

    @Flag(name: .customLong("no-hooks"), help: "Leave out every hook.")
    public var noHooks = false

    @Flag(name: .customLong("is-upgrade"), help: "Render as an upgrade (.Release.IsUpgrade).")
    public var isUpgrade = false

    @Flag(name: .customLong("skip-schema-validation"), help: "Do not check values against values.schema.json.")
    public var skipSchemaValidation = false

    public init() {}

    public func run() throws {
        let absolute = LocalPaths.absolute(chart)
        let isArchive = !LocalPaths.isDirectory(absolute) && LocalPaths.exists(absolute)
        guard isArchive || LocalPaths.isDirectory(absolute) else { throw CommandFailure("path \"\(chart)\" not found (chart repositories are not supported by fleet helm template: give a chart directory or a .tgz)") }
        do {
            let loaded = isArchive
                ? try HelmChart.load(archive: try LocalPaths.read(absolute), displayName: chart)
                : try HelmChart.load(tree: DirectoryFileTree(root: absolute), path: "")
            var user: ValueObject = [:]
            for file in values {
                user = HelmValues.merge(user, try HelmValues.parseFile(try LocalPaths.read(file), source: file))
            }
            for flag in setJSON { try HelmValues.parseSet(flag, mode: .json, into: &user) }
            for flag in set { try HelmValues.parseSet(flag, mode: .typed, into: &user) }
            for flag in setString { try HelmValues.parseSet(flag, mode: .string, into: &user) }
            for flag in setLiteral { try HelmValues.parseSet(flag, mode: .literal, into: &user) }
            let options = HelmRenderOptions(releaseName: release, namespace: namespace, kubeVersion: kubeVersion, apiVersions: apiVersions,
                                            includeCRDs: includeCRDs, skipTests: skipTests, noHooks: noHooks, isUpgrade: isUpgrade,
                                            skipSchemaValidation: skipSchemaValidation)
            var out = ""
            for manifest in try HelmRenderer.render(loaded, values: user, options: options) {
                out += "---\n# Source: \(manifest.source)\n\(manifest.text)\n"
            }
            print(out, terminator: "")
        } catch let error as HelmError {
            throw CommandFailure(error.message)
        }
    }
}
