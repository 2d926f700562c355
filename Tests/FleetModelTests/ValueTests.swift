@testable import FleetModel
import Testing

@Suite struct ValueTests {
    @Test func numbersCompareByValueAcrossIntAndDouble() {
        #expect(Value.int(1) == .double(1.0))
        #expect(Value.double(2.5) != .int(2))
        #expect(Value.int(Int.max) != .double(9.223372036854775807e18), "no rounding into equality")
        #expect(Set<Value>([.int(3), .double(3.0), .double(3.5)]).count == 2, "hashing agrees with ==")
        #expect(Value.string("1") != .int(1))
        #expect(Value.bool(true) != .int(1))
    }

    @Test func objectsCompareRegardlessOfKeyOrder() {
        let a: Value = ["x": 1, "y": ["z": [1, 2]]]
        let b: Value = ["y": ["z": [1, 2]], "x": 1]
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(a != ["x": 1, "y": ["z": [2, 1]]], "arrays keep their order")
        #expect(a != ["x": 1])
    }

    @Test func subscriptsReadAndWriteNestedMembers() {
        var v: Value = ["metadata": ["name": "web"]]
        #expect(v["metadata"]?["name"]?.stringValue == "web")
        #expect(v[path: "metadata", "name"] == "web")
        #expect(v["spec"] == nil)
        v[path: "metadata", "labels", "app"] = "web"
        #expect(v[path: "metadata", "labels"] == ["app": "web"])
        v[path: "metadata", "labels", "app"] = nil
        #expect(v[path: "metadata", "labels"] == .emptyObject)
        v[path: "spec", "missing"] = nil
        #expect(v["spec"] == nil, "removing under a missing parent creates nothing")
        v["metadata"] = nil
        #expect(v == .emptyObject)
        #expect(Value.array([1, 2])[1] == 2)
        #expect(Value.array([1, 2])[5] == nil)
    }

    @Test func writingKeepsInsertionOrder() {
        var v: Value = ["b": 1]
        v["a"] = 2
        v["b"] = 3
        #expect(v.objectValue.map { Array($0.keys) } == ["b", "a"])
    }

    @Test func typedAccessors() {
        #expect(Value.double(4.0).intValue == 4)
        #expect(Value.double(4.5).intValue == nil)
        #expect(Value.int(4).doubleValue == 4.0)
        #expect(Value.string("x").intValue == nil)
        #expect(Value.null.isNull)
        #expect(Value.object([:]).typeName == "object")
        #expect(Value.double(.infinity).intValue == nil)
    }

    @Test func descriptionIsCompactJSON() {
        #expect(Value.object(["a": [1, "x", nil, true]]).description == #"{"a":[1,"x",null,true]}"#)
    }
}
