import FleetKube
import FleetModel
import FleetReconcile
import FleetSpoke
import FleetTestSupport
import Foundation
import Testing

/// `fleet drill rebuild` through the real hub, spokes on the Kubernetes driver against the
/// fake API server: a drill passes on a replaced cluster, and never while the old cluster's
/// spoke still reports (issue 18's false pass).
extension HubLiveTests {
    final class TickingSpoke: @unchecked Sendable {
        let agent: SpokeAgent
        private let lock = NSLock()
        private var running = true
        private var thread: Thread?

        init(_ agent: SpokeAgent) {
            self.agent = agent
            agent.log = { _ in }
        }

        /// Ticks on a thread of its own until stopped (the CLI under test runs meanwhile), once
        /// `ready` says so.
        func start(when ready: @escaping @Sendable () -> Bool = { true }) {
            let thread = Thread { [self] in
                while lock.withLock({ running }), !ready() { Thread.sleep(forTimeInterval: 0.05) }
                while lock.withLock({ running }) {
                    agent.tick()
                    Thread.sleep(forTimeInterval: 0.1)
                }
            }
            thread.start()
            self.thread = thread
        }

        func stop() {
            lock.withLock { running = false }
            while thread?.isFinished == false { Thread.sleep(forTimeInterval: 0.05) }
        }
    }

    func kubeSpoke(_ api: FakeAPIServer, _ hub: LiveHub, _ temp: TemporaryDirectory, state: String) throws -> SpokeAgent {
        let driver = KubeDriver(connection: KubeConnection(server: api.server.url, token: "test-token"))
        driver.sleep = { _ in }
        return try SpokeAgent(config: try enrolledSpokeConfig(hub, temp), driver: driver, state: try SpokeState(path: temp.file(state)))
    }

    func drill(_ hub: LiveHub, _ temp: TemporaryDirectory, _ extra: [String]) throws -> ProcessResult {
        try hub.adminToken.write(toFile: temp.file("admin-token"), atomically: true, encoding: .utf8)
        return try ProcessRunner.run(ProcessRunner.productsDirectory + "/fleet",
                                     ["drill", "rebuild", "a", "--hub", hub.url, "--token-file", temp.file("admin-token"), "--no-color"] + extra)
    }

    func convergedHub(_ temp: TemporaryDirectory) throws -> (LiveHub, FakeAPIServer, SpokeAgent) {
        let repo = try makeFleet(temp)
        var hub = try makeHub(repositoryURL: repo.path, temp: temp)
        try start(&hub)
        let admin = hub.adminToken
        #expect(try waitUntil { try JSON.parse(try curl(["-H", "Authorization: Bearer \(admin)", "\(hub.url)/api/v1/hub"]).body)["fleetCommit"]?.stringValue != nil })
        let old = try FakeAPIServer()
        let agent = try kubeSpoke(old, hub, temp, state: "old-spoke.sqlite")
        agent.log = { _ in }
        agent.tick()
        #expect(old.object("/api/v1/namespaces/apps/configmaps/settings") != nil, "converged on the old cluster")
        return (hub, old, agent)
    }

    @Test func aDrillPassesOnAReplacedClusterWithEveryObjectRecreated() throws {
        let temp = try TemporaryDirectory(prefix: "fleet-drill-new")
        defer { temp.remove() }
        let (hub, old, _) = try convergedHub(temp)
        defer { hub.process?.stop(); old.server.stop() }
        // The cluster is lost; the drill starts; an empty cluster (a new identity) gets a new
        // spoke (docs/dr-runbook.md: start the drill, then install the new spoke).
        let replacement = try FakeAPIServer()
        defer { replacement.server.stop() }
        let spoke = TickingSpoke(try kubeSpoke(replacement, hub, temp, state: "new-spoke.sqlite"))
        let (url, admin) = (hub.url, hub.adminToken)
        spoke.start { [self] in
            (try? JSON.parse(try curl(["-H", "Authorization: Bearer \(admin)", "\(url)/api/v1/drills"]).body).arrayValue?.isEmpty == false) ?? false
        }
        let result = try drill(hub, temp, ["--timeout", "30s", "--sla", "1m"])
        spoke.stop()
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("Objects recreated: 1 (created after the drill started; 0 older)"), "\(result.stdout)")
        #expect(result.stdout.contains("Result: passed"))
    }

    @Test func aDrillNeverPassesWhileTheOldClustersSpokeStillReports() throws {
        let temp = try TemporaryDirectory(prefix: "fleet-drill-old")
        defer { temp.remove() }
        let (hub, old, agent) = try convergedHub(temp)
        defer { hub.process?.stop(); old.server.stop() }
        Thread.sleep(forTimeInterval: 4)  // older than any drill started now, beyond the 2 s tolerance and whole-second stamps
        let spoke = TickingSpoke(agent)
        spoke.start()
        let result = try drill(hub, temp, ["--timeout", "3s"])
        spoke.stop()
        #expect(result.status == 3, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("nothing was rebuilt: 1 of 1 objects are older than the drill (cluster identity unchanged); did the old cluster go away?"),
                "\(result.stdout)")
    }
}
