import FleetModel
import FleetYAML
import Testing

@Suite struct YAMLErrorTests {
    @Test(arguments: [
        ("a: b: c\n", 1, 5, "mapping values are not allowed"),
        ("a:\n  b: 1\n c: 2\n", 3, 2, "did not find expected key"),
        ("a: \"unclosed\n", 2, 1, "found unexpected end of stream"),
        ("a:\n\t- b\n", 2, 1, "found character that cannot start any token"),
        ("- a\nb: c\n", 2, 1, "did not find expected '-' indicator"),
        ("[1, 2\n", 2, 1, "did not find expected ',' or ']'"),
    ])
    func syntaxErrorsCarrySourceLineAndColumn(text: String, line: Int, column: Int, problem: String) {
        let error = #expect(throws: YAMLError.self) { try YAML.parseStream(text, source: "apps/web/deploy.yaml") }
        #expect(error?.kind == .syntax)
        #expect(error?.line == line)
        #expect(error?.column == column)
        #expect(error?.message.contains(problem) == true, "\(error?.message ?? "")")
        #expect(error?.description.hasPrefix("apps/web/deploy.yaml:\(line):\(column): ") == true)
    }

    @Test func duplicateKeysNameBothLines() {
        let error = #expect(throws: YAMLError.self) { try YAML.parse("metadata:\n  name: a\n  labels: {}\n  name: b\n", source: "f.yaml") }
        #expect(error?.description == "f.yaml:4:3: mapping key \"name\" already defined at line 2")
    }

    @Test func unknownAliasIsAnError() {
        let error = #expect(throws: YAMLError.self) { try YAML.parse("a: *nope\n") }
        #expect(error?.message.contains("unknown anchor 'nope'") == true)
    }

    @Test func billionLaughsFailsFastWithoutExpanding() {
        var text = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        var previous = "a"
        for name in ["b", "c", "d", "e", "f", "g", "h", "i"] {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]\n"
            previous = name
        }
        let start = ContinuousClock.now
        let error = #expect(throws: YAMLError.self) { try YAML.parse(text, source: "bomb.yaml") }
        #expect(error?.kind == .limitExceeded)
        #expect(error?.message.contains("billion-laughs") == true)
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test func deepNestingAndOversizedInputAreRefused() {
        let deep = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        let depth = #expect(throws: YAMLError.self) { try YAML.parse(deep) }
        #expect(depth?.kind == .limitExceeded)
        #expect(depth?.message.contains("nesting deeper than 512") == true)

        let big = String(repeating: "a: 1\n", count: 100)
        let size = #expect(throws: YAMLError.self) { try YAML.parse(big, source: "big.yaml", options: YAMLParseOptions(maxBytes: 100)) }
        #expect(size?.kind == .limitExceeded)
        #expect(size?.description == "big.yaml: document is 500 bytes, more than the limit of 100")
    }

    @Test func invalidButWellFormedYAMLIsRefused() {
        let complexKey = #expect(throws: YAMLError.self) { try YAML.parse("? [a, b]\n: c\n") }
        #expect(complexKey?.message.contains("complex mapping keys") == true)
        let badMerge = #expect(throws: YAMLError.self) { try YAML.parse("a:\n  <<: 5\n") }
        #expect(badMerge?.message.contains("merge key '<<' expects a mapping") == true)
        let badTag = #expect(throws: YAMLError.self) { try YAML.parse("a: !!int twelve\n") }
        #expect(badTag?.description.contains("cannot read \"twelve\" as !!int") == true)
        let badBinary = #expect(throws: YAMLError.self) { try YAML.parse("a: !!binary '@@@'\n") }
        #expect(badBinary?.message.contains("not valid base64") == true)
    }
}
