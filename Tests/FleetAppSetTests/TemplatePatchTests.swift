import FleetModel
import Testing

@testable import FleetAppSet

/// templatePatch as Argo CD's controller applies it (docs: Template.md, "Template Patch").
extension ApplicationSetGeneratorTests {
    static func patchedSet(_ patch: String) -> String {
        """
        apiVersion: argoproj.io/v1alpha1
        kind: ApplicationSet
        metadata: {name: patched}
        spec:
          goTemplate: true
          generators:
          - list:
              elements:
              - {cluster: dev, valueFiles: [values.large.yaml, values.debug.yaml], autoSync: true, prune: true}
          template:
            metadata: {name: '{{.cluster}}-app'}
            spec:
              project: team-a
              sources:
              - {repoURL: 'https://git.example.com/a.git', path: app, helm: {valueFiles: [values.yaml]}}
              - {repoURL: 'https://git.example.com/b.git', path: extra}
              destination: {server: 'https://kubernetes.default.svc', namespace: app}
          templatePatch: |
        \(patch.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
        """
    }

    /// "The templatePatch feature enables advanced templating, with support for json, yaml and
    /// json+patch. json+patch is useful when needing to patch arrays mostly when dealing with sources."
    @Test func aTemplatePatchThatRendersToAListIsAJSONPatch() throws {
        let apps = try generate(Self.patchedSet("""
            [
              {"op": "replace", "path": "/spec/sources/0/helm/valueFiles", "value": {{ toJson .valueFiles }}}
              {{- if .autoSync }},
              {"op": "add", "path": "/spec/syncPolicy", "value": {"automated": {"prune": {{ .prune }}}}}
              {{- end }}
            ]
            """))
        #expect(apps[0]["spec"]?["sources"]?[0]?["helm"]?["valueFiles"] == ["values.large.yaml", "values.debug.yaml"])
        #expect(apps[0]["spec"]?["sources"]?[1]?["path"] == "extra", "the other source is untouched")
        #expect(apps[0]["spec"]?["syncPolicy"]?["automated"]?["prune"] == true)
    }

    @Test func aJSONPatchThatCannotApplyFailsTheSetNamingTheOperation() {
        let error = generationError(Self.patchedSet(#"[{"op": "remove", "path": "/spec/sources/7"}]"#))
        #expect(error?.contains("templatePatch (JSON patch)") == true, "\(error ?? "no error")")
    }

    /// "The spec.project field is not supported in templatePatch": Argo CD sets the project back
    /// to the template's ("Prevent changes to the `project` field").
    @Test(arguments: ["spec:\n  project: platform-admin", #"[{"op": "replace", "path": "/spec/project", "value": "platform-admin"}]"#])
    func aTemplatePatchCannotChangeTheProject(patch: String) throws {
        let apps = try generate(Self.patchedSet(patch))
        #expect(apps[0]["spec"]?["project"] == "team-a")
    }

    /// "When writing a templatePatch, you're crafting a patch. So, if the patch includes an
    /// empty spec: # nothing in here, it will effectively clear out existing fields."
    @Test func anEmptyMapInAPatchClearsWhatItNames() throws {
        let apps = try generate(Self.patchedSet("metadata:\n  labels:\n    team: a\nspec:\n  destination: ~"))
        #expect(apps[0]["metadata"]?["labels"]?["team"] == "a")
        #expect(apps[0]["spec"]?["destination"] == [:], "a null deletes the field; Argo CD then writes the empty struct")
    }
}
