import FleetTestSupport
import Foundation
import Testing

/// The hub-less rebuild path as an operator runs it: `fleet render` then `spoke apply`.
@Suite struct SpokeApplyTests {
    let fleet = ProcessRunner.productsDirectory + "/fleet"
    let spoke = ProcessRunner.productsDirectory + "/spoke"

    @Test func rebuildsAClusterFromGitWithNoHubAndReportsDrift() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let rendered = try ProcessRunner.run(fleet, ["render", "--repo", BuildCommandTests.repositoryRoot + "/fleet", "--cluster", "us-west-2"])
        #expect(rendered.status == 0, "\(rendered.stderr)")
        let plan = try temp.write("plan.json", rendered.stdout)
        let state = temp.file("state")
        let applied = try ProcessRunner.run(spoke, ["apply", "--plan", plan, "--state", state, "--wait-healthy", "--timeout", "30s", "--ready-delay", "200ms"])
        #expect(applied.status == 0, "\(applied.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(applied.stdout.utf8)) as? [String: Any])
        #expect(report["synced"] as? Bool == true && report["healthy"] as? Bool == true && report["unsigned"] as? Bool == true)

        let scaled = try ProcessRunner.run(spoke, ["local", "scale", "deployment/ml-serving/inference-server", "--replicas", "9", "--state", state])
        #expect(scaled.status == 0, "\(scaled.stderr)")
        let check = try ProcessRunner.run(spoke, ["apply", "--plan", plan, "--state", state, "--dry-run"])
        #expect(check.status == 3, "drift: not synced")
        #expect(check.stdout.contains("\"pointer\" : \"/spec/replicas\"") || check.stdout.contains("\"pointer\": \"/spec/replicas\""), "\(check.stdout)")

        let edited = try ProcessRunner.run(spoke, ["local", "edit", "deployment/ml-serving/inference-server", "--set", "/metadata/labels/tier=gold", "--state", state])
        #expect(edited.status == 0, "\(edited.stderr)")
        let twoWay = try ProcessRunner.run(spoke, ["apply", "--plan", plan, "--state", state, "--dry-run"])
        #expect(!twoWay.stdout.contains("/metadata/labels/tier"), "a label the plan never set is not drift")

        let wiped = try ProcessRunner.run(spoke, ["local", "wipe", "--state", state])
        #expect(wiped.status == 0)
        let rebuilt = try ProcessRunner.run(spoke, ["apply", "--plan", plan, "--state", state, "--wait-healthy", "--timeout", "30s", "--ready-delay", "200ms"])
        #expect(rebuilt.status == 0)
    }

    /// The same path on a real API server (KUBECONFIG): the example fleet's plan for us-west-2,
    /// Kustomize overlays and the feature-cache Helm chart (a PodDisruptionBudget, a
    /// ConfigMap whose checksum the Deployment carries), applied with the kubernetes driver.
    /// Health is not awaited: the API server under test may have no nodes to run pods.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["KUBECONFIG"] != nil, "skipped: no KUBECONFIG"))
    func theExampleFleetIncludingItsHelmChartAppliesToARealCluster() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let kubeconfig = try #require(ProcessInfo.processInfo.environment["KUBECONFIG"]?.split(separator: ":").first.map(String.init))
        let rendered = try ProcessRunner.run(fleet, ["render", "--repo", BuildCommandTests.repositoryRoot + "/fleet", "--cluster", "us-west-2"])
        #expect(rendered.status == 0, "\(rendered.stderr)")
        let plan = try temp.write("plan.json", rendered.stdout)
        let applied = try ProcessRunner.run(spoke, ["apply", "--plan", plan, "--state", temp.file("state"), "--driver", "kubernetes",
                                                    "--kubeconfig", kubeconfig, "--timeout", "2m"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(applied.stdout.utf8)) as? [String: Any], "\(applied.stderr)")
        let applications = report["applications"] as? [[String: Any]] ?? []
        let cache = try #require(applications.first { $0["name"] as? String == "feature-cache-us-west-2" }, "\(applied.stdout)")
        #expect(cache["sync"] as? String == "Synced", "\(cache)")
        let again = try ProcessRunner.run(spoke, ["apply", "--plan", plan, "--state", temp.file("state"), "--driver", "kubernetes",
                                                  "--kubeconfig", kubeconfig, "--dry-run"])
        let check = try #require(try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any], "\(again.stderr)")
        let cacheAgain = (check["applications"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "feature-cache-us-west-2" }
        #expect(cacheAgain?["sync"] as? String == "Synced", "no drift on the chart's objects once applied: \(again.stdout)")
    }

    /// Issue 13, finding 8: a tampered plan, or another cluster's, is refused when asked to
    /// verify; an unverified apply says so on stderr. Signed here with openssl's Ed25519, as
    /// the hub signs (the plan's exact bytes).
    @Test func aPlanIsVerifiedWithTheHubKeyAndRefusedForAnotherCluster() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let rendered = try ProcessRunner.run(fleet, ["render", "--repo", BuildCommandTests.repositoryRoot + "/fleet", "--cluster", "us-west-2"])
        let plan = try temp.write("plan.json", rendered.stdout)
        let key = temp.file("hub.pem")
        _ = try ProcessRunner.check("openssl", ["genpkey", "-algorithm", "ed25519", "-out", key])
        _ = try ProcessRunner.check("sh", ["-c", "openssl pkey -in \(key) -pubout -outform DER | tail -c 32 | base64 > \(temp.file("hub.pub"))"])
        _ = try ProcessRunner.check("sh", ["-c", "openssl pkeyutl -sign -inkey \(key) -rawin -in \(plan) | base64 -w0 | sed 's/^/ed25519=/' > \(plan).sig"])
        let publicKey = "@" + temp.file("hub.pub")
        let state = temp.file("state")

        let verified = try ProcessRunner.run(spoke, ["apply", "--plan", plan, "--state", state, "--hub-key", publicKey, "--cluster", "us-west-2", "--dry-run"])
        #expect(!verified.stderr.contains("not verified"), "\(verified.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(verified.stdout.utf8)) as? [String: Any])
        #expect(report["verified"] as? Bool == true)

        let unpinned = try ProcessRunner.run(spoke, ["apply", "--plan", plan, "--state", state, "--hub-key", publicKey, "--dry-run"])
        #expect(unpinned.stderr.contains("is the hub's plan of cluster us-west-2; give --cluster us-west-2"), "a signed plan without --cluster says whose it is: \(unpinned.stderr)")

        let otherCluster = try ProcessRunner.run(spoke, ["apply", "--plan", plan, "--state", state, "--hub-key", publicKey, "--cluster", "us-east-1"])
        #expect(otherCluster.status == 1)
        #expect(otherCluster.stderr.contains("plan of cluster us-west-2, not us-east-1"))

        let tampered = try temp.write("tampered.json", rendered.stdout.replacingOccurrences(of: "inference-server", with: "inference-evil"))
        try FileManager.default.copyItem(atPath: plan + ".sig", toPath: tampered + ".sig")
        let refused = try ProcessRunner.run(spoke, ["apply", "--plan", tampered, "--state", state, "--hub-key", publicKey])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("does not verify"))
        #expect(try ProcessRunner.run(spoke, ["local", "list", "--state", state]).stdout.contains("inference-evil") == false)

        let unverified = try ProcessRunner.run(spoke, ["apply", "--plan", plan, "--state", state, "--dry-run"])
        #expect(unverified.stderr.contains("is not verified (no --hub-key)"))
    }

    @Test func badInputIsAClearErrorAndUsageExitsTwo() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let notAPlan = try temp.write("x.json", "{\"hello\": 1}")
        let refused = try ProcessRunner.run(spoke, ["apply", "--plan", notAPlan, "--state", temp.file("s")])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("not a plan"))
        let usage = try ProcessRunner.run(spoke, ["apply", "--plan", notAPlan, "--timeout", "soon"])
        #expect(usage.status == 2)
        let kubernetes = try ProcessRunner.run(spoke, ["apply", "--plan", notAPlan, "--driver", "kubernetes"])
        #expect(kubernetes.status == 1)
    }
}

@Suite struct BootstrapCommandTests {
    let fleet = ProcessRunner.productsDirectory + "/fleet"

    @Test func theCommittedSpokeManifestsAreTheCommandsOutput() throws {
        let result = try ProcessRunner.run(fleet, ["bootstrap", "example-cluster"])
        #expect(result.status == 0)
        let committed = try String(contentsOfFile: BuildCommandTests.repositoryRoot + "/spoke/deploy/spoke.yaml", encoding: .utf8)
        #expect(result.stdout == committed, "regenerate with: fleet bootstrap example-cluster > spoke/deploy/spoke.yaml")
    }

    @Test func fillsInTheClusterTheHubAndTheToken() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let token = try temp.write("token", "fleet_secret\n")
        let result = try ProcessRunner.run(fleet, ["bootstrap", "us-west-2", "--hub", "https://hub.internal:8443", "--hub-key", "KEY=", "--token-file", token])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("cluster: us-west-2"))
        #expect(result.stdout.contains("hub: https://hub.internal:8443"))
        #expect(result.stdout.contains("token: fleet_secret"))
        #expect(result.stdout.contains("kind: ClusterRoleBinding"))
    }
}
