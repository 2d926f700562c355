@testable import FleetModel
import FleetTestSupport
import Testing

@Suite struct JSONTests {
    @Test func parsesEveryTypeAndKeepsKeyOrderAndIntegers() throws {
        let v = try JSON.parse(#"{"z": 1, "a": [true, false, null, -2, 1.5, 1e2, "s"], "m": {}}"#)
        #expect(v.objectValue.map { Array($0.keys) } == ["z", "a", "m"])
        guard case .int(1)? = v["z"] else { Issue.record("1 must stay an integer"); return }
        #expect(v["a"] == [true, false, nil, -2, 1.5, 100, "s"])
        guard case .double(100)? = v["a"]?[5] else { Issue.record("1e2 is a float"); return }
        #expect(v["m"] == .emptyObject)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let v = try JSON.parse(#"["a\"b\\c\/d\n\t\r\b\f", "\u00e9\u20ac", "\ud83d\ude00", "raw é 😀"]"#)
        #expect(v == ["a\"b\\c/d\n\t\r\u{8}\u{c}", "é€", "😀", "raw é 😀"])
    }

    @Test(arguments: [
        (#"{"a": 1,}"#, 1, 9, "expected a string key"),
        ("[01]", 1, 2, "leading zeros"),
        (#""abc"#, 1, 1, "unterminated string"),
        (#"["\x"]"#, 1, 3, "invalid escape"),
        ("[\"a\tb\"]", 1, 4, "control character"),
        (#"{"a": 1, "a": 2}"#, 1, 10, "duplicate key \"a\""),
        ("[1] x", 1, 5, "after the JSON value"),
        ("{\n  \"a\": tru\n}", 2, 8, "expected true"),
        ("", 1, 1, "unexpected end of input"),
        (#"["\ud800"]"#, 1, 9, "unpaired UTF-16 surrogate"),
        ("[1.]", 1, 2, "expected digits after '.'"),
        ("\u{FEFF}{}", 1, 1, "byte order mark"),
        ("[1, 2e308]", 1, 5, "number out of range"),
        ("[-1e999]", 1, 2, "number out of range"),
    ])
    func rejectsInvalidJSONWithPosition(input: String, line: Int, column: Int, message: String) {
        let error = #expect(throws: JSONError.self) { try JSON.parse(input) }
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "no error")")
        #expect(error?.line == line)
        #expect(error?.column == column)
    }

    @Test func refusesNestingBeyondTheLimit() {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        let error = #expect(throws: JSONError.self) { try JSON.parse(deep) }
        #expect(error?.message.contains("nesting deeper than 512") == true)
        #expect(throws: Never.self) { try JSON.parse(deep, limits: JSON.Limits(maxDepth: 1000)) }
    }

    @Test func hugeIntegersBecomeDoubles() throws {
        #expect(try JSON.parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
        #expect(try JSON.parse("-9223372036854775808") == .int(Int.min))
    }

    @Test(arguments: [
        (0.1, "0.1"), (1.0, "1"), (100.0, "100"), (-2.5, "-2.5"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
        (1e-7, "1e-7"), (0.000001, "0.000001"), (123456.789, "123456.789"), (Double.leastNonzeroMagnitude, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"), (-0.0, "0"),
    ])
    func writesNumbersWithoutFloatNoise(value: Double, expected: String) {
        #expect(JSON.encode(.double(value)) == expected)
    }

    @Test func writesCompactPrettyAndCanonicalForms() {
        let v: Value = ["b": [1, ["c": "x\ny\u{1}"]], "a": .emptyObject, "e": []]
        #expect(JSON.encode(v) == #"{"b":[1,{"c":"x\ny\u0001"}],"a":{},"e":[]}"#)
        #expect(JSON.encode(v, options: .sortedKeys) == #"{"a":{},"b":[1,{"c":"x\ny\u0001"}],"e":[]}"#)
        #expect(JSON.encode(["k": [1, 2]], options: .pretty) == "{\n  \"k\": [\n    1,\n    2\n  ]\n}\n")
        #expect(JSON.encode(.double(.nan)) == "null")
    }

    @Test func randomValuesRoundTrip() throws {
        var random = SeededRandom(seed: 42)
        for round in 0..<300 {
            let value = RandomValues.value(depth: 4, using: &random)
            let text = JSON.encode(value, options: round % 2 == 0 ? [] : [.pretty, .sortedKeys])
            #expect(try JSON.parse(text) == value, "round \(round): \(text)")
        }
    }
}

/// Random `Value`s built from fragments that stress parsers and emitters.
enum RandomValues {
    static let fragments = [
        "", "a", "yes", "no", "on", "y", "N", "null", "~", "true", "False", "0755", "0x1F", "1e3", ".inf", "-.5", "1_000",
        "08", "+1", "1:20", "2001-12-14", "- x", ": ", " #", "#", "'", "\"", "\\", "{", "}", "[", "]", ",", "&a", "*a",
        "!t", "%", "@", "`", "|", ">", "?", "---", "...", "\n", "\n\n", " ", "  ", "\t", "\r", "\r\n", "é", "日本", "😀",
        "\u{85}", "\u{2028}", "\u{FEFF}", "\u{1}", "\u{7F}", "<<", "=", "key: value", "http://x/y?z=1#f",
    ]

    static func string(using random: inout SeededRandom) -> String {
        (0..<Int.random(in: 0...4, using: &random)).map { _ in fragments.randomElement(using: &random)! }.joined()
    }

    static func value(depth: Int, using random: inout SeededRandom) -> Value {
        switch Int.random(in: 0..<(depth > 0 ? 9 : 6), using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .int(Int.random(in: -1_000_000...1_000_000, using: &random) * (Bool.random(using: &random) ? 1 : 1_000_000_000_000))
        case 3: return .double(Double(Int.random(in: -100_000...100_000, using: &random)) / [1, 3, 7, 1000, 1e9][Int.random(in: 0..<5, using: &random)])
        case 4, 5: return .string(string(using: &random))
        case 6: return .array((0..<Int.random(in: 0...4, using: &random)).map { _ in value(depth: depth - 1, using: &random) })
        default:
            var object = ValueObject()
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                object[string(using: &random)] = value(depth: depth - 1, using: &random)
            }
            return .object(object)
        }
    }
}
