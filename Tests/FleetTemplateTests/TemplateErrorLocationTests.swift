import FleetModel
import Testing

@testable import FleetTemplate

/// Errors say where, as Go's ExecError does: `template: NAME:LINE:COL: executing "NAME" at
/// <NODE>: ...`, the column in bytes from the line's start (0-based), a field chain at its
/// first chained field, a function call at its command.
@Suite struct TemplateErrorLocationTests {
    func failure(_ text: String, name: String = "t.yaml", data: Value = ["a": ["b": 1]], templates: [(String, String)] = []) throws -> TemplateError {
        var set = TemplateSet()
        set.add(name, try GoTemplate(parsing: text, name: name))
        for (other, body) in templates { set.add(other, try GoTemplate(parsing: body, name: other)) }
        do {
            _ = try set.execute(name, data: data, functions: TemplateFunctions.table)
        } catch {
            return error
        }
        Issue.record("no error")
        return TemplateError("")
    }

    @Test func aNilFieldIsReportedAtItsChainedField() throws {
        let error = try failure("line one\n  x: {{ .a.missing.deeper }}")
        #expect(error.message == #"template: t.yaml:2:10: executing "t.yaml" at <.a.missing.deeper>: nil pointer evaluating interface {}.deeper"#)
        #expect(error.location == "t.yaml:2:10")
    }

    @Test func aFunctionErrorIsReportedAtItsCommand() throws {
        let error = try failure(#"ünï {{ "x" | regexFind "(" }}"#)
        #expect(error.message == #"template: t.yaml:1:15: executing "t.yaml" at <regexFind "(">: error calling regexFind: regexp: Compile(`(`): error parsing regexp: missing closing ): `(`"#,
                "the column counts UTF-8 bytes: \(error.message)")
    }

    @Test func failAndRequiredKeepTheirMessageForHelmAndTheOutermostLocation() throws {
        let direct = try failure(#"{{ required "a.c is required" .a.c }}"#)
        #expect(direct.failure == "a.c is required" && direct.location == "t.yaml:1:3")
        let nested = try failure("\n  {{ include \"helper\" . }}", templates: [("_helpers.tpl", #"{{ define "helper" }}{{ fail "stop" }}{{ end }}"#)])
        #expect(nested.failure == "stop")
        #expect(nested.location == "t.yaml:2:5", "Helm reports the outermost command")
        #expect(nested.message.contains(#"at <include "helper" .>: error calling include: template: _helpers.tpl:1:24: executing "helper" at <fail "stop">: error calling fail: stop"#), "\(nested.message)")
    }

    @Test func parseErrorsCarryTheirLine() {
        let error = #expect(throws: TemplateError.self) { try GoTemplate(parsing: "a\nb\n{{ if }}", name: "p.yaml") }
        #expect(error?.location == "p.yaml:3")
    }
}
