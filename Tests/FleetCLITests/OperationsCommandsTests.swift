import FleetModel
import FleetTestSupport
import Foundation
import Testing

/// `fleet demo`, `fleet drill rebuild` and the new commands' argument checks.
@Suite struct OperationsCommandsTests {
    let fleet = ProcessRunner.productsDirectory + "/fleet"
    static let exampleFleet = BuildCommandTests.repositoryRoot + "/fleet"

    @Test func theDemoRunsEveryNarratedStepAndChecksItsOutcome() throws {
        let result = try ProcessRunner.run(fleet, ["demo", "--ci", "--repo", Self.exampleFleet])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(!result.stdout.contains("[FAILED]"), "\(result.stdout)")
        for outcome in ["the fleet converged", "the drift on /spec/replicas was detected and healed", "v13 rolled out to every region",
                        "the hub reports the problem with file:line", "nothing changed live", "the fleet is healthy after the revert",
                        "fleet drill rebuild exited 0"] {
            #expect(result.stdout.contains("[ok] \(outcome)"), "missing: \(outcome)")
        }
        #expect(result.stdout.contains("RTO:"))
        #expect(result.stdout.contains("created after the drill started; 0 older"), "the drill shows its evidence")
        #expect(result.stdout.contains("PersistentVolumeClaim ml-serving/model-cache"), "the drill names what Git cannot restore")
        let mine = result.stdout.split(separator: "\n").first { $0.contains("state, logs and the admin token are in") }
        let dir = try #require(mine?.split(separator: " ").last.map(String.init))
        #expect(!FileManager.default.fileExists(atPath: dir), "the demo removes its directory")
    }

    @Test func aNoHubDrillRebuildsFromGitAndReportsTheRTO() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let state = temp.file("us-west-2")
        let passed = try ProcessRunner.run(fleet, ["drill", "rebuild", "us-west-2", "--no-hub", "--repo", Self.exampleFleet, "--state", state,
                                                   "--wipe", "--sla", "1m", "-o", "json"])
        #expect(passed.status == 0, "\(passed.stdout)\n\(passed.stderr)")
        let report = try JSON.parse(Array(passed.stdout.utf8))
        #expect(report["status"] == "passed" && report["mode"] == "no-hub" && report["slaMet"] == true)
        let apps = report["applications"]?.arrayValue ?? []
        #expect(apps.compactMap { $0["name"]?.stringValue }.sorted() == ["feature-cache-us-west-2", "inference-server-us-west-2", "model-registry-sync-us-west-2", "monitoring-us-west-2"])
        #expect(apps.allSatisfy { ($0["healthySeconds"]?.doubleValue ?? -1) >= ($0["syncedSeconds"]?.doubleValue ?? .infinity) })
        let rto = try #require(report["rtoSeconds"]?.doubleValue)
        #expect(apps.allSatisfy { ($0["healthySeconds"]?.doubleValue ?? .infinity) <= rto })
        // 8 objects from the Kustomize apps, 4 from the feature-cache chart (us-west-2 runs 2 replicas, so a PodDisruptionBudget).
        #expect(report["objectsRecreated"] == 12 && report["driftAfter"] == 0)
        #expect(report["stateful"]?.arrayValue?.map { $0["name"] } == ["model-cache"])
        let live = try ProcessRunner.run(ProcessRunner.productsDirectory + "/spoke", ["local", "list", "--state", state])
        #expect(live.stdout.contains("apps/Deployment ml-serving/inference-server"))
        #expect(live.stdout.contains("apps/Deployment ml-features/feature-cache"), "the Helm Application is rebuilt too")

        let missed = try ProcessRunner.run(fleet, ["drill", "rebuild", "us-west-2", "--no-hub", "--repo", Self.exampleFleet, "--state", state,
                                                   "--wipe", "--sla", "1ms"])
        #expect(missed.status == 3, "an SLA missed exits 3: \(missed.stderr)")
        #expect(missed.stdout.contains("MISSED") && missed.stdout.contains("Result: sla-missed"), "\(missed.stdout)")
        #expect(missed.stdout.contains("model-cache"))
    }

    @Test func argumentsAreCheckedAndHelpExplains() throws {
        for arguments in [["rollback", "app"], ["rollback", "app", "--to", "abc", "--clear"], ["rollback", "app", "--clear", "--cluster", "c"],
                          ["drill", "rebuild"], ["drill", "rebuild", "c", "--sla", "soon"], ["drill", "rebuild", "c", "--no-hub", "--driver", "kubernetes", "--wipe"],
                          ["status", "--watch", "--interval", "0s"]] {
            let result = try ProcessRunner.run(fleet, arguments)
            #expect(result.status == 2, "\(arguments) is a usage error: \(result.stderr)")
        }
        let help = try ProcessRunner.run(fleet, ["--help"])
        for command in ["rollback", "drill", "drills", "demo"] { #expect(help.stdout.contains("  \(command) "), "fleet --help lists \(command)") }
        let drill = try ProcessRunner.run(fleet, ["drill", "rebuild", "--help"])
        #expect(drill.status == 0 && drill.stdout.contains("--no-hub") && drill.stdout.contains("Git cannot restore"))
        let noHub = try ProcessRunner.run(fleet, ["drill", "rebuild", "c"], environment: ["FLEET_HUB": ""])
        #expect(noHub.status == 1 && noHub.stderr.contains("no hub"))
    }

    /// Every command's help prints: argument-parser validates a command's options only when it is
    /// parsed, so a clash (two options named alike) would otherwise surface on a user's machine.
    @Test func everyCommandsHelpPrints() throws {
        for command in ["build", "appset generate", "render", "diff", "validate", "bootstrap", "status", "apps", "app", "clusters",
                        "cluster enroll", "cluster rotate", "cluster revoke", "token create", "token list", "token revoke", "sync",
                        "rollback", "events", "wait", "drill rebuild", "drills", "demo"] {
            let result = try ProcessRunner.run(fleet, command.split(separator: " ").map(String.init) + ["--help"])
            #expect(result.status == 0 && result.stdout.contains("USAGE"), "fleet \(command) --help: \(result.stdout)\(result.stderr)")
        }
    }

    /// Messages and help that say what to do, and agree with what the commands do.
    @Test func durationsSayWhatToWriteAndHelpMatchesBehaviour() throws {
        let bare = try ProcessRunner.run(fleet, ["status", "--interval", "2"])
        #expect(bare.status == 2 && bare.stderr.contains("--interval \"2\" needs a unit: write 2s"), "\(bare.stderr)")
        let word = try ProcessRunner.run(fleet, ["wait", "app", "--timeout", "soon"])
        #expect(word.status == 2 && word.stderr.contains("--timeout \"soon\" is not a duration (write it as 500ms, 30s, 5m or 1h30m)"), "\(word.stderr)")
        let render = try ProcessRunner.run(fleet, ["render", "--help"])
        #expect(!render.stdout.contains("(default: HEAD)") && render.stdout.contains("files on disk"), "render reads the work tree unless --revision")
        let diff = try ProcessRunner.run(fleet, ["diff", "--help"])
        #expect(diff.stdout.components(separatedBy: "(default: HEAD)").count == 2 && diff.stdout.contains("1 differences found"), "said once: \(diff.stdout)")
        let status = try ProcessRunner.run(fleet, ["status", "--help"])
        #expect(status.stdout.contains("operator to sync") && !status.stdout.contains("operator or viewer token"))
        let spoke = try ProcessRunner.run(ProcessRunner.productsDirectory + "/spoke", ["--help"])
        #expect(!spoke.stdout.contains("seconds before a workload") && spoke.stdout.contains("local.readyDelay"), "\(spoke.stdout)")
        let apply = try ProcessRunner.run(ProcessRunner.productsDirectory + "/spoke", ["apply", "--plan", "p.json", "--timeout", "90"])
        #expect(apply.status == 2 && apply.stderr.contains("write 90s"), "\(apply.stderr)")
    }
}
