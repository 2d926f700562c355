import FleetModel
import FleetTestSupport
@testable import FleetYAML
import Foundation
import Testing

@Suite struct YAMLEmitTests {
    @Test func writesKubernetesStyleBlocks() {
        let v: Value = [
            "apiVersion": "apps/v1",
            "spec": ["containers": [["name": "web", "args": ["--port", "8080"]]], "empty": [], "none": .emptyObject],
            "script": "echo a\necho b\n",
        ]
        #expect(YAML.emit(v) == """
            apiVersion: apps/v1
            spec:
              containers:
              - name: web
                args:
                - --port
                - "8080"
              empty: []
              none: {}
            script: |
              echo a
              echo b

            """)
    }

    @Test(arguments: [
        "yes", "no", "on", "off", "y", "n", "true", "False", "null", "~", "", "0755", "0x1F", "1e3", "12", "-1", "+1", ".5", ".inf",
        "1:20", "2001-12-14", "1_000", "08",
    ])
    func quotesStringsThatWouldReadAsAnotherType(text: String) throws {
        let emitted = YAML.emit(["v": .string(text)])
        #expect(emitted == "v: \"\(text)\"\n")
        #expect(try YAML.parse(emitted)["v"] == .string(text))
    }

    @Test(arguments: ["hello", "a b", ".", "..", "x1", "1.2.3", "0x", "http://x/y", "é"])
    func leavesOrdinaryStringsPlain(text: String) {
        #expect(YAML.emit(["v": .string(text)]) == "v: \(text)\n")
    }

    @Test func numbersPrintAsKubectlPrintsThem() {
        #expect(YAML.emit(["a": 1.0, "b": 1e3, "c": 0.5, "d": 1234567.5, "e": .double(.infinity), "f": 42]) == "a: 1\nb: 1000\nc: 0.5\nd: 1.2345675e+06\ne: .inf\nf: 42\n")
    }

    @Test func kustomizeKeyOrderIsNatural() {
        let keys = ["a10", "a9", "B", "a", "_x", "10", "9", "1", "a.b", "a-b", "ab", "Ab", "aB", "0", "-1", "z", "é"]
        let sorted = keys.sorted(by: KustomizeKeyOrder.areInIncreasingOrder)
        // As printed by kubectl kustomize v5.5 for the same keys.
        #expect(sorted == ["-1", "_x", "0", "1", "9", "10", "Ab", "B", "a", "a-b", "a.b", "a9", "a10", "aB", "ab", "z", "é"])
        // go-yaml's order is not transitive once digits meet letters (a1b < a9 < a10 < a1b), so
        // kubectl's own output for such sets depends on map iteration order; pairs still agree.
        #expect(KustomizeKeyOrder.areInIncreasingOrder("a1b", "a01b"))
        #expect(KustomizeKeyOrder.areInIncreasingOrder("a01b", "a9"))
        #expect(KustomizeKeyOrder.areInIncreasingOrder("container9", "container10"))
    }

    @Test func streamsAreSeparatedLikeKustomizeOutput() {
        #expect(YAML.emitStream([["a": 1], ["b": 2]]) == "a: 1\n---\nb: 2\n")
    }

    @Test func randomValuesRoundTripThroughEmitAndParse() throws {
        var random = SeededRandom(seed: 7)
        for round in 0..<500 {
            let value = RandomYAMLValues.value(depth: 4, using: &random)
            for options in [YAMLEmitOptions(), .kustomize] {
                let text = YAML.emit(value, options: options)
                let back = try YAML.parse(text)
                #expect(back == value, "round \(round):\n\(text)")
            }
        }
    }

    /// Our emitter against kubectl's own output on a ConfigMap full of awkward strings: a
    /// byte-for-byte match is what lets users diff `fleet build` against `kubectl kustomize`.
    @Test func emitsByteForByteWhatKubectlKustomizePrints() throws {
        guard Kubectl.isAvailable else {
            Issue.record("kubectl is not installed: the kustomize differential tests cannot run")
            return
        }
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        var random = SeededRandom(seed: 99)
        var data = ValueObject()
        for i in 0..<150 { data["k\(i)-" + RandomYAMLValues.keyFragment(using: &random)] = .string(RandomValuesText.text(using: &random)) }
        let configMap: Value = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "tricky", "labels": ["b": "2", "a": "1"]],
                                "data": .object(data), "binaryData": .emptyObject]
        try temp.write("cm.yaml", YAML.emit(configMap))
        try temp.write("kustomization.yaml", "resources:\n- cm.yaml\n")
        let result = try Kubectl.kustomize(temp.path)
        #expect(result.succeeded, "\(result.stderr)")
        let ours = YAML.emit(try YAML.parse(Array(try String(contentsOfFile: temp.file("cm.yaml"), encoding: .utf8).utf8)), options: .kustomize)
        if let difference = firstLineDifference(ours, result.stdout, labels: ("ours", "kubectl")) {
            Issue.record("\(difference)")
        }
    }
}

/// Random strings for emitter tests: fragments that need quoting, escaping or block style.
enum RandomValuesText {
    static let fragments = [
        "", "a", "yes", "no", "on", "y", "N", "null", "~", "true", "0755", "0x1F", "1e3", ".inf", "-.5", "1_000", "08", "+1",
        "1:20", "- x", ": ", " #", "#", "'", "\"", "\\", "{", "}", "[", "]", ",", "&a", "*a", "!t", "%", "@", "`", "|", ">", "?",
        "---", "...", "\n", " ", "  ", "\t", "é", "日本", "😀", "key: value", "http://x/y?z=1#f", "long words that go on and on ",
    ]

    static func text(using random: inout SeededRandom) -> String {
        (0..<Int.random(in: 0...12, using: &random)).map { _ in fragments.randomElement(using: &random)! }.joined()
    }
}

enum RandomYAMLValues {
    static let keyFragments = ["a", "b", "Z", "9", "10", "x-y", "x.y", "_u", "y", "on", "k1"]

    static func keyFragment(using random: inout SeededRandom) -> String { keyFragments.randomElement(using: &random)! }

    static func value(depth: Int, using random: inout SeededRandom) -> Value {
        switch Int.random(in: 0..<(depth > 0 ? 9 : 6), using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .int(Int.random(in: -1_000_000...1_000_000, using: &random))
        case 3: return .double(Double(Int.random(in: -100_000...100_000, using: &random)) / [1, 3, 7, 1000, 1e9][Int.random(in: 0..<5, using: &random)])
        case 4, 5:
            var s = RandomValuesText.text(using: &random)
            if Bool.random(using: &random) { s += ["\r", "\u{85}", "\u{2028}", "\u{FEFF}", "\u{1}", "\r\n", "\n\n"].randomElement(using: &random)! }
            return .string(s)
        case 6: return .array((0..<Int.random(in: 0...4, using: &random)).map { _ in value(depth: depth - 1, using: &random) })
        default:
            var object = ValueObject()
            for _ in 0..<Int.random(in: 0...4, using: &random) {
                object[RandomValuesText.text(using: &random)] = value(depth: depth - 1, using: &random)
            }
            return .object(object)
        }
    }
}
