import FleetModel
import FleetTemplate
import Testing

/// `define`, `template` and `block`, as Go's text/template runs them.
@Suite struct NamedTemplateTests {
    let data: Value = ["name": "web", "replicas": 3, "labels": ["app": "web", "tier": "front"]]

    func run(_ text: String) throws -> String {
        try GoTemplate(parsing: text).execute(data)
    }

    @Test func aDefinedTemplateRunsWithThePipelineAsDotAndDollar() throws {
        #expect(try run(#"{{ define "greet" }}Hello {{ . }} ({{ $ }}){{ end }}{{ template "greet" .name }}"#) == "Hello web (web)")
        #expect(try run(#"{{ define "n" }}{{ .replicas }}{{ end }}[{{ template "n" . }}]"#) == "[3]")
    }

    @Test func aTemplateCalledWithoutAPipelineGetsNilDot() throws {
        #expect(try run(#"{{ define "t" }}{{ . }}{{ end }}{{ template "t" }}"#) == "<no value>")
    }

    @Test func definitionsProduceNoOutputWhereTheyAreWritten() throws {
        #expect(try run("a{{ define \"x\" }}ignored{{ end }}b") == "ab")
        #expect(try run("a\n{{- define \"x\" -}}\n  body\n{{- end -}}\nb") == "ab")
    }

    @Test func aBlockDefinesAndCallsAndALaterDefineReplacesItsBody() throws {
        #expect(try run(#"{{ block "title" .name }}default {{ . }}{{ end }}"#) == "default web")
        #expect(try run(#"{{ block "title" .name }}default{{ end }}{{ define "title" }}custom {{ . }}{{ end }}"#) == "custom web")
        #expect(try run(#"{{ block "title" .name }}default{{ end }}{{ define "title" }}  {{ end }}"#) == "default",
                "an empty definition does not replace one that has a body")
    }

    @Test func templatesCallTemplatesAndRangeInsideThem() throws {
        let text = #"""
            {{- define "label" }}{{ .k }}={{ .v }}{{ end -}}
            {{- define "labels" }}{{ range $k, $v := . }}{{ template "label" (dict "k" $k "v" $v) }};{{ end }}{{ end -}}
            {{ template "labels" .labels }}
            """#
        #expect(try run(text) == "app=web;tier=front;")
    }

    @Test func theCallersVariablesAreNotVisibleInsideATemplate() throws {
        let text = #"{{ define "t" }}{{ $ }}{{ end }}{{ $x := "outer" }}{{ template "t" "inner" }}"#
        #expect(try run(text) == "inner")
    }

    @Test func unboundedRecursionIsAnError() {
        // Engines run on a large stack (the CLI's and the hub's planning threads do).
        let error = #expect(throws: TemplateError.self) {
            try LargeStack.run { try run(#"{{ define "r" }}x{{ template "r" . }}{{ end }}{{ template "r" . }}"#) }
        }
        #expect(error?.message.contains("maximum template depth") == true)
    }

    @Test(arguments: [
        #"{{ template "missing" }}"#,
        #"{{ template .name }}"#,
        #"{{ if true }}{{ define "x" }}y{{ end }}{{ end }}"#,
        #"{{ define "x" }}unterminated"#,
        #"{{ block "x" }}no end"#,
    ])
    func malformedOrMissingTemplatesAreErrors(_ text: String) {
        #expect(throws: TemplateError.self) { try run(text) }
    }

    @Test func theNamesATextDefinesAreListed() throws {
        #expect(try GoTemplate(parsing: #"{{ define "b" }}{{ end }}{{ define "a" }}x{{ end }}{{ block "c" . }}{{ end }}"#).definedNames == ["a", "b", "c"])
    }
}

@Suite struct GoLexingTests {
    @Test func aFieldRightAfterAKeywordOrFunctionIsAnArgument() throws {
        let data: Value = ["flag": true, "name": "web"]
        #expect(try GoTemplate(parsing: "{{- if.flag }}on{{ end }}").execute(data) == "on")
        #expect(try GoTemplate(parsing: "{{ with.name }}{{ . }}{{ end }}").execute(data) == "web")
        #expect(try GoTemplate(parsing: "{{ upper.name }}").execute(data) == "WEB")
    }
}
