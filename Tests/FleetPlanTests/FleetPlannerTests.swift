import FleetAppSet
import FleetModel
import FleetProtocol
import FleetRender
import FleetYAML
import Testing

@testable import FleetPlan

/// A repository with a history, in memory: commits are named c1, c2..., each a full tree;
/// changed paths are computed by comparing trees. Counts snapshot reads per repository.
final class InMemoryHistory: RepositoryProvider, @unchecked Sendable {
    private(set) var commits: [String: [String: String]] = [:]
    private(set) var order: [String] = []
    var head: String { order.last ?? "" }

    @discardableResult
    func commit(_ files: [String: String], removing: [String] = []) -> String {
        var tree = commits[head] ?? [:]
        for (path, text) in files { tree[path] = text }
        for path in removing { tree[path] = nil }
        let name = "c\(order.count + 1)"
        commits[name] = tree
        order.append(name)
        return name
    }

    func snapshot(repoURL: String, revision: String) throws -> RepositorySnapshot {
        let commit = revision == "HEAD" ? head : revision
        guard let files = commits[commit] else { throw PlanningError("unknown revision \(revision)") }
        return RepositorySnapshot(tree: InMemoryFileTree(displayName: "fleet@\(commit)", files: files), commit: commit)
    }

    func changedPaths(repoURL: String, from: String, to: String) throws -> [String]? {
        guard let a = commits[from], let b = commits[to] else { return nil }
        return Set(a.keys).union(b.keys).filter { a[$0] != b[$0] }.sorted()
    }
}

/// Plans of a small fleet: two regions, two apps, one cluster-scoped object, waves.
@Suite struct FleetPlannerTests {
    static let fleetURL = "https://git.example.com/fleet.git"

    static let baseFiles: [String: String] = [
        "clusters/us-east-1.yaml": """
            apiVersion: fleet/v1alpha1
            kind: Cluster
            metadata: {name: us-east-1, labels: {region: us-east-1, env: prod}}
            spec: {server: 'https://10.0.0.1:6443'}
            """,
        "clusters/eu-west-1.yaml": """
            apiVersion: fleet/v1alpha1
            kind: Cluster
            metadata: {name: eu-west-1, labels: {region: eu-west-1, env: prod}}
            spec: {server: 'https://10.0.0.2:6443'}
            """,
        "applicationsets/web.yaml": """
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: web, namespace: argocd}
            spec:
              generators:
              - clusters: {selector: {matchLabels: {env: prod}}}
              template:
                metadata: {name: 'web-{{name}}'}
                spec:
                  project: default
                  source: {repoURL: '\(fleetURL)', targetRevision: HEAD, path: 'apps/web/overlays/{{metadata.labels.region}}'}
                  destination: {server: '{{server}}', namespace: web}
                  syncPolicy: {automated: {prune: true, selfHeal: true}, syncOptions: [CreateNamespace=true]}
            """,
        "applicationsets/tools.yaml": """
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: tools, namespace: argocd}
            spec:
              goTemplate: true
              generators:
              - clusters: {}
              template:
                metadata: {name: 'tools-{{.name}}'}
                spec:
                  project: default
                  source:
                    repoURL: '\(fleetURL)'
                    path: apps/tools
                    directory: {recurse: true}
                  destination: {name: '{{.name}}', namespace: tools}
            """,
        "apps/web/base/kustomization.yaml": "resources: [deployment.yaml, service.yaml, namespace.yaml]\n",
        "apps/web/base/deployment.yaml": """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              annotations: {argocd.argoproj.io/sync-wave: "1"}
            spec:
              replicas: 2
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: web, image: 'nginx:1.25'}]}
            """,
        "apps/web/base/service.yaml": """
            apiVersion: v1
            kind: Service
            metadata: {name: web, annotations: {argocd.argoproj.io/sync-options: 'Replace=true, Prune=false'}}
            spec: {selector: {app: web}, ports: [{port: 80}]}
            """,
        "apps/web/base/namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: web-extra}\n",
        "apps/web/overlays/us-east-1/kustomization.yaml": "resources: [../../base]\n",
        "apps/web/overlays/eu-west-1/kustomization.yaml": """
            resources: [../../base]
            images: [{name: nginx, newName: eu.registry.example.com/nginx}]
            """,
        "apps/tools/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tools}\ndata: {a: b}\n",
        "apps/tools/nested/role.yaml": "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: tools-reader}\nrules: []\n",
    ]

    func fleet() -> (InMemoryHistory, FleetPlanner) {
        let history = InMemoryHistory()
        history.commit(Self.baseFiles)
        return (history, FleetPlanner(repositories: history, fleetRepoURL: Self.fleetURL))
    }

    func plan(_ set: FleetPlanSet, _ cluster: String) throws -> Value {
        try JSON.parse(try #require(set.plans[cluster]).json)
    }

    func app(_ plan: Value, _ name: String) -> Value? {
        plan["applications"]?.arrayValue?.first { $0["name"]?.stringValue == name }
    }

    @Test func compilesOnePlanPerClusterWithApplicationsAssignedByServerOrName() throws {
        let (_, planner) = fleet()
        let result = try planner.plan()
        #expect(result.problems.isEmpty, "\(result.problems)")
        #expect(result.plans.keys.sorted() == ["eu-west-1", "us-east-1"])
        #expect(result.plans["us-east-1"]?.applications == ["tools-us-east-1", "web-us-east-1"])
        let plan = try plan(result, "us-east-1")
        #expect(plan["formatVersion"] == 1)
        #expect(plan["cluster"] == "us-east-1")
        #expect(plan["revisions"]?[Self.fleetURL] == "c1")
    }

    @Test func resourcesAreOrderedByWaveThenKindAndCarryTracking() throws {
        let (_, planner) = fleet()
        let web = try #require(app(try plan(try planner.plan(), "eu-west-1"), "web-eu-west-1"))
        let resources = try #require(web["resources"]?.arrayValue)
        #expect(resources.map { "\($0["wave"]!)/\($0["kind"]!.stringValue!)" } == ["0/Namespace", "0/Service", "1/Deployment"])
        let deployment = try #require(resources.last?["object"])
        #expect(deployment["metadata"]?["namespace"] == "web")
        #expect(deployment["metadata"]?["labels"]?[PlanFormat.applicationLabel] == "web-eu-west-1")
        #expect(deployment["metadata"]?["annotations"]?[PlanFormat.trackingAnnotation] == "web-eu-west-1:apps/Deployment:web/web")
        #expect(deployment["spec"]?["template"]?["spec"]?["containers"]?[0]?["image"] == "eu.registry.example.com/nginx:1.25")
        #expect(resources[0]["object"]?["metadata"]?["namespace"] == nil, "a Namespace is cluster-scoped")
        #expect(resources[1]["syncOptions"] == ["Replace=true", "Prune=false"])
        #expect(web["syncPolicy"]?["automated"] == ["prune": true, "selfHeal": true, "allowEmpty": false])
        #expect(web["syncPolicy"]?["syncOptions"] == ["CreateNamespace=true"])
    }

    @Test func directorySourcesRecurseAndLeaveClusterScopedObjectsWithoutNamespace() throws {
        let (_, planner) = fleet()
        let tools = try #require(app(try plan(try planner.plan(), "us-east-1"), "tools-us-east-1"))
        let resources = try #require(tools["resources"]?.arrayValue)
        #expect(resources.map { $0["kind"]?.stringValue ?? "" } == ["ConfigMap", "ClusterRole"])
        #expect(resources[0]["namespace"] == "tools")
        #expect(resources[1]["namespace"] == "")
    }

    @Test func identicalInputsGiveIdenticalBytesAndIdsIgnoreRevisions() throws {
        let (history, planner) = fleet()
        let first = try planner.plan()
        let (_, fresh) = fleet()
        let again = try fresh.plan()
        for cluster in ["us-east-1", "eu-west-1"] {
            #expect(first.plans[cluster]?.json == again.plans[cluster]?.json)
        }
        history.commit(["README.md": "unrelated\n"])
        let later = try planner.plan()
        #expect(later.plans["us-east-1"]?.id == first.plans["us-east-1"]?.id, "a commit that changes nothing for a cluster keeps its plan id")
        #expect(later.plans["us-east-1"]?.json != first.plans["us-east-1"]?.json, "the revisions still say which commit was planned")
    }

    @Test func aCommitToOneAppRerendersOnlyTheSourcesThatReadTheFile() throws {
        let (history, planner) = fleet()
        let cold = try planner.plan()
        #expect(cold.rendered == 3)
        history.commit(["README.md": "docs only\n"])
        let unrelated = try planner.plan()
        #expect(unrelated.rendered == 0)
        history.commit(["apps/web/overlays/eu-west-1/kustomization.yaml": "resources: [../../base]\nnamePrefix: eu-\n"])
        let oneOverlay = try planner.plan()
        #expect(oneOverlay.rendered == 1)
        #expect(oneOverlay.plans["eu-west-1"]?.id != cold.plans["eu-west-1"]?.id)
        #expect(oneOverlay.plans["us-east-1"]?.id == cold.plans["us-east-1"]?.id)
        history.commit(["apps/web/base/service.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 8080}]}\n"])
        #expect(try planner.plan().rendered == 2, "both overlays read the base")
        history.commit(["apps/web/base/extra.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"])
        #expect(try planner.plan().rendered == 2, "a new file next to an input may be referenced: re-render")
    }

    /// A remote base whose content the test moves, as a branch moves upstream.
    final class MovingRemote: RemoteResolver, @unchecked Sendable {
        var replicas = 1
        var fetches = 0
        func tree(repository: String, ref: String) throws -> FileTree {
            fetches += 1
            return InMemoryFileTree(displayName: repository, files: [
                "web/kustomization.yaml": "resources: [deploy.yaml]\n",
                "web/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: shared}\nspec: {replicas: \(replicas)}\n",
            ])
        }
        func file(url: String) throws -> [UInt8] { throw PlanningError("no files") }
    }

    @Test func sourcesWithRemoteBasesRenderAgainEachRoundAndOthersStayCached() throws {
        let (history, planner) = fleet()
        let remote = MovingRemote()
        planner.remoteResolver = remote
        history.commit(["apps/web/overlays/eu-west-1/kustomization.yaml": "resources: [../../base, 'github.com/org/shared//web?ref=main']\n"])
        let first = try planner.plan()
        let firstApp = try #require(app(try plan(first, "eu-west-1"), "web-eu-west-1"))
        #expect(firstApp["error"] == nil, "\(firstApp)")
        remote.replicas = 3
        let second = try planner.plan()
        #expect(second.rendered == 1, "only the source with a remote base renders again at the same commit")
        #expect(second.plans["eu-west-1"]?.id != first.plans["eu-west-1"]?.id, "the moved remote shows in the plan")
        #expect(second.plans["us-east-1"]?.id == first.plans["us-east-1"]?.id)
        #expect(remote.fetches == 2)
    }

    @Test func aRenderErrorKeepsTheLastGoodResourcesOfThatApplicationOnly() throws {
        let (history, planner) = fleet()
        let good = try planner.plan()
        let goodWeb = try #require(app(try plan(good, "eu-west-1"), "web-eu-west-1"))
        history.commit(["apps/web/overlays/eu-west-1/kustomization.yaml": "resources: [../../base]\nimages: [{name: nginx, newTag: 1.26}\n"])
        let broken = try planner.plan()
        let web = try #require(app(try plan(broken, "eu-west-1"), "web-eu-west-1"))
        #expect(web["error"]?.stringValue?.contains("apps/web/overlays/eu-west-1/kustomization.yaml") == true)
        #expect(web["resources"] == goodWeb["resources"])
        #expect(broken.problems.contains { $0.kind == .application && $0.subject == "web-eu-west-1" })
        #expect(broken.plans["us-east-1"]?.id == good.plans["us-east-1"]?.id)
        #expect(app(try plan(broken, "eu-west-1"), "tools-eu-west-1")?["error"] == nil)
        history.commit(["apps/web/overlays/eu-west-1/kustomization.yaml": "resources: [../../base]\n"])
        let fixed = try planner.plan()
        #expect(app(try plan(fixed, "eu-west-1"), "web-eu-west-1")?["error"] == nil)
    }

    @Test func aFailingApplicationSetKeepsItsApplicationsUntilASuccessfulGenerationDropsThem() throws {
        let (history, planner) = fleet()
        _ = try planner.plan()
        history.commit(["applicationsets/tools.yaml": """
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: tools}
            spec:
              goTemplate: true
              goTemplateOptions: ["missingkey=error"]
              generators: [{clusters: {}}]
              template:
                metadata: {name: 'tools-{{.nope}}'}
                spec: {project: default, source: {repoURL: r, path: apps/tools}, destination: {name: '{{.name}}', namespace: tools}}
            """])
        let failing = try planner.plan()
        #expect(failing.problems.contains { $0.kind == .applicationSet && $0.subject == "tools" && $0.message.contains("keeping the 2 Applications") })
        #expect(failing.plans["us-east-1"]?.applications.contains("tools-us-east-1") == true)
        history.commit(["applicationsets/tools.yaml": """
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: tools}
            spec:
              generators: [{clusters: {selector: {matchLabels: {region: eu-west-1}}}}]
              template:
                metadata: {name: 'tools-{{name}}'}
                spec: {project: default, source: {repoURL: '\(Self.fleetURL)', path: apps/tools}, destination: {name: '{{name}}', namespace: tools}}
            """])
        let narrowed = try planner.plan()
        #expect(narrowed.problems.isEmpty, "\(narrowed.problems)")
        #expect(narrowed.plans["us-east-1"]?.applications == ["web-us-east-1"])
        #expect(narrowed.plans["eu-west-1"]?.applications == ["tools-eu-west-1", "web-eu-west-1"])
    }

    @Test func applicationKustomizeOptionsApplyAsKustomizeEditWould() throws {
        let history = InMemoryHistory()
        var files = Self.baseFiles
        files["applications/web-custom.yaml"] = """
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata: {name: web-custom}
            spec:
              project: default
              source:
                repoURL: '\(Self.fleetURL)'
                path: apps/web/overlays/us-east-1
                kustomize:
                  namePrefix: custom-
                  images: ['nginx=registry.example.com/nginx:2.0']
                  commonLabels: {team: web}
                  commonAnnotations: {owner: me}
                  replicas: [{name: web, count: 5}]
              destination: {name: us-east-1, namespace: custom}
            """
        history.commit(files)
        let result = try FleetPlanner(repositories: history, fleetRepoURL: Self.fleetURL).plan()
        let custom = try #require(app(try plan(result, "us-east-1"), "web-custom"))
        let deployment = try #require(custom["resources"]?.arrayValue?.first { $0["kind"] == "Deployment" }?["object"])
        #expect(deployment["metadata"]?["name"] == "custom-web")
        #expect(deployment["metadata"]?["namespace"] == "custom")
        #expect(deployment["spec"]?["replicas"] == 5)
        #expect(deployment["spec"]?["selector"]?["matchLabels"]?["team"] == "web")
        #expect(deployment["metadata"]?["annotations"]?["owner"] == "me")
        #expect(deployment["spec"]?["template"]?["spec"]?["containers"]?[0]?["image"] == "registry.example.com/nginx:2.0")
    }

    @Test func unassignedApplicationsAndHelmSourcesAreReported() throws {
        let history = InMemoryHistory()
        var files = Self.baseFiles
        files["applications/lost.yaml"] = """
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata: {name: lost}
            spec: {project: default, source: {repoURL: r, path: x}, destination: {name: mars-1, namespace: x}}
            """
        files["applications/chart.yaml"] = """
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata: {name: chart}
            spec: {project: default, source: {repoURL: '\(Self.fleetURL)', chart: redis, targetRevision: 1.0.0}, destination: {name: us-east-1, namespace: x}}
            """
        history.commit(files)
        let result = try FleetPlanner(repositories: history, fleetRepoURL: Self.fleetURL).plan()
        #expect(result.problems.contains { $0.kind == .unassigned && $0.subject == "lost" })
        let chart = try #require(app(try plan(result, "us-east-1"), "chart"))
        #expect(chart["error"]?.stringValue?.contains("Helm") == true, "\(chart)")
        #expect(chart["resources"] == [])
    }

    @Test func imageOptionSyntaxMatchesKustomizeEdit() throws {
        func entry(_ text: String) throws -> Value { try SourceRenderer.imageEntry(text, file: "k") }
        #expect(try entry("nginx:1.2") == ["name": "nginx", "newTag": "1.2"])
        #expect(try entry("nginx=my/nginx:1.2") == ["name": "nginx", "newName": "my/nginx", "newTag": "1.2"])
        #expect(try entry("nginx@sha256:abc") == ["name": "nginx", "digest": "sha256:abc"])
        #expect(try entry("localhost:5000/app=localhost:5000/app2:v1") == ["name": "localhost:5000/app", "newName": "localhost:5000/app2", "newTag": "v1"])
    }

    @Test func planChangesListAddedChangedAndRemovedObjectsWithFields() throws {
        let (history, planner) = fleet()
        let before = try plan(try planner.plan(), "eu-west-1")
        history.commit(["apps/web/base/deployment.yaml": (Self.baseFiles["apps/web/base/deployment.yaml"]!).replacingAll([("replicas: 2", "replicas: 3")])],
                       removing: ["apps/tools/cm.yaml"])
        let after = try plan(try planner.plan(), "eu-west-1")
        let changes = PlanChanges.between(before, after, cluster: "eu-west-1")
        let web = try #require(changes.applications.first { $0.application == "web-eu-west-1" })
        let deployment = try #require(web.objects.first { $0.object == "apps/Deployment web/web" })
        #expect(deployment.kind == .changed)
        #expect(deployment.differences.map(\.pointer.description) == ["/spec/replicas"])
        #expect(deployment.differences.first?.old == 2 && deployment.differences.first?.new == 3)
        let tools = try #require(changes.applications.first { $0.application == "tools-eu-west-1" })
        #expect(tools.objects.map(\.kind) == [.removed])
    }
}

extension String {
    func replacingAll(_ pairs: [(String, String)]) -> String {
        var text = self
        for (from, to) in pairs {
            var out = ""
            var rest = Substring(text)
            while let range = rest.firstRange(of: from) {
                out += rest[..<range.lowerBound] + to
                rest = rest[range.upperBound...]
            }
            text = out + rest
        }
        return text
    }
}

extension FleetPlannerTests {
    @Test func sealingAPlanAgainGivesThePlannersBytesAndId() throws {
        let (_, planner) = fleet()
        let plan = try #require(try planner.plan().plans["us-east-1"])
        let sealed = PlanDocument.seal(try JSON.parse(plan.json))
        #expect(sealed.id == plan.id)
        #expect(sealed.json == plan.json)
    }
}
