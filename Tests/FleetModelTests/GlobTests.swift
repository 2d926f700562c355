import FleetModel
import Testing

/// The glob dialect Argo CD matches project rules with (gobwas/glob).
@Suite struct GlobTests {
    func match(_ pattern: String, _ text: String, separators: Set<Character> = []) throws -> Bool {
        try Glob(pattern, separators: separators).matches(text)
    }

    @Test func starsQuestionMarksClassesAndAlternatives() throws {
        #expect(try match("ml-*", "ml-serving") && !match("ml-*", "monitoring"))
        #expect(try match("*", ""))
        #expect(try match("team-?", "team-a") && !match("team-?", "team-ab"))
        #expect(try match("[a-c]x", "bx") && !match("[!a-c]x", "bx") && match("[!a-c]x", "dx"))
        #expect(try match("{dev,prod}-*", "prod-eu") && !match("{dev,prod}-*", "qa-eu"))
        #expect(try match("a\\*b", "a*b") && !match("a\\*b", "axb"))
    }

    @Test func separatorsStopASingleStarButNotADoubleOne() throws {
        let slash: Set<Character> = ["/"]
        #expect(try match("https://github.com/example/*", "https://github.com/example/fleet", separators: slash))
        #expect(try !match("https://github.com/example/*", "https://github.com/example/team/fleet", separators: slash))
        #expect(try match("https://github.com/example/**", "https://github.com/example/team/fleet", separators: slash))
    }

    @Test func hostilePatternsAreBoundedOrRefused() throws {
        let text = String(repeating: "a", count: 5000)
        #expect(try !match(String(repeating: "*a", count: 200) + "b", text), "linear matching, no backtracking blow-up")
        #expect(throws: GlobError.self) { try Glob(String(repeating: "{a,b}", count: 10)) }
        #expect(throws: GlobError.self) { try Glob("[z-a]") }
        #expect(throws: GlobError.self) { try Glob("{a,b") }
    }
}
