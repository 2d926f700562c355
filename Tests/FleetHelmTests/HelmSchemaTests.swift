import FleetHelm
import FleetModel
import Testing

/// values.schema.json applied as Helm applies it (JSON Schema; every chart its own part).
@Suite struct HelmSchemaTests {
    func violations(_ schema: String, _ values: Value) throws -> [String] {
        try HelmSchema(bytes: Array(schema.utf8), file: "values.schema.json").violations(of: values)
    }

    @Test func typesRequiredAndBoundsAreChecked() throws {
        let schema = """
            {"type": "object", "required": ["name"],
             "properties": {"name": {"type": "string", "minLength": 2, "pattern": "^[a-z]+$"},
                            "replicas": {"type": "integer", "minimum": 1, "maximum": 10},
                            "ratio": {"type": "number", "exclusiveMaximum": 1},
                            "mode": {"enum": ["a", "b", 3]}}}
            """
        #expect(try violations(schema, ["name": "web", "replicas": .double(3), "ratio": .double(0.5), "mode": .double(3)]).isEmpty,
                "3.0 from values.yaml is an integer, and equals the enum's 3")
        #expect(try violations(schema, ["replicas": "many"]) == ["at '/': missing property 'name'", "at '/replicas': got string, want integer"])
        #expect(try violations(schema, ["name": "Web", "replicas": .double(2.5)]) == [
            "at '/name': 'Web' does not match pattern '^[a-z]+$'", "at '/replicas': got number, want integer",
        ])
        #expect(try violations(schema, ["name": "w", "replicas": .int(11), "ratio": .int(1), "mode": "c"]).count == 4)
    }

    @Test func nestedObjectsArraysAndAdditionalProperties() throws {
        let schema = """
            {"properties": {"ports": {"type": "array", "minItems": 1, "uniqueItems": true,
                                       "items": {"type": "object", "additionalProperties": false,
                                                 "properties": {"port": {"type": "integer"}}}},
                            "labels": {"type": "object", "additionalProperties": {"type": "string"}}}}
            """
        #expect(try violations(schema, ["ports": [["port": 80]], "labels": ["a": "b"]]).isEmpty)
        #expect(try violations(schema, ["ports": [["port": 80, "name": "x"]], "labels": ["a": 1]]) == [
            "at '/labels/a': got number, want string", "at '/ports/0': additional property 'name' is not allowed",
        ])
        #expect(try violations(schema, ["ports": [["port": 80], ["port": 80]]]) == ["at '/ports': items at 0 and 1 are equal"])
    }

    @Test func combinatorsConditionalsAndLocalReferences() throws {
        let schema = """
            {"definitions": {"port": {"type": "integer", "minimum": 1}},
             "properties": {"http": {"$ref": "#/definitions/port"},
                            "size": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
                            "tls": {"type": "boolean"}},
             "if": {"properties": {"tls": {"const": true}}, "required": ["tls"]},
             "then": {"required": ["cert"]},
             "not": {"required": ["forbidden"]},
             "anyOf": [{"required": ["http"]}, {"required": ["size"]}]}
            """
        #expect(try violations(schema, ["http": 8080, "tls": false]).isEmpty)
        #expect(try violations(schema, ["http": 0]) == ["at '/http': minimum: got 0, want 1"])
        #expect(try violations(schema, ["size": "1Gi", "tls": true]) == ["at '/': missing property 'cert'"])
        #expect(try violations(schema, ["tls": false, "forbidden": 1]) == ["at '/': anyOf failed", "at '/': not failed"])
        let cycle = ##"{"$ref": "#"}"##
        #expect(try violations(cycle, ["a": 1]).first?.contains("nests more than") == true, "a $ref cycle ends in an error, not a crash")
    }

    @Test func renderingStopsOnViolationsInAnyChartUnlessSkipped() throws {
        let files = [
            "app/Chart.yaml": "apiVersion: v2\nname: app\nversion: 1.0.0\n",
            "app/values.yaml": "replicas: 1\nsub: {}\n",
            "app/values.schema.json": #"{"properties": {"replicas": {"type": "integer"}}}"#,
            "app/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n",
            "app/charts/sub/Chart.yaml": "apiVersion: v2\nname: sub\nversion: 1.0.0\n",
            "app/charts/sub/values.schema.json": #"{"required": ["size"]}"#,
        ]
        let chart = try HelmChart.load(tree: InMemoryFileTree(files: files), path: "app")
        #expect(throws: HelmError("values don't meet the specifications of the schema(s) in the following chart(s):\napp:\n- at '/replicas': got string, want integer\nsub:\n- at '/': missing property 'size'\n")) {
            try HelmRenderer.render(chart, values: ["replicas": "two"], options: HelmRenderOptions(releaseName: "r"))
        }
        #expect(try HelmRenderer.render(chart, values: ["sub": ["size": 1]], options: HelmRenderOptions(releaseName: "r")).count == 1)
        #expect(try HelmRenderer.render(chart, values: ["replicas": "two"], options: HelmRenderOptions(releaseName: "r", skipSchemaValidation: true)).count == 1)
    }
}
