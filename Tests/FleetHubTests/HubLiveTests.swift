import FleetKube
import FleetModel
import FleetReconcile
import FleetSpoke
import FleetTestSupport
import FleetYAML
import Foundation
import Testing

/// The real `hub` binary on 127.0.0.1, reading a repository served by `git daemon` on
/// loopback, killed with SIGKILL mid-work and restarted.
@Suite(.serialized) struct HubLiveTests {
    let hubBinary = ProcessRunner.productsDirectory + "/hub"

    struct LiveHub {
        let temp: TemporaryDirectory
        let port: Int
        let configPath: String
        var process: BackgroundProcess?
        var url: String { "http://127.0.0.1:\(port)" }
        var adminToken: String { (try? String(contentsOfFile: temp.file("state/admin-token"), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }
    }

    func curl(_ arguments: [String]) throws -> (status: Int, body: String) {
        let result = try ProcessRunner.run("curl", ["-s", "-m", "20", "-w", "\n%{http_code}"] + arguments)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    func start(_ hub: inout LiveHub) throws {
        hub.process = try BackgroundProcess(hubBinary, ["--config", hub.configPath], logPath: hub.temp.file("hub.log"))
        #expect(waitForLoopbackPort(hub.port, timeout: 20), "hub listens")
    }

    func makeHub(repositoryURL: String, temp: TemporaryDirectory) throws -> LiveHub {
        let port = try freeLoopbackPort()
        let config = try temp.write("hub.yaml", """
            listen: 127.0.0.1:\(port)
            stateDir: state
            repository: {url: '\(repositoryURL)', pollInterval: 500ms, aliases: [self]}
            tokens: {adminTokenFile: state/admin-token}
            """)
        return LiveHub(temp: temp, port: port, configPath: config)
    }

    func makeFleet(_ temp: TemporaryDirectory) throws -> GitFixtureRepository {
        let repo = try GitFixtureRepository(at: temp.file("work"))
        for cluster in ["a", "b"] {
            try repo.write("clusters/\(cluster).yaml", "apiVersion: fleet/v1alpha1\nkind: Cluster\nmetadata: {name: \(cluster), labels: {env: prod}}\n")
        }
        try repo.write("applications/app.yaml", """
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata: {name: app-a}
            spec: {project: default, source: {repoURL: self, path: manifests}, destination: {name: a, namespace: apps}, syncPolicy: {automated: {prune: true, selfHeal: true}, syncOptions: [CreateNamespace=true]}}
            """)
        try repo.write("manifests/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {version: v1}\n")
        try repo.commit("fleet")
        return repo
    }

    /// A spoke of cluster `a` on the local driver, enrolled at the hub, trusting its key.
    func enrolledSpokeConfig(_ hub: LiveHub, _ temp: TemporaryDirectory) throws -> SpokeConfig {
        let auth = "Authorization: Bearer \(hub.adminToken)"
        let key = try #require(try JSON.parse(try curl(["-H", auth, "\(hub.url)/api/v1/hub"]).body)["publicKey"]?.stringValue)
        let token = try #require(try JSON.parse(try curl(["-X", "POST", "-H", auth, "\(hub.url)/api/v1/clusters/a/enroll"]).body)["token"]?.stringValue)
        try token.write(toFile: temp.file("token"), atomically: true, encoding: .utf8)
        var config = try SpokeConfig(try YAML.parse("""
            hub: \(hub.url)
            cluster: a
            tokenFile: token
            hubPublicKey: \(key)
            pollWait: 1s
            local: {readyDelay: 100ms}
            """), file: "spoke.yaml") { path in try String(contentsOfFile: temp.file(path), encoding: .utf8) }
        config.waveTimeout = .seconds(10)
        return config
    }

    func waitUntil(_ timeout: Double = 20, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return false
    }

    @Test func servesPlansFromAGitDaemonAndFollowsNewCommits() throws {
        let temp = try TemporaryDirectory(prefix: "fleet-hub-live")
        defer { temp.remove() }
        let repo = try makeFleet(temp)
        try FileManager.default.createDirectory(atPath: temp.file("served"), withIntermediateDirectories: true)
        try repo.bareClone(to: temp.file("served/fleet.git"))
        let daemon = try GitDaemonServer(root: temp.file("served"))
        defer { daemon.stop() }
        var hub = try makeHub(repositoryURL: daemon.url("fleet.git"), temp: temp)
        try start(&hub)
        defer { hub.process?.stop() }
        let token = hub.adminToken
        #expect(try waitUntil { try curl(["\(hub.url)/readyz"]).status == 200 }, "ready after the first plan")
        let plan = try curl(["-H", "Authorization: Bearer \(token)", "\(hub.url)/api/v1/clusters/a/plan"])
        #expect(plan.status == 200)
        #expect(plan.body.contains("\"version\":\"v1\""))

        try repo.write("manifests/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {version: v2}\n")
        try repo.commit("v2")
        try repo.git("push", "-q", temp.file("served/fleet.git"), "main")
        #expect(try waitUntil {
            try curl(["-H", "Authorization: Bearer \(token)", "\(hub.url)/api/v1/clusters/a/plan"]).body.contains("\"version\":\"v2\"")
        }, "the poll picks up the push")
    }

    @Test func aHubKilledMidWorkRestartsWithNothingLostOrHalfWritten() throws {
        let temp = try TemporaryDirectory(prefix: "fleet-hub-kill")
        defer { temp.remove() }
        let repo = try makeFleet(temp)
        var hub = try makeHub(repositoryURL: repo.path, temp: temp)
        try start(&hub)
        let token = hub.adminToken
        #expect(try waitUntil { try curl(["\(hub.url)/readyz"]).status == 200 })
        let enrolled = try curl(["-X", "POST", "-H", "Authorization: Bearer \(token)", "\(hub.url)/api/v1/clusters/a/enroll"])
        let spoke = try #require(try JSON.parse(enrolled.body)["token"]?.stringValue)
        var acknowledged = 0
        var sequence = 0
        for round in 0..<3 {
            // Keep the hub busy planning (a new commit) and ingesting reports, then SIGKILL it.
            try repo.write("manifests/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {version: r\(round)}\n")
            try repo.commit("round \(round)")
            for _ in 0..<(5 + round * 3) {
                sequence += 1
                let report = #"{"cluster":"a","sequence":\#(sequence),"spokeVersion":"test","applications":[{"name":"app-a","sync":"Synced","health":"Healthy"}]}"#
                let answer = try curl(["-X", "POST", "-H", "Authorization: Bearer \(spoke)", "-d", report, "\(hub.url)/api/v1/clusters/a/status"])
                if answer.status == 202 { acknowledged = sequence }
            }
            hub.process?.send(SIGKILL)
            _ = hub.process?.wait(timeout: 10)
            try start(&hub)
            let plan = try curl(["-H", "Authorization: Bearer \(spoke)", "\(hub.url)/api/v1/clusters/a/plan"])
            #expect(plan.status == 200, "the last published plan is served at once after a restart")
            #expect((try? JSON.parse(plan.body)) != nil, "and it is whole")
            let cluster = try curl(["-H", "Authorization: Bearer \(token)", "\(hub.url)/api/v1/clusters/a"])
            let stored = try JSON.parse(cluster.body)["report"]?["sequence"]?.intValue
            #expect(stored == acknowledged, "every acknowledged report survived the kill, none half-written")
            let apps = try curl(["-H", "Authorization: Bearer \(token)", "\(hub.url)/api/v1/applications"])
            #expect(apps.body.contains("\"app-a\""), "the Application views are back at once")
        }
        hub.process?.stop()
        let check = try ProcessRunner.run("sqlite3", [temp.file("state/hub.sqlite"), "PRAGMA integrity_check"])
        if check.status == 0 { #expect(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ok") }
    }

    @Test func servesHTTPSWithTheConfiguredCertificate() throws {
        let temp = try TemporaryDirectory(prefix: "fleet-hub-tls")
        defer { temp.remove() }
        let repo = try makeFleet(temp)
        let openssl = try ProcessRunner.run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                                        "-keyout", temp.file("key.pem"), "-out", temp.file("cert.pem"), "-days", "1",
                                                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
        try #require(openssl.status == 0, "openssl: \(openssl.stderr)")
        var hub = try makeHub(repositoryURL: repo.path, temp: temp)
        try String(contentsOfFile: hub.configPath, encoding: .utf8).appending("\ntls: {certFile: cert.pem, keyFile: key.pem}\n")
            .write(toFile: hub.configPath, atomically: true, encoding: .utf8)
        try start(&hub)
        defer { hub.process?.stop() }
        let secure = try curl(["--cacert", temp.file("cert.pem"), "https://127.0.0.1:\(hub.port)/healthz"])
        #expect(secure.status == 200, "\(secure)")
        let plain = try curl(["http://127.0.0.1:\(hub.port)/healthz"])
        #expect(plain.status != 200, "plain HTTP is not served on a TLS port")
    }

    @Test func aSpokeConvergesHealsKeepsEnforcingWithoutItsHubAndReportsLater() throws {
        let temp = try TemporaryDirectory(prefix: "fleet-spoke-live")
        defer { temp.remove() }
        let repo = try makeFleet(temp)
        var hub = try makeHub(repositoryURL: repo.path, temp: temp)
        try start(&hub)
        defer { hub.process?.stop() }
        let admin = hub.adminToken
        #expect(try waitUntil { try curl(["\(hub.url)/readyz"]).status == 200 })
        let config = try enrolledSpokeConfig(hub, temp)
        let cluster = try LocalCluster(path: temp.file("cluster.sqlite"), readyDelay: 0.1)
        let state = try SpokeState(path: temp.file("spoke.sqlite"))
        let agent = try SpokeAgent(config: config, driver: cluster, state: state)
        agent.log = { _ in }
        agent.tick()
        let configMap = ResourceKey(group: "", kind: "ConfigMap", namespace: "apps", name: "settings")
        #expect(try cluster.get(configMap)?["data"]?["version"] == "v1", "converged to the plan")
        func appStatus() throws -> Value? {
            try JSON.parse(try curl(["-H", "Authorization: Bearer \(admin)", "\(hub.url)/api/v1/applications?cluster=a"]).body)[0]
        }
        #expect(try appStatus()?["sync"] == "Synced")

        // Drift is healed on the next tick.
        try cluster.edit(configMap) { $0.setValue("edited", at: ["data", "version"]) }
        agent.tick()
        #expect(try cluster.get(configMap)?["data"]?["version"] == "v1")

        // The hub goes away: the spoke keeps enforcing its last verified plan and queues reports.
        hub.process?.send(SIGKILL)
        _ = hub.process?.wait(timeout: 10)
        try cluster.edit(configMap) { $0.setValue("edited-again", at: ["data", "version"]) }
        agent.tick()
        #expect(try cluster.get(configMap)?["data"]?["version"] == "v1", "enforced with the hub down")
        let queued = try JSON.parse(try #require(try state.value("report-queue"))).arrayValue?.count ?? 0
        #expect(queued >= 1, "reports queued while the hub is unreachable")

        // A restarted spoke (new agent, same state) still has the verified plan.
        let restarted = try SpokeAgent(config: config, driver: cluster, state: state)
        #expect(restarted.plan?.cluster == "a")

        // The hub is back: queued reports are delivered.
        try start(&hub)
        #expect(try waitUntil { try curl(["\(hub.url)/readyz"]).status == 200 })
        restarted.log = { _ in }
        restarted.tick()
        #expect(try state.value("report-queue") == "[]")
        let sequence = try JSON.parse(try curl(["-H", "Authorization: Bearer \(admin)", "\(hub.url)/api/v1/clusters/a"]).body)["report"]?["sequence"]?.intValue
        #expect(sequence == Int(try state.value("report-sequence") ?? ""), "the latest report arrived")

        // A plan signed by another key is refused and reported.
        var forged = config
        forged.hubPublicKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
        let suspicious = try SpokeAgent(config: forged, driver: try LocalCluster(path: temp.file("other.sqlite")), state: try SpokeState(path: temp.file("other-state.sqlite")))
        suspicious.log = { _ in }
        suspicious.fetchPlan()
        #expect(suspicious.plan == nil, "a plan that does not verify is never used")
    }

    /// The end-to-end removal: an ApplicationSet deleted in a commit takes its Applications'
    /// objects off the spoke's cluster (Argo CD's default resources finalizer), while a plain
    /// Application without the finalizer, still in Git, is untouched. On the local driver.
    @Test func anApplicationSetRemovedFromGitTakesItsObjectsOffTheCluster() throws {
        let temp = try TemporaryDirectory(prefix: "fleet-removal-live")
        defer { temp.remove() }
        try retireAnApplicationSet(temp, driver: try LocalCluster(path: temp.file("cluster.sqlite"), readyDelay: 0.1))
    }

    /// The same through the Kubernetes driver, against the fake API server.
    @Test func anApplicationSetRemovedFromGitTakesItsObjectsOffAKubernetesCluster() throws {
        let temp = try TemporaryDirectory(prefix: "fleet-removal-kube")
        defer { temp.remove() }
        let api = try FakeAPIServer()
        defer { api.server.stop() }
        let driver = KubeDriver(connection: KubeConnection(server: api.server.url, token: "test-token"))
        driver.sleep = { _ in }
        try retireAnApplicationSet(temp, driver: driver)
        let deletes = api.requests.filter { $0.hasPrefix("DELETE") }
        #expect(deletes == ["DELETE /api/v1/namespaces/web/configmaps/web?propagationPolicy=Foreground"], "Delete=false kept: \(deletes)")
    }

    func retireAnApplicationSet(_ temp: TemporaryDirectory, driver: ClusterDriver) throws {
        let repo = try makeFleet(temp)
        try repo.write("applicationsets/web.yaml", """
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: web}
            spec:
              generators: [{clusters: {selector: {matchLabels: {env: prod}}}}]
              template:
                metadata: {name: 'web-{{name}}'}
                spec:
                  project: default
                  source: {repoURL: self, path: web}
                  destination: {name: '{{name}}', namespace: web}
                  syncPolicy: {automated: {prune: true, selfHeal: true}, syncOptions: [CreateNamespace=true]}
            """)
        try repo.write("web/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, annotations: {argocd.argoproj.io/sync-wave: '1'}}\ndata: {a: b}\n")
        try repo.write("web/kept.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kept, annotations: {argocd.argoproj.io/sync-options: Delete=false}}\n")
        let first = try repo.commit("web everywhere")
        var hub = try makeHub(repositoryURL: repo.path, temp: temp)
        try start(&hub)
        defer { hub.process?.stop() }
        let admin = hub.adminToken
        func hubStatus() throws -> Value { try JSON.parse(try curl(["-H", "Authorization: Bearer \(admin)", "\(hub.url)/api/v1/hub"]).body) }
        #expect(try waitUntil { try hubStatus()["fleetCommit"]?.stringValue == first })
        let config = try enrolledSpokeConfig(hub, temp)
        let agent = try SpokeAgent(config: config, driver: driver, state: try SpokeState(path: temp.file("spoke.sqlite")))
        agent.log = { _ in }
        agent.tick()
        let web = ResourceKey(group: "", kind: "ConfigMap", namespace: "web", name: "web")
        let kept = ResourceKey(group: "", kind: "ConfigMap", namespace: "web", name: "kept")
        let settings = ResourceKey(group: "", kind: "ConfigMap", namespace: "apps", name: "settings")
        #expect(try driver.get(web) != nil && driver.get(kept) != nil && driver.get(settings) != nil, "converged")

        try repo.remove("applicationsets/web.yaml")
        let removal = try repo.commit("retire web")
        #expect(try waitUntil { try hubStatus()["fleetCommit"]?.stringValue == removal })
        #expect(try waitUntil(30) {
            agent.tick()
            return try driver.get(web) == nil
        }, "the ApplicationSet's objects are deleted")
        #expect(try driver.get(kept) != nil, "Delete=false is kept")
        #expect(try driver.get(settings)?["data"]?["version"] == "v1", "the plain Application, still in Git, is untouched")
        let view = try JSON.parse(try curl(["-H", "Authorization: Bearer \(admin)", "\(hub.url)/api/v1/clusters/a"]).body)
        #expect(view["report"]?["conditions"]?[0]?["type"] == "ApplicationDeleted", "\(view["report"] ?? .null)")
    }
}
