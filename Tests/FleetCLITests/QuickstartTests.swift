import FleetTestSupport
import Foundation
import Testing

/// `hub --config hub/quickstart.yaml`, the file as shipped, in a copy of the project's layout
/// (a Git repository with fleet/ on main, the file in hub/): it starts with nothing else,
/// prints the admin token once, and plans the example fleet.
@Suite struct QuickstartTests {
    static let root = BuildCommandTests.repositoryRoot

    @Test(.enabled(if: !waitForLoopbackPort(8080, timeout: 0.2), "skipped: port 8080 is in use on this machine"))
    func theQuickstartConfigurationStartsAHubWithNothingElse() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let repo = try GitFixtureRepository(at: temp.path)
        _ = try ProcessRunner.run("/bin/cp", ["-R", Self.root + "/fleet", temp.path + "/fleet"])
        try FileManager.default.createDirectory(atPath: temp.file("hub"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.root + "/hub/quickstart.yaml", toPath: temp.file("hub/quickstart.yaml"))
        try repo.commit("fleet")
        let hub = try BackgroundProcess(ProcessRunner.productsDirectory + "/hub", ["--config", temp.file("hub/quickstart.yaml")], logPath: temp.file("hub.log"))
        defer { hub.stop() }
        #expect(waitForLoopbackPort(8080, timeout: 20), "the hub listens on 127.0.0.1:8080")
        var planned = false
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, !planned {
            let status = try ProcessRunner.run("curl", ["-s", "http://127.0.0.1:8080/readyz"])
            planned = status.stdout.hasPrefix("ready")
            if !planned { Thread.sleep(forTimeInterval: 0.2) }
        }
        let log = (try? String(contentsOfFile: temp.file("hub.log"), encoding: .utf8)) ?? ""
        #expect(planned, "\(log)")
        #expect(log.contains("First start: an admin token was created"), "\(log)")
        #expect(FileManager.default.fileExists(atPath: temp.file("hub/quickstart-state/hub.sqlite")), "state next to the file")
    }

    /// The production example, unedited, lists every missing secret at once, each with its key.
    @Test func checkConfigReportsEveryProblemAtOnce() throws {
        let hub = ProcessRunner.productsDirectory + "/hub"
        let production = try ProcessRunner.run(hub, ["--check-config", Self.root + "/hub/hub.yaml"])
        #expect(production.status == 1)
        #expect(production.stderr.contains("credentials[0].passwordFile: cannot read /etc/fleet-hub/github-token"), "\(production.stderr)")
        #expect(production.stderr.contains("webhook.secretFile: cannot read /etc/fleet-hub/webhook-secret"), "\(production.stderr)")
        let quickstart = try ProcessRunner.run(hub, ["--check-config", Self.root + "/hub/quickstart.yaml"])
        #expect(quickstart.status == 0 && quickstart.stdout.contains("usable"), "\(quickstart.stderr)")
        #expect(try ProcessRunner.run(hub, []).status == 2, "--config or --check-config is needed")
    }

    /// A one-cluster fleet repository and a hub configuration for it on a free port.
    static func smallHub(_ temp: TemporaryDirectory, extra: String = "") throws -> (config: String, port: Int) {
        let repo = try GitFixtureRepository(at: temp.file("fleet"))
        try repo.write("clusters/a.yaml", "apiVersion: fleet/v1alpha1\nkind: Cluster\nmetadata: {name: a}\n")
        try repo.commit("fleet")
        let port = try freeLoopbackPort()
        return (try temp.write("hub.yaml", "listen: 127.0.0.1:\(port)\nstateDir: state\nrepository: {url: fleet}\n" + extra), port)
    }

    /// A lost admin token is not a lock-out: `hub admin-token --reset` (hub stopped) makes a new
    /// one and revokes the old.
    @Test func aLostAdminTokenIsResetWithTheHubStopped() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let (config, port) = try Self.smallHub(temp)
        let hubBinary = ProcessRunner.productsDirectory + "/hub"
        func clusters(_ token: String) throws -> Int32 {
            try ProcessRunner.run(ProcessRunner.productsDirectory + "/fleet", ["clusters", "--hub", "http://127.0.0.1:\(port)"], environment: ["FLEET_TOKEN": token]).status
        }
        func firstToken(in log: String) -> String? {
            log.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix("fleet_") }
        }
        var hub = try BackgroundProcess(hubBinary, ["--config", config], logPath: temp.file("hub.log"))
        #expect(waitForLoopbackPort(port, timeout: 20))
        let running = try ProcessRunner.run(hubBinary, ["admin-token", "--reset", "--config", config])
        #expect(running.status == 1 && running.stderr.contains("stop it first"), "refused while the hub runs: \(running.stderr)")
        hub.stop()
        let old = try #require(firstToken(in: try String(contentsOfFile: temp.file("hub.log"), encoding: .utf8)))
        let reset = try ProcessRunner.run(hubBinary, ["admin-token", "--reset", "--config", config])
        #expect(reset.status == 0 && reset.stdout.contains("1 older admin token(s) revoked"), "\(reset.stdout)\(reset.stderr)")
        let new = try #require(firstToken(in: reset.stdout))
        hub = try BackgroundProcess(hubBinary, ["--config", config], logPath: temp.file("hub2.log"))
        defer { hub.stop() }
        #expect(waitForLoopbackPort(port, timeout: 20))
        #expect(try clusters(new) == 0, "the new token works")
        #expect(try clusters(old) == 1, "the old one is revoked")
    }

    /// A first start killed (SIGKILL) at any point, then started again, leaves a working admin
    /// token in tokens.adminTokenFile: the file is written before the token is stored, so a
    /// stored token is never one nobody has (and no reset is needed).
    @Test func aFirstStartKilledAtAnyPointLeavesAWorkingAdminToken() throws {
        let hubBinary = ProcessRunner.productsDirectory + "/hub"
        for delay in [0.0, 0.01, 0.03, 0.06, 0.1, 0.2, 0.4, 0.8] {
            let temp = try TemporaryDirectory()
            defer { temp.remove() }
            let (config, port) = try Self.smallHub(temp, extra: "tokens: {adminTokenFile: state/admin-token}\n")
            let first = try BackgroundProcess(hubBinary, ["--config", config], logPath: temp.file("first.log"))
            Thread.sleep(forTimeInterval: delay)
            first.send(SIGKILL)
            _ = first.wait(timeout: 5)
            let second = try BackgroundProcess(hubBinary, ["--config", config], logPath: temp.file("second.log"))
            defer { second.stop() }
            #expect(waitForLoopbackPort(port, timeout: 20), "killed after \(delay)s: the hub starts again")
            let token = (try? String(contentsOfFile: temp.file("state/admin-token"), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            let clusters = try ProcessRunner.run(ProcessRunner.productsDirectory + "/fleet", ["clusters", "--hub", "http://127.0.0.1:\(port)"],
                                                 environment: ["FLEET_TOKEN": token])
            #expect(clusters.status == 0, "killed after \(delay)s: the admin token in the file works: \(clusters.stderr)")
        }
    }
}
