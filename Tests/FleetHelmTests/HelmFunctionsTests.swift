import FleetHelm
import FleetModel
import FleetTemplate
import Testing

@Suite struct HelmFunctionsTests {
    func render(_ text: String, _ data: Value = .emptyObject) throws -> String {
        var set = TemplateSet()
        set.add("t", try GoTemplate(parsing: text))
        return try set.execute("t", data: data, functions: HelmFunctions.table)
    }

    @Test func lookupAnswersAnEmptyMapAsHelmTemplateDoes() throws {
        #expect(try render(#"{{ $s := lookup "v1" "Secret" "ns" "name" }}{{ len $s }}{{ if not $s }} none{{ end }}"#) == "0 none")
        #expect(throws: TemplateError.self) { try render(#"{{ lookup "v1" "Secret" }}"#) }
    }

    @Test func jsonReadersReportFailuresInTheirResult() throws {
        #expect(try render(#"{{ (fromJson "{\"a\": 1}").a }}"#) == "1")
        #expect(try render(#"{{ (fromJson "[1]").Error }}"#).contains("cannot unmarshal"))
        #expect(try render(#"{{ index (fromJsonArray "[\"x\", 2]") 0 }}"#) == "x")
        #expect(try render(#"{{ index (fromJsonArray "{}") 0 }}"#).contains("cannot unmarshal"))
    }

    @Test func yamlReadersReportFailuresInTheirResultToo() throws {
        #expect(try render(#"{{ (fromYaml "a: 1").a }}"#) == "1")
        #expect(try render(#"{{ (fromYaml "a: [").Error }}"#).hasPrefix("error converting YAML to JSON"))
        #expect(try render(#"{{ all 1 "x" true }} {{ all 1 "" }} {{ any 0 "" "y" }} {{ any 0 false }}"#) == "true false true false")
    }

    @Test func helmFunctionsIncludeIncludeAndTplThroughTheSet() throws {
        let text = #"{{ define "n" }}{{ .name }}{{ end }}{{ include "n" . | upper }}-{{ tpl "{{ .name }}" . }}"#
        #expect(try render(text, ["name": "web"]) == "WEB-web")
    }
}
