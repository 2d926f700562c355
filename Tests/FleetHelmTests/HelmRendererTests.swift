import FleetHelm
import FleetModel
import FleetYAML
import Testing

/// A small chart of our own rendered as `helm template` renders it.
@Suite struct HelmRendererTests {
    let files: [String: String] = [
        "shop/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 1.2.0\nappVersion: \"3.1\"\n",
        "shop/values.yaml": """
            replicas: 2
            big: 1000000
            image: {repository: shop, tag: ""}
            global: {region: eu-west-1}
            cache: {enabled: true, size: 1Gi}
            """,
        "shop/templates/_helpers.tpl": #"{{- define "shop.labels" -}}app: {{ .Chart.Name }}{{ "\n" }}release: {{ .Release.Name }}{{- end }}"#,
        "shop/templates/NOTES.txt": "Thanks for installing {{ .Chart.Name }}",
        "shop/templates/deployment.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{ .Release.Name }}-shop
              labels:
                {{- include "shop.labels" . | nindent 4 }}
            spec:
              replicas: {{ .Values.replicas }}
              template:
                metadata:
                  annotations:
                    big: "{{ .Values.big }}"
                    missing: "{{ .Values.nothing }}"
                spec:
                  containers:
                  - name: shop
                    image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
            ---
            {{- if .Capabilities.APIVersions.Has "policy/v1" }}
            apiVersion: policy/v1
            kind: PodDisruptionBudget
            metadata: {name: {{ .Release.Name }}-shop}
            {{- end }}
            """,
        "shop/templates/configmap.yaml": """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: {{ .Release.Name }}-config, namespace: {{ .Release.Namespace }}}
            data:
              app.conf: {{ .Files.Get "files/app.conf" | quote }}
              template: {{ .Template.Name }}
            """,
        "shop/templates/hook.yaml": """
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: migrate
              annotations: {"helm.sh/hook": pre-install}
            """,
        "shop/templates/test.yaml": """
            apiVersion: v1
            kind: Pod
            metadata:
              name: smoke
              annotations: {"helm.sh/hook": test}
            """,
        "shop/files/app.conf": "port=8080",
        "shop/charts/cache/Chart.yaml": "apiVersion: v2\nname: cache\nversion: 0.1.0\n",
        "shop/charts/cache/values.yaml": "size: 100Mi\nglobal: {region: default, tier: cache}\n",
        "shop/charts/cache/templates/svc.yaml": """
            apiVersion: v1
            kind: Service
            metadata:
              name: cache
              labels: {region: {{ .Values.global.region }}, tier: {{ .Values.global.tier }}, size: {{ .Values.size }}}
            """,
    ]

    func render(_ options: HelmRenderOptions, values: ValueObject = [:]) throws -> [HelmManifest] {
        let chart = try HelmChart.load(tree: InMemoryFileTree(files: files), path: "shop")
        return try HelmRenderer.render(chart, values: values, options: options)
    }

    func object(_ manifests: [HelmManifest], _ kind: String) throws -> Value {
        try #require(manifests.map { try YAML.parse($0.text) }.first { $0["kind"]?.stringValue == kind })
    }

    @Test func aChartRendersWithItsValuesHelpersFilesAndCapabilities() throws {
        let manifests = try render(HelmRenderOptions(releaseName: "prod", namespace: "shop"))
        #expect(manifests.map(\.source).contains("shop/templates/deployment.yaml"))
        #expect(!manifests.contains { $0.source.hasSuffix("NOTES.txt") || $0.source.hasSuffix("_helpers.tpl") })
        let deployment = try object(manifests, "Deployment")
        #expect(deployment[path: "metadata", "labels"] == ["app": "shop", "release": "prod"])
        #expect(deployment[path: "spec", "replicas"] == .int(2))
        #expect(deployment[path: "spec", "template", "metadata", "annotations", "big"] == .string("1e+06"), "values numbers are float64")
        #expect(deployment[path: "spec", "template", "metadata", "annotations", "missing"] == .string(""), "<no value> is removed")
        let container = deployment[path: "spec", "template", "spec", "containers"]?.arrayValue?.first
        #expect(container?["image"] == .string("shop:3.1"))
        #expect(try object(manifests, "PodDisruptionBudget")[path: "metadata", "name"] == .string("prod-shop"))
        let config = try object(manifests, "ConfigMap")
        #expect(config[path: "data", "app.conf"] == .string("port=8080"))
        #expect(config[path: "data", "template"] == .string("shop/templates/configmap.yaml"))
        #expect(config[path: "metadata", "namespace"] == .string("shop"))
    }

    @Test func subchartsGetTheirValuesAndTheParentsGlobals() throws {
        let manifests = try render(HelmRenderOptions(releaseName: "prod"), values: ["cache": ["size": "5Gi"]])
        let service = try object(manifests, "Service")
        #expect(service[path: "metadata", "labels"] == ["region": "eu-west-1", "tier": "cache", "size": "5Gi"])
    }

    @Test func manifestsComeInInstallOrderAndHooksLast() throws {
        let manifests = try render(HelmRenderOptions(releaseName: "prod"))
        let kinds = manifests.compactMap { (try? YAML.parse($0.text))?["kind"]?.stringValue }
        #expect(kinds == ["PodDisruptionBudget", "ConfigMap", "Service", "Deployment", "Pod", "Job"], "hooks last, sorted by kind as Helm sorts them (Pod before Job)")
        #expect(manifests.suffix(2).allSatisfy { $0.isHook })
        let skipped = try render(HelmRenderOptions(releaseName: "prod", skipTests: true))
        #expect(!skipped.contains { $0.text.contains("smoke") })
        let noHooks = try render(HelmRenderOptions(releaseName: "prod", noHooks: true))
        #expect(!noHooks.contains { $0.isHook })
    }

    @Test func aTemplateErrorNamesTheTemplate() {
        var broken = files
        broken["shop/templates/configmap.yaml"] = "{{ .Values.nothing.deeper }}"
        let error = #expect(throws: HelmError.self) {
            try HelmRenderer.render(try HelmChart.load(tree: InMemoryFileTree(files: broken), path: "shop"), values: [:],
                                    options: HelmRenderOptions(releaseName: "prod"))
        }
        #expect(error?.message == #"template: shop/templates/configmap.yaml:1:10: executing "shop/templates/configmap.yaml" at <.Values.nothing.deeper>: nil pointer evaluating interface {}.deeper"#)
        broken["shop/templates/configmap.yaml"] = "a: 1\nb: {{ required \"nothing is required\" .Values.nothing }}"
        #expect(throws: HelmError("execution error at (shop/templates/configmap.yaml:2:6): nothing is required")) {
            try HelmRenderer.render(try HelmChart.load(tree: InMemoryFileTree(files: broken), path: "shop"), values: [:],
                                    options: HelmRenderOptions(releaseName: "prod"))
        }
        broken["shop/templates/configmap.yaml"] = "a: 1\nb: {{ if }}"
        #expect(throws: HelmError("parse error at (shop/templates/configmap.yaml:2): missing value for if")) {
            try HelmRenderer.render(try HelmChart.load(tree: InMemoryFileTree(files: broken), path: "shop"), values: [:],
                                    options: HelmRenderOptions(releaseName: "prod"))
        }
    }
}

/// Dependencies switched on and off as Helm's ProcessDependencies does.
@Suite struct HelmDependencyTests {
    let files: [String: String] = [
        "app/Chart.yaml": """
            apiVersion: v2
            name: app
            version: 1.0.0
            dependencies:
            - {name: db, condition: db.enabled}
            - {name: cache, tags: [backend]}
            - {name: cache, alias: sessions, condition: "sessions.enabled,global.sessions"}
            - {name: metrics, tags: [observability, backend]}
            """,
        "app/values.yaml": "db: {enabled: false}\ntags: {backend: false, observability: true}\nglobal: {sessions: true}\n",
        "app/charts/db/Chart.yaml": "apiVersion: v2\nname: db\nversion: 1.0.0\n",
        "app/charts/db/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Chart.Name }}}\n",
        "app/charts/cache/Chart.yaml": "apiVersion: v2\nname: cache\nversion: 1.0.0\n",
        "app/charts/cache/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Chart.Name }}}\n",
        "app/charts/metrics/Chart.yaml": "apiVersion: v2\nname: metrics\nversion: 1.0.0\n",
        "app/charts/metrics/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Chart.Name }}}\n",
    ]

    func names(_ user: ValueObject) throws -> [String] {
        let chart = try HelmChart.load(tree: InMemoryFileTree(files: files), path: "app")
        return try HelmRenderer.render(chart, values: user, options: HelmRenderOptions(releaseName: "r"))
            .compactMap { (try? YAML.parse($0.text))?[path: "metadata", "name"]?.stringValue }.sorted()
    }

    @Test func conditionsTagsAndAliasesDecideWhichSubchartsRender() throws {
        // db: condition false; cache: its only tag false; sessions (cache aliased): the first
        // condition path is missing, the second true; metrics: one tag true wins.
        #expect(try names([:]) == ["metrics", "sessions"])
        #expect(try names(["db": ["enabled": true], "sessions": ["enabled": false]]) == ["db", "metrics"])
        #expect(try names(["tags": ["backend": true]]) == ["cache", "metrics", "sessions"])
    }
}
