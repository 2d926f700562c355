import FleetModel
import FleetReconcile
import Testing

/// Hooks in the reconcile core: no part of the Application's state, run only by a sync.
@Suite struct SyncHooksTests {
    let planner = SyncPlannerTests()

    func hook(_ name: String, _ phases: [String], annotations: ValueObject = [:]) -> DesiredResource {
        var resource = planner.resource("ConfigMap", name)
        resource.hooks = phases
        var all = annotations
        all["argocd.argoproj.io/hook"] = .string(phases.joined(separator: ","))
        resource.object.setValue(.object(all), at: ["metadata", "annotations"])
        return resource
    }

    @Test func hooksAreGroupedByPhaseAndNeverDiffedMissingOrPruned() {
        let cm = planner.resource("ConfigMap", "settings")
        let pre = hook("pre", ["PreSync"])
        let both = hook("both", ["PreSync", "PostSync"])
        let skipped = hook("skipped", ["Skip"])
        let intent = ApplicationIntent(name: "app", automated: (prune: true, selfHeal: true, allowEmpty: true), resources: [pre, cm, both, skipped])
        // A hook left from an earlier run is live with the Application's label: not extraneous.
        let leftover = hook("old-run-x7k2p", ["PostSync"])
        let inSync = SyncPlanner.decide(intent, live: planner.live([cm, leftover]), lastApplied: [:], context: .init(planChanged: false))
        #expect(inSync.synced && inSync.extraneous.isEmpty && inSync.missing.isEmpty)
        #expect(!inSync.runsSync, "nothing to do is no sync: hooks wait")
        #expect(inSync.hooks[.preSync]?.map(\.key.name) == ["pre", "both"])
        #expect(inSync.hooks[.postSync]?.map(\.key.name) == ["both"])
        #expect(inSync.hooks[.skip] == nil, "Skip: never applied")

        let outOfSync = SyncPlanner.decide(intent, live: [:], lastApplied: [:], context: .init(planChanged: true))
        #expect(outOfSync.runsSync && outOfSync.missing == [cm.key])
        var requested = intent
        requested.syncToken = "t"
        #expect(SyncPlanner.decide(requested, live: planner.live([cm]), lastApplied: [:], context: .init(planChanged: false)).runsSync,
                "a sync request runs the hooks even when in sync")
    }

    @Test func deletePoliciesDefaultToBeforeHookCreationAndHelmsAreMapped() {
        #expect(hook("a", ["PreSync"]).hookDeletePolicies == [.beforeHookCreation])
        #expect(hook("b", ["PreSync"], annotations: ["argocd.argoproj.io/hook-delete-policy": "HookSucceeded,HookFailed"]).hookDeletePolicies
                == [.hookSucceeded, .hookFailed])
        #expect(hook("c", ["PostSync"], annotations: ["helm.sh/hook-delete-policy": "hook-succeeded,before-hook-creation"]).hookDeletePolicies
                == [.hookSucceeded, .beforeHookCreation])
        var generated = hook("d", ["PreSync"])
        generated.object.setValue(nil, at: ["metadata", "name"])
        generated.object.setValue("migrate-", at: ["metadata", "generateName"])
        #expect(generated.generateName == "migrate-")
        #expect(hook("e", ["Sync"]).generateName == nil)
    }

    @Test func completionIsAJobsOrPodsEndAndOtherwiseHealth() {
        #expect(HookCompletion.assess(nil) == .running)
        let job: Value = ["apiVersion": "batch/v1", "kind": "Job", "status": ["conditions": [["type": "Complete", "status": "True"]]]]
        #expect(HookCompletion.assess(job) == .succeeded)
        let failed: Value = ["apiVersion": "batch/v1", "kind": "Job", "status": ["conditions": [["type": "Failed", "status": "True", "message": "BackoffLimitExceeded"]]]]
        #expect(HookCompletion.assess(failed) == .failed("BackoffLimitExceeded"))
        #expect(HookCompletion.assess(["apiVersion": "batch/v1", "kind": "Job", "status": ["active": 1]]) == .running)
        #expect(HookCompletion.assess(["apiVersion": "v1", "kind": "Pod", "status": ["phase": "Succeeded"]]) == .succeeded)
        #expect(HookCompletion.assess(["apiVersion": "v1", "kind": "Pod", "status": ["phase": "Failed", "message": "OOMKilled"]]) == .failed("OOMKilled"))
        #expect(HookCompletion.assess(["apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "status": ["phase": "Error"]]) == .failed("workflow failed"))
        #expect(HookCompletion.assess(["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "x"]]) == .succeeded)
    }
}
