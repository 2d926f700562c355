import FleetModel
import Testing

@testable import FleetTemplate

/// The parse cache and the byte-level replacement behind Helm's hot path.
@Suite struct TemplateCacheTests {
    @Test func theSameTextParsesOnceAndRendersTheSame() throws {
        let text = "{{ .a }}-{{ include \"x\" . }}{{ define \"x\" }}{{ .b }}{{ end }}"
        let first = try TemplateCache.parse(text)
        let second = try TemplateCache.parse(text)
        var set = TemplateSet()
        set.add("t", second)
        #expect(try set.execute("t", data: ["a": 1, "b": "two"], functions: TemplateFunctions.table) == "1-two")
        #expect(first.definitions.keys.sorted() == second.definitions.keys.sorted())
    }

    @Test func parseErrorsAreReportedEveryTime() {
        for _ in 0..<2 { #expect(throws: TemplateError.self) { try TemplateCache.parse("{{ if }}") } }
    }

    @Test func lexingKeepsTextAroundActionsAndTrimsWhereAsked() throws {
        let data: Value = ["name": "ü"]
        #expect(try GoTemplate(parsing: "héllo {{ .name }} wörld").execute(data) == "héllo ü wörld")
        #expect(try GoTemplate(parsing: "a  \n {{- .name -}} \n  b{{/* c */}}c").execute(data) == "aübc")
        #expect(try GoTemplate(parsing: "{ {x} }}").execute(data) == "{ {x} }}", "a lone brace is text")
    }

    @Test func byteReplacementReplacesEveryOccurrence() {
        #expect("a<no value>b<no value>".replacingAll([("<no value>", "")]) == "ab")
        #expect("x\ny\n".replacingAll([("\n", "\n  ")]) == "x\n  y\n  ")
        #expect("ééé".replacingAll([("é", "e")]) == "eee")
        #expect("none here".replacingAll([("zz", "y")]) == "none here")
        #expect("aaa".replacingAll([("aa", "b")]) == "ba", "occurrences do not overlap")
    }
}
