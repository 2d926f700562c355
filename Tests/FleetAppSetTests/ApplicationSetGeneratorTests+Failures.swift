import FleetModel
import FleetTemplate
import FleetYAML
import Testing

@testable import FleetAppSet

/// Generation that fails (errors name the ApplicationSet and the source), the limits that keep
/// a hostile ApplicationSet bounded, and Argo CD cluster Secrets read as records.
extension ApplicationSetGeneratorTests {
    @Test func duplicateNamesAreAnErrorNamingBothSources() {
        do {
            _ = try generate("""
                apiVersion: argoproj.io/v1alpha1
                kind: ApplicationSet
                metadata: {name: x}
                spec:
                  generators:
                  - list: {elements: [{cluster: a, n: '1'}]}
                  - list: {elements: [{cluster: a, n: '2'}]}
                  template: {metadata: {name: 'app-{{cluster}}'}, spec: {project: default}}
                """)
            Issue.record("expected a duplicate-name error")
        } catch {
            let text = "\(error)"
            #expect(text.contains("duplicate Application name \"app-a\""))
            #expect(text.contains("spec.generators[0]") && text.contains("spec.generators[1]"))
        }
    }

    @Test func missingKeyErrorFailsTheSet() {
        #expect(throws: ApplicationSetError.self) {
            try generate("""
                apiVersion: argoproj.io/v1alpha1
                kind: ApplicationSet
                metadata: {name: x}
                spec:
                  goTemplate: true
                  goTemplateOptions: ["missingkey=error"]
                  generators: [{list: {elements: [{cluster: a}]}}]
                  template: {metadata: {name: '{{.cluster}}-{{.nope}}'}, spec: {project: default}}
                """)
        }
    }

    @Test func unreadableRepositoryFailsWithTheReason() {
        let broken = InMemoryRepositories(failure: "authentication required")
        do {
            _ = try generate("""
                apiVersion: argoproj.io/v1alpha1
                kind: ApplicationSet
                metadata: {name: addons}
                spec:
                  generators: [{git: {repoURL: 'https://example.com/r.git', revision: main, directories: [{path: '*'}]}}]
                  template: {metadata: {name: '{{path.basename}}'}, spec: {project: default}}
                """, repositories: broken)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("authentication required"))
            #expect("\(error)".contains("ApplicationSet addons"))
        }
    }

    @Test func unsupportedGeneratorsAreNamed() {
        do {
            _ = try generate("""
                apiVersion: argoproj.io/v1alpha1
                kind: ApplicationSet
                metadata: {name: x}
                spec:
                  generators: [{pullRequest: {github: {owner: o, repo: r}}}]
                  template: {metadata: {name: a}, spec: {project: default}}
                """)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("pullRequest generator is not supported"))
        }
    }

    @Test func clusterSecretsReadAsRecords() throws {
        let documents = try YAML.parseStream("""
            apiVersion: v1
            kind: Secret
            metadata:
              name: mycluster-secret
              labels: {argocd.argoproj.io/secret-type: cluster, env: prod}
            type: Opaque
            stringData:
              name: mycluster.example.com
              server: https://mycluster.example.com
            ---
            apiVersion: fleet/v1alpha1
            kind: Cluster
            metadata: {name: us-east-1, labels: {region: us-east-1}}
            spec: {server: 'https://10.0.0.1:6443'}
            """)
        let records = try ClusterCatalog.clusters(in: documents, source: "clusters.yaml")
        #expect(records.map(\.name) == ["mycluster.example.com", "us-east-1"])
        #expect(records[0].labels == ["env": "prod"])
        #expect(records[0].server == "https://mycluster.example.com")
        #expect(records[1].secretLabels == ["region": "us-east-1", "argocd.argoproj.io/secret-type": "cluster"])
    }

    @Test func aMatrixTooLargeIsRefusedBeforeItExhaustsMemory() {
        let elements = (0..<500).map { "{n: '\($0)'}" }.joined(separator: ", ")
        do {
            _ = try generate("""
                apiVersion: argoproj.io/v1alpha1
                kind: ApplicationSet
                metadata: {name: x}
                spec:
                  generators:
                  - matrix:
                      generators:
                      - list: {elements: [\(elements)]}
                      - matrix:
                          generators:
                          - list: {elements: [\(elements.replacingAll([("n:", "m:")]))]}
                          - list: {elements: [{a: '1'}, {a: '2'}]}
                  template: {metadata: {name: '{{n}}-{{m}}-{{a}}'}, spec: {project: default}}
                """)
            Issue.record("expected the size limit")
        } catch {
            #expect("\(error)".contains("more than 200000 parameter sets"))
        }
    }

    @Test func anEmptyParameterSetLeavesTheTemplateAsWritten() throws {
        let apps = try generate("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: x}
            spec:
              goTemplate: true
              goTemplateOptions: ["missingkey=error"]
              generators: [{list: {elements: [{}]}}]
              template: {metadata: {name: 'fixed-{{ .nothing }}'}, spec: {project: default}}
            """)
        #expect(names(apps) == ["fixed-{{ .nothing }}"])
    }
}
