import FleetTestSupport
import Foundation
import Testing

/// The online commands against a real hub process on loopback.
@Suite struct OnlineCommandsTests {
    let fleet = ProcessRunner.productsDirectory + "/fleet"
    let hubBinary = ProcessRunner.productsDirectory + "/hub"

    /// A port in use is one sentence naming it, before anything is created or "serving" printed.
    @Test func aHubWhosePortIsTakenSaysSoAndStops() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let taken = try LoopbackHTTPServer { _ in TestHTTPResponse(status: 200, headers: [], body: []) }
        defer { taken.stop() }
        let config = try temp.write("hub.yaml", "listen: 127.0.0.1:\(taken.port)\nstateDir: state\nrepository: {url: '\(temp.path)'}\n")
        let result = try ProcessRunner.run(hubBinary, ["--config", config])
        #expect(result.status == 1)
        #expect(result.stderr.contains("listen: port \(taken.port) on 127.0.0.1 is in use"), "\(result.stderr)")
        #expect(!result.stdout.contains("serving") && !result.stderr.contains("errno"), "\(result.stdout)")
        #expect(!FileManager.default.fileExists(atPath: temp.file("state")), "nothing was created")
    }

    @Test func statusClustersEnrollSyncEventsAndErrors() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let repo = try GitFixtureRepository(at: temp.file("fleet"))
        try repo.write("clusters/a.yaml", "apiVersion: fleet/v1alpha1\nkind: Cluster\nmetadata: {name: a}\n")
        try repo.write("clusters/b.yaml", "apiVersion: fleet/v1alpha1\nkind: Cluster\nmetadata: {name: b}\n")
        try repo.write("applications/app.yaml", """
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata: {name: gated}
            spec: {project: default, source: {repoURL: self, path: manifests}, destination: {name: a, namespace: apps}}
            """)
        try repo.write("manifests/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
        try repo.commit("fleet")
        let port = try freeLoopbackPort()
        let config = try temp.write("hub.yaml", """
            listen: 127.0.0.1:\(port)
            stateDir: state
            repository: {url: '\(repo.path)', pollInterval: 1h, aliases: [self]}
            tokens: {adminTokenFile: state/admin-token}

            """)
        let hub = try BackgroundProcess(hubBinary, ["--config", config], logPath: temp.file("hub.log"))
        defer { hub.stop() }
        #expect(waitForLoopbackPort(port, timeout: 20))
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, (try? ProcessRunner.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/readyz"]).stdout) != "200" {
            Thread.sleep(forTimeInterval: 0.1)
        }
        let common = ["--hub", "http://127.0.0.1:\(port)", "--token-file", temp.file("state/admin-token")]

        let clusters = try ProcessRunner.run(fleet, ["clusters", "-o", "json"] + common)
        #expect(clusters.status == 0, "\(clusters.stderr)")
        #expect(clusters.stdout.contains("\"name\" : \"a\"") || clusters.stdout.contains("\"name\": \"a\""))
        let enrolled = try ProcessRunner.run(fleet, ["cluster", "enroll", "a"] + common)
        #expect(enrolled.status == 0 && enrolled.stdout.hasPrefix("fleet_"))
        // Tokens kept in files (0600), never lost to a terminal; tokens by name.
        let kept = try ProcessRunner.run(fleet, ["cluster", "enroll", "a", "--output-file", temp.file("spoke-token")] + common)
        #expect(kept.status == 0 && kept.stdout.contains("written to \(temp.file("spoke-token")) (mode 0600)") && !kept.stdout.contains("fleet_"))
        let mode = try FileManager.default.attributesOfItem(atPath: temp.file("spoke-token"))[.posixPermissions] as? Int
        let spokeToken = try String(contentsOfFile: temp.file("spoke-token"), encoding: .utf8)
        #expect(mode == 0o600 && spokeToken.hasPrefix("fleet_"))
        let viewer = try ProcessRunner.run(fleet, ["token", "create", "--role", "viewer", "--name", "ci", "--output-file", temp.file("ci-token")] + common)
        #expect(viewer.status == 0, "\(viewer.stderr)")
        let asViewer = ["--hub", "http://127.0.0.1:\(port)", "--token-file", temp.file("ci-token")]
        #expect(try ProcessRunner.run(fleet, ["status"] + asViewer).status == 3, "a viewer reads the matrix")
        let denied = try ProcessRunner.run(fleet, ["sync", "gated"] + asViewer)
        #expect(denied.status == 1, "a viewer may not sync: \(denied.stderr)")
        #expect(try ProcessRunner.run(fleet, ["token", "list"] + common).stdout.contains(" ci "))
        let revoked = try ProcessRunner.run(fleet, ["token", "revoke", "ci"] + common)
        #expect(revoked.status == 0 && revoked.stdout.contains("revoked 1 token(s)"), "\(revoked.stderr)")
        #expect(try ProcessRunner.run(fleet, ["status"] + asViewer).status == 1, "a revoked token is refused")
        #expect(try ProcessRunner.run(fleet, ["token", "create", "--role", "root"] + common).status == 2)
        let status = try ProcessRunner.run(fleet, ["status", "--no-color"] + common)
        #expect(status.status == 3, "no spoke has reported: not healthy")
        #expect(status.stdout.contains("gated") && status.stdout.contains("Unknown"))
        // Narrowed to one cluster or one Application: the rows and the exit code are about it alone.
        let onA = try ProcessRunner.run(fleet, ["status", "--no-color", "--cluster", "a", "--app", "gated"] + common)
        #expect(onA.status == 3 && onA.stdout.contains("gated"), "\(onA.stdout)\(onA.stderr)")
        let onB = try ProcessRunner.run(fleet, ["status", "--no-color", "--cluster", "b"] + common)
        #expect(onB.status == 0 && !onB.stdout.contains("gated"), "b runs nothing: \(onB.stdout)\(onB.stderr)")
        let mars = try ProcessRunner.run(fleet, ["status", "--cluster", "mars"] + common)
        #expect(mars.status == 1 && mars.stderr.contains("no cluster named mars"))
        let nothing = try ProcessRunner.run(fleet, ["status", "--app", "nope", "--cluster", "b"] + common)
        #expect(nothing.status == 1 && nothing.stderr.contains("no Application named nope on cluster b"))
        let sync = try ProcessRunner.run(fleet, ["sync", "gated"] + common)
        #expect(sync.status == 0, "\(sync.stderr)")
        let events = try ProcessRunner.run(fleet, ["events"] + common)
        #expect(events.stdout.contains("sync-requested"))
        let neverReported = try ProcessRunner.run(fleet, ["drill", "rebuild", "a", "--timeout", "10m"] + common)
        #expect(neverReported.status == 1 && neverReported.stderr.contains("cluster a has never reported to the hub: is its spoke running?"),
                "fails fast, not after the timeout: \(neverReported.stderr)")
        let wait = try ProcessRunner.run(fleet, ["wait", "gated", "--timeout", "1s"] + common)
        #expect(wait.status == 3)

        // Rollback: pin to the first commit, see it in the views, clear it.
        let first = try repo.head()
        try repo.write("manifests/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {v: '2'}\n")
        try repo.commit("v2")
        let pinned = try ProcessRunner.run(fleet, ["rollback", "gated", "--to", first, "--cluster", "a"] + common)
        #expect(pinned.status == 0 && pinned.stdout.contains("pinned to \(first)"), "\(pinned.stderr)")
        let apps = try ProcessRunner.run(fleet, ["apps", "-o", "json"] + common)
        #expect(apps.stdout.contains(first), "apps shows the pin")
        #expect(try ProcessRunner.run(fleet, ["status", "--no-color"] + common).stdout.contains("rolled back to \(first.prefix(12))"))
        let wrongCluster = try ProcessRunner.run(fleet, ["rollback", "gated", "--to", first, "--cluster", "b"] + common)
        #expect(wrongCluster.status == 1 && wrongCluster.stderr.contains("does not run on cluster b"))
        let cleared = try ProcessRunner.run(fleet, ["rollback", "gated", "--clear"] + common)
        #expect(cleared.status == 0 && cleared.stdout.contains("fleet sync gated"), "no automated sync: says how to return: \(cleared.stdout)")
        #expect(try ProcessRunner.run(fleet, ["events", "--limit", "5"] + common).stdout.contains("rollback-cleared"))

        // Label selectors as kubectl writes them; a malformed one is the user's error, and
        // the hub lives on (issue 13, finding 1: an empty selector crashed it).
        #expect(try ProcessRunner.run(fleet, ["apps", "--label", ""] + common).status == 0)
        #expect(try ProcessRunner.run(fleet, ["apps", "--label", "env in (prod,dev),!legacy"] + common).status == 0)
        let malformed = try ProcessRunner.run(fleet, ["apps", "--label", "=="] + common)
        #expect(malformed.status == 1 && malformed.stderr.contains("label selector"), "\(malformed.stderr)")
        #expect(hub.isRunning)
        let log = (try? String(contentsOfFile: temp.file("hub.log"), encoding: .utf8)) ?? ""
        let adminToken = try String(contentsOfFile: temp.file("state/admin-token"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!log.contains(adminToken), "the admin token written to its file is not printed (issue 13, finding 8)")

        let unknown = try ProcessRunner.run(fleet, ["app", "nope"] + common)
        #expect(unknown.status == 1 && unknown.stderr.contains("no Application named nope"))
        try "fleet_wrong\n".write(toFile: temp.file("bad-token"), atomically: true, encoding: .utf8)
        let refused = try ProcessRunner.run(fleet, ["clusters", "--hub", "http://127.0.0.1:\(port)", "--token-file", temp.file("bad-token")])
        #expect(refused.status == 1 && refused.stderr.contains("401"))
        let noHub = try ProcessRunner.run(fleet, ["clusters", "--token-file", temp.file("bad-token")], environment: ["PATH": "/usr/bin:/bin"])
        #expect(noHub.status == 1 && noHub.stderr.contains("no hub"))
    }
}
