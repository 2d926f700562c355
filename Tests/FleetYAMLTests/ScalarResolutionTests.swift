import FleetModel
@testable import FleetYAML
import Testing

/// Plain scalars resolve as `kubectl kustomize` (go-yaml v3) resolves them; each expectation
/// below was checked against kubectl v1.32 / kustomize v5.5.
@Suite struct ScalarResolutionTests {
    @Test(arguments: [
        ("true", Value.bool(true)), ("True", .bool(true)), ("TRUE", .bool(true)), ("false", .bool(false)), ("FALSE", .bool(false)),
        ("yes", .string("yes")), ("no", .string("no")), ("on", .string("on")), ("off", .string("off")), ("y", .string("y")), ("Y", .string("Y")),
        ("null", .null), ("Null", .null), ("NULL", .null), ("~", .null), ("", .null), ("nil", .string("nil")),
        ("0", .int(0)), ("-0", .int(0)), ("42", .int(42)), ("+12", .int(12)), ("-17", .int(-17)), ("1_000", .int(1000)),
        ("0x1F", .int(31)), ("0o17", .int(15)), ("0b101", .int(5)), ("0755", .int(493)), ("-0x10", .int(-16)), ("08", .double(8)),
        ("1.0", .double(1)), ("1e3", .double(1000)), (".5", .double(0.5)), ("+.5", .double(0.5)), ("-1.5e-3", .double(-0.0015)), ("1.", .double(1)),
        ("685230.15", .double(685230.15)), ("123456789012345678901234567890", .double(1.2345678901234568e29)),
        (".inf", .double(.infinity)), ("-.Inf", .double(-.infinity)), ("+.INF", .double(.infinity)),
        ("2001-12-14", .string("2001-12-14")), ("1:20", .string("1:20")), ("0x", .string("0x")), ("1e", .string("1e")),
        ("+", .string("+")), ("-x", .string("-x")), (".", .string(".")), ("1.2.3", .string("1.2.3")), ("0xG", .string("0xG")),
        ("9223372036854775807", .int(Int.max)), ("-9223372036854775808", .int(Int.min)),
    ])
    func plainScalarsResolveLikeKustomize(text: String, expected: Value) throws {
        let parsed = try YAML.parse("v: \(text)\n")
        #expect(parsed["v"] == expected)
        if case .int = expected {
            guard case .int? = parsed["v"] else { Issue.record("\(text) must be an integer"); return }
        }
    }

    @Test func nanResolvesToNaN() throws {
        #expect(try YAML.parse("v: .nan")["v"]?.doubleValue?.isNaN == true)
    }

    @Test func quotedAndBlockScalarsStayStrings() throws {
        let v = try YAML.parse("""
            a: "true"
            b: '0755'
            c: "null"
            d: |
              42
            e: ""
            """)
        #expect(v == ["a": "true", "b": "0755", "c": "null", "d": "42\n", "e": ""])
    }

    @Test func explicitTagsWin() throws {
        let v = try YAML.parse("""
            s: !!str 12
            i: !!int "12"
            f: !!float 3
            b: !!bool "true"
            n: !!null ""
            bin: !!binary aGVsbG8=
            custom: !Ref thing
            nonspecific: ! 12
            """)
        #expect(v["s"] == "12")
        #expect(v["i"] == 12)
        guard case .double(3)? = v["f"] else { Issue.record("!!float 3 is a float"); return }
        #expect(v["b"] == true)
        #expect(v["n"] == nil as Value)
        #expect(v["bin"] == "hello")
        #expect(v["custom"] == "thing")
        #expect(v["nonspecific"] == "12")
    }
}
