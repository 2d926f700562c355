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

@Suite struct HelmFunctionsMoreTests {
    func render(_ text: String, _ data: Value = .emptyObject) throws -> String {
        var set = TemplateSet()
        set.add("t", try GoTemplate(parsing: text))
        return try set.execute("t", data: data, functions: HelmFunctions.table)
    }

    @Test func toTomlWritesAsBurntSushisEncoder() throws {
        #expect(try render(#"{{ toToml (dict "title" "x" "owner" (dict "name" "n" "n" 1)) }}"#) == "title = \"x\"\n\n[owner]\n  n = 1\n  name = \"n\"\n")
        let data: Value = ["v": ["f": .double(2), "g": .double(0.5), "list": [1, 2], "a b": "q\"", "t": ["u": ["w": true]], "servers": [["ip": "1"], ["ip": "2"]]]]
        #expect(try render("{{ toToml .v }}", data) == """
            "a b" = "q\\""
            f = 2.0
            g = 0.5
            list = [1, 2]

            [[servers]]
              ip = "1"

            [[servers]]
              ip = "2"

            [t]
              [t.u]
                w = true

            """)
    }

    @Test func randomFunctionsProduceTheRequestedShape() throws {
        let text = try render(#"{{ randAlphaNum 12 }} {{ randNumeric 4 }} {{ randAlpha 3 }} {{ len (randAscii 5) }} {{ uuidv4 }}"#)
        let parts = text.split(separator: " ").map(String.init)
        #expect(parts[0].count == 12 && parts[0].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        #expect(parts[1].count == 4 && parts[1].allSatisfy(\.isNumber))
        #expect(parts[2].count == 3 && parts[2].allSatisfy(\.isLetter))
        #expect(parts[3] == "5")
        #expect(parts[4].count == 36 && parts[4].split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
        #expect(try render("{{ randAlphaNum 16 }}") != render("{{ randAlphaNum 16 }}"))
        // ApplicationSets keep refusing them: a generated Application must not change between renders.
        #expect(throws: TemplateError.self) { try GoTemplate(parsing: "{{ randAlphaNum 3 }}").execute(.emptyObject) }
    }

    @Test func setAndMergeChangeTheMapTheirVariableHolds() throws {
        #expect(try render(#"{{ $d := dict "b" 2 }}{{ $_ := set $d "z" 26 }}{{ $_ := unset $d "b" }}{{ $d | toJson }}"#) == #"{"z":26}"#)
        #expect(try render(#"{{ $d := dict "a" (dict "x" 1) }}{{ if true }}{{ $_ := mergeOverwrite $d.a (dict "y" 2) }}{{ end }}{{ $d | toJson }}"#) == #"{"a":{"x":1,"y":2}}"#)
        #expect(try render(#"{{ $p := dict }}{{ range $k := list "a" "b" }}{{ $_ := set $p $k true }}{{ end }}{{ keys $p | sortAlpha | join "," }}"#) == "a,b")
    }

    @Test func sprigStringAndEncodingExtras() throws {
        #expect(try render(#"{{ abbrev 8 "a long sentence here" }}|{{ abbrevboth 5 10 "1234 5678 9123 4567" }}|{{ initials "First Try Here" }}"#) == "a lon...|...5678...|FTH")
        #expect(try render(#"{{ wrap 10 "the quick brown fox jumps over" }}"#) == "the quick\nbrown fox\njumps over")
        #expect(try render(#"{{ wrapWith 5 "\t" "Hello World" }}|{{ plural "one" "many" 2 }}|{{ swapcase "Hello" }}"#) == "Hello\tWorld|many|hELLO")
        #expect(try render(#"{{ b32enc "hello" }}|{{ b32dec "NBSWY3DP" }}|{{ adler32sum "x" }}|{{ toStrings (list 1 nil "3") | toJson }}"#) == #"NBSWY3DP|hello|7929977|["1","3"]"#)
        #expect(try render(#"{{ sha512sum "" | trunc 16 }}"#) == "cf83e1357eefb8bd")
        let parsed = try render(#"{{ urlParse "https://user:pw@example.com:8443/path/to?q=1&r=two#frag" | toJson }}"#)
        #expect(parsed == #"{"fragment":"frag","host":"example.com:8443","hostname":"example.com","opaque":"","path":"/path/to","query":"q=1\u0026r=two","scheme":"https","userinfo":"user:pw"}"#)
        #expect(try render(#"{{ urlJoin (dict "scheme" "https" "host" "example.org" "path" "/a b" "query" "x=1" "userinfo" "me") }}"#) == "https://me@example.org/a%20b?x=1")
    }

    @Test func sprigsAliasesAndSmallFunctions() throws {
        #expect(try render(#"{{ hello }} {{ toDecimal "0777" }} {{ toDecimal "9" }} {{ biggest 1 5 3 }} {{ trimall "$" "$5.00$" }}"#) == "Hello! 511 0 5 5.00")
        #expect(try render(#"{{ typeIsLike "string" "x" }} {{ osBase "/a/b.txt" }} {{ osDir "/a/b.txt" }} {{ len (mustChunk 2 (list 1 2 3)) }}"#) == "true b.txt /a 2")
        #expect(try render(#"{{ (mustFromJson "{\"a\": 2}").a }} {{ mustToYaml (dict "k" "v") }}"#) == "2 k: v")
        #expect(throws: TemplateError.self) { try render(#"{{ mustFromJson "{" }}"#) }
        let shuffled = try render(#"{{ shuffle "abcdef" }}"#)
        #expect(shuffled.count == 6 && Set(shuffled) == Set("abcdef"))
    }

    @Test func derivePasswordIsTheMasterPasswordAlgorithm() throws {
        // The value Helm's engine prints for these inputs.
        #expect(try render(#"{{ derivePassword 1 "long" "password" "user" "example.com" }}"#) == "ZedaFaxcZaso9*")
        #expect(try render(#"{{ derivePassword 1 "nope" "p" "u" "s" }}"#) == "cannot find password template nope")
    }

    @Test func yamlErrorsAreWordedAsGoYAMLWordsThem() throws {
        #expect(try render(#"{{ (fromYaml "a: [").Error }}"#) == "error converting YAML to JSON: yaml: line 1: did not find expected node content")
        #expect(try render(#"{{ toPrettyJson (dict "a" 1) }}"#) == "{\n  \"a\": 1\n}")
    }
}
