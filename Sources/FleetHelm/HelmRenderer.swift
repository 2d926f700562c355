import FleetModel
import FleetTemplate
import FleetYAML

/// What `helm template` is asked to do besides the chart and values.
public struct HelmRenderOptions: Sendable {
    public var releaseName: String
    public var namespace: String
    /// `.Capabilities.KubeVersion` (`--kube-version`); Helm's default for `helm template`.
    public var kubeVersion: String
    /// Extra `.Capabilities.APIVersions` (`--api-versions`).
    public var apiVersions: [String]
    public var includeCRDs: Bool
    public var skipTests: Bool
    public var noHooks: Bool
    public var isUpgrade: Bool
    /// Do not check the values against the charts' `values.schema.json`.
    public var skipSchemaValidation: Bool

    public init(releaseName: String, namespace: String = "default", kubeVersion: String = "v1.36.0", apiVersions: [String] = [],
                includeCRDs: Bool = false, skipTests: Bool = false, noHooks: Bool = false, isUpgrade: Bool = false,
                skipSchemaValidation: Bool = false) {
        self.releaseName = releaseName
        self.namespace = namespace
        self.kubeVersion = kubeVersion
        self.apiVersions = apiVersions
        self.includeCRDs = includeCRDs
        self.skipTests = skipTests
        self.noHooks = noHooks
        self.isUpgrade = isUpgrade
        self.skipSchemaValidation = skipSchemaValidation
    }
}

/// One document `helm template` prints, with the template it came from.
public struct HelmManifest: Sendable, Equatable {
    public var source: String
    public var text: String
    public var isHook: Bool
    /// The document as parsed for Helm's checks (nil for a `crds/` file, which may hold several).
    public var object: Value?

    var kind: String { object?["kind"]?.stringValue ?? "" }
    /// The `helm.sh/hook` annotation: the events this document runs at, nil for a manifest.
    var hook: String? { object?[path: "metadata", "annotations", "helm.sh/hook"]?.stringValue }
}

/// Renders a chart as `helm template` does (Helm's engine and its manifest post-processing):
/// values coalesced through the subchart tree with globals, every template of every chart in
/// one set (deeper charts parsed first, so a parent's definitions win), partials (`_*`),
/// `NOTES.txt` and library charts not rendered, `<no value>` removed, documents split and
/// checked as YAML, hooks after the other manifests (or left out), CRDs first when asked.
public enum HelmRenderer {
    public static func render(_ chart: HelmChart, values user: ValueObject, options: HelmRenderOptions) throws(HelmError) -> [HelmManifest] {
        try checkInstallable(chart, options: options)
        // Helm's ProcessDependencies: aliases applied, then subcharts disabled by `tags` and
        // `condition` (judged on the values of the whole tree) left out, level by level.
        let aliased = Self.applyingAliases(chart)
        let chart = try Self.importingValues(Self.enabled(aliased, values: try coalesceTree(aliased, user: user), path: []))
        let values = try coalesceTree(chart, user: user)
        if !options.skipSchemaValidation {
            let report = try Self.schemaViolations(chart, values: values, path: chart.name)
            if !report.isEmpty {
                throw HelmError("values don't meet the specifications of the schema(s) in the following chart(s):\n" + report)
            }
        }

        let entries = templateEntries(chart, values: values)
        var set = TemplateSet()
        for entry in entries {
            do {
                set.add(entry.name, try TemplateCache.parse(entry.text, name: entry.name))
            } catch {
                throw HelmError("parse error at (\(error.location ?? entry.name)): \(error.message)")
            }
        }

        var manifests: [HelmManifest] = []
        var hooks: [HelmManifest] = []
        let capabilities = Self.capabilities(options)
        let methods = HelmFiles.methods.merging(Self.capabilityMethods) { a, _ in a }
        let release: Value = ["Name": .string(options.releaseName), "Namespace": .string(options.namespace), "IsUpgrade": .bool(options.isUpgrade),
                              "IsInstall": .bool(!options.isUpgrade), "Revision": 1, "Service": "Helm"]
        // Helm renders deeper templates first and, at one depth, in reverse name order: which
        // template's error is reported first depends on it (the output order does not).
        for entry in entries.sorted(by: { a, b in
            let (da, db) = (a.name.utf8.count(where: { $0 == UInt8(ascii: "/") }), b.name.utf8.count(where: { $0 == UInt8(ascii: "/") }))
            return da != db ? da > db : a.name > b.name
        }) {
            let base = entry.name.split(separator: "/").last.map(String.init) ?? ""
            if base.hasPrefix("_") || base == "NOTES.txt" || entry.scope.chart.isLibrary { continue }
            let data: Value = [
                "Values": entry.scope.values, "Release": release, "Chart": entry.scope.chartObject, "Capabilities": capabilities,
                "Template": ["Name": .string(entry.name), "BasePath": .string(entry.scope.path + "/templates")],
                "Files": entry.scope.files,
            ]
            let output: String
            do {
                output = try set.execute(entry.name, data: data, functions: HelmFunctions.table, methods: methods)
            } catch {
                // Helm's cleanupExecError: a `fail` or `required` is reported at the outermost
                // command that led to it; any other error keeps Go's wording.
                if let failure = error.failure, let location = error.location {
                    throw HelmError("execution error at (\(location)): \(failure)")
                }
                throw HelmError(error.location == nil ? "template: \(entry.name): \(error.message)" : error.message)
            }
            let rendered = output.replacingAll([("<no value>", "")])
            for manifest in try Self.documents(in: rendered, source: entry.name) {
                guard let hook = manifest.hook else {
                    manifests.append(manifest)
                    continue
                }
                if options.noHooks { continue }
                if options.skipTests && hook.split(separator: ",").contains(where: { String($0).trimmingWhitespace().hasPrefix("test") }) { continue }
                hooks.append(manifest)
            }
        }
        let ordered = Self.sortedByInstallOrder(manifests)
        let crds = options.includeCRDs ? Self.crdManifests(chart, path: chart.name) : []
        return crds + ordered + Self.sortedByInstallOrder(hooks)
    }

    /// What every template of one chart sees, built once per chart.
    private struct TemplateScope {
        var path: String
        var chart: HelmChart
        var values: Value
        var chartObject: Value
        var files: Value
    }

    /// Every template of the chart tree, deepest charts first (Helm's sortTemplates), named
    /// by chart path.
    private static func templateEntries(_ chart: HelmChart, values: ValueObject) -> [(name: String, text: String, scope: TemplateScope)] {
        var entries: [(name: String, text: String, scope: TemplateScope)] = []
        func collect(_ chart: HelmChart, path: String, values: Value) {
            let scope = TemplateScope(path: path, chart: chart, values: values, chartObject: Self.chartObject(chart, isRoot: !path.contains("/")),
                                      files: HelmFiles.object(chart.files))
            for template in chart.templates { entries.append((path + "/" + template.path, template.text, scope)) }
            for sub in chart.subcharts {
                collect(sub, path: path + "/charts/" + sub.name, values: values[sub.name] ?? .emptyObject)
            }
        }
        collect(chart, path: chart.name, values: .object(values))
        return entries.map { (depth: $0.name.utf8.count(where: { $0 == UInt8(ascii: "/") }), entry: $0) }
            .sorted { $0.depth > $1.depth }.map(\.entry)
    }

    /// Helm's checks before rendering: every declared dependency present, and the chart's
    /// `kubeVersion` constraint met by the Kubernetes version rendered for.
    private static func checkInstallable(_ chart: HelmChart, options: HelmRenderOptions) throws(HelmError) {
        if !chart.missingDependencies.isEmpty {
            throw HelmError("An error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: \(chart.missingDependencies.joined(separator: ", "))")
        }
        let kubeVersion = options.kubeVersion.hasPrefix("v") ? options.kubeVersion : "v" + options.kubeVersion
        if let required = chart.metadata["kubeVersion"]?.stringValue, !required.isEmpty {
            let compatible = SemanticVersion(kubeVersion).map { version in (try? SemverConstraint(required))?.check(version) ?? false } ?? false
            if !compatible { throw HelmError("chart requires kubeVersion: \(required) which is incompatible with Kubernetes \(kubeVersion)") }
        }
    }

    /// One template's output as manifests: split into documents, each parsed as YAML and read
    /// as Helm reads a document's head (anything but a mapping is refused); empty ones dropped.
    static func documents(in rendered: String, source: String) throws(HelmError) -> [HelmManifest] {
        var manifests: [HelmManifest] = []
        for document in Self.split(rendered) {
            let parsed: Value
            do { parsed = try YAML.parse(document, source: source) } catch {
                throw HelmError("YAML parse error on \(source): error converting YAML to JSON: \(error.goText ?? "yaml: line \(error.line): \(error.message)")")
            }
            let goType: String?
            switch parsed {
            case .null, .object: goType = nil
            case .string: goType = "string"
            case .array: goType = "array"
            case .bool: goType = "bool"
            default: goType = "number"
            }
            if let goType {
                throw HelmError("YAML parse error on \(source): error unmarshaling JSON: while decoding JSON: json: cannot unmarshal \(goType) into Go value of type releaseutil.SimpleHead")
            }
            guard !parsed.isNull else { continue }
            let hook = parsed[path: "metadata", "annotations", "helm.sh/hook"]?.stringValue
            manifests.append(HelmManifest(source: source, text: document, isHook: hook != nil, object: parsed))
        }
        return manifests
    }

    /// The `crds/` files of the chart and its subcharts, deepest first.
    private static func crdManifests(_ chart: HelmChart, path: String) -> [HelmManifest] {
        chart.subcharts.flatMap { crdManifests($0, path: path + "/charts/" + $0.name) }
            + chart.crds.map { HelmManifest(source: path + "/" + $0.path, text: String(decoding: $0.bytes, as: UTF8.self), isHook: false) }
    }

    /// `.Chart`: Chart.yaml with Helm's Go field names.
    static func chartObject(_ chart: HelmChart, isRoot: Bool = true) -> Value {
        var object = ValueObject()
        for (key, value) in chart.metadata {
            let name: String
            switch key {
            case "apiVersion": name = "APIVersion"
            case "appVersion": name = "AppVersion"
            case "kubeVersion": name = "KubeVersion"
            default: name = key.prefix(1).uppercased() + key.dropFirst()
            }
            object[name] = value
        }
        object["Version"] = .string(chart.version)
        if object["Type"] == nil { object["Type"] = .string(chart.type) }
        object["IsRoot"] = .bool(isRoot)
        return .object(object)
    }

    static func capabilities(_ options: HelmRenderOptions) -> Value {
        let version = options.kubeVersion.hasPrefix("v") ? options.kubeVersion : "v" + options.kubeVersion
        let parsed = SemanticVersion(version)
        let kube: Value = ["Version": .string(version), "GitVersion": .string(version),
                           "Major": .string(String(parsed?.major ?? 1)), "Minor": .string(String(parsed?.minor ?? 0))]
        let apis = Self.defaultAPIVersions + options.apiVersions
        return ["KubeVersion": kube, "APIVersions": .object([TemplateMethods.typeKey: "APIVersions", "list": .array(apis.map(Value.string))]),
                "HelmVersion": ["Version": "v3.21.4", "GitCommit": "", "GitTreeState": "clean", "GoVersion": "go1.25"]]
    }

    static let capabilityMethods: [String: TemplateMethod] = [
        "APIVersions.Has": { receiver, arguments in
            guard arguments.count == 1, case .string(let version) = arguments[0] else {
                throw TemplateError("wrong number of args for Has: want 1 got \(arguments.count)")
            }
            return .bool(receiver["list"]?.arrayValue?.contains(.string(version)) ?? false)
        },
    ]

    /// The group/versions `helm template` assumes: client-go's scheme (so not the aggregator's
    /// `apiregistration.k8s.io` nor `apiextensions.k8s.io`, which charts then add with
    /// `--api-versions`).
    static let defaultAPIVersions = [
        "v1", "admissionregistration.k8s.io/v1", "apps/v1",
        "authentication.k8s.io/v1", "authorization.k8s.io/v1", "autoscaling/v1", "autoscaling/v2", "batch/v1",
        "certificates.k8s.io/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1", "events.k8s.io/v1",
        "flowcontrol.apiserver.k8s.io/v1", "networking.k8s.io/v1", "node.k8s.io/v1", "policy/v1",
        "rbac.authorization.k8s.io/v1", "resource.k8s.io/v1", "scheduling.k8s.io/v1", "storage.k8s.io/v1",
    ]

    /// Helm's SplitManifests: documents separated by `---` lines, empty ones dropped.
    static func split(_ text: String) -> [String] {
        let bytes = Array(text.utf8)
        var documents: [String] = []
        var documentStart = 0
        var lineStart = 0
        func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }
        func emit(_ end: Int) {
            let document = String(decoding: bytes[documentStart..<end], as: UTF8.self).trimmingWhitespace()
            if !document.isEmpty { documents.append(document) }
        }
        while lineStart <= bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != 0x0A { lineEnd += 1 }
            if lineEnd - lineStart >= 3, bytes[lineStart] == 0x2D, bytes[lineStart + 1] == 0x2D, bytes[lineStart + 2] == 0x2D,
               bytes[(lineStart + 3)..<lineEnd].allSatisfy(isBlank) {
                emit(lineStart)
                documentStart = min(lineEnd + 1, bytes.count)
            }
            lineStart = lineEnd + 1
        }
        emit(bytes.count)
        return documents
    }

    /// Helm's InstallOrder; kinds it does not list go last, in their template order.
    static let installOrder = [
        "PriorityClass", "Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy", "PodDisruptionBudget",
        "ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass", "PersistentVolume", "PersistentVolumeClaim",
        "CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding", "ClusterRoleBindingList", "Role",
        "RoleList", "RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod", "ReplicationController", "ReplicaSet",
        "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job", "CronJob", "IngressClass", "Ingress", "APIService",
        "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
    ]

    private static let installRank: [String: Int] = Dictionary(uniqueKeysWithValues: installOrder.enumerated().map { ($1, $0) })

    /// Stable by InstallOrder of each manifest's kind (read once, when it was parsed).
    static func sortedByInstallOrder(_ manifests: [HelmManifest]) -> [HelmManifest] {
        // Helm's kind sorter: install order, unknown kinds last and by kind name, then by
        // template path; documents of one template keep their order.
        let ranked = manifests.enumerated().map { (rank: installRank[$0.element.kind] ?? Int.max, kind: $0.element.kind, offset: $0.offset, manifest: $0.element) }
        return ranked.sorted { a, b in
            if a.rank != b.rank { return a.rank < b.rank }
            if a.rank == Int.max, a.kind != b.kind { return a.kind < b.kind }
            if a.manifest.source != b.manifest.source { return a.manifest.source < b.manifest.source }
            return a.offset < b.offset
        }.map(\.manifest)
    }
}
