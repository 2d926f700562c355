import FleetHelm
import FleetModel
import FleetYAML
import Testing

/// import-values, kubeVersion, `.Chart.IsRoot`, `.Files.Lines` and Helm's refusal of
/// documents that are not mappings, on a small parent/child chart of our own.
@Suite struct HelmDependencyValuesTests {
    var files: [String: String] = [
        "parent/Chart.yaml": """
            apiVersion: v2
            name: parent
            version: 1.0.0
            kubeVersion: ">=1.25.0-0"
            dependencies:
            - name: child
              version: 0.1.0
              import-values:
              - child: settings
                parent: fromChild
              - data
            """,
        "parent/values.yaml": "fromChild:\n  mine: parent\n",
        "parent/files/lines.txt": "one\ntwo\n\nfour\n",
        "parent/templates/cm.yaml": """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: parent
            data:
              imported: {{ .Values.fromChild | toJson | quote }}
              exported: {{ .Values.port | quote }}
              root: {{ .Chart.IsRoot | quote }}
              lines: {{ .Files.Lines "files/lines.txt" | toJson | quote }}
            """,
        "parent/charts/child/Chart.yaml": "apiVersion: v2\nname: child\nversion: 0.1.0\n",
        "parent/charts/child/values.yaml": "settings:\n  level: 2\n  mine: child\nexports:\n  data:\n    port: 8080\n",
        "parent/charts/child/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: child\ndata:\n  root: {{ .Chart.IsRoot | quote }}\n",
    ]

    func render(_ files: [String: String], kubeVersion: String = "v1.36.0") throws -> [String: Value] {
        let chart = try HelmChart.load(tree: InMemoryFileTree(files: files), path: "parent")
        let manifests = try HelmRenderer.render(chart, values: [:], options: HelmRenderOptions(releaseName: "r", kubeVersion: kubeVersion))
        var byName: [String: Value] = [:]
        for manifest in manifests {
            let object = try YAML.parse(manifest.text)
            byName[object[path: "metadata", "name"]?.stringValue ?? ""] = object["data"]
        }
        return byName
    }

    @Test func importValuesCopyTheChildsTablesUnderTheParentsOwnValues() throws {
        let data = try render(files)
        #expect(data["parent"]?["imported"] == .string(#"{"level":2,"mine":"parent"}"#), "the parent's own value wins over the imported one")
        #expect(data["parent"]?["exported"] == .string("8080"), "a plain name imports the child's exports.NAME at the top")
    }

    @Test func chartIsRootAndFilesLinesAsHelmHasThem() throws {
        let data = try render(files)
        #expect(data["parent"]?["root"] == .string("true"))
        #expect(data["child"]?["root"] == .string("false"))
        #expect(data["parent"]?["lines"] == .string(#"["one","two","","four"]"#), "one final newline is dropped before splitting")
    }

    @Test func aChartsKubeVersionConstraintIsChecked() throws {
        #expect(throws: HelmError("chart requires kubeVersion: >=1.25.0-0 which is incompatible with Kubernetes v1.19.9")) {
            try render(files, kubeVersion: "1.19.9")
        }
    }

    @Test func aDocumentThatIsNotAMappingIsRefused() throws {
        var broken = files
        broken["parent/templates/notes.tpl"] = "Hello {{ .Release.Name }}"
        #expect(throws: HelmError("YAML parse error on parent/templates/notes.tpl: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go value of type releaseutil.SimpleHead")) {
            try render(broken)
        }
    }
}
