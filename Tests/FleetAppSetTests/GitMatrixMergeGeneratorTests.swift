import FleetModel
import FleetTemplate
import FleetYAML
import Testing

@testable import FleetAppSet

/// Argo CD's documented git, matrix and merge generator examples.
extension ApplicationSetGeneratorTests {
    @Test func gitDirectoryGeneratorWithExclude() throws {
        let apps = try generate("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: cluster-addons, namespace: argocd}
            spec:
              generators:
              - git:
                  repoURL: https://github.com/argoproj/argo-cd.git
                  revision: HEAD
                  directories:
                  - path: applicationset/examples/git-generator-directory/excludes/cluster-addons/*
                  - path: applicationset/examples/git-generator-directory/excludes/cluster-addons/exclude-helm-guestbook
                    exclude: true
              template:
                metadata: {name: '{{path.basename}}'}
                spec:
                  project: my-project
                  source: {repoURL: 'https://github.com/argoproj/argo-cd.git', targetRevision: HEAD, path: '{{path}}'}
                  destination: {server: 'https://kubernetes.default.svc', namespace: '{{path.basename}}'}
            """)
        #expect(names(apps) == ["argo-workflows", "prometheus-operator"])
        #expect(app(apps, "argo-workflows")?["spec"]?["source"]?["path"] == "applicationset/examples/git-generator-directory/excludes/cluster-addons/argo-workflows")
    }

    @Test func gitDirectoryStarStaysInOneSegmentAndSkipsHiddenDirectories() throws {
        let apps = try generate("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: x}
            spec:
              generators:
              - git:
                  repoURL: https://github.com/argoproj/argo-cd.git
                  revision: HEAD
                  directories:
                  - path: applicationset/examples/git-generator-directory/*
                  - path: applicationset/examples/git-generator-directory/cluster-addons/*
              template:
                metadata: {name: '{{path.basenameNormalized}}-{{path[3]}}'}
                spec: {project: default}
            """)
        #expect(names(apps) == ["argo-workflows-cluster-addons", "cluster-addons-cluster-addons", "excludes-excludes", "prometheus-operator-cluster-addons"])
    }

    @Test func gitFilesGeneratorFlattensInFastTemplate() throws {
        let apps = try generate("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: guestbook}
            spec:
              generators:
              - git:
                  repoURL: https://github.com/argoproj/argo-cd.git
                  revision: HEAD
                  files:
                  - path: "applicationset/examples/git-generator-files-discovery/cluster-config/**/config.json"
              template:
                metadata:
                  name: '{{cluster.name}}-guestbook'
                  labels: {account: '{{aws_account}}', env: '{{path.basename}}', file: '{{path.filename}}', seg: '{{path[4]}}'}
                spec:
                  project: default
                  source: {repoURL: 'https://github.com/argoproj/argo-cd.git', targetRevision: HEAD, path: applicationset/examples/git-generator-files-discovery/apps/guestbook}
                  destination: {server: '{{cluster.address}}', namespace: guestbook}
            """)
        #expect(names(apps) == ["engineering-dev-guestbook", "engineering-prod-guestbook"])
        let dev = try #require(app(apps, "engineering-dev-guestbook"))
        #expect(dev["spec"]?["destination"]?["server"] == "https://1.2.3.4")
        #expect(dev["metadata"]?["labels"] == ["account": "123456", "env": "dev", "file": "config.json", "seg": "engineering"])
    }

    @Test func gitFilesGeneratorNestsInGoTemplateAndReadsYAMLLists() throws {
        let apps = try generate("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: x}
            spec:
              goTemplate: true
              generators:
              - git:
                  repoURL: https://github.com/argoproj/argo-cd.git
                  revision: HEAD
                  files:
                  - path: "applicationset/examples/git-generator-files-discovery/cluster-config/*.yaml"
                  - path: "applicationset/examples/git-generator-files-discovery/cluster-config/**/config.json"
                  - path: "applicationset/examples/git-generator-files-discovery/cluster-config/engineering/prod/*"
                    exclude: true
              template:
                metadata: {name: '{{ with .cluster }}{{ .name }}{{ else }}{{ .name }}{{ end }}-{{ index .path.segments 3 }}'}
                spec: {project: default, source: {repoURL: r, path: 'replicas-{{ .replicas }}'}}
            """)
        #expect(names(apps) == ["engineering-dev-cluster-config", "one-cluster-config", "two-cluster-config"])
        #expect(app(apps, "two-cluster-config")?["spec"]?["source"]?["path"] == "replicas-1e+06")
    }

    @Test func matrixOfGitDirectoriesAndClusters() throws {
        let apps = try generate("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: cluster-git}
            spec:
              generators:
              - matrix:
                  generators:
                  - git:
                      repoURL: https://github.com/argoproj/argo-cd.git
                      revision: HEAD
                      directories:
                      - path: applicationset/examples/matrix/cluster-addons/*
                      - path: applicationset/examples/git-generator-directory/cluster-addons/*
                  - clusters:
                      selector: {matchLabels: {argocd.argoproj.io/secret-type: cluster, env: staging}}
              template:
                metadata: {name: '{{path.basename}}-{{name}}'}
                spec:
                  project: '{{metadata.labels.environment}}'
                  source: {repoURL: 'https://github.com/argoproj/argo-cd.git', targetRevision: HEAD, path: '{{path}}'}
                  destination: {server: '{{server}}', namespace: '{{path.basename}}'}
            """)
        #expect(names(apps) == ["argo-workflows-staging", "prometheus-operator-staging"])
        #expect(app(apps, "argo-workflows-staging")?["spec"]?["project"] == "staging")
    }

    @Test func matrixSecondGeneratorSeesTheFirstOnesParameters() throws {
        let apps = try generate("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: x}
            spec:
              generators:
              - matrix:
                  generators:
                  - list: {elements: [{env: staging}, {env: prod}]}
                  - clusters:
                      selector: {matchLabels: {env: '{{env}}'}}
              template:
                metadata: {name: '{{env}}-{{name}}'}
                spec: {project: default}
            """)
        #expect(names(apps) == ["prod-production", "staging-staging"])
    }

    @Test func mergeOverridesByKeyAsInTheDocs() throws {
        let apps = try generate("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: cluster-git}
            spec:
              generators:
              - merge:
                  mergeKeys: [server]
                  generators:
                  - clusters:
                      values: {kafka: 'true', redis: 'false'}
                  - clusters:
                      selector: {matchLabels: {use-kafka: 'false'}}
                      values: {kafka: 'false'}
                  - list:
                      elements:
                      - server: https://2.4.6.8
                        values.redis: 'true'
              template:
                metadata: {name: '{{name}}'}
                spec:
                  project: default
                  source:
                    repoURL: https://github.com/argoproj/argo-cd.git
                    targetRevision: HEAD
                    path: app
                    helm:
                      parameters:
                      - {name: kafka, value: '{{values.kafka}}'}
                      - {name: redis, value: '{{values.redis}}'}
                  destination: {server: '{{server}}', namespace: default}
            """)
        #expect(names(apps) == ["Dev_Cluster", "production", "staging"])
        func parameters(_ name: String) -> Value? { app(apps, name)?["spec"]?["source"]?["helm"]?["parameters"] }
        #expect(parameters("staging") == [["name": "kafka", "value": "false"], ["name": "redis", "value": "false"]])
        #expect(parameters("production") == [["name": "kafka", "value": "true"], ["name": "redis", "value": "true"]])
        #expect(parameters("Dev_Cluster") == [["name": "kafka", "value": "true"], ["name": "redis", "value": "false"]])
    }

    /// Argo CD's `getParamSetsByMergeKey` runs on the base generator's sets as well: two with
    /// the same merge key fail the set ("Duplicate key was ...").
    @Test func aMergeWhoseBaseSetsShareAKeyFailsAsInArgoCD() {
        let error = generationError("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: dup}
            spec:
              generators:
              - merge:
                  mergeKeys: [server]
                  generators:
                  - list: {elements: [{server: a, n: '1'}, {server: a, n: '2'}]}
                  - list: {elements: [{server: a, n: '3'}]}
              template: {metadata: {name: 'x-{{n}}'}, spec: {project: default}}
            """)
        #expect(error?.contains("spec.generators[0].merge.generators[0]: the parameters from a generator were not unique") == true, "\(error ?? "no error")")
        #expect(error?.contains(#"Duplicate key was {"server":"a"}"#) == true)
    }

    /// A merge key names a top-level parameter (`paramSet[mergeKey]`), with goTemplate too:
    /// `values.env` matches the flat key a fasttemplate generator writes, not a nested value.
    @Test func aDottedMergeKeyIsATopLevelParameterName() throws {
        let flat = try generate("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: flat}
            spec:
              generators:
              - merge:
                  mergeKeys: [values.env]
                  generators:
                  - list: {elements: [{name: a, values: {env: prod}}, {name: b, values: {env: dev}}]}
                  - list: {elements: [{values.env: prod, size: l}]}
              template: {metadata: {name: '{{name}}-{{size}}'}, spec: {project: default}}
            """)
        #expect(names(flat) == ["a-l", "b-{{size}}"])
        let nested = generationError("""
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: nested}
            spec:
              goTemplate: true
              generators:
              - merge:
                  mergeKeys: [values.env]
                  generators:
                  - list: {elements: [{name: a, values: {env: prod}}, {name: b, values: {env: dev}}]}
                  - list: {elements: [{name: c}]}
              template: {metadata: {name: '{{.name}}'}, spec: {project: default}}
            """)
        #expect(nested?.contains(#"Duplicate key was {"values.env":null}"#) == true, "\(nested ?? "no error")")
    }
}
