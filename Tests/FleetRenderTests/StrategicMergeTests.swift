import FleetModel
@testable import FleetRender
import Testing

@Suite struct StrategicMergeTests {
    let deployment = BuiltinPatchSchemas.schema(for: GroupVersionKind(apiVersion: "apps/v1", kind: "Deployment"))

    func containers(_ names: [String]) -> Value {
        ["spec": ["template": ["spec": ["containers": .array(names.map { ["name": .string($0), "image": .string($0 + ":1")] })]]]]
    }

    @Test func keyedListsPutPatchElementsFirstThenTheRest() {
        let merged = StrategicMerge.apply(
            ["spec": ["template": ["spec": ["containers": [["name": "b", "image": "b:2"], ["name": "new", "image": "n:1"]]]]]],
            to: containers(["a", "b", "c"]), schema: deployment)
        let names = merged?[path: "spec", "template", "spec", "containers"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(names == ["b", "new", "a", "c"])
        #expect(merged?[path: "spec", "template", "spec", "containers"]?[0]?["image"] == "b:2")
    }

    @Test func directivesDeleteAndReplace() {
        let original: Value = ["metadata": ["labels": ["keep": "1", "drop": "2"]], "spec": ["template": ["spec": [
            "containers": [["name": "a", "resources": ["limits": ["cpu": "1"], "requests": ["cpu": "1"]]], ["name": "b"]],
            "volumes": [["name": "v1"], ["name": "v2"]],
        ]]]]
        let patch: Value = ["metadata": ["labels": ["drop": nil]], "spec": ["template": ["spec": [
            "containers": [["name": "b", "$patch": "delete"], ["name": "a", "resources": ["$patch": "replace", "limits": ["cpu": "2"]]]],
            "volumes": [["$patch": "replace"], ["name": "only"]],
        ]]]]
        let merged = StrategicMerge.apply(patch, to: original, schema: deployment)
        #expect(merged?[path: "metadata", "labels"] == ["keep": "1"])
        #expect(merged?[path: "spec", "template", "spec", "containers"] == [["name": "a", "resources": ["limits": ["cpu": "2"]]]])
        #expect(merged?[path: "spec", "template", "spec", "volumes"] == [["name": "only"]])
        #expect(StrategicMerge.apply(["$patch": "delete"], to: original, schema: deployment) == nil, "a deleted object")
    }

    @Test func finalizersUnionAndUnkeyedListsReplace() {
        let merged = StrategicMerge.apply(
            ["metadata": ["finalizers": ["b"]], "spec": ["template": ["spec": ["tolerations": [["key": "t2"]]]]]],
            to: ["metadata": ["finalizers": ["a", "b"]], "spec": ["template": ["spec": ["tolerations": [["key": "t1"]]]]]],
            schema: deployment)
        #expect(merged?[path: "metadata", "finalizers"] == ["b", "a"])
        #expect(merged?[path: "spec", "template", "spec", "tolerations"] == [["key": "t2"]])
    }

    @Test func unknownKindsGetJSONMergeSemantics() {
        let crd = BuiltinPatchSchemas.schema(for: GroupVersionKind(apiVersion: "example.com/v1", kind: "Model"))
        #expect(crd == nil)
        let removedVersion = BuiltinPatchSchemas.schema(for: GroupVersionKind(apiVersion: "apps/v1beta1", kind: "Deployment"))
        #expect(removedVersion == nil, "API versions removed before Kubernetes 1.21 are unknown, as in kustomize")
        let merged = StrategicMerge.apply(["spec": ["items": [["name": "b"]], "map": ["x": 1]]],
                                          to: ["spec": ["items": [["name": "a"], ["name": "b", "v": 1]], "map": ["y": 2]]], schema: crd)
        #expect(merged == ["spec": ["items": [["name": "b"]], "map": ["y": 2, "x": 1]]])
    }

    @Test func newSubtreesAreCleanedOfNullsAndDirectives() {
        let merged = StrategicMerge.apply(["spec": ["template": ["spec": ["volumes": [["name": "v", "configMap": ["name": "c", "items": nil]]]]]]],
                                          to: ["spec": .emptyObject], schema: deployment)
        #expect(merged?[path: "spec", "template", "spec", "volumes"] == [["name": "v", "configMap": ["name": "c"]]])
    }

    @Test func servicePortsMergeByPort() {
        let service = BuiltinPatchSchemas.schema(for: GroupVersionKind(apiVersion: "v1", kind: "Service"))
        let merged = StrategicMerge.apply(["spec": ["ports": [["port": 443], ["port": 80, "targetPort": 8081]]]],
                                          to: ["spec": ["ports": [["port": 80, "name": "http", "targetPort": 8080]]]], schema: service)
        #expect(merged?[path: "spec", "ports"] == [["port": 443], ["port": 80, "name": "http", "targetPort": 8081]])
    }
}
