import FleetCommandSupport
import FleetFiles
import FleetModel
import FleetRender

#if canImport(Glibc)
import Glibc
#endif

/// The renderer benchmark: whole-process `fleet build` versus `kubectl kustomize` on the same
/// overlays, and in-process rendering of 1,000 regional overlays.
enum RenderBenchmark {
    static func run(fleetBinary: String, repositoryRoot: String, iterations: Int) throws -> [String] {
        var lines: [String] = []
        let generated = try writeFourLevelOverlay()
        let cases = try projectCases(repositoryRoot + "/Tests/FleetRenderTests/Cases")
        var targets = [
            ("fleet/ inference-server us-west-2 overlay", repositoryRoot + "/fleet/apps/inference-server/overlays/us-west-2"),
            ("generated four-level overlay (40 objects)", generated + "/env/prod"),
        ]
        if let largest = cases.max(by: { $0.objects < $1.objects }) {
            targets.append(("largest project case: \(largest.name) (\(largest.objects) objects)", largest.directory))
        }
        lines.append("| overlay | fleet build (median) | kubectl kustomize (median) | speed-up | fleet peak RSS | kubectl peak RSS | memory ratio |")
        lines.append("|---|---|---|---|---|---|---|")
        for (label, directory) in targets {
            for _ in 0..<2 {
                _ = measure(fleetBinary, ["build", directory])
                _ = measure("kubectl", ["kustomize", directory])
            }
            var ours: [ProcessSample] = []
            var theirs: [ProcessSample] = []
            for _ in 0..<iterations {
                ours.append(measure(fleetBinary, ["build", directory]))
                theirs.append(measure("kubectl", ["kustomize", directory]))
            }
            guard ours.allSatisfy({ $0.status == 0 }), theirs.allSatisfy({ $0.status == 0 }) else {
                throw BenchmarkFailure("a build of \(directory) failed")
            }
            let ourTime = median(ours.map(\.milliseconds))
            let theirTime = median(theirs.map(\.milliseconds))
            let ourRSS = median(ours.map { Double($0.maxRSSKilobytes) }) / 1024
            let theirRSS = median(theirs.map { Double($0.maxRSSKilobytes) }) / 1024
            lines.append("| \(label) | \(format(ourTime)) ms | \(format(theirTime)) ms | \(format(theirTime / ourTime))x | \(format(ourRSS)) MiB | \(format(theirRSS)) MiB | \(format(theirRSS / ourRSS))x |")
        }

        // In-process: 1,000 regional overlays of one base, as the hub renders a fleet.
        let fleetTree = thousandOverlays()
        let start = SystemClock.monotonic()
        var objects = 0
        for cluster in 0..<1000 {
            objects += try KustomizeBuilder(tree: fleetTree).build("clusters/c\(cluster)").objects.count
        }
        let perOverlay = (SystemClock.monotonic() - start) * 1000 / 1000
        let one = generated + "/single"
        try writeTree(fleetTree, overlay: "clusters/c0", to: one)
        for _ in 0..<2 { _ = measure("kubectl", ["kustomize", one + "/clusters/c0"]) }
        let kubectlOne = median((0..<iterations).map { _ in measure("kubectl", ["kustomize", one + "/clusters/c0"]).milliseconds })
        lines.append("")
        lines.append("| in-process render | per overlay | kubectl kustomize per overlay (process) | speed-up |")
        lines.append("|---|---|---|---|")
        lines.append("| 1,000 regional overlays (\(objects) objects) | \(format(perOverlay, 3)) ms | \(format(kubectlOne)) ms | \(format(kubectlOne / perOverlay, 0))x |")

        // In-process: every successful overlay of the project's differential cases (each
        // feature of docs/rendering.md), rendered 20 times each.
        let rounds = 20
        let caseStart = SystemClock.monotonic()
        for _ in 0..<rounds {
            for item in cases { _ = try KustomizeBuilder(tree: DirectoryFileTree(root: item.root)).build(item.build) }
        }
        let perCase = (SystemClock.monotonic() - caseStart) * 1000 / Double(rounds * max(cases.count, 1))
        lines.append("| \(cases.count) project cases (every feature), mean | \(format(perCase, 3)) ms | | |")
        return lines
    }

    struct ProjectCase {
        var name: String
        var root: String
        var build: String
        var objects: Int
        var directory: String { build == "." ? root : root + "/" + build }
    }

    /// The differential cases kubectl renders (`expect: success`), with their object counts.
    static func projectCases(_ directory: String) throws -> [ProjectCase] {
        var result: [ProjectCase] = []
        let names = (try? DirectoryFileTree(root: directory).listDirectory("")) ?? []
        for name in names.sorted() {
            let root = directory + "/" + name
            guard let spec = try? DirectoryFileTree(root: root).readFile("CASE") else { continue }
            let text = String(decoding: spec, as: UTF8.self)
            guard text.contains("expect: success") else { continue }
            let build = text.split(separator: "\n").first { $0.hasPrefix("build:") }
                .map { String($0.dropFirst("build:".count).filter { $0 != " " && $0 != "\t" }) } ?? "."
            let objects = try KustomizeBuilder(tree: DirectoryFileTree(root: root)).build(build).objects.count
            result.append(ProjectCase(name: name, root: root, build: build, objects: objects))
        }
        return result
    }

    /// base (20 objects) <- platform (prefix, labels, patch) <- region (namespace, images,
    /// replicas, generator merge) <- env (JSON patches, annotations, component).
    static func writeFourLevelOverlay() throws -> String {
        let directory = try LocalPaths.makeTemporaryDirectory(prefix: "fleet-bench")
        var files: [String: String] = [:]
        var resources: [String] = []
        for i in 0..<5 {
            files["base/deploy-\(i).yaml"] = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: app-\(i), labels: {app: app-\(i)}}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: app-\(i)}}
                  template:
                    metadata: {labels: {app: app-\(i)}}
                    spec:
                      containers:
                      - name: main
                        image: registry.example.com/app-\(i):v1
                        envFrom: [{configMapRef: {name: shared}}]
                        ports: [{containerPort: 8080}]
                        resources: {limits: {cpu: "1", memory: 1Gi}}
                """
            files["base/svc-\(i).yaml"] = "apiVersion: v1\nkind: Service\nmetadata: {name: app-\(i)}\nspec:\n  selector: {app: app-\(i)}\n  ports: [{port: 80, targetPort: 8080}]\n"
            files["base/cm-\(i).yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg-\(i)}\ndata: {key: value-\(i)}\n"
            files["base/sa-\(i).yaml"] = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa-\(i)}\n"
            resources += ["deploy-\(i).yaml", "svc-\(i).yaml", "cm-\(i).yaml", "sa-\(i).yaml"]
        }
        files["base/kustomization.yaml"] = "resources:\n" + resources.map { "- \($0)\n" }.joined() + "configMapGenerator:\n- name: shared\n  literals: [A=1, B=2]\n"
        files["platform/kustomization.yaml"] = """
            resources: [../base]
            namePrefix: ml-
            labels:
            - pairs: {platform: ml}
              includeSelectors: true
            patches:
            - target: {kind: Deployment}
              patch: |-
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: any}
                spec:
                  template:
                    spec:
                      containers:
                      - name: main
                        env: [{name: PLATFORM, value: ml}]
            """
        files["region/us-west-2/kustomization.yaml"] = """
            resources: [../../platform]
            namespace: ml-serving
            images:
            - name: registry.example.com/app-0
              newTag: v2
            replicas:
            - name: ml-app-1
              count: 3
            configMapGenerator:
            - name: shared
              behavior: merge
              literals: [REGION=us-west-2]
            """
        files["env/prod/kustomization.yaml"] = """
            resources: [../../region/us-west-2]
            commonAnnotations: {env: prod}
            patches:
            - target: {kind: Deployment, name: ml-app-.*}
              patch: |-
                - {op: add, path: /spec/minReadySeconds, value: 10}
            """
        for (path, content) in files { try writeFile(directory + "/" + path, content) }
        return directory
    }

    static func thousandOverlays() -> InMemoryFileTree {
        var tree = InMemoryFileTree(displayName: "bench")
        tree.write("base/kustomization.yaml", "resources: [deploy.yaml, svc.yaml]\nconfigMapGenerator:\n- name: model\n  literals: [MODEL=llama, VERSION=v12]\n")
        tree.write("base/deploy.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: inference}
            spec:
              replicas: 2
              selector: {matchLabels: {app: inference}}
              template:
                metadata: {labels: {app: inference}}
                spec:
                  containers:
                  - name: server
                    image: registry.example.com/inference:v2
                    envFrom: [{configMapRef: {name: model}}]
                    resources: {limits: {nvidia.com/gpu: "2"}}
            """)
        tree.write("base/svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: inference}\nspec:\n  selector: {app: inference}\n  ports: [{port: 80}]\n")
        for cluster in 0..<1000 {
            tree.write("clusters/c\(cluster)/kustomization.yaml", """
                resources: [../../base]
                namespace: ml-\(cluster % 7)
                labels:
                - pairs: {cluster: c\(cluster)}
                replicas:
                - name: inference
                  count: \(1 + cluster % 4)
                images:
                - name: registry.example.com/inference
                  newTag: v2.\(cluster % 3)
                patches:
                - target: {kind: Deployment}
                  patch: |-
                    - {op: replace, path: /spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu, value: "\(1 + cluster % 2)"}
                """)
        }
        return tree
    }

    static func writeTree(_ tree: InMemoryFileTree, overlay: String, to directory: String) throws {
        for (path, bytes) in tree.files where path.hasPrefix("base/") || path.hasPrefix(overlay + "/") {
            try writeFile(directory + "/" + path, String(decoding: bytes, as: UTF8.self))
        }
    }
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}


func writeFile(_ path: String, _ content: String) throws {
    if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
        try LocalPaths.makeDirectories(String(path[..<slash]), mode: 0o755)
    }
    try LocalPaths.write(content, to: path)
}
