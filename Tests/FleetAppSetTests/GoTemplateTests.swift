import FleetModel
import FleetYAML
import Testing

@testable import FleetAppSet
@testable import FleetTemplate

/// Go text/template and Sprig behaviour, each expectation as Go and Argo CD print it.
@Suite struct GoTemplateTests {
    let parameters: Value = [
        "name": "Us-East_1",
        "server": "https://10.0.0.1:6443",
        "replicas": .double(3),
        "big": .double(1_000_000),
        "labels": ["env": "prod", "region": "us-east-1"],
        "zones": ["a", "b", "c"],
        "empty": "",
        "flag": true,
    ]

    func run(_ template: String, missingKey: MissingKeyPolicy = .noValue) throws -> String {
        try GoTemplate(parsing: template).execute(parameters, missingKey: missingKey, functions: ArgoTemplateFunctions.table)
    }

    @Test(arguments: [
        ("{{ .name }}", "Us-East_1"),
        ("{{.labels.env}}-{{ index .labels \"region\" }}", "prod-us-east-1"),
        ("{{ .replicas }}/{{ .big }}", "3/1e+06"),
        ("{{ .zones }}", "[a b c]"),
        ("{{ .labels }}", "map[env:prod region:us-east-1]"),
        ("{{ .missing }}", "<no value>"),
        ("{{ .name | lower }}", "us-east_1"),
        ("{{ .name | normalize }}", "us-east-1"),
        ("{{ upper .name | trunc 4 }}", "US-E"),
        ("{{ trunc -3 \"abcdef\" }}", "def"),
        ("{{ .empty | default \"fallback\" }}", "fallback"),
        ("{{ default \"x\" .name }}", "Us-East_1"),
        ("{{ if .flag }}yes{{ else }}no{{ end }}", "yes"),
        ("{{ if eq .labels.env \"dev\" }}dev{{ else if eq .labels.env \"prod\" }}prod{{ else }}other{{ end }}", "prod"),
        ("{{ range $i, $z := .zones }}{{ $i }}={{ $z }};{{ end }}", "0=a;1=b;2=c;"),
        ("{{ range .zones }}{{ if eq . \"b\" }}{{ continue }}{{ end }}{{ . }}{{ end }}", "ac"),
        ("{{ range .zones }}{{ if eq . \"b\" }}{{ break }}{{ end }}{{ . }}{{ end }}", "a"),
        ("{{ range $k, $v := .labels }}{{ $k }}:{{ $v }} {{ end }}", "env:prod region:us-east-1 "),
        ("{{ range .nothing }}x{{ else }}none{{ end }}", "none"),
        ("{{ with .labels }}{{ .env }}{{ end }}", "prod"),
        ("{{ with .empty }}x{{ else }}empty{{ end }}", "empty"),
        ("{{ $x := .labels.env }}{{ $x }}-{{ $.name }}", "prod-Us-East_1"),
        ("{{- \"  a  \" -}}  \n  {{- \"b\" }}", "  a  b"),
        ("a {{/* comment */}} b", "a  b"),
        ("{{ printf \"%s-%d-%v-%q-%5.2f|%-4s|\" \"x\" 7 true \"y\" 3.14159 \"ab\" }}", "x-7-true-\"y\"- 3.14|ab  |"),
        ("{{ printf \"%03d %x %X %o\" 5 255 255 8 }}", "005 ff FF 10"),
        ("{{ quote .name }} {{ squote .name }}", "\"Us-East_1\" 'Us-East_1'"),
        ("{{ join \",\" .zones }}", "a,b,c"),
        ("{{ splitList \"-\" \"a-b-c\" | last }}", "c"),
        ("{{ (split \":\" \"host:8080\")._1 }}", "8080"),
        ("{{ replace \"-\" \"_\" \"a-b-c\" }}", "a_b_c"),
        ("{{ trim \"  x  \" }}|{{ trimPrefix \"https://\" .server }}|{{ trimSuffix \":6443\" .server }}|{{ trimAll \"x\" \"xxaxx\" }}", "x|10.0.0.1:6443|https://10.0.0.1|a"),
        ("{{ title \"hello world\" }}", "Hello World"),
        ("{{ hasPrefix \"https\" .server }} {{ hasSuffix \"443\" .server }} {{ contains \"10.0\" .server }}", "true true true"),
        ("{{ ternary \"a\" \"b\" .flag }}", "a"),
        ("{{ empty .empty }} {{ empty .name }}", "true false"),
        ("{{ and .flag .name }} {{ or .empty \"z\" }} {{ not .flag }}", "Us-East_1 z false"),
        ("{{ lt 1 2 }} {{ ge 2 2 }} {{ ne \"a\" \"b\" }} {{ eq .replicas 3 }}", "true true true true"),
        ("{{ len .zones }} {{ len .name }}", "3 9"),
        ("{{ list 1 \"a\" | toJson }}", "[1,\"a\"]"),
        ("{{ dict \"b\" 1 \"a\" \"<x>\" | toJson }}", "{\"a\":\"\\u003cx\\u003e\",\"b\":1}"),
        ("{{ get .labels \"env\" }}{{ get .labels \"nope\" }}", "prod"),
        ("{{ merge (dict \"a\" 1) (dict \"a\" 2 \"b\" 3) | toJson }}", "{\"a\":1,\"b\":3}"),
        ("{{ \"hello\" | sha256sum }}", "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"),
        ("{{ \"hello\" | b64enc }}-{{ \"aGVsbG8=\" | b64dec }}", "aGVsbG8=-hello"),
        ("{{ regexReplaceAll \"([a-z]+)-([0-9]+)\" \"us-1 eu-2\" \"${2}_$1\" }}", "1_us 2_eu"),
        ("{{ regexMatch \"^https://\" .server }}", "true"),
        ("{{ slugify \"Hello World! This is a Test\" }}", "hello-world-this-is-a-test"),
        ("{{ slugify 10 true \"hello world again\" }}", "hello"),
        ("{{ .labels | toYaml }}", "env: prod\nregion: us-east-1"),
        ("{{ (fromYaml \"a: 1\\nb: [x]\").b }}", "[x]"),
        ("{{ fromYamlArray \"- a\\n- b\" | first }}", "a"),
        ("{{ add 1 2 3 }} {{ sub 5 2 }} {{ mul 2 3 }} {{ div 7 2 }} {{ mod 7 2 }} {{ add1 .replicas }}", "6 3 6 3 1 4"),
        ("{{ int \"42\" | add 1 }}", "43"),
        ("{{ kindIs \"map\" .labels }} {{ kindIs \"slice\" .zones }}", "true true"),
        ("{{ coalesce .empty .missing \"c\" }}", "c"),
        ("{{ hasKey .labels \"env\" }}", "true"),
        ("{{ keys .labels | sortAlpha | join \",\" }}", "env,region"),
        ("{{ .zones | has \"b\" }}", "true"),
        ("{{ cat \"a\" 1 \"b\" }}", "a 1 b"),
        ("{{ indent 2 \"a\\nb\" }}", "  a\n  b"),
        ("{{ print 1 2 \"x\" 3 }}", "1 2x3"),
        ("{{ slice \"abcdef\" 1 3 }}", "bc"),
        ("{{ 'a' }} {{ 0x10 }} {{ 1.5 }}", "97 16 1.5"),
    ])
    func rendersLikeGoAndSprig(template: String, expected: String) throws {
        #expect(try run(template) == expected)
    }

    @Test func missingKeyErrorNamesTheKey() {
        #expect(throws: TemplateError.self) { try run("{{ .missing }}", missingKey: .error) }
        do {
            _ = try run("{{ .labels.nope }}", missingKey: .error)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("map has no entry for key \"nope\""))
        }
        #expect((try? run("{{ .labels.env }}", missingKey: .error)) == "prod")
    }

    @Test(arguments: [
        "{{ .name ",
        "{{ if .flag }}x",
        "{{ end }}",
        "{{ nosuchfunction .name }}",
        "{{ template \"undefined\" }}",
        "{{ if .flag }}{{ define \"x\" }}y{{ end }}{{ end }}",
        "{{ .missing.deeper }}",
        "{{ fail \"stop here\" }}",
        "{{ now }}",
        "{{ \"unterminated }}",
    ])
    func badTemplatesFailWithAMessage(template: String) {
        #expect(throws: TemplateError.self) { try run(template) }
    }

    @Test func rangeIsBoundedAgainstRunawayTemplates() {
        #expect(throws: TemplateError.self) {
            try run("{{ range 100000000 }}x{{ end }}")
        }
    }

    @Test func normalizeAndSlugifyFollowArgoCD() {
        #expect(ArgoNames.sanitize("--My_Cluster.Prod--") == "my-cluster.prod")
        #expect(ArgoNames.sanitize("in-cluster") == "in-cluster")
        #expect(ArgoNames.slugify("a--b__c") == "a-b-c", "normalized first: _ becomes -")
        #expect(ArgoNames.slugify(String(repeating: "word-", count: 20)).count <= 50)
    }

    @Test func fastTemplateReplacesOnlyStringParameters() {
        let out = FastTemplate.render("{{name}}-{{ server }}-{{unknown}}-{{}}", ["name": "a", "server": "b"])
        #expect(out == "a-b-{{unknown}}-{{}}")
    }
}
