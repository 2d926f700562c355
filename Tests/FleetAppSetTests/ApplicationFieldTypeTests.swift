import FleetModel
import FleetYAML
import Testing

@testable import FleetAppSet

/// Argo CD reads the template into its typed Application ("spec.template.spec.syncPolicy.automated.prune
/// in body must be of type boolean: \"string\"" from the API server; "cannot unmarshal string into Go struct
/// field ... of type bool" for a templatePatch): a templated string never lands in a bool, integer, list
/// or map field. Non-string fields take parameters through templatePatch.
extension ApplicationSetGeneratorTests {
    func generationError(_ yaml: String) -> String? {
        do { _ = try generate(yaml); return nil } catch { return "\(error)" }
    }

    @Test(arguments: [
        ("syncPolicy: {automated: {prune: '{{.prune}}'}}", "spec.template.spec.syncPolicy.automated.prune: the string \"{{.prune}}\" where Argo CD's Application has a boolean (a template renders text only"),
        ("revisionHistoryLimit: '{{.keep}}'", "spec.template.spec.revisionHistoryLimit: the string \"{{.keep}}\" where Argo CD's Application has an integer"),
        ("syncPolicy: {syncOptions: '{{.options}}'}", "spec.template.spec.syncPolicy.syncOptions: the string \"{{.options}}\" where Argo CD's Application has a array"),
        ("source: {repoURL: r, helm: {parameters: [{name: a, value: b, forceString: 'yes'}]}}", "spec.template.spec.source.helm.parameters[0].forceString: the string \"yes\""),
        ("sources: [{repoURL: r, directory: {recurse: '{{.deep}}'}}]", "spec.template.spec.sources[0].directory.recurse: the string \"{{.deep}}\""),
        ("syncPolicy: {automated: true}", "spec.template.spec.syncPolicy.automated: a boolean where Argo CD's Application has a object"),
    ])
    func aStringInANonStringTemplateFieldIsAnErrorAsInArgoCD(field: String, message: String) throws {
        let error = generationError("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: typed}
            spec:
              goTemplate: true
              generators:
              - list: {elements: [{cluster: a, prune: true, keep: 3, deep: true, options: [x]}]}
              template:
                metadata: {name: 'app-{{.cluster}}'}
                spec:
                  project: default
                  \(field)
            """)
        #expect(error?.contains(message) == true, "\(error ?? "no error")")
    }

    @Test func aTemplatePatchThatQuotesABooleanIsAnError() {
        let error = generationError("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: typed}
            spec:
              goTemplate: true
              generators:
              - list: {elements: [{cluster: a, prune: true}]}
              template:
                metadata: {name: 'app-{{.cluster}}'}
                spec: {project: default}
              templatePatch: |
                spec:
                  syncPolicy:
                    automated:
                      prune: '{{ .prune }}'
            """)
        #expect(error?.contains("templatePatch: spec.syncPolicy.automated.prune: the string \"true\" where Argo CD's Application has a boolean") == true, "\(error ?? "no error")")
    }

    @Test func typedFieldsWrittenAsTheirTypesPass() throws {
        let apps = try generate("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: typed}
            spec:
              generators:
              - list: {elements: [{cluster: a}]}
              template:
                metadata: {name: 'app-{{cluster}}'}
                spec:
                  project: default
                  revisionHistoryLimit: 5
                  source: {repoURL: r, helm: {valueFiles: ['{{cluster}}.yaml'], valuesObject: {replicas: '{{cluster}}'}}}
                  syncPolicy: {automated: {prune: true, selfHeal: false}, retry: {limit: 2}, syncOptions: ['CreateNamespace=true']}
            """)
        #expect(apps[0]["spec"]?["source"]?["helm"]?["valueFiles"] == ["a.yaml"])
        #expect(apps[0]["spec"]?["revisionHistoryLimit"] == 5)
    }
}
