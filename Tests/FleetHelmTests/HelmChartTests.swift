import FleetHelm
import FleetModel
import Testing

/// Charts as Helm's loader reads them, and the validation errors it gives.
@Suite struct HelmChartTests {
    func tree(_ files: [String: String]) -> InMemoryFileTree { InMemoryFileTree(displayName: "charts", files: files) }

    let web: [String: String] = [
        "web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.3.1\nappVersion: \"2.1\"\ndependencies:\n- name: cache\n  version: 1.x\n- name: db\n",
        "web/values.yaml": "replicas: 3\nratio: 0.5\nimage: {repository: nginx, tag: \"1.25\"}\nports: [80, 443]\n",
        "web/templates/deployment.yaml": "kind: Deployment\n",
        "web/templates/_helpers.tpl": "{{ define \"web.name\" }}web{{ end }}",
        "web/templates/NOTES.txt": "thanks",
        "web/templates/.hidden.yaml": "kind: Ignored\n",
        "web/crds/crd.yaml": "kind: CustomResourceDefinition\n",
        "web/files/app.conf": "a=1\n",
        "web/README.md": "docs",
        "web/notes.tmp": "scratch",
        "web/.helmignore": "# editor files\n*.tmp\nsecret/\n",
        "web/secret/key": "hidden",
        "web/values.schema.json": "{}",
        "web/charts/cache/Chart.yaml": "apiVersion: v2\nname: cache\nversion: 1.2.0\n",
        "web/charts/cache/templates/svc.yaml": "kind: Service\n",
    ]

    @Test func aChartDirectoryLoadsAsHelmReadsIt() throws {
        let chart = try HelmChart.load(tree: tree(web), path: "web")
        #expect(chart.name == "web")
        #expect(chart.version == "0.3.1")
        #expect(chart.apiVersion == "v2")
        #expect(chart.type == "application")
        #expect(chart.templates.map(\.path) == ["templates/NOTES.txt", "templates/_helpers.tpl", "templates/deployment.yaml"])
        #expect(chart.crds.map(\.path) == ["crds/crd.yaml"])
        #expect(chart.files.map(\.path) == [".helmignore", "README.md", "crds/crd.yaml", "files/app.conf"],
                "not the chart's own files; .helmignore drops notes.tmp and secret/")
        #expect(chart.schema != nil)
        #expect(chart.subcharts.map(\.name) == ["cache"])
        #expect(chart.missingDependencies == ["db"])
    }

    @Test func valuesNumbersAreFloat64AsInHelm() throws {
        let chart = try HelmChart.load(tree: tree(web), path: "web")
        #expect(chart.values["replicas"] == .double(3))
        #expect(chart.values["ratio"] == .double(0.5))
        #expect(chart.values["ports"] == [.double(80), .double(443)])
        #expect(Value.object(chart.values)[path: "image", "tag"] == .string("1.25"))
    }

    @Test(arguments: [
        ("apiVersion: v2\nversion: 1.0.0\n", "validation: chart.metadata.name is required"),
        ("apiVersion: v2\nname: x\n", "validation: chart.metadata.version is required"),
        ("apiVersion: v2\nname: a/../b\nversion: 1.0.0\n", "validation: chart.metadata.name \"a/../b\" is invalid"),
        ("apiVersion: v2\nname: x\nversion: 1.0.0\ntype: plugin\n", "validation: chart.metadata.type must be application or library"),
        ("apiVersion: v2\nname: x\nversion: one\n", "validation: chart.metadata.version \"one\" is invalid"),
    ])
    func invalidMetadataIsRefusedWithHelmsWords(_ chartYAML: String, _ message: String) {
        let error = #expect(throws: HelmError.self) { try HelmChart.load(tree: tree(["c/Chart.yaml": chartYAML]), path: "c") }
        #expect(error?.message == message)
    }

    @Test func aBadSubchartNamesItselfAndItsParent() {
        var files = web
        files["web/charts/cache/Chart.yaml"] = "apiVersion: v2\nversion: 1.0.0\n"
        let error = #expect(throws: HelmError.self) { try HelmChart.load(tree: tree(files), path: "web") }
        #expect(error?.message == "error unpacking subchart cache in web: validation: chart.metadata.name is required")
    }

    @Test func aMissingChartYAMLOrBrokenYAMLIsAnError() {
        #expect(throws: HelmError.self) { try HelmChart.load(tree: tree(["c/values.yaml": "a: 1\n"]), path: "c") }
        let error = #expect(throws: HelmError.self) { try HelmChart.load(tree: tree(["c/Chart.yaml": "name: [x\n"]), path: "c") }
        #expect(error?.message.hasPrefix("cannot load Chart.yaml: error converting YAML to JSON: yaml: line") == true)
    }
}
