import FleetModel
import FleetProtocol
import FleetReconcile
import FleetTestSupport
import Foundation
import Testing

@testable import FleetSpoke

/// Sync options the spoke carries out against the cluster (Argo CD's "Sync Options").
@Suite struct SharedAndForcedTests {
    typealias Removal = ApplicationRemovalTests

    /// "FailOnSharedResource=true: ... fail the sync whenever it finds a resource in the current
    /// Application that is already applied in the cluster by another Application."
    @Test func anObjectOfAnotherApplicationIsTakenOverWithAWarningOrFailsWhenAsked() throws {
        let setup = try Removal.Setup()
        _ = try setup.reconciler.reconcile(plan: Removal.plan([Removal.api]))
        // `web` now plans the ConfigMap `api` already manages.
        var web = Removal.entry("web", removal: nil, resources: [Removal.configMap("web", "api-config")])
        let warned = try setup.reconciler.reconcile(plan: Removal.plan([Removal.api, web]))
        let conditions = try #require(warned.applications.first { $0.name == "web" }?.conditions)
        #expect(conditions.contains { $0.type == "SharedResourceWarning" && $0.message.contains("already managed by Application api") }, "\(conditions)")

        let other = try Removal.Setup()
        _ = try other.reconciler.reconcile(plan: Removal.plan([Removal.api]))
        web.syncPolicy.syncOptions.append("FailOnSharedResource=true")
        let failed = try other.reconciler.reconcile(plan: Removal.plan([Removal.api, web]))
        let status = try #require(failed.applications.first { $0.name == "web" })
        #expect(status.conditions.contains { $0.type == "SharedResource" }, "\(status.conditions)")
        #expect(try other.cluster.get(ResourceKey(group: "", kind: "ConfigMap", namespace: "ml", name: "api-config"))?["metadata"]?["labels"]?[PlanFormat.applicationLabel] == "api",
                "nothing was applied")
    }

    /// "Force=true: ... delete and re-create the resource" when it cannot be updated.
    @Test func aForcedReplaceRecreatesAnObjectTheServerWillNotUpdate() throws {
        let setup = try Removal.Setup()
        setup.driver.refuseApply = { object, current in
            guard let key = ResourceKey(object: object), let current, current["data"] != object["data"] else { return nil }
            return SpokeError("ConfigMap \(key.name) is invalid: data: field is immutable")
        }
        let reconciler = setup.reconciler
        func plan(_ value: String, options: [String]) -> Plan {
            var resource = Removal.configMap("cfg", "frozen")
            resource.object.setValue(["v": .string(value)], at: ["data"])
            var entry = Removal.entry("cfg", removal: nil, resources: [resource])
            entry.syncPolicy.syncOptions += options
            return Removal.plan([entry])
        }
        _ = try reconciler.reconcile(plan: plan("1", options: []))
        let refused = try reconciler.reconcile(plan: plan("2", options: []))
        #expect(refused.applications[0].conditions.contains { $0.type == "SyncError" && $0.message.contains("immutable") })
        setup.clock.now += 3600  // past the retry backoff
        let forced = try reconciler.reconcile(plan: plan("3", options: ["Replace=true", "Force=true"]))
        #expect(forced.applications[0].sync == .synced, "\(forced.applications[0].conditions)")
        #expect(try setup.cluster.get(ResourceKey(group: "", kind: "ConfigMap", namespace: "ml", name: "frozen"))?["data"]?["v"] == "3")
    }
}

/// The project's rules travel in the plan: a spoke refuses an entry that breaks them, whatever
/// signed it.
@Suite struct ProjectRefusalTests {
    @Test func anEntryWithAnObjectOutsideItsProjectIsRefusedWhole() throws {
        let setup = try ApplicationRemovalTests.Setup()
        var web = ApplicationRemovalTests.web
        web.projectRules = ProjectRules(project: "team", destinations: [ProjectRules.Destination(server: "*", namespace: "other")])
        let report = try setup.reconciler.reconcile(plan: ApplicationRemovalTests.plan([web, ApplicationRemovalTests.api]))
        let refused = try #require(report.applications.first { $0.name == "web" })
        #expect(refused.sync == .unknown)
        #expect(refused.conditions.first?.type == "ProjectViolation")
        #expect(refused.conditions.first?.message.contains("is in namespace ml, not a permitted destination") == true, "\(refused.conditions)")
        #expect(try !setup.exists("ConfigMap", "web-early") && setup.exists("ConfigMap", "api-config"), "nothing of it applied; others go on")

        web.projectRules?.destinations = [ProjectRules.Destination(name: "eu", namespace: "ml")]
        let allowed = try setup.reconciler.reconcile(plan: ApplicationRemovalTests.plan([web, ApplicationRemovalTests.api]))
        #expect(allowed.applications.first { $0.name == "web" }?.sync == .synced, "the plan's cluster name matches")
    }
}
