import FleetModel
import Testing

@testable import FleetAppSet

/// Post selectors ("selector" beside any generator) as Argo CD filters with them.
extension ApplicationSetGeneratorTests {
    /// Argo CD's `flattenParameters`: nested parameters match by dotted key, values as `%v`.
    @Test func aPostSelectorMatchesNestedGoTemplateParametersByDottedKey() throws {
        let apps = try generate("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: nested}
            spec:
              goTemplate: true
              generators:
              - list:
                  elements:
                  - {name: a, labels: {env: prod}, replicas: 3, zones: [x, y]}
                  - {name: b, labels: {env: dev}, replicas: 1, zones: [x]}
                  - {name: c, labels: {env: prod}, replicas: 1, zones: [z]}
                selector:
                  matchLabels: {labels.env: prod, zones.0: x}
              - list:
                  elements:
                  - {name: d, replicas: 3}
                  - {name: e, replicas: 2}
                selector:
                  matchExpressions: [{key: replicas, operator: In, values: ['3']}]
              template:
                metadata: {name: '{{.name}}'}
                spec: {project: default}
            """)
        #expect(names(apps) == ["a", "d"])
    }

    /// Argo CD 3.0: "the field is ignored, and behavior is always the same as if
    /// applyNestedSelectors was set to true. In other words, nested selectors are always applied."
    @Test func selectorsOfNestedGeneratorsAlwaysApplyAsSinceArgoCD3() throws {
        let apps = try generate("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: guestbook}
            spec:
              goTemplate: true
              generators:
              - matrix:
                  generators:
                  - list:
                      elements:
                      - {cluster: staging, tier: low}
                      - {cluster: production, tier: high}
                  - merge:
                      mergeKeys: [tier]
                      generators:
                      - list:
                          elements: [{tier: low, size: s}, {tier: high, size: l}]
                      - list:
                          elements: [{tier: low, app: guestbook}, {tier: high, app: other}]
                        selector:
                          matchLabels: {app: guestbook}
              template:
                metadata: {name: '{{.cluster}}-{{.size}}-{{ default "none" .app }}'}
                spec: {project: default}
            """)
        // The nested selector drops the `other` row of the merge's second list, so the `high`
        // base row merges with nothing.
        #expect(names(apps) == ["production-l-none", "production-s-guestbook", "staging-l-none", "staging-s-guestbook"])
    }
}
