import FleetAppSet
import FleetModel
import Testing

@testable import FleetPlan

/// Applications whose source is a Helm chart in the fleet repository: Argo CD's helm fields,
/// regional value files, hooks mapped as gitops-engine maps them, cache keys per release.
@Suite struct HelmSourcePlanTests {
    static let fleetURL = "https://git.example.com/fleet.git"
    static let configURL = "https://git.example.com/config.git"

    static let files: [String: String] = [
        "clusters/us-east-1.yaml": "apiVersion: fleet/v1alpha1\nkind: Cluster\nmetadata: {name: us-east-1, labels: {region: us-east-1}}\nspec: {server: 'https://10.0.0.1:6443'}\n",
        "clusters/eu-west-1.yaml": "apiVersion: fleet/v1alpha1\nkind: Cluster\nmetadata: {name: eu-west-1, labels: {region: eu-west-1}}\nspec: {server: 'https://10.0.0.2:6443'}\n",
        "applicationsets/cache.yaml": """
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: cache, namespace: argocd}
            spec:
              goTemplate: true
              generators:
              - clusters: {}
              template:
                metadata: {name: 'cache-{{.name}}'}
                spec:
                  project: default
                  source:
                    repoURL: '\(fleetURL)'
                    path: charts/cache
                    helm:
                      valueFiles: ['values-{{ index .metadata.labels "region" }}.yaml', values-missing.yaml]
                      ignoreMissingValueFiles: true
                      values: |
                        tier: gold
                        replicas: 5
                      parameters:
                      - {name: region, value: '{{.name}}'}
                      - {name: zip, value: '00123', forceString: true}
                      - {name: list, value: '{a,b}'}
                      - {name: csv, value: 'x,y'}
                  destination: {name: '{{.name}}', namespace: cache}
            """,
        "charts/cache/Chart.yaml": "apiVersion: v2\nname: cache\nversion: 1.0.0\nappVersion: '7.2'\n",
        "charts/cache/values.yaml": "replicas: 1\nregion: none\ntier: bronze\nmemory: 1Gi\nzip: 0\nlist: []\ncsv: ''\n",
        "charts/cache/values-eu-west-1.yaml": "memory: 4Gi\nreplicas: 3\n",
        "charts/cache/crds/widget.yaml": """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: widgets.example.com}
            spec: {group: example.com, names: {kind: Widget, plural: widgets}, scope: Namespaced, versions: [{name: v1, served: true, storage: true}]}
            """,
        "charts/cache/templates/cm.yaml": """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: {{ .Release.Name }}
              namespace: {{ .Release.Namespace }}
            data:
              region: {{ .Values.region | quote }}
              tier: {{ .Values.tier | quote }}
              replicas: {{ .Values.replicas | quote }}
              memory: {{ .Values.memory | quote }}
              zip: {{ .Values.zip | quote }}
              kinds: {{ printf "%T %T" .Values.zip .Values.replicas | quote }}
              list: {{ .Values.list | toJson | quote }}
              csv: {{ .Values.csv | quote }}
            """,
        "charts/cache/templates/migrate.yaml": """
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: {{ .Release.Name }}-migrate
              annotations:
                helm.sh/hook: pre-install,pre-upgrade
                helm.sh/hook-weight: "-5"
            spec: {template: {spec: {restartPolicy: Never, containers: [{name: m, image: 'busybox'}]}}}
            """,
        "charts/cache/templates/tests/ping.yaml": """
            apiVersion: v1
            kind: Pod
            metadata:
              name: {{ .Release.Name }}-ping
              annotations: {helm.sh/hook: test}
            spec: {containers: [{name: p, image: busybox}]}
            """,
    ]

    func plan(_ files: [String: String], cluster: String) throws -> Value {
        let history = InMemoryHistory()
        history.commit(files)
        let result = try FleetPlanner(repositories: history, fleetRepoURL: Self.fleetURL).plan()
        return try JSON.parse(try #require(result.plans[cluster]).json)
    }

    func application(_ plan: Value, _ name: String) throws -> Value {
        try #require(plan["applications"]?.arrayValue?.first { $0["name"]?.stringValue == name })
    }

    func object(_ app: Value, _ kind: String) throws -> Value {
        try #require(app["resources"]?.arrayValue?.first { $0["kind"]?.stringValue == kind })
    }

    @Test func valuesComeInArgoCDsOrderWithRegionalFiles() throws {
        let app = try application(try plan(Self.files, cluster: "eu-west-1"), "cache-eu-west-1")
        #expect(app["error"] == nil, "\(app)")
        let data = try object(app, "ConfigMap")[path: "object", "data"]
        #expect(data?["region"] == "eu-west-1", "parameters win over everything")
        #expect(data?["memory"] == "4Gi", "the region's value file over the chart's values")
        #expect(data?["replicas"] == "5" && data?["tier"] == "gold", "values over value files")
        #expect(data?["zip"] == "00123" && data?["kinds"] == "string float64", "forceString keeps the text; numbers from `values` are float64 as from any values file")
        #expect(data?["list"] == #"["a","b"]"#, "a {a,b} parameter is a list")
        #expect(data?["csv"] == "x,y", "commas in a parameter are escaped as Argo CD does")
        let us = try application(try plan(Self.files, cluster: "us-east-1"), "cache-us-east-1")
        #expect(try object(us, "ConfigMap")[path: "object", "data", "memory"] == "1Gi", "a missing value file is skipped with ignoreMissingValueFiles")
    }

    @Test func releaseAndNamespaceDefaultFromTheApplication() throws {
        let app = try application(try plan(Self.files, cluster: "us-east-1"), "cache-us-east-1")
        let config = try object(app, "ConfigMap")
        #expect(config["name"] == "cache-us-east-1", "the release is named after the Application")
        #expect(config["namespace"] == "cache")
        var named = Self.files
        named["applicationsets/cache.yaml"] = named["applicationsets/cache.yaml"]!.replacing("ignoreMissingValueFiles: true", with: "ignoreMissingValueFiles: true\n          releaseName: shared\n          namespace: other")
        let renamed = try application(try plan(named, cluster: "us-east-1"), "cache-us-east-1")
        #expect(try object(renamed, "ConfigMap")["name"] == "shared")
        #expect(try object(renamed, "ConfigMap")[path: "object", "metadata", "namespace"] == "other")
    }

    @Test func crdsAreIncludedHooksMappedAndTestsLeftOut() throws {
        let app = try application(try plan(Self.files, cluster: "us-east-1"), "cache-us-east-1")
        let kinds = app["resources"]?.arrayValue?.compactMap { $0["kind"]?.stringValue } ?? []
        #expect(kinds.contains("CustomResourceDefinition"))
        #expect(!kinds.contains("Pod"), "Helm test hooks are never applied")
        let job = try object(app, "Job")
        #expect(job["hooks"] == ["PreSync"] && job["wave"] == -5, "pre-install is PreSync, the hook weight orders it")
        var skipping = Self.files
        skipping["applicationsets/cache.yaml"] = skipping["applicationsets/cache.yaml"]!.replacing("ignoreMissingValueFiles: true", with: "ignoreMissingValueFiles: true\n          skipCrds: true")
        let withoutCRDs = try application(try plan(skipping, cluster: "us-east-1"), "cache-us-east-1")
        #expect(!(withoutCRDs["resources"]?.arrayValue ?? []).contains { $0["kind"] == "CustomResourceDefinition" })
    }

    @Test func aMissingValueFileOrABrokenChartIsTheApplicationsError() throws {
        var strict = Self.files
        strict["applicationsets/cache.yaml"] = strict["applicationsets/cache.yaml"]!.replacing("ignoreMissingValueFiles: true", with: "ignoreMissingValueFiles: false")
        let app = try application(try plan(strict, cluster: "us-east-1"), "cache-us-east-1")
        #expect(app["error"]?.stringValue?.contains("values file values-us-east-1.yaml not found") == true, "\(app["error"] ?? .null)")
        var broken = Self.files
        broken["charts/cache/templates/cm.yaml"] = "{{ required \"tier is needed\" .Values.nothing }}"
        let failed = try application(try plan(broken, cluster: "us-east-1"), "cache-us-east-1")
        #expect(failed["error"]?.stringValue?.contains("tier is needed") == true, "\(failed["error"] ?? .null)")
    }

    @Test func valueFilesFromAReferencedSourceOfAMultiSourceApplication() throws {
        let history = InMemoryHistory()
        var files = Self.files
        files["applicationsets/cache.yaml"] = nil
        files["applications/cache.yaml"] = """
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata: {name: cache}
            spec:
              project: default
              sources:
              - repoURL: '\(Self.fleetURL)'
                path: charts/cache
                helm: {valueFiles: [$config/cache/prod.yaml]}
              - repoURL: '\(Self.fleetURL)'
                ref: config
              destination: {name: us-east-1, namespace: cache}
            """
        files["cache/prod.yaml"] = "memory: 16Gi\n"
        history.commit(files)
        let planner = FleetPlanner(repositories: history, fleetRepoURL: Self.fleetURL)
        var plan = try JSON.parse(try #require(try planner.plan().plans["us-east-1"]).json)
        #expect(try object(try application(plan, "cache"), "ConfigMap")[path: "object", "data", "memory"] == "16Gi")
        history.commit(["cache/prod.yaml": "memory: 32Gi\n"])
        plan = try JSON.parse(try #require(try planner.plan().plans["us-east-1"]).json)
        #expect(try object(try application(plan, "cache"), "ConfigMap")[path: "object", "data", "memory"] == "32Gi", "a change to the referenced file renders again")
    }

    @Test func kustomizationsInflateHelmChartsOnlyWithEnableHelm() throws {
        var files = Self.files
        files["applicationsets/cache.yaml"] = nil
        files["applications/k.yaml"] = """
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata: {name: k}
            spec:
              project: default
              source: {repoURL: '\(Self.fleetURL)', path: overlay}
              destination: {name: us-east-1, namespace: k}
            """
        // The chart under the kustomization (kustomize reads its values file, which must be inside).
        for (path, text) in Self.files where path.hasPrefix("charts/cache/") { files["overlay/" + path] = text }
        files["overlay/kustomization.yaml"] = "namePrefix: k-\nhelmCharts:\n- {name: cache, releaseName: c, valuesInline: {tier: silver}}\n"
        let history = InMemoryHistory()
        history.commit(files)
        let planner = FleetPlanner(repositories: history, fleetRepoURL: Self.fleetURL)
        let refused = try application(try JSON.parse(try #require(try planner.plan().plans["us-east-1"]).json), "k")
        #expect(refused["error"]?.stringValue?.contains("must specify --enable-helm") == true, "\(refused)")
        let enabled = FleetPlanner(repositories: history, fleetRepoURL: Self.fleetURL)
        enabled.kustomizeEnableHelm = true
        let app = try application(try JSON.parse(try #require(try enabled.plan().plans["us-east-1"]).json), "k")
        #expect(app["error"] == nil, "\(app)")
        let config = try object(app, "ConfigMap")
        #expect(config["name"] == "k-c" && config[path: "object", "data", "tier"] == "silver", "the chart's output goes through the overlay's transformers")
    }
}
