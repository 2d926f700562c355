import FleetModel
import FleetYAML
import Testing

@Suite struct YAMLStructureTests {
    @Test func mappingsKeepSourceOrder() throws {
        let v = try YAML.parse("kind: ConfigMap\napiVersion: v1\nmetadata: {name: x}\n")
        #expect(v.objectValue.map { Array($0.keys) } == ["kind", "apiVersion", "metadata"])
    }

    @Test func anchorsAndAliasesShareValues() throws {
        let v = try YAML.parse("""
            base: &limits {cpu: "1", memory: 1Gi}
            a: *limits
            list: [&x 1, *x, *x]
            """)
        #expect(v["a"] == ["cpu": "1", "memory": "1Gi"])
        #expect(v["list"] == [1, 1, 1])
    }

    @Test func mergeKeysLetExplicitKeysWinAndEarlierMergesWin() throws {
        let v = try YAML.parse("""
            one: &one {a: 1, b: 1, c: 1}
            two: &two {b: 2, d: 2}
            single:
              <<: *one
              c: 9
            multi:
              z: 0
              <<: [*two, *one]
            """)
        #expect(v["single"] == ["a": 1, "b": 1, "c": 9])
        #expect(v["multi"] == ["z": 0, "b": 2, "d": 2, "a": 1, "c": 1])
        #expect(v["multi"]?.objectValue.map { Array($0.keys) } == ["z", "b", "d", "a", "c"], "merged keys take the place of <<")
        #expect(try YAML.parse("\"<<\": 1")["<<"] == 1, "a quoted << is an ordinary key")
    }

    @Test func blockScalarsHonourStyleAndChomping() throws {
        let v = try YAML.parse("""
            literal: |
              a
               b
            strip: |-
              a
            keep: |+
              a

            folded: >
              a
              b

              c
            foldedStrip: >-
              x
              y
            indented: |2
                four
            last: end
            """)
        #expect(v["literal"] == "a\n b\n")
        #expect(v["strip"] == "a")
        #expect(v["keep"] == "a\n\n")
        #expect(v["folded"] == "a b\nc\n")
        #expect(v["foldedStrip"] == "x y")
        #expect(v["indented"] == "  four\n")
    }

    @Test func flowCollectionsAndComments() throws {
        let v = try YAML.parse("""
            # a comment
            args: [--port, "8080", {k: v}] # trailing
            empty: {}
            none: []
            nested: {a: [1, {b: c}]}
            """)
        #expect(v == ["args": ["--port", "8080", ["k": "v"]], "empty": .emptyObject, "none": [], "nested": ["a": [1, ["b": "c"]]]])
    }

    @Test func streamsSplitIntoDocumentsWithTheirLines() throws {
        let docs = try YAML.parseStream("""
            kind: A
            ---
            # only a comment
            ---
            kind: B
            ...
            ---
            kind: C
            """)
        #expect(docs.map(\.value) == [["kind": "A"], .null, ["kind": "B"], ["kind": "C"]])
        #expect(docs.map(\.line) == [1, 2, 4, 7])
        #expect(try YAML.parseStream("").isEmpty)
        #expect(try YAML.parseStream("---\n").map(\.value) == [.null])
    }

    @Test func singleDocumentParseRefusesStreams() {
        let error = #expect(throws: YAMLError.self) { try YAML.parse("a: 1\n---\nb: 2\n", source: "x.yaml") }
        #expect(error?.description == "x.yaml:2:1: expected a single YAML document, found 2")
    }
}
