import FleetModel
import FleetCommandSupport
// `make bench`: the project's speed and memory figures, each against its reference measured in
// the same run where one exists. Results are printed as Markdown for docs/benchmarks.md.
import Dispatch
import FleetFiles
import FleetHelm
import FleetRender

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
let suite = arguments.count > 1 && !arguments[1].hasPrefix("--") ? arguments[1] : "render"
let fleetBinary = option("--fleet") ?? ".build/release/fleet"
let root = option("--root") ?? "."
let iterations = Int(option("--iterations") ?? "15") ?? 15

do {
    switch suite {
    case "render-inprocess":
        // Only the in-process loop, for profilers: fleet-bench render-inprocess --count 100
        let count = Int(option("--count") ?? "1000") ?? 1000
        let tree = RenderBenchmark.thousandOverlays()
        let start = SystemClock.monotonic()
        for cluster in 0..<count { _ = try KustomizeBuilder(tree: tree).build("clusters/c\(cluster % 1000)") }
        print("\(count) overlays: \(format((SystemClock.monotonic() - start) * 1000 / Double(count), 3)) ms each")
    case "render":
        print("## Rendering\n")
        for line in try RenderBenchmark.run(fleetBinary: fleetBinary, repositoryRoot: root, iterations: iterations) { print(line) }
    case "helm-inprocess":
        // Only the in-process loop, for profilers: fleet-bench helm-inprocess --chart DIR --count 50
        let count = Int(option("--count") ?? "50") ?? 50
        let chart = try HelmChart.load(tree: DirectoryFileTree(root: option("--chart") ?? "fleet/apps/feature-cache"), path: "")
        let start = SystemClock.monotonic()
        for round in 0..<count { _ = try HelmRenderer.render(chart, values: [:], options: HelmRenderOptions(releaseName: "r\(round)")) }
        print("\(count) renders: \(format((SystemClock.monotonic() - start) * 1000 / Double(count), 3)) ms each")
    case "helm":
        print("## Helm charts\n")
        let corpus = option("--corpus").flatMap { LocalPaths.isDirectory($0) ? $0 : nil }
        for line in try HelmBenchmark.run(fleetBinary: fleetBinary, repositoryRoot: root, corpus: corpus, iterations: iterations) { print(line) }
    case "hub-load":
        print("## Hub under load\n")
        let spokes = Int(option("--spokes") ?? "1000") ?? 1000
        let seconds = Int(option("--seconds") ?? "120") ?? 120
        let hubBinary = option("--hub") ?? ".build/release/hub"
        let semaphore = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var lines: [String] = []
        nonisolated(unsafe) var failure: Error?
        Task.detached {
            do { lines = try await HubLoadBenchmark.run(hubBinary: hubBinary, spokes: spokes, seconds: seconds) } catch { failure = error }
            semaphore.signal()
        }
        semaphore.wait()
        if let failure { throw failure }
        for line in lines { print(line) }
    case "spoke":
        print("## Spoke at rest\n")
        let resources = Int(option("--resources") ?? "500") ?? 500
        let seconds = Int(option("--seconds") ?? "60") ?? 60
        for line in try SpokeBenchmark.run(spokeBinary: option("--spoke") ?? ".build/release/spoke", resources: resources, idleSeconds: seconds) { print(line) }
    case "plan":
        print("## Planning a fleet\n")
        let apps = Int(option("--apps") ?? "50") ?? 50
        let clusters = Int(option("--clusters") ?? "1000") ?? 1000
        for line in try PlanBenchmark.run(apps: apps, clusters: clusters) { print(line) }
    default:
        print("unknown benchmark \(suite) (available: render, render-inprocess, helm, plan, hub-load, spoke)")
        exit(2)
    }
} catch {
    print("benchmark failed: \(error)")
    exit(1)
}
