import FleetModel
import Testing

@testable import FleetAppSet
@testable import FleetTemplate

/// Hostile templates from a commit end in a clear error, quickly and in bounded memory
/// (issue 13, finding 4), while what Go prints for the same input stays as Go prints it.
@Suite struct TemplateLimitsTests {
    func run(_ template: String) throws -> String {
        try GoTemplate(parsing: template).execute(["name": "web"])
    }

    func failure(_ template: String) -> String? {
        do { _ = try run(template); return nil } catch { return (error as? TemplateError)?.message ?? "\(error)" }
    }

    @Test func aHugeIndentIsRefusedBeforeAllocating() {
        #expect(failure("{{ indent 100000000000 \"x\" }}")?.contains("indent would produce more than") == true)
        #expect(failure("{{ nindent 100000000000 \"x\" }}")?.contains("would produce more than") == true)
    }

    @Test func nestedRepeatsStopAtTheOutputBudget() {
        let message = failure("{{ repeat 100000 (repeat 100000 (repeat 100000 \"x\")) }}")
        #expect(message?.contains("would produce more than") == true || message?.contains("budget") == true)
        #expect(failure("{{ range $i := 100000 }}{{ repeat 1000 \"x\" }}{{ end }}")?.contains("budget") == true)
    }

    @Test func replaceCannotAmplifyPastTheBudget() {
        #expect(failure("{{ replace \"a\" (repeat 100000 \"b\") (repeat 100000 \"a\") }}")?.contains("would produce more than") == true)
        #expect((try? run("{{ replace \"\" \"-\" \"abc\" }}")) == "-a-b-c-", "an empty old string matches around every rune, as strings.Replace does")
    }

    @Test func printfWidthsFollowGosLimits() throws {
        // A written width too long to parse swallows the rest of the format, as Go's parsenum does.
        #expect(try run("{{ printf \"%100000000000d\" 5 }}") == "%!(NOVERB)%!(EXTRA int=5)")
        // A `*` width beyond 1e6 is BADWIDTH, and the operand is then used as the value.
        #expect(try run("{{ printf \"%*d|\" 2000000 5 }}") == "%!(BADWIDTH)5|")
        #expect(try run("{{ printf \"%.*f|\" 2000000 1.5 }}") == "%!(BADPREC)1.500000|")
        #expect(try run("{{ printf \"%*d|\" -3 5 }}") == "5  |")
        #expect(try run("{{ printf \"%5d|\" 42 }}") == "   42|")
        #expect(failure("{{ printf (repeat 1000 \"%9999999d\") " + String(repeating: "1 ", count: 1000) + "}}")?.contains("exceeds") == true)
    }

    @Test func regexFunctionsRunInLinearTime() throws {
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try run("{{ regexReplaceAll \"(a*)*b\" (repeat 30 \"a\") \"x\" }}") == String(repeating: "a", count: 30))
        #expect(try run("{{ regexMatch \"(a|aa)*c\" (repeat 5000 \"a\") }}") == "false")
        #expect(clock.now - start < .seconds(30), "a backtracking engine takes minutes here")
    }

    @Test func regexFunctionsFailAsSprigDoes() throws {
        #expect(try run("{{ regexMatch \"(\" \"x\" }}") == "false", "regexMatch ignores a bad pattern")
        #expect(failure("{{ regexFind \"(\" \"x\" }}") == "template: :1:3: executing \"\" at <regexFind \"(\" \"x\">: error calling regexFind: regexp: Compile(`(`): error parsing regexp: missing closing ): `(`")
        #expect(failure("{{ mustRegexFind \"(\" \"x\" }}")?.hasSuffix("error calling mustRegexFind: error parsing regexp: missing closing ): `(`") == true)
        #expect(try run("{{ regexReplaceAll \"a(x*)b\" \"-ab-axxb-\" \"${1}W\" }}") == "-W-xxW-")
        #expect(try run("{{ regexSplit \"z+\" \"pizza\" -1 }}") == "[pi a]")
        #expect(try run("{{ regexFindAll \"a.\" \"paranormal\" 2 }}") == "[ar an]")
        #expect(try run("{{ regexQuoteMeta \"a.b\" }}") == "a\\.b")
    }

    @Test func deepNestingIsAClearErrorNotACrash() throws {
        let deep = "{{ " + String(repeating: "(", count: 10_001) + "1" + String(repeating: ")", count: 10_001) + " }}"
        #expect(throws: TemplateError.self) { try LargeStack.run { try GoTemplate(parsing: deep) } }
        let ifs = String(repeating: "{{ if true }}", count: 10_001) + String(repeating: "{{ end }}", count: 10_001)
        #expect(throws: TemplateError.self) { try LargeStack.run { try GoTemplate(parsing: ifs) } }
        // Go accepts 10000 levels of parentheses; so do we, on a planning thread's stack.
        let allowed = "{{ " + String(repeating: "(", count: 10_000) + "1" + String(repeating: ")", count: 10_000) + " }}"
        #expect(try LargeStack.run { try run(allowed) } == "1")
    }

    @Test func aPassedDeadlineStopsAnExecution() {
        let template = "{{ range $i := 1000000 }}x{{ end }}"
        let message = WorkDeadline.run(seconds: 0, reason: "the ApplicationSet web exceeded its 0s limit") { () -> String? in
            failure(template)
        }
        #expect(message?.contains("the ApplicationSet web exceeded its 0s limit") == true)
    }
}

/// The git generator's path patterns keep Go's and doublestar's rules and match in
/// polynomial time.
@Suite struct GoGlobTests {
    @Test func pathMatchRules() {
        #expect(GoGlob("apps/*", doubleStar: false).matches("apps/web"))
        #expect(!GoGlob("apps/*", doubleStar: false).matches("apps/web/x"), "* stays in one segment")
        #expect(GoGlob("**/config.json", doubleStar: true).matches("config.json"), "**/ may match nothing")
        #expect(GoGlob("**/config.json", doubleStar: true).matches("a/b/config.json"))
        #expect(GoGlob("a/**", doubleStar: true).matches("a/b/c"))
        #expect(GoGlob("[]a]x", doubleStar: false).matches("]x"))
        #expect(GoGlob("\\*", doubleStar: false).matches("*") && !GoGlob("\\*", doubleStar: false).matches("x"))
        #expect(!GoGlob("[ab", doubleStar: false).matches("a"))
    }

    @Test func hostilePatternsAnswerQuickly() {
        let clock = ContinuousClock()
        let start = clock.now
        #expect(!GoGlob(String(repeating: "**/*a", count: 30) + "b", doubleStar: true).matches(String(repeating: "a/", count: 60)))
        #expect(clock.now - start < .seconds(20))
    }
}
