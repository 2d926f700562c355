import FleetModel
import FleetTemplate
import Testing

/// `semverCompare` as Sprig's Masterminds/semver v3 decides it (its documented examples).
@Suite struct SemverTests {
    @Test(arguments: [
        (">=1.19-0", "v1.36.0", true), (">=1.19-0", "v1.18.3", false),
        (">=1.19", "v1.20.0-gke.100", false), (">=1.19-0", "v1.20.0-gke.100", true),
        ("^1.2.3", "1.9.0", true), ("^1.2.3", "1.2.2", false), ("^1.2.3", "2.0.0", false),
        ("^0.2.3", "0.2.9", true), ("^0.2.3", "0.3.0", false), ("^0.0.3", "0.0.3", true), ("^0.0.3", "0.0.4", false),
        ("~1.2.3", "1.2.9", true), ("~1.2.3", "1.3.0", false), ("~1", "1.9.9", true), ("~1", "2.0.0", false),
        ("1.2.x", "1.2.7", true), ("1.2.x", "1.3.0", false), ("*", "5.0.0", true), ("", "0.1.0", true),
        (">1.2 <1.4 || 2.x", "1.3.0", true), (">1.2 <1.4 || 2.x", "1.2.5", false), (">1.2 <1.4 || 2.x", "2.5.0", true),
        (">1.2 <1.4 || 2.x", "1.4.0", false), ("1.2 - 1.4.5", "1.4.5", true), ("1.2 - 1.4.5", "1.4.6", false),
        ("1.2 - 1.4.5", "1.2.0", true), ("!=1.2.3", "1.2.3", false), ("!=1.2.3", "1.2.4", true),
        ("<=1.2", "1.2.9", true), ("<=1.2", "1.3.0", false), (">= 1.0.0, < 2.0.0", "1.5.0", true),
        ("=1.2.3", "v1.2.3+build.7", true), ("<1.0.0-beta.2", "1.0.0-beta.11", false), ("<1.0.0-beta.11", "1.0.0-beta.2", true),
    ])
    func constraintsMatchAsMastermindsSemverDoes(_ constraint: String, _ version: String, _ expected: Bool) throws {
        let result = try GoTemplate(parsing: "{{ semverCompare \"\(constraint)\" \"\(version)\" }}").execute(.emptyObject)
        #expect(result == String(expected), "\(constraint) against \(version)")
    }

    @Test func semverExposesItsParts() throws {
        let text = #"{{ $v := semver "v1.2.3-beta.1+build" }}{{ $v.Major }}.{{ $v.Minor }}.{{ $v.Patch }} {{ $v.Prerelease }} {{ $v.Metadata }}"#
        #expect(try GoTemplate(parsing: text).execute(.emptyObject) == "1.2.3 beta.1 build")
    }

    @Test(arguments: [#"{{ semverCompare ">=foo" "1.0.0" }}"#, #"{{ semverCompare ">=1.0" "one" }}"#, #"{{ semver "1.2.3.4" }}"#])
    func invalidVersionsAndConstraintsAreErrors(_ text: String) {
        #expect(throws: TemplateError.self) { try GoTemplate(parsing: text).execute(.emptyObject) }
    }
}

@Suite struct ListFunctionTests {
    @Test func floatFunctionsAsSprig() throws {
        let text = "{{ addf 1.5 2 }} {{ subf 10 2.5 1 }} {{ mulf 1.5 4 }} {{ divf 7 2 }} {{ maxf 1 2.5 }} {{ minf 3 1.25 }} {{ floor 2.7 }} {{ ceil 2.1 }} {{ round 3.14159 2 }} {{ round 2.5 0 }} {{ round 2.45 1 0.6 }}"
        #expect(try GoTemplate(parsing: text).execute(.emptyObject) == "3.5 6.5 6 3.5 2.5 1.25 2 3 3.14 3 2.4")
        #expect(try GoTemplate(parsing: #"{{ deepEqual (list 1 "a") (list 1 "a") }} {{ deepEqual (dict "a" 1) (dict "a" 2) }}"#).execute(.emptyObject) == "true false")
    }

    @Test func untilUntilStepChunkAndDig() throws {
        let data: Value = ["cfg": ["a": ["b": "deep"]]]
        #expect(try GoTemplate(parsing: "{{ until 3 }} {{ untilStep 1 10 4 }} {{ untilStep 5 0 -2 }} {{ until 0 }}").execute(data) == "[0 1 2] [1 5 9] [5 3 1] []")
        #expect(try GoTemplate(parsing: #"{{ chunk 2 (list 1 2 3 4 5) }}"#).execute(data) == "[[1 2] [3 4] [5]]")
        #expect(try GoTemplate(parsing: #"{{ dig "a" "b" "none" .cfg }} {{ dig "a" "x" "none" .cfg }}"#).execute(data) == "deep none")
        #expect(throws: TemplateError.self) { try GoTemplate(parsing: "{{ until 100000000 }}").execute(data) }
        #expect(try GoTemplate(parsing: "{{ seq 3 }}|{{ seq 2 5 }}|{{ seq 0 2 10 }}|{{ seq 5 1 }}|{{ seq 5 2 1 }}|{{ seq 0 }}").execute(data)
                == "1 2 3|2 3 4 5|0 2 4 6 8 10|5 4 3 2 1||1 0")
    }
}
