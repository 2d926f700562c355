import FleetModel
import FleetYAML
import Testing

/// The reading options kustomize's two YAML paths need: annotations read into a string map,
/// and kustomization files read by go-yaml v2 (a repeated key: the later value wins).
@Suite struct YAMLReadingOptionsTests {
    @Test func annotationScalarsKeepTheTextTheyWereWrittenAs() throws {
        let text = """
            metadata:
              annotations:
                port: 8080
                ratio: 2.50
                on: true
                tilde: ~
                empty:
                day: 2024-01-02
                nested: {a: 1}
              labels:
                port: 8080
            spec:
              annotations:
                port: 8080
            """
        let value = try YAML.parse(text, options: YAMLParseOptions(annotationsAsText: true))
        #expect(value[path: "metadata", "annotations"] == [
            "port": "8080", "ratio": "2.50", "on": "true", "tilde": "~", "empty": "", "day": "2024-01-02", "nested": ["a": 1],
        ])
        #expect(value[path: "metadata", "labels", "port"] == .int(8080), "only annotations are read as text")
        #expect(value[path: "spec", "annotations", "port"] == .int(8080), "only the document's own metadata")
        let typed = try YAML.parse(text)
        #expect(typed[path: "metadata", "annotations", "ratio"] == .double(2.5))
    }

    @Test func repeatedKeysAreAnErrorUnlessTheLaterMayWin() throws {
        let text = "a: 1\nb: {x: 1}\na: 2\nb: {y: 2}\n"
        #expect(throws: YAMLError.self) { try YAML.parse(text) }
        let documents = try YAML.parseStream(text, options: YAMLParseOptions(recordLines: true, duplicateKeysLastWins: true))
        #expect(documents[0].value == ["a": 2, "b": ["y": 2]])
        #expect(documents[0].line(of: JSONPointer(tokens: ["a"])) == 3, "errors point at the value in force")
    }
}
