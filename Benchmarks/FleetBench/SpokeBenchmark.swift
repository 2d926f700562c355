import FleetCommandSupport
import FleetFiles
import FleetModel
import FleetProtocol
import FleetReconcile
import FleetSpoke
import Foundation

/// The spoke at rest: a release `spoke --config` process against a release hub, holding a
/// 500-resource plan converged, measured over an idle window (RSS and CPU from /proc); and the
/// cost of one tick over 500 unchanged resources (list, diff, health), in-process.
enum SpokeBenchmark {
    static func plan(resources: Int) -> Value {
        var apps: [Value] = []
        let perApp = 10
        for a in 0..<(resources / perApp) {
            var list: [Value] = []
            for r in 0..<perApp {
                let kind = r % 2 == 0 ? "ConfigMap" : "Deployment"
                var object: Value = ["apiVersion": .string(kind == "ConfigMap" ? "v1" : "apps/v1"), "kind": .string(kind),
                                     "metadata": ["name": .string("o\(r)"), "namespace": .string("ns\(a)"), "labels": ["fleet.gitops.dev/app": .string("app\(a)")]]]
                if kind == "ConfigMap" {
                    object.setValue(["MODEL": "llama", "VERSION": .string("v\(r)")], at: ["data"])
                } else {
                    object.setValue(["replicas": 2, "selector": ["matchLabels": ["app": .string("o\(r)")]],
                                     "template": ["metadata": ["labels": ["app": .string("o\(r)")]],
                                                  "spec": ["containers": [["name": "main", "image": "registry.example.com/app:v1",
                                                                           "resources": ["limits": ["cpu": "1", "memory": "1Gi"]]]]]]], at: ["spec"])
                }
                list.append(["wave": 0, "syncOptions": [], "object": object])
            }
            apps.append(["name": .string("app\(a)"), "namespace": .string("ns\(a)"), "trackingLabel": .string("app\(a)"),
                         "syncPolicy": ["automated": ["prune": true, "selfHeal": true, "allowEmpty": false], "syncOptions": ["CreateNamespace=true"]],
                         "ignoreDifferences": [], "healthOverrides": [], "resources": .array(list)])
        }
        return ["formatVersion": 1, "cluster": "bench", "id": "sha256:bench", "applications": .array(apps)]
    }

    static func run(spokeBinary: String, resources: Int, idleSeconds: Int) throws -> [String] {
        let directory = try LocalPaths.makeTemporaryDirectory(prefix: "fleet-bench")
        defer { _ = system("rm -rf '\(directory)'") }
        // In-process tick cost.
        let document = plan(resources: resources)
        let typed = try Plan(document)
        let cluster = try LocalCluster(path: directory + "/tick-cluster.sqlite", readyDelay: 0)
        let reconciler = Reconciler(driver: cluster, state: try SpokeState(path: directory + "/tick-state.sqlite"))
        var start = SystemClock.monotonic()
        _ = try reconciler.reconcile(plan: typed)
        let first = SystemClock.monotonic() - start
        // Let the simulated controller settle (its own work, not the spoke's), then time ticks.
        Thread.sleep(forTimeInterval: 1.5)
        _ = try reconciler.reconcile(plan: typed)
        var ticks: [Double] = []
        for _ in 0..<5 {
            start = SystemClock.monotonic()
            let report = try reconciler.reconcile(plan: typed)
            ticks.append(SystemClock.monotonic() - start)
            guard report.synced else { throw BenchmarkFailure("the bench plan did not converge") }
        }

        // The idle process: a plan file applied once, then `spoke --config` long-polling a hub
        // that never answers with a change (a local TCP listener that accepts and waits).
        let planPath = directory + "/plan.json"
        try JSON.encode(document).write(toFile: planPath, atomically: true, encoding: .utf8)
        let applied = system("'\(spokeBinary)' apply --plan '\(planPath)' --state '\(directory)/state' --ready-delay 0s > /dev/null")
        guard applied == 0 else { throw BenchmarkFailure("spoke apply failed (\(applied))") }
        let port = 21000 + Int(getpid() % 5000)
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(listener, 16)
        defer { close(listener) }
        try "bench-token".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        try """
            hub: http://127.0.0.1:\(port)
            cluster: bench
            tokenFile: token
            hubPublicKey: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
            stateDir: state
            pollWait: 10s
            """.write(toFile: directory + "/spoke.yaml", atomically: true, encoding: .utf8)
        let pid = try Subprocess.spawn(spokeBinary, ["--config", directory + "/spoke.yaml"], outputFile: directory + "/spoke.log")
        defer { kill(pid, SIGTERM); var status: Int32 = 0; waitpid(pid, &status, 0) }
        Thread.sleep(forTimeInterval: 3)
        let cpuStart = HubLoadBenchmark.processCPUSeconds(pid)
        let wallStart = SystemClock.monotonic()
        Thread.sleep(forTimeInterval: Double(idleSeconds))
        let cpu = HubLoadBenchmark.processCPUSeconds(pid) - cpuStart
        let wall = SystemClock.monotonic() - wallStart
        let (rss, peak) = HubLoadBenchmark.processMemoryMiB(pid)
        return [
            "| resources | first sync (in-process) | tick over unchanged resources (median of 5) | idle spoke RSS (peak) | idle CPU |",
            "|---|---|---|---|---|",
            "| \(resources) | \(format(first * 1000, 0)) ms | \(format(median(ticks) * 1000, 1)) ms | \(format(rss, 1)) MiB (\(format(peak, 1))) | \(format(cpu / wall * 100, 2))% of a core over \(format(wall, 0)) s |",
            "",
            "Goal: idle RSS under 20 MiB, about 0 CPU.",
        ]
    }
}
