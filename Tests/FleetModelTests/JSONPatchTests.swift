@testable import FleetModel
import Testing

@Suite struct JSONPatchTests {
    func apply(_ operations: Value, to document: Value) throws -> Value {
        try JSONPatch.apply(JSONPatch.operations(from: operations), to: document)
    }

    @Test func everyOperationWorks() throws {
        let document: Value = ["a": ["b": 1, "list": [1, 2, 3]], "c/d": "slash", "e~f": "tilde"]
        let result = try apply([
            ["op": "add", "path": "/a/new", "value": ["x": true]],
            ["op": "add", "path": "/a/list/1", "value": 99],
            ["op": "add", "path": "/a/list/-", "value": 4],
            ["op": "remove", "path": "/a/b"],
            ["op": "replace", "path": "/c~1d", "value": "replaced"],
            ["op": "copy", "from": "/e~0f", "path": "/copied"],
            ["op": "move", "from": "/a/new", "path": "/moved"],
            ["op": "test", "path": "/a/list/0", "value": 1],
        ], to: document)
        #expect(result == ["a": ["list": [1, 99, 2, 3, 4]], "c/d": "replaced", "e~f": "tilde", "copied": "tilde", "moved": ["x": true]])
    }

    @Test func replaceSetsAMissingObjectMemberButNotAMissingArrayElement() throws {
        #expect(try apply([["op": "replace", "path": "/spec/paused", "value": true]], to: ["spec": .emptyObject]) == ["spec": ["paused": true]])
        #expect(throws: JSONPatchError.self) { try apply([["op": "replace", "path": "/list/5", "value": 1]], to: ["list": [1]]) }
    }

    @Test(arguments: [
        (Value.array([["op": "remove", "path": "/missing"]]), "no value at /missing"),
        (.array([["op": "add", "path": "/a/b/c", "value": 1]]), "the document has no /a/b"),
        (.array([["op": "add", "path": "/list/7", "value": 1]]), "out of bounds"),
        (.array([["op": "test", "path": "/a", "value": 2]]), "test failed at /a"),
        (.array([["op": "move", "from": "/a", "path": "/a/b"]]), "into its own child"),
        (.array([["op": "jump", "path": "/a"]]), "unknown op \"jump\""),
        (.array([["op": "add", "path": "a"]]), "must be empty or start with '/'"),
        (.array([["op": "add", "path": "/a"]]), "add needs \"value\""),
        (.array([["op": "copy", "path": "/a"]]), "copy needs \"from\""),
    ])
    func failuresSayWhichOperationAndWhy(operations: Value, message: String) {
        let error = #expect(throws: JSONPatchError.self) { try apply(operations, to: ["a": 1, "list": [1]]) }
        #expect(error?.description.contains(message) == true, "\(error?.description ?? "")")
        #expect(error?.description.hasPrefix("operation 0") == true)
    }

    @Test func aFailingPatchLeavesTheDocumentUntouched() throws {
        let document: Value = ["a": 1]
        let operations = try JSONPatch.operations(from: [["op": "add", "path": "/b", "value": 2], ["op": "test", "path": "/a", "value": 9]])
        #expect(throws: JSONPatchError.self) { try JSONPatch.apply(operations, to: document) }
        #expect(document == ["a": 1])
    }

    @Test func pointersEscapeAndUnescape() throws {
        let pointer = try JSONPointer(parsing: "/metadata/annotations/example.com~1x~0y")
        #expect(pointer.tokens == ["metadata", "annotations", "example.com/x~y"])
        #expect(pointer.description == "/metadata/annotations/example.com~1x~0y")
        #expect(throws: JSONPointerError.self) { try JSONPointer(parsing: "/a~2") }
        #expect(try JSONPointer(parsing: "").isRoot)
        #expect(Value.object(["a": [["b": 1]]]).value(at: try JSONPointer(parsing: "/a/0/b")) == 1)
        #expect(Value.object(["a": [1]]).value(at: try JSONPointer(parsing: "/a/01")) == nil, "leading zeros are not indices")
    }
}

@Suite struct LabelSelectorTests {
    @Test(arguments: [
        ("app=web", ["app": "web"], true), ("app==web", ["app": "api"], false), ("app!=web", [:], true),
        ("tier in (a, b)", ["tier": "b"], true), ("tier notin (a,b)", ["tier": "a"], false), ("tier notin (a,b)", [:], true),
        ("gpu", ["gpu": "a100"], true), ("!gpu", ["gpu": "a100"], false), ("app=web,env!=dev", ["app": "web", "env": "prod"], true),
        ("", ["x": "y"], true), ("example.com/team=ml", ["example.com/team": "ml"], true),
    ] as [(String, [String: String], Bool)])
    func stringSelectorsMatchLikeKubectl(selector: String, labels: [String: String], matches: Bool) throws {
        #expect(try LabelSelector(parsing: selector).matches(labels) == matches)
    }

    @Test func structuredSelectorsSupportAllOperators() throws {
        let selector = try LabelSelector(structured: [
            "matchLabels": ["env": "prod"],
            "matchExpressions": [
                ["key": "region", "operator": "In", "values": ["us-east-1", "us-west-2"]],
                ["key": "gpu", "operator": "Exists"],
                ["key": "deprecated", "operator": "DoesNotExist"],
                ["key": "tier", "operator": "NotIn", "values": ["edge"]],
            ],
        ])
        #expect(selector.matches(["env": "prod", "region": "us-west-2", "gpu": "t4"]))
        #expect(!selector.matches(["env": "prod", "region": "eu-west-1", "gpu": "t4"]))
        #expect(!selector.matches(["env": "prod", "region": "us-west-2"]))
        #expect(throws: LabelSelectorError.self) { try LabelSelector(structured: ["matchExpressions": [["key": "a", "operator": "Near"]]]) }
        #expect(throws: LabelSelectorError.self) { try LabelSelector(parsing: "a in b") }
    }
}
