import FleetFiles
import FleetGit
import FleetModel
@testable import FleetRender
import FleetTestSupport
import FleetYAML
import Foundation
import Testing

@Suite struct KustomizeBuilderTests {
    func build(_ files: [String: String], at directory: String = "") throws(RenderError) -> RenderResult {
        try KustomizeBuilder(tree: InMemoryFileTree(files: files)).build(directory)
    }

    func names(_ result: RenderResult) -> [String] { result.objects.compactMap { $0[path: "metadata", "name"]?.stringValue } }

    static let configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n"

    @Test func generatedNamesAreHashedAndReferencesFollow() throws {
        let result = try build([
            "kustomization.yaml": "namePrefix: prod-\nresources: [pod.yaml]\nconfigMapGenerator:\n- name: cfg\n  literals: [a=b]\n",
            "pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: x\n    envFrom: [{configMapRef: {name: cfg}}]\n",
        ])
        let generated = try #require(result.objects.first { $0["kind"] == "ConfigMap" })
        let name = try #require(generated[path: "metadata", "name"]?.stringValue)
        #expect(name.hasPrefix("prod-cfg-") && name.count == "prod-cfg-".count + 10)
        let pod = try #require(result.objects.first { $0["kind"] == "Pod" })
        #expect(pod[path: "spec", "containers"]?[0]?["envFrom"]?[0]?[path: "configMapRef", "name"] == .string(name))
    }

    @Test func referencesPickTheObjectInTheReferrersNamespace() throws {
        let result = try build([
            "kustomization.yaml": "nameSuffix: -x\nresources: [r.yaml]\n",
            "r.yaml": """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: cfg, namespace: a}
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: cfg, namespace: b}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: p, namespace: b}
                spec:
                  containers: [{name: c, image: x, envFrom: [{configMapRef: {name: cfg}}, {configMapRef: {name: external}}]}]
                """,
        ])
        let pod = try #require(result.objects.first { $0["kind"] == "Pod" })
        let refs = pod[path: "spec", "containers"]?[0]?["envFrom"]?.arrayValue?.compactMap { $0[path: "configMapRef", "name"]?.stringValue }
        #expect(refs == ["cfg-x", "external"], "only the ConfigMap of the pod's namespace is a candidate; unknown names stay")
    }

    @Test func kustomizationErrorsNameFileAndLine() {
        let error = #expect(throws: RenderError.self) {
            try build(["overlay/kustomization.yaml": "resources:\n- ../base\nnamespace: x\ncommonLabel:\n  a: b\n"], at: "overlay")
        }
        #expect(error?.description == "overlay/kustomization.yaml:4: unknown field \"commonLabel\" in kustomization")
        let typed = #expect(throws: RenderError.self) { try build(["kustomization.yaml": "images:\n- name: app\n  newTag: 1.25\n"]) }
        #expect(typed?.description.hasPrefix("kustomization.yaml:3: images[0].newTag must be a string") == true, "\(typed?.description ?? "")")
        let yaml = #expect(throws: RenderError.self) {
            try build(["kustomization.yaml": "resources: [r.yaml]\n", "r.yaml": "a: b\n  c: d\n"])
        }
        #expect(yaml?.kind == .yaml)
        #expect(yaml?.description.hasPrefix("r.yaml:2:") == true, "\(yaml?.description ?? "")")
    }

    @Test func pathsMayNotLeaveTheRepository() {
        let escape = #expect(throws: RenderError.self) {
            try build(["app/kustomization.yaml": "resources:\n- ../../../etc/passwd\n"], at: "app")
        }
        #expect(escape?.kind == .outsideRoot)
        #expect(escape?.line == 2)
        let absolute = #expect(throws: RenderError.self) { try build(["kustomization.yaml": "resources:\n- /etc/passwd\n"]) }
        #expect(absolute?.kind == .outsideRoot)
        let remote = #expect(throws: RenderError.self) {
            try build(["kustomization.yaml": "resources:\n- https://github.com/org/repo//deploy?ref=v1\n"])
        }
        #expect(remote?.kind == .unsupported)
        #expect(remote?.description.contains("remote resource") == true)
        let helm = #expect(throws: RenderError.self) { try build(["kustomization.yaml": "helmCharts:\n- name: x\n"]) }
        #expect(helm?.kind == .unsupported)
    }

    @Test func symlinksOutOfTheTreeAreRefused() throws {
        var tree = InMemoryFileTree(files: ["app/kustomization.yaml": "resources:\n- linked.yaml\n- inside.yaml\n", "app/real.yaml": Self.configMap])
        tree.link("app/linked.yaml", to: "../../outside.yaml")
        tree.link("app/inside.yaml", to: "real.yaml")
        let error = #expect(throws: RenderError.self) { try KustomizeBuilder(tree: tree).build("app") }
        #expect(error?.kind == .outsideRoot)
        #expect(error?.description.contains("symlink") == true)

        var fine = InMemoryFileTree(files: ["app/kustomization.yaml": "resources:\n- inside.yaml\n", "app/real.yaml": Self.configMap])
        fine.link("app/inside.yaml", to: "real.yaml")
        #expect(try KustomizeBuilder(tree: fine).build("app").objects.count == 1)
    }

    @Test func cyclesAreReportedWithThePath() {
        let error = #expect(throws: RenderError.self) {
            try build(["a/kustomization.yaml": "resources: [../b]\n", "b/kustomization.yaml": "resources: [../c]\n", "c/kustomization.yaml": "resources: [../a]\n"], at: "a")
        }
        #expect(error?.kind == .cycle)
        #expect(error?.message == "cycle detected: a -> b -> c -> a")
    }

    @Test func oversizedFilesAreRefused() {
        let tree = InMemoryFileTree(files: ["kustomization.yaml": "resources: [big.yaml]\n", "big.yaml": Self.configMap + String(repeating: "#", count: 2000)])
        let error = #expect(throws: RenderError.self) { try KustomizeBuilder(tree: tree, options: RenderOptions(maxFileBytes: 1000)).build("") }
        #expect(error?.kind == .tooLarge)
    }

    @Test func deprecatedFieldsRenderWithKustomizesWarnings() throws {
        let result = try build(["kustomization.yaml": "commonLabels: {a: b}\nbases: [base]\n", "base/kustomization.yaml": "resources: [cm.yaml]\n", "base/cm.yaml": Self.configMap])
        #expect(result.warnings.contains { $0.contains("'commonLabels' is deprecated") })
        #expect(result.warnings.contains { $0.contains("'bases' is deprecated") })
        #expect(result.objects.first?[path: "metadata", "labels"] == ["a": "b"])
        #expect(result.inputs == ["kustomization.yaml", "base/kustomization.yaml", "base/cm.yaml"])
    }

    @Test func rendersAGitTreeAtAnOlderCommit() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let repo = try GitFixtureRepository(at: temp.file("fleet"))
        try repo.write("app/kustomization.yaml", "resources: [cm.yaml]\nnamePrefix: v1-\n")
        try repo.write("app/cm.yaml", Self.configMap)
        let first = try repo.commit("first")
        try repo.write("app/kustomization.yaml", "resources: [cm.yaml]\nnamePrefix: v2-\n")
        try repo.commit("second")

        let git = try GitRepository.open(at: repo.path)
        let old = try KustomizeBuilder(tree: try git.snapshot(at: try #require(GitObjectID(hex: first)))).build("app")
        let new = try KustomizeBuilder(tree: try git.snapshot(at: try git.resolveCommit("main"))).build("app")
        #expect(names(old) == ["v1-settings"])
        #expect(names(new) == ["v2-settings"])
    }

    /// The example fleet repository's regional overlays: each renders, and us-west-2 runs on
    /// fewer GPUs (compared with kubectl when it is installed).
    @Test(arguments: ["us-east-1", "us-west-2", "eu-west-1"])
    func exampleFleetOverlaysRender(region: String) throws {
        let fleet = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("fleet").path
        let overlay = "apps/inference-server/overlays/\(region)"
        let result = try KustomizeBuilder(tree: DirectoryFileTree(root: fleet)).build(overlay)
        let deployment = try #require(result.objects.first { $0["kind"] == "Deployment" })
        let gpus = deployment[path: "spec", "template", "spec", "containers"]?[0]?[path: "resources", "limits", "nvidia.com/gpu"]
        #expect(gpus == (region == "us-west-2" ? "1" : "2"))
        #expect(deployment[path: "metadata", "namespace"] == "ml-serving")
        if Kubectl.isAvailable {
            let reference = try Kubectl.kustomize(fleet + "/" + overlay)
            #expect(YAML.emitStream(result.objects, options: .kustomize) == reference.stdout)
        }
    }
}
