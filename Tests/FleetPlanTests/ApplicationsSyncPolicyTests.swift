import FleetAppSet
import FleetModel
import FleetProtocol
import Testing

@testable import FleetPlan

/// `syncPolicy.applicationsSync` as Argo CD's "Controlling Resource Modification" documents it:
/// "create-only: Prevents ApplicationSet controller from modifying or deleting Applications",
/// "create-update: ... from deleting Applications. Update is allowed", "create-delete: ... from
/// modifying Applications. Delete is allowed", "sync: Create, Update and Delete are allowed";
/// "If the controller parameter --policy is set, it takes precedence on the field
/// applicationsSync" unless policy override is enabled (default false).
extension FleetPlannerTests {
    static func app(_ name: String, path: String) -> Value {
        ["metadata": ["name": .string(name)], "spec": ["source": ["path": .string(path)]]]
    }

    @Test(arguments: [
        (ApplicationsSyncPolicy.createOnly, ["a@old", "b@new", "gone@old"]),
        (.createUpdate, ["a@new", "b@new", "gone@old"]),
        (.createDelete, ["a@old", "b@new"]),
        (.sync, ["a@new", "b@new"]),
    ])
    func eachPolicyCreatesUpdatesAndDeletesAsArgoCDs(policy: ApplicationsSyncPolicy, expected: [String]) {
        let existing = [Self.app("a", path: "old"), Self.app("gone", path: "old")]
        let generated = [Self.app("a", path: "new"), Self.app("b", path: "new")]
        let result = policy.reconcile(generated: generated, existing: existing).map {
            "\($0["metadata"]?["name"]?.stringValue ?? "")@\($0["spec"]?["source"]?["path"]?.stringValue ?? "")"
        }
        #expect(result == expected)
    }

    @Test func theControllerPolicyWinsUnlessOverrideIsEnabled() {
        #expect(ApplicationsSyncPolicy.effective(declared: .createOnly, controller: .sync, allowOverride: false) == .sync)
        #expect(ApplicationsSyncPolicy.effective(declared: .createOnly, controller: .sync, allowOverride: true) == .createOnly)
        #expect(ApplicationsSyncPolicy.effective(declared: nil, controller: .createUpdate, allowOverride: true) == .createUpdate)
    }

    func webWithPolicy(_ policy: String, path: String = "apps/web/overlays/{{metadata.labels.region}}", selector: String = "env: prod") -> String {
        """
        apiVersion: argoproj.io/v1alpha1
        kind: ApplicationSet
        metadata: {name: web, namespace: argocd}
        spec:
          syncPolicy: {applicationsSync: \(policy)}
          generators:
          - clusters: {selector: {matchLabels: {\(selector)}}}
          template:
            metadata: {name: 'web-{{name}}'}
            spec:
              project: default
              source: {repoURL: '\(Self.fleetURL)', targetRevision: HEAD, path: '\(path)'}
              destination: {server: '{{server}}', namespace: web}
        """
    }

    func webSource(_ set: FleetPlanSet, _ name: String) -> String? {
        set.applications.first { $0["metadata"]?["name"]?.stringValue == name }?["spec"]?["source"]?["path"]?.stringValue
    }

    @Test func createOnlyKeepsTheFirstApplicationAndOneNoLongerGeneratedAcrossCommits() throws {
        let (history, planner) = fleet()
        planner.applicationSetPolicy = ApplicationSetPolicy(controller: .sync, allowOverride: true)
        history.commit(["applicationsets/web.yaml": webWithPolicy("create-only")])
        let first = try planner.plan()
        #expect(webSource(first, "web-eu-west-1") == "apps/web/overlays/eu-west-1")

        // The template moves to another path and the selector drops us-east-1: neither reaches
        // the Applications the set already has.
        history.commit(["applicationsets/web.yaml": webWithPolicy("create-only", path: "apps/web/base", selector: "region: eu-west-1")])
        let second = try planner.plan()
        #expect(second.problems.isEmpty, "\(second.problems)")
        #expect(webSource(second, "web-eu-west-1") == "apps/web/overlays/eu-west-1", "create-only: not updated")
        #expect(webSource(second, "web-us-east-1") == "apps/web/overlays/us-east-1", "create-only: not deleted")
        #expect(second.plans["us-east-1"]?.applications.contains("web-us-east-1") == true)

        // The same on a planner that starts from what the hub remembered (a restarted hub).
        let restarted = FleetPlanner(repositories: history, fleetRepoURL: Self.fleetURL)
        restarted.applicationSetPolicy = planner.applicationSetPolicy
        restarted.ownedApplications = planner.ownedApplications
        let afterRestart = try restarted.plan()
        #expect(webSource(afterRestart, "web-eu-west-1") == "apps/web/overlays/eu-west-1")
        #expect(webSource(afterRestart, "web-us-east-1") == "apps/web/overlays/us-east-1")

        // Removing the ApplicationSet removes its Applications whatever the policy.
        history.commit([:], removing: ["applicationsets/web.yaml"])
        let removed = try planner.plan()
        #expect(webSource(removed, "web-us-east-1") == nil)
        #expect(planner.ownedApplications["web"] == nil)
    }

    @Test func createUpdateUpdatesButNeverDeletesAndCreateDeleteTheReverse() throws {
        let (history, planner) = fleet()
        planner.applicationSetPolicy = ApplicationSetPolicy(controller: .sync, allowOverride: true)
        history.commit(["applicationsets/web.yaml": webWithPolicy("create-update")])
        _ = try planner.plan()
        history.commit(["applicationsets/web.yaml": webWithPolicy("create-update", path: "apps/web/base", selector: "region: eu-west-1")])
        let updated = try planner.plan()
        #expect(webSource(updated, "web-eu-west-1") == "apps/web/base")
        #expect(webSource(updated, "web-us-east-1") == "apps/web/overlays/us-east-1")

        history.commit(["applicationsets/web.yaml": webWithPolicy("create-delete", path: "apps/web/overlays/{{metadata.labels.region}}", selector: "region: eu-west-1")])
        let deleted = try planner.plan()
        #expect(webSource(deleted, "web-eu-west-1") == "apps/web/base", "create-delete: not updated")
        #expect(webSource(deleted, "web-us-east-1") == nil, "create-delete: deleted")
    }

    @Test func aDeclaredPolicyIsIgnoredWithoutOverrideAsArgoCDsDefault() throws {
        let (history, planner) = fleet()
        history.commit(["applicationsets/web.yaml": webWithPolicy("create-only")])
        _ = try planner.plan()
        history.commit(["applicationsets/web.yaml": webWithPolicy("create-only", path: "apps/web/base")])
        #expect(webSource(try planner.plan(), "web-eu-west-1") == "apps/web/base")
    }

    @Test func anUnknownPolicyFailsTheApplicationSetNamingTheSupportedValues() throws {
        let (history, planner) = fleet()
        history.commit(["applicationsets/web.yaml": webWithPolicy("create-most")])
        let result = try planner.plan()
        let problem = try #require(result.problems.first { $0.subject == "web" })
        #expect(problem.message.contains("spec.syncPolicy.applicationsSync: Unsupported value: \"create-most\""))
        #expect(problem.message.contains("\"create-only\", \"create-update\", \"create-delete\", \"sync\""))
    }

    @Test func aFailingApplicationSetKeepsWhatTheHubRememberedAfterARestart() throws {
        let (history, planner) = fleet()
        _ = try planner.plan()
        let remembered = planner.ownedApplications
        #expect(remembered["web"]?.count == 2)
        var broken = try #require(Self.baseFiles["applicationsets/web.yaml"])
        broken = broken.replacing("- clusters:", with: "- nonsense:")
        history.commit(["applicationsets/web.yaml": broken])
        let restarted = FleetPlanner(repositories: history, fleetRepoURL: Self.fleetURL)
        restarted.ownedApplications = remembered
        let result = try restarted.plan()
        #expect(result.plans["eu-west-1"]?.applications.contains("web-eu-west-1") == true)
        #expect(result.problems.contains { $0.subject == "web" && $0.message.contains("keeping the 2 Applications") })
        let plan = try Plan(json: try #require(result.plans["eu-west-1"]).json)
        #expect(plan.holdRemovals == nil, "nothing is missing: the remembered Applications stand in")
    }
}
