import ArgumentParser
import FleetCommandSupport
import FleetFiles
import FleetHTTPClient
import FleetModel
import FleetProtocol

#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT/SIGTERM while the demo runs (a C signal handler can only touch a global).
nonisolated(unsafe) private var demoInterrupted: sig_atomic_t = 0

/// `fleet demo`: the whole system on one machine, narrated.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run a hub and three spokes on 127.0.0.1 with the example fleet, and narrate what GitOps does for it.",
        discussion: """
            Copies the example fleet repository (fleet/) into a Git repository in a temporary directory, starts a hub reading it and three spokes (us-east-1, us-west-2, eu-west-1) on the local driver, then shows, with the real CLI's output: the fleet converging, a manual change in us-west-2 detected as drift and healed, a commit promoting a new model version rolling out everywhere, a broken commit that changes nothing live and is reported with its file and line, and a DR drill rebuilding us-west-2 from Git with its RTO.

            Then it leaves the fleet running for you to explore (the commands to try are printed) until Ctrl-C, and stops every process it started and removes the temporary directory.

            --ci runs the narrated part only, checks each step's outcome and exits 1 if one failed.
            """
    )
    @Flag(name: .long, help: "Non-interactive: check every step, stop at the end, exit 1 if a step failed.") var ci = false
    @Option(name: .long, help: "The example fleet repository to copy (default: ./fleet, or the one next to the build).") var repo: String?
    @Flag(name: .long, help: "Keep the temporary directory (logs, state) after stopping.") var keep = false

    func run() throws {
        let demo = try Demo(ci: ci, example: try exampleRepository())
        signal(SIGINT) { _ in demoInterrupted = 1 }
        signal(SIGTERM) { _ in demoInterrupted = 1 }
        defer { demo.stop(keep: keep) }
        try demo.narrate()
        if demo.failures > 0 {
            throw CommandFailure("\(demo.failures) demo step(s) did not do what they should (logs in \(demo.directory))")
        }
        if !ci { demo.explore() }
    }

    private func exampleRepository() throws -> String {
        var candidates = [repo ?? "fleet"]
        if repo == nil, let fleet = Subprocess.sibling("fleet"), fleet.contains("/.build") {
            candidates.append(String(fleet.split(separator: "/.build", maxSplits: 1)[0]) + "/fleet")
        }
        for candidate in candidates where LocalPaths.exists(candidate + "/clusters") { return candidate }
        throw CommandFailure("cannot find the example fleet repository (tried \(candidates.joined(separator: ", "))): run from the project root or give --repo DIR")
    }
}

/// The running demo: its directory, the processes it started, and the steps' outcomes.
final class Demo {
    let ci: Bool
    let directory: String
    let fleetBinary: String, hubBinary: String, spokeBinary: String
    let repository: String
    let port: Int
    var hubPID: pid_t?
    var spokes: [(cluster: String, pid: pid_t)] = []
    var client: HubClient?
    var adminTokenFile: String { directory + "/hub/admin-token" }
    var failures = 0
    let bold: (String) -> String
    let clusters = ["us-east-1", "us-west-2", "eu-west-1"]

    init(ci: Bool, example: String) throws {
        self.ci = ci
        guard let fleet = Subprocess.sibling("fleet"), let hub = Subprocess.sibling("hub"), let spoke = Subprocess.sibling("spoke") else {
            throw CommandFailure("the demo needs the hub and spoke binaries next to fleet: build everything with `swift build` (or `make demo`)")
        }
        (fleetBinary, hubBinary, spokeBinary) = (fleet, hub, spoke)
        directory = try LocalPaths.makeTemporaryDirectory(prefix: "fleet-demo")
        repository = directory + "/fleet-repo"
        port = try Self.freePort()
        let terminal = isatty(1) == 1
        bold = { terminal ? "\u{1B}[1m\($0)\u{1B}[0m" : $0 }
        try run("/bin/cp", ["-R", example, repository])
        try git(["init", "-q", "-b", "main"])
        try git(["add", "-A"])
        try git(["commit", "-q", "-m", "The ML platform fleet: inference-server, training-scheduler, model-registry-sync, monitoring"])
    }

    // MARK: The story

    func narrate() throws {
        let started = SystemClock.monotonic()
        step("1. A hub and three spokes on 127.0.0.1")
        try startHub()
        try startSpokes()
        say("hub http://127.0.0.1:\(port) reading \(repository) (a copy of fleet/); spokes \(clusters.joined(separator: ", ")) on the local driver")
        say("state, logs and the admin token are in \(directory)")

        step("2. The fleet converges: every Application Synced and Healthy")
        let converged = waitUntil("the fleet converges", timeout: 60) { try self.fleetHealthy() }
        check("the fleet converged", converged)
        show(["status"], expect: 0)

        step("3. A manual change in us-west-2: inference-server scaled to 5 replicas by hand")
        let usWest = directory + "/spokes/us-west-2"
        show(spokeBinary, ["local", "scale", "deployment/ml-serving/inference-server", "--replicas", "5", "--state", usWest], label: "spoke", expect: 0)
        let healed = waitUntil("the spoke notices and heals the drift", timeout: 20) {
            let app = try self.hub().call("GET", "/api/v1/applications/inference-server-us-west-2")
            let fields = app["status"]?["lastSync"]?["healed"]?.arrayValue ?? []
            return fields.contains { $0["pointer"] == "/spec/replicas" && $0["live"] == 5 } && app["sync"] == "Synced"
        }
        check("the drift on /spec/replicas was detected and healed", healed)
        show(["app", "inference-server-us-west-2"], expect: 0)
        let live = (try? Subprocess.run(spokeBinary, ["local", "get", "deployment/ml-serving/inference-server", "--state", usWest]).output) ?? ""
        check("the live Deployment is back to 2 replicas", live.contains("replicas: 2\n"))

        step("4. A commit promotes model v13 to production")
        let kustomization = repository + "/apps/inference-server/base/kustomization.yaml"
        let text = try String(decoding: LocalPaths.read(kustomization), as: UTF8.self)
        try LocalPaths.write(text.replacing("MODEL_VERSION=v12", with: "MODEL_VERSION=v13"), to: kustomization)
        try git(["commit", "-q", "-am", "Promote llama2-7b v13 to production"])
        say("git commit -am \"Promote llama2-7b v13 to production\"  (then the hub is told, as a push webhook would)")
        let commitStart = SystemClock.monotonic()
        let promoted = try rollout(to: try head())
        check("v13 rolled out to every region", promoted)
        say("every region runs the new model \(ProgressLine.seconds(SystemClock.monotonic() - commitStart)) after the commit")
        show(["events", "--limit", "1"], expect: 0)

        step("5. A broken commit: invalid YAML in the us-west-2 overlay")
        let before = try planIDs()
        let liveBefore = (try? Subprocess.run(spokeBinary, ["local", "get", "deployment/ml-serving/inference-server", "--state", usWest]).output) ?? "?"
        let overlay = repository + "/apps/inference-server/overlays/us-west-2/kustomization.yaml"
        let good = try String(decoding: LocalPaths.read(overlay), as: UTF8.self)
        try LocalPaths.write(good.replacing("- name: inference-server\n  count: 2", with: "- name: inference-server\n  count: [2"), to: overlay)
        try git(["commit", "-q", "-am", "Tune us-west-2 replicas"])
        let broken = try head()
        try refresh()
        let reported = waitUntil("the hub plans the broken commit", timeout: 20) {
            let status = try self.hubStatus()
            return status.fleetCommit == broken && !status.problems.isEmpty
        }
        let problem = (try? hubStatus().problems.first) ?? ""
        check("the hub reports the problem with file:line", reported && problem.contains("kustomization.yaml:"))
        say("the hub says: \(problem)")
        SystemClock.sleep(2.5)
        let liveAfter = (try? Subprocess.run(spokeBinary, ["local", "get", "deployment/ml-serving/inference-server", "--state", usWest]).output) ?? "!"
        let after = try planIDs()
        check("nothing changed live", liveBefore == liveAfter && before.filter { $0.key != "us-west-2" } == after.filter { $0.key != "us-west-2" })
        show(["app", "inference-server-us-west-2"], expect: 0)
        try git(["revert", "--no-edit", "HEAD"])
        say("git revert HEAD: the fix is a commit too")
        check("the fleet is healthy after the revert", try rollout(to: try head()))

        step("6. Disaster-recovery drill: us-west-2 wiped and rebuilt from Git")
        show(["drill", "rebuild", "us-west-2", "--wipe", "--sla", "1m"], expect: 0)
        show(["drills"], expect: 0)
        say(bold("The narrated part took \(ProgressLine.seconds(SystemClock.monotonic() - started))."))
    }

    /// Leaves the fleet running until Ctrl-C (or until the hub exits).
    func explore() {
        let bin = String(fleetBinary[..<(fleetBinary.lastIndex(of: "/") ?? fleetBinary.endIndex)])
        print("""

            \(bold("The fleet keeps running. In another terminal, try:"))
              export PATH=\(bin):$PATH FLEET_HUB=http://127.0.0.1:\(port) FLEET_TOKEN=$(cat \(adminTokenFile))
              fleet status --watch
              fleet app inference-server-eu-west-1
              spoke local scale deployment/ml-serving/inference-server --replicas 9 --state \(directory)/spokes/eu-west-1
              fleet rollback inference-server-us-east-1 --to HEAD~3   (back to model v12; undo with --clear)
              fleet drill rebuild eu-west-1 --wipe --sla 30s
              fleet events; fleet drills
            Commit to \(repository) and run `curl -X POST -H "Authorization: Bearer $FLEET_TOKEN" $FLEET_HUB/api/v1/refresh` (or wait 2s).
            Logs: \(directory)/*.log

            Press Ctrl-C to stop the hub and the spokes.
            """)
        fflush(nil)
        while demoInterrupted == 0 {
            if let hubPID, Subprocess.hasExited(hubPID) {
                print("the hub exited; see \(directory)/hub.log")
                self.hubPID = nil
                break
            }
            SystemClock.sleep(0.2)
        }
        print("\nstopping")
    }

    /// Stops every process the demo started (by PID) and removes its directory.
    func stop(keep: Bool) {
        Subprocess.terminate(spokes.map(\.pid) + (hubPID.map { [$0] } ?? []))
        spokes = []
        hubPID = nil
        if keep || (ci && failures > 0) {
            print("kept \(directory)")
        } else {
            _ = try? Subprocess.run("/bin/rm", ["-rf", directory])
        }
    }

    // MARK: Steps

    private func startHub() throws {
        try LocalPaths.write("""
            listen: 127.0.0.1:\(port)
            stateDir: \(directory)/hub
            repository:
              url: \(repository)
              branch: main
              pollInterval: 2s
              aliases: [https://github.com/example/fleet.git]
            tokens:
              adminTokenFile: \(adminTokenFile)
            staleAfter: 30s

            """, to: directory + "/hub.yaml")
        hubPID = try Subprocess.spawn(hubBinary, ["--config", directory + "/hub.yaml"], outputFile: directory + "/hub.log")
        let ready = waitUntil("the hub is ready", timeout: 30) {
            if let pid = self.hubPID, Subprocess.hasExited(pid) {
                self.hubPID = nil
                throw CommandFailure("the hub exited at start:\n" + self.tail(self.directory + "/hub.log"))
            }
            let response = try? HTTPClient().send(HTTPRequest(url: "http://127.0.0.1:\(self.port)/readyz"))
            return response?.status == 200 && LocalPaths.exists(self.adminTokenFile)
        }
        guard ready else { throw CommandFailure("the hub did not become ready:\n" + tail(directory + "/hub.log")) }
        let token = try String(decoding: LocalPaths.read(adminTokenFile), as: UTF8.self).trimmingWhitespace()
        client = HubClient(base: "http://127.0.0.1:\(port)", token: token)
    }

    private func startSpokes() throws {
        let key = try hubStatus().publicKey
        for cluster in clusters {
            let state = directory + "/spokes/" + cluster
            try LocalPaths.makeDirectories(state)
            let token = try hub().send("POST", "/api/v1/clusters/\(cluster)/enroll", TokenIssued.init).view.token
            try LocalPaths.write(token + "\n", to: state + "/token", mode: 0o600)
            try LocalPaths.write("""
                hub: http://127.0.0.1:\(port)
                cluster: \(cluster)
                tokenFile: \(state)/token
                hubPublicKey: \(key)
                stateDir: \(state)
                driver: local
                pollWait: 2s
                local:
                  readyDelay: 1s

                """, to: state + "/spoke.yaml")
            spokes.append((cluster, try Subprocess.spawn(spokeBinary, ["--config", state + "/spoke.yaml"], outputFile: directory + "/spoke-\(cluster).log")))
        }
    }

    /// Tells the hub to fetch now, then waits until every cluster runs the plan of `commit`
    /// with every Application Synced and Healthy.
    private func rollout(to commit: String) throws -> Bool {
        try refresh()
        return waitUntil("rolling out \(commit.prefix(8))", timeout: 40) {
            guard try self.hubStatus().fleetCommit == commit else { return false }
            return try self.fleetHealthy()
        }
    }

    /// Every cluster runs the plan it is served, with every Application Synced and Healthy.
    private func fleetHealthy() throws -> Bool {
        let views = try hub().call("GET", "/api/v1/clusters").arrayValue ?? []
        return views.count == clusters.count && views.allSatisfy { view in
            let apps = view["applications"]?.arrayValue ?? []
            return !apps.isEmpty && view["planId"] == view["appliedPlanId"] && apps.allSatisfy { $0["sync"] == "Synced" && $0["health"] == "Healthy" }
        }
    }

    private func planIDs() throws -> [String: String] {
        var out: [String: String] = [:]
        for view in try hub().call("GET", "/api/v1/clusters").arrayValue ?? [] {
            if let name = view["name"]?.stringValue { out[name] = view["planId"]?.stringValue ?? "" }
        }
        return out
    }

    private func refresh() throws { _ = try hub().call("POST", "/api/v1/refresh") }

    private func head() throws -> String {
        try git(["rev-parse", "HEAD"]).trimmingWhitespace()
    }

    // MARK: Helpers

    private func hub() throws -> HubClient {
        guard let client else { throw CommandFailure("the hub is not running") }
        return client
    }

    private func hubStatus() throws -> HubStatusView { try hub().view("/api/v1/hub", HubStatusView.init).view }

    /// Polls `condition` every 250 ms until it holds, `timeout` passes or Ctrl-C; progress on a terminal.
    private func waitUntil(_ what: String, timeout: Double, _ condition: () throws -> Bool) -> Bool {
        let progress = ProgressLine()
        defer { progress.finish() }
        while demoInterrupted == 0 {
            do {
                if try condition() { return true }
            } catch let failure as CommandFailure {
                say("\(failure)")
                return false
            } catch {}
            if progress.elapsed > timeout { return false }
            progress.update(what + "...")
            SystemClock.sleep(0.25)
        }
        return false
    }

    private func step(_ title: String) {
        print("\n" + bold("==> " + title))
        fflush(nil)
    }

    private func say(_ text: String) {
        print("    " + text)
        fflush(nil)
    }

    private func check(_ what: String, _ ok: Bool) {
        if !ok { failures += 1 }
        if ci || !ok { print("    [\(ok ? "ok" : "FAILED")] \(what)") }
        fflush(nil)
    }

    /// Runs a command (by default `fleet` against the demo's hub) and prints it with its output.
    private func show(_ arguments: [String], expect: Int32) {
        show(fleetBinary, arguments, label: "fleet", expect: expect)
    }

    private func show(_ binary: String, _ arguments: [String], label: String, expect: Int32) {
        print("  $ \(label) \(arguments.joined(separator: " "))")
        let environment = ["FLEET_HUB": "http://127.0.0.1:\(port)", "FLEET_TOKEN": client?.token ?? "", "NO_COLOR": "1"]
        guard let result = try? Subprocess.run(binary, arguments, environment: environment) else {
            check("\(label) \(arguments.first ?? "") ran", false)
            return
        }
        for line in result.output.split(separator: "\n", omittingEmptySubsequences: false).dropLast(result.output.hasSuffix("\n") ? 1 : 0) {
            print("    " + line)
        }
        fflush(nil)
        check("\(label) \(arguments.prefix(2).joined(separator: " ")) exited \(expect)", result.status == expect)
    }

    /// Runs git in the demo's repository; its output.
    @discardableResult
    private func git(_ arguments: [String]) throws -> String {
        try run("/usr/bin/env", ["git", "-C", repository, "-c", "commit.gpgsign=false"] + arguments, environment: [
            "GIT_AUTHOR_NAME": "Fleet Demo", "GIT_AUTHOR_EMAIL": "demo@fleet.example.com",
            "GIT_COMMITTER_NAME": "Fleet Demo", "GIT_COMMITTER_EMAIL": "demo@fleet.example.com",
        ])
    }

    @discardableResult
    private func run(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let result = try Subprocess.run(path, arguments, environment: environment)
        guard result.status == 0 else { throw CommandFailure("\(path) \(arguments.joined(separator: " ")) failed (exit \(result.status))") }
        return result.output
    }

    private func tail(_ path: String) -> String {
        let text = (try? LocalPaths.read(path)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return text.split(separator: "\n").suffix(15).joined(separator: "\n")
    }

    /// A TCP port on 127.0.0.1 that is free now (the kernel picks it).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CommandFailure("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw CommandFailure("cannot find a free port on 127.0.0.1") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
