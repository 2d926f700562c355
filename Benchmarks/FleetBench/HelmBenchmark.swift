import FleetCommandSupport
import FleetFiles
import FleetHelm
import FleetModel

/// The Helm benchmark: whole-process `fleet helm template` (time and peak memory) on the
/// project's own chart and, when the Helm corpus is at hand, on its published charts; and
/// in-process renders with different values each time, as a fleet of clusters renders them.
/// No `helm` binary is installed here, so the reference is the Helm engine's figures given in
/// issue 15 (30 ms and 37 MiB for ingress-nginx with production values, 158 ms and 78 MiB for
/// kube-prometheus-stack), not a measurement of the same run.
enum HelmBenchmark {
    struct Target {
        var label: String
        var arguments: [String]
        var reference: String
    }

    static func run(fleetBinary: String, repositoryRoot: String, corpus: String?, iterations: Int) throws -> [String] {
        var targets = [Target(label: "fleet/apps/feature-cache (eu-west-1 values)",
                              arguments: ["helm", "template", "cache", repositoryRoot + "/fleet/apps/feature-cache",
                                          "-f", repositoryRoot + "/fleet/apps/feature-cache/values-eu-west-1.yaml"], reference: "")]
        if let corpus {
            for (name, reference) in [("ingress-nginx-prod", "30 ms, 37 MiB"), ("prometheus-prod-sts", ""), ("argo-cd-prod", "")] {
                let directory = corpus + "/" + name
                guard let release = try? LocalPaths.read(directory + "/release") else { continue }
                let args = (try? LocalPaths.read(directory + "/args")).map { String(decoding: $0, as: UTF8.self) } ?? ""
                var arguments = ["helm", "template", String(decoding: release, as: UTF8.self).trimmingWhitespace(), directory + "/chart"]
                for word in args.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }) {
                    let text = String(word)
                    arguments.append(text.hasSuffix(".yaml") && !text.hasPrefix("-") ? directory + "/" + text : text)
                }
                targets.append(Target(label: "corpus \(name)", arguments: arguments, reference: reference))
            }
        }
        var lines = ["| chart | fleet helm template (median) | peak RSS | output | helm template (issue 15's figure) |", "|---|---|---|---|---|"]
        for target in targets {
            for _ in 0..<2 { _ = measure(fleetBinary, target.arguments) }
            let samples = (0..<iterations).map { _ in measure(fleetBinary, target.arguments) }
            guard samples.allSatisfy({ $0.status == 0 }) else { throw BenchmarkFailure("fleet \(target.arguments.joined(separator: " ")) failed") }
            let output = try Subprocess.run(fleetBinary, target.arguments).output
            let lineCount = output.split(separator: "\n", omittingEmptySubsequences: false).count
            lines.append("| \(target.label) | \(format(median(samples.map(\.milliseconds)))) ms | \(format(median(samples.map { Double($0.maxRSSKilobytes) }) / 1024)) MiB | \(lineCount) lines | \(target.reference) |")
        }

        // In-process: the project's chart for 1,000 clusters, each with its own values (no
        // render shares another's result).
        let chart = try HelmChart.load(tree: DirectoryFileTree(root: repositoryRoot + "/fleet/apps/feature-cache"), path: "")
        let clusters = 1000
        let start = SystemClock.monotonic()
        var objects = 0
        for cluster in 0..<clusters {
            let values: ValueObject = ["region": .string("region-\(cluster)"), "replicaCount": .double(Double(1 + cluster % 3)),
                                       "memory": .string("\(1 + cluster % 8)Gi")]
            objects += try HelmRenderer.render(chart, values: values, options: HelmRenderOptions(releaseName: "cache-\(cluster)", namespace: "ml-features")).count
        }
        let perRender = (SystemClock.monotonic() - start) * 1000 / Double(clusters)
        lines.append("")
        lines.append("| in-process render | per render | 1,000 clusters |")
        lines.append("|---|---|---|")
        lines.append("| fleet/apps/feature-cache, values per cluster (\(objects) objects) | \(format(perRender, 3)) ms | \(format(perRender * Double(clusters) / 1000, 2)) s |")
        if let corpus, let chart = try? HelmChart.load(tree: DirectoryFileTree(root: corpus + "/ingress-nginx-prod/chart"), path: "") {
            let rounds = 100
            let corpusStart = SystemClock.monotonic()
            for round in 0..<rounds {
                _ = try HelmRenderer.render(chart, values: ["controller": ["replicaCount": .double(Double(1 + round % 5))]],
                                            options: HelmRenderOptions(releaseName: "ingress-\(round)", namespace: "ingress"))
            }
            let perIngress = (SystemClock.monotonic() - corpusStart) * 1000 / Double(rounds)
            lines.append("| corpus ingress-nginx chart, values per render | \(format(perIngress, 3)) ms | \(format(perIngress * Double(clusters) / 1000, 2)) s |")
        }
        return lines
    }
}
