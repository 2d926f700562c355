import FleetCommandSupport
import FleetFiles
import AsyncHTTPClient
import FleetModel
import Foundation
import NIOCore

/// N simulated spokes against one real `hub` process: each long-polls its plan (If-None-Match,
/// ?wait=30) and posts a report every 10 s. Midway a commit changes every cluster's plan and a
/// webhook-less refresh asks the hub to fetch at once; each spoke notes when it has the new
/// plan. Measures the hub's CPU and RSS from /proc, report latency, and commit-to-fetched.
enum HubLoadBenchmark {
    actor Recorder {
        var reportLatencies: [Double] = []
        var fetchedAt: [String: Double] = [:]
        var errors = 0
        var lastError = ""
        var commitTime = 0.0
        var window: (cpu: Double, wall: Double, rss: Double, peak: Double)?
        func committed(at time: Double) { commitTime = time }
        func measured(_ value: (cpu: Double, wall: Double, rss: Double, peak: Double)) { window = value }
        func report(_ ms: Double) { reportLatencies.append(ms) }
        func fetched(_ cluster: String, at time: Double) { if fetchedAt[cluster] == nil { fetchedAt[cluster] = time } }
        func error(_ message: String) { errors += 1; lastError = message }
    }

    static func run(hubBinary: String, spokes: Int, seconds: Int) async throws -> [String] {
        let directory = try LocalPaths.makeTemporaryDirectory(prefix: "fleet-bench")
        defer { _ = system("rm -rf '\(directory)'") }
        try PlanBenchmark.writeFleet(apps: 5, clusters: spokes, to: directory + "/repo")
        try PlanBenchmark.git(directory + "/repo", "init -q -b main && git add -A && git -c user.name=bench -c user.email=bench@example.com commit -q -m fleet")
        let port = 20000 + Int(getpid() % 10000)
        try writeFile(directory + "/hub.yaml", """
            listen: 127.0.0.1:\(port)
            stateDir: state
            repository: {url: repo, pollInterval: 1h, aliases: ['https://git.example.com/fleet.git']}
            tokens: {adminTokenFile: state/admin-token}
            staleAfter: 60s

            """)
        let hub = try Subprocess.spawn(hubBinary, ["--config", directory + "/hub.yaml", "--log-level", "error"], outputFile: directory + "/hub.log")
        defer { kill(hub, SIGTERM); var status: Int32 = 0; waitpid(hub, &status, 0) }
        let base = "http://127.0.0.1:\(port)"

        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = spokes * 2 + 16
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(90))
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)

        func call(_ method: String, _ path: String, token: String, body: String? = nil, headers: [(String, String)] = []) async throws -> (Int, [UInt8], String?) {
            var request = HTTPClientRequest(url: base + path)
            request.method = method == "POST" ? .POST : .GET
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let body { request.body = .bytes(ByteBuffer(string: body)) }
            let response = try await client.execute(request, timeout: .seconds(90))
            let bytes = try await response.body.collect(upTo: 64 << 20)
            return (Int(response.status.code), Array(bytes.readableBytesView), response.headers.first(name: "ETag"))
        }

        // Wait until the hub is ready (first plan compiled).
        let readyStart = SystemClock.monotonic()
        var admin = ""
        while SystemClock.monotonic() - readyStart < 300 {
            admin = (try? String(contentsOfFile: directory + "/state/admin-token", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if !admin.isEmpty, let ready = try? await call("GET", "/readyz", token: admin), ready.0 == 200 { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let coldPlanSeconds = SystemClock.monotonic() - readyStart
        let clusters = (0..<spokes).map { "c\($0)-\(PlanBenchmark.regions[$0 % PlanBenchmark.regions.count])" }
        var tokens: [String: String] = [:]
        for cluster in clusters {
            let (status, body, _) = try await call("POST", "/api/v1/clusters/\(cluster)/enroll", token: admin)
            guard status == 201, let token = try JSON.parse(body)["token"]?.stringValue else { throw BenchmarkFailure("enroll \(cluster): \(status)") }
            tokens[cluster] = token
        }

        let adminToken = admin
        let recorder = Recorder()
        let start = SystemClock.monotonic()
        let end = start + Double(seconds)
        let commitAt = start + Double(seconds) / 2
        let cpuStart = processCPUSeconds(hub)

        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, cluster) in clusters.enumerated() {
                let token = tokens[cluster]!
                // Poller
                group.addTask {
                    var etag: String?
                    while SystemClock.monotonic() < end {
                        do {
                            let headers = etag.map { [("If-None-Match", $0)] } ?? []
                            let wait = max(1, min(30, Int(end - SystemClock.monotonic())))
                            let (status, _, tag) = try await call("GET", "/api/v1/clusters/\(cluster)/plan?wait=\(wait)", token: token, headers: headers)
                            if status == 200, let tag {
                                if etag != nil, SystemClock.monotonic() > commitAt { await recorder.fetched(cluster, at: SystemClock.monotonic()) }
                                etag = tag
                            } else if status != 304 {
                                await recorder.error("plan \(status)")
                                try await Task.sleep(for: .seconds(1))
                            }
                        } catch {
                            await recorder.error("\(error)")
                            try await Task.sleep(for: .seconds(1))
                        }
                    }
                }
                // Reporter: every 10 s, spread over the interval.
                group.addTask {
                    try await Task.sleep(for: .milliseconds(10_000 * index / max(clusters.count, 1)))
                    var sequence = 0
                    while SystemClock.monotonic() < end {
                        sequence += 1
                        let body = #"{"cluster":"\#(cluster)","sequence":\#(sequence),"spokeVersion":"bench","applications":[{"name":"app-00-\#(cluster)","sync":"Synced","health":"Healthy"}]}"#
                        let sent = SystemClock.monotonic()
                        do {
                            let (status, _, _) = try await call("POST", "/api/v1/clusters/\(cluster)/status", token: token, body: body)
                            if status == 202 { await recorder.report((SystemClock.monotonic() - sent) * 1000) } else { await recorder.error("report \(status)") }
                        } catch {
                            await recorder.error("\(error)")
                        }
                        try await Task.sleep(for: .seconds(10))
                    }
                }
            }
            // The measurement window closes at `end`.
            group.addTask {
                try await Task.sleep(for: .seconds(end - SystemClock.monotonic()))
                let (rss, peak) = processMemoryMiB(hub)
                await recorder.measured((processCPUSeconds(hub) - cpuStart, SystemClock.monotonic() - start, rss, peak))
            }
            // The commit, midway.
            group.addTask {
                try await Task.sleep(for: .seconds(commitAt - SystemClock.monotonic()))
                try writeFile(directory + "/repo/apps/app-00/base/configmap.yaml", PlanBenchmark.configMap(app: 0, revision: 2))
                try PlanBenchmark.git(directory + "/repo", "-c user.name=bench -c user.email=bench@example.com commit -q -am 'new model'")
                await recorder.committed(at: SystemClock.monotonic())
                _ = try await call("POST", "/api/v1/refresh", token: adminToken)
            }
            try await group.waitForAll()
        }
        try? await client.shutdown()
        guard let window = await recorder.window else { throw BenchmarkFailure("no measurement") }
        let (cpu, wall, rss, peak) = window
        let latencies = await recorder.reportLatencies.sorted()
        let commitTime = await recorder.commitTime
        let fetched = await recorder.fetchedAt.values.map { ($0 - commitTime) * 1000 }.sorted()
        let errors = await recorder.errors
        func percentile(_ values: [Double], _ p: Double) -> Double {
            values.isEmpty ? 0 : values[min(values.count - 1, Int(Double(values.count) * p))]
        }
        return [
            "| spokes | duration | hub CPU | hub RSS (peak) | reports | report latency p50 / p99 | commit to fetched p50 / p99 / last (spokes) | errors |",
            "|---|---|---|---|---|---|---|---|",
            "| \(spokes) | \(format(wall, 0)) s | \(format(cpu / wall, 3)) cores | \(format(rss, 0)) MiB (\(format(peak, 0))) | \(latencies.count) | \(format(percentile(latencies, 0.5), 1)) / \(format(percentile(latencies, 0.99), 1)) ms | \(format(percentile(fetched, 0.5), 0)) / \(format(percentile(fetched, 0.99), 0)) / \(format(fetched.last ?? 0, 0)) ms (\(fetched.count)) | \(errors) |",
            "",
            "Cold start to ready (first plan of \(spokes) clusters): \(format(coldPlanSeconds, 1)) s. Goal: < 0.5 core, < 500 MB RSS, commit-to-all-fetched p99 < 2 s.",
        ] + (errors > 0 ? ["Last error: \(await recorder.lastError)"] : [])
    }

    /// utime + stime of a process, in seconds.
    static func processCPUSeconds(_ pid: pid_t) -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Current and peak resident memory of a process, in MiB.
    static func processMemoryMiB(_ pid: pid_t) -> (Double, Double) {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return (0, 0) }
        func field(_ name: String) -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return 0 }
            return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
        }
        return (field("VmRSS"), field("VmHWM"))
    }
}
