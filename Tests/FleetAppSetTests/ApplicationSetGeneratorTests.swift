import FleetModel
import FleetTemplate
import FleetYAML
import Testing

@testable import FleetAppSet

/// Repositories for git generators, in memory, or failing with a given reason.
struct InMemoryRepositories: RepositoryProvider, Sendable {
    var trees: [String: InMemoryFileTree]
    var failure: String?

    init(_ trees: [String: InMemoryFileTree] = [:], failure: String? = nil) {
        self.trees = trees
        self.failure = failure
    }

    func snapshot(repoURL: String, revision: String) throws -> RepositorySnapshot {
        if let failure { throw TemplateError(failure) }
        guard let tree = trees[repoURL] else { throw TemplateError("repository \(repoURL) not found") }
        return RepositorySnapshot(tree: tree, commit: String(repeating: "a", count: 40))
    }
}

/// The ApplicationSet examples of Argo CD's documentation, with the Applications the
/// documentation says they produce.
@Suite struct ApplicationSetGeneratorTests {
    static let argoRepo = "https://github.com/argoproj/argo-cd.git"

    static let clusters: [ClusterRecord] = [
        ClusterRecord(name: "staging", labels: ["env": "staging", "environment": "staging", "staging": "true", "type": "staging", "use-kafka": "false"], server: "https://1.2.3.4"),
        ClusterRecord(name: "production", labels: ["env": "prod", "environment": "prod", "type": "production"], annotations: ["team": "ml"], server: "https://2.4.6.8"),
        ClusterRecord(name: "Dev_Cluster", labels: ["env": "dev", "environment": "dev", "staging": "true"], server: "https://3.3.3.3"),
    ]

    static let repositories = InMemoryRepositories([
        argoRepo: InMemoryFileTree(files: [
            "applicationset/examples/git-generator-directory/cluster-addons/argo-workflows/kustomization.yaml": "resources: []\n",
            "applicationset/examples/git-generator-directory/cluster-addons/argo-workflows/templates/x.yaml": "a: 1\n",
            "applicationset/examples/git-generator-directory/cluster-addons/prometheus-operator/Chart.yaml": "name: p\n",
            "applicationset/examples/git-generator-directory/excludes/cluster-addons/argo-workflows/k.yaml": "a: 1\n",
            "applicationset/examples/git-generator-directory/excludes/cluster-addons/exclude-helm-guestbook/k.yaml": "a: 1\n",
            "applicationset/examples/git-generator-directory/excludes/cluster-addons/prometheus-operator/k.yaml": "a: 1\n",
            "applicationset/examples/git-generator-directory/.hidden/k.yaml": "a: 1\n",
            "applicationset/examples/git-generator-files-discovery/cluster-config/engineering/dev/config.json": """
                {"aws_account": "123456", "asset_id": "11223344", "cluster": {"owner": "cluster-admin@company.com", "name": "engineering-dev", "address": "https://1.2.3.4"}}
                """,
            "applicationset/examples/git-generator-files-discovery/cluster-config/engineering/prod/config.json": """
                {"aws_account": "123456", "asset_id": "11223344", "cluster": {"owner": "cluster-admin@company.com", "name": "engineering-prod", "address": "https://2.4.6.8"}}
                """,
            "applicationset/examples/git-generator-files-discovery/cluster-config/list.yaml": "- name: one\n  replicas: 2\n- name: two\n  replicas: 1000000\n",
        ]),
    ])

    func generate(_ yaml: String, clusters: [ClusterRecord] = clusters, repositories: RepositoryProvider = repositories) throws -> [Value] {
        let document = try YAML.parse(yaml)
        return try ApplicationSetGenerator(clusters: clusters, repositories: repositories).generate(document, source: "test.yaml").applications
    }

    func names(_ apps: [Value]) -> [String] { apps.compactMap { $0["metadata"]?["name"]?.stringValue }.sorted() }
    func app(_ apps: [Value], _ name: String) -> Value? { apps.first { $0["metadata"]?["name"]?.stringValue == name } }

    @Test func listGeneratorExampleFromTheDocs() throws {
        let apps = try generate("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata:
              name: guestbook
              namespace: argocd
            spec:
              generators:
              - list:
                  elements:
                  - cluster: engineering-dev
                    url: https://1.2.3.4
                  - cluster: engineering-prod
                    url: https://2.4.6.8
                  - cluster: finance-preprod
                    url: https://9.8.7.6
              template:
                metadata:
                  name: '{{cluster}}-guestbook'
                spec:
                  project: my-project
                  source:
                    repoURL: https://github.com/infra-team/cluster-deployments.git
                    targetRevision: HEAD
                    path: guestbook/{{cluster}}
                  destination:
                    server: '{{url}}'
                    namespace: guestbook
            """)
        #expect(names(apps) == ["engineering-dev-guestbook", "engineering-prod-guestbook", "finance-preprod-guestbook"])
        let dev = try #require(app(apps, "engineering-dev-guestbook"))
        #expect(dev["apiVersion"] == "argoproj.io/v1alpha1")
        #expect(dev["kind"] == "Application")
        #expect(dev["metadata"]?["namespace"] == "argocd")
        #expect(dev["metadata"]?["finalizers"] == ["resources-finalizer.argocd.argoproj.io"])
        #expect(dev["spec"]?["source"]?["path"] == "guestbook/engineering-dev")
        #expect(dev["spec"]?["destination"]?["server"] == "https://1.2.3.4")
    }

    @Test func listElementsYamlAndNonStringElementsInFastTemplate() throws {
        let apps = try generate("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: x}
            spec:
              goTemplate: true
              generators:
              - list:
                  elementsYaml: |
                    - name: a
                      port: 8080
                    - name: b
                      port: 9090
              template:
                metadata: {name: '{{.name}}'}
                spec: {project: default, source: {repoURL: r, path: 'p/{{.port}}'}, destination: {server: s}}
            """)
        #expect(names(apps) == ["a", "b"])
        #expect(app(apps, "a")?["spec"]?["source"]?["path"] == "p/8080")
        #expect(app(apps, "a")?["metadata"]?["namespace"] == nil)

        #expect(throws: ApplicationSetError.self) {
            try generate("""
                apiVersion: argoproj.io/v1alpha1
                kind: ApplicationSet
                metadata: {name: x}
                spec:
                  generators:
                  - list: {elements: [{name: a, port: 8080}]}
                  template: {metadata: {name: '{{name}}'}, spec: {project: default}}
                """)
        }
    }

    @Test func clusterGeneratorWithSelectorAndParameters() throws {
        let apps = try generate("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: guestbook, namespace: argocd}
            spec:
              generators:
              - clusters:
                  selector:
                    matchLabels:
                      staging: "true"
                    matchExpressions:
                    - key: environment
                      operator: In
                      values: [dev, staging]
              template:
                metadata:
                  name: '{{nameNormalized}}-guestbook'
                  labels:
                    env: '{{metadata.labels.env}}'
                    secret: '{{metadata.labels.argocd.argoproj.io/secret-type}}'
                spec:
                  project: default
                  source: {repoURL: 'https://github.com/argoproj/argocd-example-apps/', targetRevision: HEAD, path: guestbook}
                  destination: {server: '{{server}}', namespace: guestbook}
            """)
        #expect(names(apps) == ["dev-cluster-guestbook", "staging-guestbook"])
        #expect(app(apps, "staging-guestbook")?["spec"]?["destination"]?["server"] == "https://1.2.3.4")
        #expect(app(apps, "staging-guestbook")?["metadata"]?["labels"] == ["env": "staging", "secret": "cluster"])
    }

    @Test func clusterGeneratorValuesAreTemplatedPerCluster() throws {
        let apps = try generate("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: guestbook}
            spec:
              generators:
              - clusters:
                  selector: {matchLabels: {type: staging}}
                  values: {revision: HEAD, ns: '{{name}}-apps'}
              - clusters:
                  selector: {matchLabels: {type: production}}
                  values: {revision: stable, ns: '{{metadata.annotations.team}}'}
              template:
                metadata: {name: '{{name}}-guestbook'}
                spec:
                  project: default
                  source: {repoURL: r, targetRevision: '{{values.revision}}', path: guestbook}
                  destination: {server: '{{server}}', namespace: '{{values.ns}}'}
            """)
        #expect(app(apps, "staging-guestbook")?["spec"]?["source"]?["targetRevision"] == "HEAD")
        #expect(app(apps, "staging-guestbook")?["spec"]?["destination"]?["namespace"] == "staging-apps")
        #expect(app(apps, "production-guestbook")?["spec"]?["source"]?["targetRevision"] == "stable")
        #expect(app(apps, "production-guestbook")?["spec"]?["destination"]?["namespace"] == "ml")
    }

    @Test func clusterGeneratorGoTemplateNestsMetadataAndValues() throws {
        let apps = try generate("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: x}
            spec:
              goTemplate: true
              goTemplateOptions: ["missingkey=error"]
              generators:
              - clusters:
                  selector: {matchLabels: {env: prod}}
                  values: {tier: '{{ .metadata.labels.type | upper }}'}
              template:
                metadata: {name: '{{ .name }}-{{ index .metadata.annotations "team" }}'}
                spec: {project: default, destination: {server: '{{ .server }}', namespace: '{{ .values.tier }}'}}
            """)
        #expect(names(apps) == ["production-ml"])
        #expect(apps[0]["spec"]?["destination"]?["namespace"] == "PRODUCTION")
    }

    @Test func templatePatchAppliesPerParameterSet() throws {
        let apps = try generate("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: guestbook}
            spec:
              goTemplate: true
              generators:
              - list:
                  elements:
                  - {cluster: engineering-dev, url: 'https://kubernetes.default.svc', autoSync: true, prune: true}
                  - {cluster: engineering-prod, url: 'https://kubernetes.default.svc', autoSync: false, prune: false}
              template:
                metadata: {name: '{{.cluster}}-deployment'}
                spec:
                  project: default
                  source: {repoURL: 'https://github.com/infra-team/cluster-deployments.git', path: 'guestbook/{{ .cluster }}'}
                  destination: {server: '{{.url}}', namespace: guestbook}
              templatePatch: |
                {{- if .autoSync }}
                spec:
                  syncPolicy:
                    automated:
                      prune: {{ .prune }}
                {{- end }}
            """)
        #expect(app(apps, "engineering-dev-deployment")?["spec"]?["syncPolicy"] == ["automated": ["prune": true]])
        #expect(app(apps, "engineering-prod-deployment")?["spec"]?["syncPolicy"] == nil)
    }

    @Test func generatorTemplateOverridesTheApplicationSetTemplate() throws {
        let apps = try generate("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: x}
            spec:
              generators:
              - list:
                  elements: [{cluster: a}]
                  template:
                    metadata: {}
                    spec:
                      project: special
                      source: {path: 'override/{{cluster}}'}
              - list:
                  elements: [{cluster: b}]
              template:
                metadata: {name: '{{cluster}}'}
                spec:
                  project: default
                  source: {repoURL: r, targetRevision: HEAD, path: 'base/{{cluster}}'}
                  destination: {server: s}
            """)
        #expect(app(apps, "a")?["spec"]?["project"] == "special")
        #expect(app(apps, "a")?["spec"]?["source"] == ["path": "override/a", "repoURL": "r", "targetRevision": "HEAD"])
        #expect(app(apps, "b")?["spec"]?["project"] == "default")
    }

    @Test func selectorFiltersGeneratedParameters() throws {
        let apps = try generate("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: x}
            spec:
              generators:
              - list:
                  elements: [{cluster: a, env: prod}, {cluster: b, env: dev}, {cluster: c, env: prod}]
                selector:
                  matchExpressions: [{key: env, operator: NotIn, values: [dev]}]
              template:
                metadata: {name: '{{cluster}}'}
                spec: {project: default}
            """)
        #expect(names(apps) == ["a", "c"])
    }

    @Test func finalizerFollowsPreserveResourcesOnDeletion() throws {
        func finalizers(policy: String, metadata: String) throws -> Value? {
            try generate("""
                apiVersion: argoproj.io/v1alpha1
                kind: ApplicationSet
                metadata: {name: x}
                spec:
                  syncPolicy: {\(policy)}
                  generators: [{list: {elements: [{cluster: a}]}}]
                  template:
                    metadata: {name: '{{cluster}}'\(metadata)}
                    spec: {project: default}
                """).first?["metadata"]?["finalizers"]
        }
        #expect(try finalizers(policy: "preserveResourcesOnDeletion: true", metadata: "") == nil)
        #expect(try finalizers(policy: "", metadata: ", finalizers: [custom]") == ["custom"])
        #expect(try finalizers(policy: "", metadata: "") == ["resources-finalizer.argocd.argoproj.io"])
    }

    @Test func applicationsAreWrittenAsArgoCDsGoTypesEncodeThem() throws {
        let apps = try generate("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: x}
            spec:
              generators: [{list: {elements: [{cluster: a, ns: ''}]}}]
              template:
                metadata: {name: '{{cluster}}', labels: {}}
                spec:
                  source: {repoURL: r, path: '', directory: {recurse: false}}
                  destination: {server: s, namespace: '{{ns}}'}
                  syncPolicy: {automated: {prune: false, selfHeal: true}, syncOptions: []}
                  futureField: kept
            """)
        #expect(apps[0]["metadata"]?["labels"] == nil)
        #expect(apps[0]["spec"] == [
            "source": ["repoURL": "r", "directory": ["jsonnet": [:]]],
            "destination": ["server": "s"],
            "syncPolicy": ["automated": ["selfHeal": true]],
            "futureField": "kept",
            "project": "",
        ])
    }
}
