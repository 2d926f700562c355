import FleetModel
import FleetTemplate
import Testing

/// A chart's files parsed into one set: Helm's `include` and `tpl` over shared definitions.
@Suite struct TemplateSetTests {
    let values: Value = ["Values": ["name": "web", "greeting": "hi {{ .Values.name }}", "labels": ["app": "web"]],
                         "Release": ["Name": "prod"]]

    func chart(_ files: [(String, String)]) throws -> TemplateSet {
        var set = TemplateSet()
        for (name, text) in files { set.add(name, try GoTemplate(parsing: text)) }
        return set
    }

    @Test func includeReturnsATemplatesOutputForPipelinesAcrossFiles() throws {
        let set = try chart([
            ("chart/templates/_helpers.tpl", #"{{- define "chart.labels" -}}app: {{ .Values.name }}{{ "\n" }}release: {{ .Release.Name }}{{- end }}"#),
            ("chart/templates/deploy.yaml", "metadata:\n  labels:\n    {{- include \"chart.labels\" . | nindent 4 }}\n"),
        ])
        #expect(try set.execute("chart/templates/deploy.yaml", data: values) == "metadata:\n  labels:\n    app: web\n    release: prod\n")
        #expect(set.names.contains("chart.labels"))
    }

    @Test func tplRendersTextFromValuesAndMayCallTheSetsTemplates() throws {
        let set = try chart([
            ("_helpers.tpl", #"{{ define "name" }}{{ .Values.name }}{{ end }}"#),
            ("a.yaml", #"{{ tpl .Values.greeting . }}|{{ tpl "{{ include \"name\" . }}-x" . }}"#),
        ])
        #expect(try set.execute("a.yaml", data: values) == "hi web|web-x")
    }

    @Test func templatesDefinedInsideTplTextAreSeenOnlyThere() throws {
        let set = try chart([("a.yaml", #"{{ tpl "{{ define \"inner\" }}in{{ end }}{{ template \"inner\" }}" . }}{{ include "inner" . }}"#)])
        let error = #expect(throws: TemplateError.self) { try set.execute("a.yaml", data: values) }
        #expect(error?.message.contains("no template \"inner\"") == true, "\(String(describing: error))")
    }

    @Test func includeOfAMissingTemplateIsHelmsError() throws {
        let set = try chart([("a.yaml", #"{{ include "nope" . }}"#)])
        let error = #expect(throws: TemplateError.self) { try set.execute("a.yaml", data: values) }
        #expect(error?.message.hasSuffix(#"error calling include: template: no template "nope" associated with template "gotpl""#) == true, "\(String(describing: error))")
    }

    @Test func recursiveIncludesStopAtTheDepthLimit() throws {
        let set = try chart([("a.yaml", #"{{ define "r" }}{{ include "r" . }}{{ end }}{{ include "r" . }}"#)])
        // Engines run on a large stack (the CLI's and the hub's planning threads do).
        let error = #expect(throws: TemplateError.self) { try LargeStack.run { try set.execute("a.yaml", data: values) } }
        #expect(error?.message.contains("maximum template depth") == true)
    }

    @Test func withoutHelmFunctionsIncludeIsUnknown() throws {
        let set = try chart([("a.yaml", #"{{ include "a.yaml" . }}"#)])
        #expect(throws: TemplateError.self) { try set.execute("a.yaml", data: values, includeAndTpl: false) }
    }

    @Test func aLaterFileRedefinesATemplateButAnEmptyDefinitionDoesNot() throws {
        let set = try chart([
            ("1.tpl", #"{{ define "x" }}first{{ end }}"#),
            ("2.tpl", #"{{ define "x" }}second{{ end }}"#),
            ("3.tpl", #"{{ define "x" }} {{ end }}"#),
            ("out", #"{{ include "x" . }}"#),
        ])
        #expect(try set.execute("out", data: values) == "second")
    }
}

/// Go values with methods, as Helm's `.Capabilities` and `.Files` are.
@Suite struct TemplateMethodTests {
    let data: Value = ["Capabilities": ["APIVersions": .object([TemplateMethods.typeKey: "APIVersions", "list": ["v1", "apps/v1"]])],
                       "Files": .object([TemplateMethods.typeKey: "Files"])]
    let methods: [String: TemplateMethod] = [
        "APIVersions.Has": { receiver, arguments in
            guard arguments.count == 1, case .string(let version) = arguments[0], case .array(let list)? = receiver["list"] else {
                throw TemplateError("wrong number of args for Has: want 1 got \(arguments.count)")
            }
            return .bool(list.contains(.string(version)))
        },
        "Files.Names": { _, arguments in
            guard arguments.isEmpty else { throw TemplateError("Names takes no arguments") }
            return ["a.conf", "b.conf"]
        },
    ]

    func render(_ text: String) throws -> String {
        var set = TemplateSet()
        set.add("t", try GoTemplate(parsing: text))
        return try set.execute("t", data: data, methods: methods)
    }

    @Test func methodsTakeArgumentsAndPipelineValues() throws {
        #expect(try render(#"{{ .Capabilities.APIVersions.Has "apps/v1" }} {{ .Capabilities.APIVersions.Has "batch/v9" }}"#) == "true false")
        #expect(try render(#"{{ "v1" | .Capabilities.APIVersions.Has }}"#) == "true")
        #expect(try render(#"{{ if .Capabilities.APIVersions.Has "apps/v1" }}yes{{ end }}"#) == "yes")
    }

    @Test func aMethodWithoutArgumentsReadsAsAField() throws {
        #expect(try render(#"{{ range .Files.Names }}{{ . }};{{ end }}"#) == "a.conf;b.conf;")
    }

    @Test func methodErrorsNameTheMethodAndFieldsStillRejectArguments() {
        let error = #expect(throws: TemplateError.self) { try render(#"{{ .Capabilities.APIVersions.Has }}"#) }
        #expect(error?.message.contains("error calling Has") == true, "\(String(describing: error))")
        #expect(throws: TemplateError.self) { try render(#"{{ .Capabilities.APIVersions.list "x" }}"#) }
    }
}
