import FleetTestSupport
import Foundation
import Testing

/// kustomize's `helmCharts` with `fleet build --enable-helm`, against `kubectl kustomize
/// --enable-helm` using `fleet helm template` as its helm (kubectl does the kustomize side: the
/// values merge, the arguments, the transformers over the output; the Helm side is ours in
/// both, and is checked against Helm itself by the Helm corpus).
@Suite struct BuildHelmChartsTests {
    let fleet = ProcessRunner.productsDirectory + "/fleet"

    func writeChart(_ directory: TemporaryDirectory, at path: String, name: String = "mini") throws {
        try directory.write("\(path)/Chart.yaml", "apiVersion: v2\nname: \(name)\nversion: 0.1.0\n")
        try directory.write("\(path)/values.yaml", "replicas: 1\nimage: {repository: nginx, tag: '1.25'}\nlabels: {team: a}\n")
        try directory.write("\(path)/crds/widget.yaml", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  names: {kind: Widget, plural: widgets}\n  scope: Namespaced\n  versions: [{name: v1, served: true, storage: true}]\n")
        try directory.write("\(path)/templates/deploy.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{ .Release.Name }}-web
              namespace: {{ .Release.Namespace }}
              labels: {{- toYaml .Values.labels | nindent 4 }}
            spec:
              replicas: {{ .Values.replicas }}
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers:
                  - name: web
                    image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
            """)
        try directory.write("\(path)/templates/hook.yaml", """
            apiVersion: batch/v1
            kind: Job
            metadata:
              name: {{ .Release.Name }}-migrate
              annotations: {helm.sh/hook: pre-install}
            spec: {template: {spec: {restartPolicy: Never, containers: [{name: m, image: busybox}]}}}
            """)
    }

    func compare(_ kustomization: String, extra: (TemporaryDirectory) throws -> Void = { _ in }) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try writeChart(directory, at: "app/charts/mini")
        try extra(directory)
        try directory.write("app/kustomization.yaml", kustomization)
        let ours = try ProcessRunner.run(fleet, ["build", "--enable-helm", directory.file("app")])
        #expect(ours.status == 0, "\(ours.stderr)")
        guard let kubectl = Kubectl.path else { return }
        let shim = try directory.write("helm", "#!/bin/sh\nif [ \"$1\" = version ]; then echo v3.21.4; exit 0; fi\nshift\nexec \(fleet) helm template \"$@\"\n")
        chmod(shim, 0o755)
        let theirs = try ProcessRunner.run(kubectl, ["kustomize", "--enable-helm", "--helm-command", shim, directory.file("app")])
        #expect(theirs.status == 0, "\(theirs.stderr)")
        #expect(ours.stdout == theirs.stdout, "\(firstLineDifference(ours.stdout, theirs.stdout) ?? "")")
    }

    @Test func valuesInlineOverridesTheChartsValuesAndTransformersApplyToTheOutput() throws {
        try compare("""
            namePrefix: p-
            commonLabels: {env: prod}
            helmCharts:
            - name: mini
              releaseName: shop
              namespace: shop
              valuesInline: {replicas: 3, image: {tag: '1.27'}, labels: {tier: web}}
            """)
    }

    @Test func valuesMergeModesAndAValuesFile() throws {
        for mode in ["merge", "replace", "override"] {
            try compare("""
                helmCharts:
                - name: mini
                  releaseName: r
                  valuesFile: prod-values.yaml
                  valuesMerge: \(mode)
                  valuesInline: {replicas: 5, labels: {team: b}}
                """, extra: { try $0.write("app/prod-values.yaml", "replicas: 2\nimage: {repository: registry.example.com/nginx}\nlabels: {team: c, cost: x}\n") })
        }
    }

    @Test func crdsHooksAndAChartHomeOfItsOwn() throws {
        try compare("""
            helmGlobals: {chartHome: vendor}
            helmCharts:
            - name: other
              releaseName: r
              includeCRDs: true
            - name: other
              releaseName: s
              skipHooks: true
              additionalValuesFiles: [more.yaml]
            """, extra: { directory in
                try writeChart(directory, at: "app/vendor/other", name: "other")
                try directory.write("app/more.yaml", "replicas: 4\n")
            })
    }

    @Test func withoutEnableHelmChartsAreRefusedAsKubectlRefusesThem() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try writeChart(directory, at: "app/charts/mini")
        try directory.write("app/kustomization.yaml", "helmCharts:\n- name: mini\n")
        let result = try ProcessRunner.run(fleet, ["build", directory.file("app")])
        #expect(result.status == 1 && result.stderr.contains("must specify --enable-helm"), "\(result.stderr)")
        try directory.write("app/kustomization.yaml", "helmCharts:\n- name: absent\n  repo: https://charts.example.com\n")
        let missing = try ProcessRunner.run(fleet, ["build", "--enable-helm", directory.file("app")])
        #expect(missing.status == 1 && missing.stderr.contains("fleet does not pull charts"), "\(missing.stderr)")
    }
}
