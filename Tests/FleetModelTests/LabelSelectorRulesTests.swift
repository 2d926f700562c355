import FleetModel
import Testing

/// Label selectors with Kubernetes' own syntax rules (labels.Parse and NewRequirement):
/// what the API server refuses is refused here, with the reason.
@Suite struct LabelSelectorRulesTests {
    @Test(arguments: [
        ("caf\u{E9}=1", "expected an operator"),
        (String(repeating: "k", count: 10_000) + "=v", "no more than 63 characters"),
        ("-bad=v", "must start and end with an alphanumeric character"),
        ("Example.com/app=v", "the prefix must be a DNS subdomain"),
        ("app=" + String(repeating: "v", count: 64), "not a valid label value"),
        ("app in (a b)", "expected ',' or ')'"),
    ])
    func whatKubernetesRefusesIsRefused(text: String, reason: String) {
        #expect { try LabelSelector(parsing: text) } throws: { error in
            let message = "\(error)"
            return message.contains(reason) && message.count < 400
        }
    }

    @Test func kubernetesValidSelectorsParse() throws {
        for text in ["app=web", "example.com/team in (ml, platform)", "!legacy", "tier notin (db)", "app.kubernetes.io/name=fleet-spoke", "env", "a="] {
            _ = try LabelSelector(parsing: text)
        }
    }

    /// `labels.Parse` reads `()` (and empty entries) as the empty value, not as nothing: `a in ()`
    /// matches an empty `a`, and `a notin ()` everything but that.
    @Test func anEmptyValueSetIsTheEmptyValueAsKubernetesReadsIt() throws {
        let inEmpty = try LabelSelector(parsing: "a in ()")
        #expect(inEmpty.matches(["a": ""]) && !inEmpty.matches(["a": "x"]) && !inEmpty.matches([:]))
        let notInEmpty = try LabelSelector(parsing: "a notin ()")
        #expect(notInEmpty.matches(["a": "x"]) && notInEmpty.matches([:]) && !notInEmpty.matches(["a": ""]))
        #expect(try LabelSelector(parsing: "a in (,,)").matches(["a": ""]))
    }

    @Test func structuredSelectorsFollowTheSameRules() {
        #expect(throws: LabelSelectorError.self) { try LabelSelector(structured: ["matchLabels": ["bad key": "v"]]) }
        #expect(throws: LabelSelectorError.self) { try LabelSelector(structured: ["matchExpressions": [["key": "a", "operator": "In", "values": []]]]) }
    }
}
