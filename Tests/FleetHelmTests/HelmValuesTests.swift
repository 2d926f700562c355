import FleetHelm
import FleetModel
import FleetYAML
import Testing

/// Values as `helm template` combines them: `-f` files, `--set*` flags, chart defaults.
@Suite struct HelmValuesTests {
    func set(_ flags: [(String, HelmSetMode)], into base: ValueObject = [:]) throws -> Value {
        var values = base
        for (flag, mode) in flags { try HelmValues.parseSet(flag, mode: mode, into: &values) }
        return .object(values)
    }

    @Test func setTypesBooleansNullAndIntegersAndLeavesTheRestStrings() throws {
        let v = try set([("replicas=2,enabled=TRUE,off=false,gone=null,zero=0,octal=007,ratio=1.5,big=99999999999999999999,name=web", .typed)])
        #expect(v["replicas"] == .int(2))
        #expect(v["enabled"] == .bool(true))
        #expect(v["off"] == .bool(false))
        #expect(v["gone"] == .null)
        #expect(v["zero"] == .int(0))
        #expect(v["octal"] == .string("007"), "a leading zero keeps it a string")
        #expect(v["ratio"] == .string("1.5"), "floats stay strings")
        #expect(v["big"] == .string("99999999999999999999"))
        #expect(v["name"] == .string("web"))
    }

    @Test func setStringKeepsEverythingAString() throws {
        let v = try set([("replicas=2,enabled=true", .string)])
        #expect(v["replicas"] == .string("2"))
        #expect(v["enabled"] == .string("true"))
    }

    @Test func keysNestEscapeDotsAndAddressListElements() throws {
        let v = try set([(#"serviceAccount.annotations.eks\.amazonaws\.com/role-arn=arn:aws:iam::1:role/x"#, .typed),
                         ("list[1]=b,list[0]=a,matrix[0][1]=x", .typed),
                         ("tags={front,back},empty=", .typed)])
        #expect(v[path: "serviceAccount", "annotations", "eks.amazonaws.com/role-arn"] == .string("arn:aws:iam::1:role/x"))
        #expect(v["list"] == ["a", "b"])
        #expect(v["matrix"] == [[.null, "x"]])
        #expect(v["tags"] == ["front", "back"])
        #expect(v["empty"] == .string(""))
    }

    @Test func escapedCommasStayInTheValue() throws {
        let v = try set([(#"args=a\,b,next=c"#, .typed)])
        #expect(v["args"] == .string("a,b"))
        #expect(v["next"] == .string("c"))
    }

    @Test func setJSONAndSetLiteral() throws {
        let v = try set([(#"image={"name":"busybox","tag":"1.36"},n=[1,2]"#, .json), ("Name=a,b", .literal)])
        #expect(v[path: "image", "tag"] == .string("1.36"))
        #expect(v["n"] == [1, 2])
        #expect(v["Name"] == .string("a,b"))
    }

    @Test func setWritesIntoValuesFromFiles() throws {
        let v = try set([("list[0]=z,service.port=8443", .typed)], into: ["list": ["a", "b"], "service": ["type": "ClusterIP", "port": 80]])
        #expect(v["list"] == ["z", "b"])
        #expect(v["service"] == ["type": "ClusterIP", "port": 8443])
    }

    @Test(arguments: ["novalue", "a=b,c", "list[x]=1", "list[-1]=1", "=v", "n[99999999]=1"])
    func malformedFlagsAreErrors(_ flag: String) {
        #expect(throws: HelmError.self) { try set([(flag, .typed)]) }
    }

    @Test func valueFilesMergeMapsAndReplaceTheRest() {
        let merged = HelmValues.merge(["a": ["b": 1, "c": 2], "list": [1, 2], "s": "x"], ["a": ["c": 3], "list": [9], "s": ["t": 1]])
        #expect(merged == ["a": ["b": 1, "c": 3], "list": [9], "s": ["t": 1]])
    }

    @Test func userValuesCoalesceOverChartDefaultsAndNullDeletes() {
        let chart: ValueObject = ["image": ["repository": "nginx", "tag": "1.25", "pullPolicy": "IfNotPresent"],
                                  "replicas": 1, "resources": ["limits": ["cpu": "1"]], "podAnnotations": [:], "tolerations": ["a"]]
        let user: ValueObject = ["image": ["tag": "1.26", "pullPolicy": .null], "replicas": 3, "resources": .null,
                                 "podAnnotations": "not-a-table", "extra": .null]
        let out = HelmValues.coalesce(chart: chart, user: user)
        #expect(out["image"]?["repository"] == .string("nginx"))
        #expect(out["image"]?["tag"] == .string("1.26"))
        #expect(out["image"]?["pullPolicy"] == nil, "a user null deletes the chart's key")
        #expect(out["replicas"] == .int(3))
        #expect(out["resources"] == nil)
        #expect(out["podAnnotations"] == .string("not-a-table"), "the user's value wins over a table")
        #expect(out["tolerations"] == ["a"])
        #expect(out["extra"] == .null, "a null the chart does not set stays")
    }
}
