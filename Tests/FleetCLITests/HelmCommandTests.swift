import FleetTestSupport
import Foundation
import Testing

/// `fleet helm template` as a user runs it.
@Suite struct HelmCommandTests {
    let fleet = ProcessRunner.productsDirectory + "/fleet"

    func chart() throws -> TemporaryDirectory {
        let temp = try TemporaryDirectory()
        try temp.write("web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\n")
        try temp.write("web/values.yaml", "replicas: 1\nimage: {tag: \"1.0\"}\nlabels: {}\n")
        try temp.write("web/templates/deployment.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: {{ .Release.Name }}-web
              namespace: {{ .Release.Namespace }}
              labels: {{- toYaml .Values.labels | nindent 4 }}
            spec:
              replicas: {{ .Values.replicas }}
              template:
                spec:
                  containers:
                  - {name: web, image: "web:{{ .Values.image.tag }}"}
            """)
        try temp.write("prod.yaml", "replicas: 3\n")
        return temp
    }

    @Test func printsManifestsWithSourceLinesAndHelmsValuePrecedence() throws {
        let temp = try chart()
        defer { temp.remove() }
        let result = try ProcessRunner.run(fleet, ["helm", "template", "prod", temp.file("web"), "-f", temp.file("prod.yaml"),
                                                   "--set", "image.tag=2.0", "--set-string", "labels.tier=1", "--namespace", "shop"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("---\n# Source: web/templates/deployment.yaml\n"))
        #expect(result.stdout.contains("name: prod-web"))
        #expect(result.stdout.contains("namespace: shop"))
        #expect(result.stdout.contains("replicas: 3"), "-f over values.yaml")
        #expect(result.stdout.contains("image: \"web:2.0\""), "--set over -f")
        #expect(result.stdout.contains("tier: \"1\""), "--set-string keeps a string")
    }

    @Test func whatHelmRefusesExitsOneWithHelmsMessage() throws {
        let temp = try chart()
        defer { temp.remove() }
        try temp.write("web/Chart.yaml", "apiVersion: v2\nname: web\nversion: 0.1.0\ntype: plugin\n")
        let result = try ProcessRunner.run(fleet, ["helm", "template", "prod", temp.file("web")])
        #expect(result.status == 1)
        #expect(result.stderr.contains("error: validation: chart.metadata.type must be application or library"), "\(result.stderr)")
        let missing = try ProcessRunner.run(fleet, ["helm", "template", "prod", temp.file("nope")])
        #expect(missing.status == 1)
    }
}
