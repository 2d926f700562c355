@testable import FleetModel
import Testing

@Suite struct CanonicalJSONObjectTests {
    /// What the splice must equal: parse, set, encode canonically.
    private func reencoded(_ object: Value, setting members: ValueObject) -> [UInt8] {
        var fields = object.objectValue ?? [:]
        for (key, value) in members { fields[key] = value }
        return JSON.encodeBytes(.object(fields), options: [.sortedKeys])
    }

    @Test(arguments: [
        #"{}"#,
        #"{"a":1}"#,
        #"{"applications":[{"name":"x,}{","v":[1,2,{"k":"]"}]}],"cluster":"eu","formatVersion":1,"id":"sha256:ab","revisions":{"r":"c"},"server":"s"}"#,
        #"{"esc\"aped":"q\\\"","k\u00e9y":"\u2028","z":null}"#,
        #"{"generation":1,"issuedAt":"old","x":[[],{}]}"#,
    ])
    func splicesTheSameBytesAsReencoding(_ text: String) throws {
        let canonical = JSON.encodeBytes(try JSON.parse(text), options: [.sortedKeys])
        let members: ValueObject = ["generation": 7, "issuedAt": "2026-12-07T00:00:00Z", "committedAt": .null,
                                    "fleetCommit": "abc", "aa": ["n": [1, 2]], "zz": "last"]
        let spliced = try #require(CanonicalJSONObject.setting(members, in: canonical))
        #expect(spliced == reencoded(try JSON.parse(text), setting: members))
    }

    @Test(arguments: ["[1]", "{", #"{"a":}"#, #"{"a":1,}"#, #"{"a" 1}"#, ""])
    func refusesWhatIsNotACanonicalObject(_ text: String) {
        #expect(CanonicalJSONObject.setting(["k": 1], in: Array(text.utf8)) == nil)
    }
}
