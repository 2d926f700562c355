import FleetRegex
import Foundation
import Testing

/// The engine against RE2 (whose matching rules Go's regexp shares): first-match capture
/// slots recorded by scripts/regex-fixtures.py for hand-picked and seeded random patterns.
@Suite struct GoRegexDifferentialTests {
    struct Case: Decodable {
        var pattern: String
        var input: String?
        var slots: [Int]?
        var compiles: Bool?
    }

    static let cases: [Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/re2-matches.json")
        return (try? JSONDecoder().decode([Case].self, from: Data(contentsOf: url))) ?? []
    }()

    @Test func theFixtureIsThere() { #expect(Self.cases.count > 1000) }

    @Test func firstMatchCapturesAgreeWithRE2() throws {
        var failures: [String] = []
        for c in Self.cases {
            if let compiles = c.compiles {
                let ours = (try? GoRegex(c.pattern)) != nil
                if ours != compiles { failures.append("\(c.pattern): compiles \(ours), RE2 \(compiles)") }
                continue
            }
            guard let input = c.input else { continue }
            do {
                let got = try GoRegex(c.pattern).firstMatch(input)
                if got != c.slots { failures.append("\(c.pattern) on \(input.debugDescription): \(String(describing: got)) want \(String(describing: c.slots))") }
            } catch {
                failures.append("\(c.pattern): \(error)")
            }
        }
        let summary = "\(failures.count) of \(Self.cases.count):\n" + failures.prefix(40).joined(separator: "\n")
        #expect(failures.isEmpty, Comment(rawValue: summary))
    }
}

/// The search loops and helpers exactly as Go's regexp package documents them (the expected
/// values are the outputs of the examples in Go's documentation).
@Suite struct GoRegexSemanticsTests {
    @Test func findAllFollowsGosExamples() throws {
        let re = try GoRegex("a.")
        #expect(try re.findAll("paranormal", limit: -1) == ["ar", "an", "al"])
        #expect(try re.findAll("paranormal", limit: 2) == ["ar", "an"])
        #expect(try re.findAll("graal", limit: -1) == ["aa"])
        #expect(try re.findAll("none", limit: -1) == [])
        #expect(try re.findAll("paranormal", limit: 0) == [])
    }

    @Test func anEmptyMatchRightAfterAMatchIsSkipped() throws {
        #expect(try GoRegex("a*").findAll("baaab", limit: -1) == ["", "aaa", ""])
        #expect(try GoRegex("a*").replaceAll("baaac", with: "X") == "XbXcX")
        #expect(try GoRegex("").findAll("ab", limit: -1) == ["", "", ""])
    }

    @Test func replaceAllExpandsGroupsAsGoDoes() throws {
        let re = try GoRegex("a(x*)b")
        #expect(try re.replaceAll("-ab-axxb-", with: "T") == "-T-T-")
        #expect(try re.replaceAll("-ab-axxb-", with: "$1") == "--xx-")
        #expect(try re.replaceAll("-ab-axxb-", with: "$1W") == "---")
        #expect(try re.replaceAll("-ab-axxb-", with: "${1}W") == "-W-xxW-")
        #expect(try re.replaceAll("-ab-axxb-", with: "$$1") == "-$1-$1-")
        #expect(try re.replaceAll("-ab-axxb-", with: "${1") == "-${1-${1-")
        #expect(try re.replaceAllLiteral("-ab-axxb-", with: "${1}") == "-${1}-${1}-")
        let named = try GoRegex("(?P<first>\\w+)\\s+(?P<last>\\w+)")
        #expect(try named.replaceAll("Alan Turing", with: "${last}, ${first}") == "Turing, Alan")
        #expect(try named.replaceAll("Alan Turing", with: "$01") == "")
        #expect(try GoRegex("(a)|(b)").replaceAll("ab", with: "[$1$2]") == "[a][b]")
    }

    @Test func splitFollowsGosExamples() throws {
        #expect(try GoRegex("a*").split("abaabaccadaaae", limit: 5) == ["", "b", "b", "c", "cadaaae"])
        let a = try GoRegex("a")
        #expect(try a.split("banana", limit: -1) == ["b", "n", "n", ""])
        #expect(try a.split("apple", limit: 0) == [])
        #expect(try a.split("grape", limit: 1) == ["grape"])
        let z = try GoRegex("z+")
        #expect(try z.split("pizza", limit: -1) == ["pi", "a"])
        #expect(try z.split("pizza", limit: 2) == ["pi", "a"])
        #expect(try a.split("", limit: -1) == [""])
    }

    @Test func quoteMetaEscapesEveryMetacharacter() throws {
        #expect(GoRegex.quoteMeta("Escaping symbols like: .+*?()|[]{}^$") == "Escaping symbols like: \\.\\+\\*\\?\\(\\)\\|\\[\\]\\{\\}\\^\\$")
        let quoted = GoRegex.quoteMeta("a.b*c[d]")
        #expect(try GoRegex(quoted).find("xa.b*c[d]y") == "a.b*c[d]")
    }

    @Test func positionsAreUTF8ByteOffsets() throws {
        #expect(try GoRegex("é+").firstMatch("caféé") == [3, 7])
        #expect(try GoRegex("\\bé").matches("é") == false, "\\b is ASCII-only, as in Go")
    }

    @Test func errorsReadAsGosErrors() {
        func message(_ pattern: String) -> String {
            do { _ = try GoRegex(pattern); return "compiled" } catch { return error.description }
        }
        #expect(message("(a") == "error parsing regexp: missing closing ): `(a`")
        #expect(message("a)") == "error parsing regexp: unexpected ): `a)`")
        #expect(message("[a") == "error parsing regexp: missing closing ]: `[a`")
        #expect(message("a**") == "error parsing regexp: invalid nested repetition operator: `**`")
        #expect(message("*a") == "error parsing regexp: missing argument to repetition operator: `*`")
        #expect(message("a{1001}") == "error parsing regexp: invalid repeat count: `{1001}`")
        #expect(message("\\8") == "error parsing regexp: invalid escape sequence: `\\8`")
        #expect(message("[z-a]") == "error parsing regexp: invalid character class range: `z-a`")
        #expect(message("[[:foo:]]") == "error parsing regexp: invalid character class range: `[:foo:]`")
        #expect(message("(?P<n-1>a)") == "error parsing regexp: invalid named capture: `(?P<n-1>`")
        #expect(message("(?z)") == "error parsing regexp: invalid or unsupported Perl syntax: `(?z`")
        #expect(message("a\\") == "error parsing regexp: trailing backslash at end of expression: ``")
        #expect(message(String(repeating: "(", count: 1001) + String(repeating: ")", count: 1001)) == "error parsing regexp: expression nests too deeply: `\(String(repeating: "(", count: 1001) + String(repeating: ")", count: 1001))`")
    }

    @Test func scriptClassesAreRefusedWithAMessageSayingSo() {
        #expect(throws: GoRegexError.self) { try GoRegex("\\p{Greek}") }
        do { _ = try GoRegex("\\p{Greek}") } catch { #expect(error.description.contains("scripts") || error.description.contains("general categories")) }
    }
}

/// What a backtracking engine cannot do: hostile patterns end quickly or with a clear error.
@Suite struct GoRegexBoundsTests {
    @Test func nestedStarsOnALongNonMatchingInputTakeLinearTime() throws {
        // A backtracking engine needs minutes for this one (issue 13, finding 4).
        let re = try GoRegex("(a*)*b")
        #expect(try re.matches(String(repeating: "a", count: 30)) == false)
        #expect(try re.replaceAll(String(repeating: "a", count: 30), with: "x") == String(repeating: "a", count: 30))
        #expect(try re.matches(String(repeating: "a", count: 100_000)) == false)
    }

    @Test func theStepLimitEndsAnExpensiveMatchWithAnError() throws {
        var re = try GoRegex("(?:a|b|c|d|e|f|g|h)*z")
        re.stepLimit = 10_000
        #expect(throws: GoRegexError.self) { try re.matches(String(repeating: "abcdefgh", count: 1000)) }
        do { _ = try re.matches(String(repeating: "abcdefgh", count: 1000)) } catch {
            #expect(!error.isSyntaxError)
            #expect(error.description.contains("work limit"))
        }
    }

    @Test func countedRepetitionsMayNotMultiplyPastAThousand() {
        #expect(throws: GoRegexError.self) { try GoRegex("((a{100}){100}){100}") }
        #expect((try? GoRegex("(a{10}){100}")) != nil)
    }
}
