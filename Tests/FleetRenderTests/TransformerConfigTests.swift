import FleetModel
@testable import FleetRender
import Testing

@Suite struct TransformerConfigTests {
    func lists(_ c: TransformerConfig) -> [[FieldSpec]] {
        [c.namePrefix, c.nameSuffix, c.namespace, c.commonLabels, c.templateLabels, c.labels, c.commonAnnotations, c.images,
         c.replicas, c.varReference]
    }

    @Test func theDefaultsMergedIntoAnEmptyAccumulatorStayTheDefaults() throws {
        // The builder skips this merge when it sees the defaults; that shortcut is only right if
        // the full merge would give the same lists.
        var empty = TransformerConfig.empty
        var defaults = TransformerConfig.default
        empty.sort()
        defaults.sort()
        var merged = empty
        for keyPath: WritableKeyPath<TransformerConfig, [FieldSpec]> in [\.namePrefix, \.nameSuffix, \.namespace, \.commonLabels, \.templateLabels,
                                                                          \.labels, \.commonAnnotations, \.images, \.replicas, \.varReference] {
            try TransformerConfig.merge(&merged[keyPath: keyPath], defaults[keyPath: keyPath], "test")
        }
        merged.sort()
        #expect(lists(merged) == lists(defaults))
        #expect(try TransformerConfig.empty.merging(.default).isDefault)
    }

    @Test func aKindSpecificNameSpecMergedFirstSwallowsTheGeneralOne() throws {
        var custom = TransformerConfig.empty
        custom.namePrefix = [FieldSpec(kind: "Rollout", path: "metadata/name")]
        let level = try TransformerConfig.default.merging(custom)
        #expect(level.namePrefix.count == 2)
        // The accumulator starts empty and takes the level's sorted list: Rollout first, so the
        // general spec finds a spec it selects already there and is dropped, as in kubectl.
        let accumulated = try TransformerConfig.empty.merging(level)
        #expect(accumulated.namePrefix == [FieldSpec(kind: "Rollout", path: "metadata/name")])
    }

    @Test func theSameFieldWithAndWithoutCreateIsAConflict() {
        var custom = TransformerConfig.empty
        custom.commonLabels = [FieldSpec(kind: "Deployment", path: "spec/selector/matchLabels", create: false)]
        #expect(throws: TransformerConfigConflict.self) { try TransformerConfig.default.merging(custom) }
    }

    @Test func nameReferencesMergePerReferredType() throws {
        var custom = TransformerConfig.empty
        let configMap = GroupVersionKind(group: "", version: "v1", kind: "ConfigMap")
        custom.nameReference = [NameReference(target: configMap, referrers: [FieldSpec(kind: "ModelServer", path: "spec/weights")])]
        let merged = try TransformerConfig.default.merging(custom)
        let entries = merged.nameReference.filter { $0.target == configMap }
        #expect(entries.count == 1)
        #expect(entries.first?.referrers.contains(FieldSpec(kind: "ModelServer", path: "spec/weights")) == true)
        #expect(entries.first?.referrers.contains(FieldSpec(kind: "Deployment", path: "spec/template/spec/volumes/configMap/name")) == true)
    }
}

@Suite struct VarExpansionTests {
    let values: [String: Value] = ["NAME": "web", "COUNT": 3, "RATIO": 1.5, "ON": true, "LIST": ["a"]]

    @Test func aStringThatIsOneReferenceTakesTheValueWithItsType() {
        #expect(VarResolver.expand("$(COUNT)", values: values) == .int(3))
        #expect(VarResolver.expand("$(ON)", values: values) == .bool(true))
        #expect(VarResolver.expand("$(NAME)", values: values) == .string("web"))
    }

    @Test func referencesInsideTextAreWrittenAsGoPrintsThem() {
        #expect(VarResolver.expand("x-$(NAME)-$(COUNT)-$(RATIO)-$(ON)", values: values) == .string("x-web-3-1.5-true"))
    }

    @Test func escapesUnknownNamesListsAndUnclosedReferencesStayAsWritten() {
        #expect(VarResolver.expand("$$(NAME)", values: values) == .string("$(NAME)"))
        #expect(VarResolver.expand("$(NOPE) $(LIST)", values: values) == .string("$(NOPE) $(LIST)"))
        #expect(VarResolver.expand("$(LIST)", values: values) == .string("$(LIST)"))
        #expect(VarResolver.expand("a $(NAME", values: values) == .string("a $(NAME"))
        #expect(VarResolver.expand("cost $5 $", values: values) == .string("cost $5 $"))
    }

    @Test func fieldPathsTakeNumericIndexesButNotSelectors() {
        let object: Value = ["spec": ["ports": [["port": 80], ["port": 443]]]]
        #expect(VarResolver.fieldValue("spec.ports[1].port", in: object) == .int(443))
        #expect(VarResolver.fieldValue("spec.ports.0.port", in: object) == .int(80))
        #expect(VarResolver.fieldValue("spec.ports[port=80].port", in: object) == nil)
        #expect(VarResolver.fieldValue("spec.ports[2].port", in: object) == nil)
    }
}
