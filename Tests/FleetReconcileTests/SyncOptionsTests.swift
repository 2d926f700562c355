import FleetModel
import FleetReconcile
import Testing

/// Argo CD's sync and compare options as the reconcile core applies them
/// (argo-cd.readthedocs.io, "Sync Options" and "Compare Options").
@Suite struct SyncOptionsTests {
    let planner = SyncPlannerTests()

    func annotated(_ resource: DesiredResource, _ key: String, _ value: String) -> DesiredResource {
        var out = resource
        out.object.setValue(.object([key: .string(value)]), at: ["metadata", "annotations"])
        return out
    }

    @Test func anOptionArgoCDDoesNotHaveIsReportedNotIgnored() {
        var cm = planner.resource("ConfigMap", "settings")
        cm.syncOptions = ["Replace=true", "Prune=maybe"]
        let intent = ApplicationIntent(name: "app", automated: (prune: true, selfHeal: true, allowEmpty: false),
                                       syncOptions: ["CreateNamespace=true", "AutoHeal=true", "PrunePropagationPolicy=background"], resources: [cm])
        let decision = SyncPlanner.decide(intent, live: planner.live([cm]), lastApplied: [:], context: .init(planChanged: false))
        let condition = decision.conditions.first { $0.kind == .unknownSyncOption }
        #expect(condition?.message == "not Argo CD sync options, ignored: AutoHeal=true, Prune=maybe")
        #expect(decision.prunePropagation == .background)
        #expect(SyncOptions.unknown(["Validate=false", "SkipDryRunOnMissingResource=true", "ApplyOutOfSyncOnly=true", "RespectIgnoreDifferences=true",
                                     "FailOnSharedResource=true", "Force=true", "Delete=confirm", "PrunePropagationPolicy=orphan"]).isEmpty)
    }

    /// "IgnoreExtraneous: the app will be considered in sync even if the resource is extraneous."
    @Test func anExtraneousObjectMarkedIgnoreExtraneousLeavesTheApplicationSynced() {
        let cm = planner.resource("ConfigMap", "settings")
        let generated = annotated(planner.resource("ConfigMap", "generated"), "argocd.argoproj.io/compare-options", "IgnoreExtraneous")
        let intent = ApplicationIntent(name: "app", automated: (prune: false, selfHeal: true, allowEmpty: false), resources: [cm])
        let decision = SyncPlanner.decide(intent, live: planner.live([cm, generated]), lastApplied: [:], context: .init(planChanged: false))
        #expect(decision.synced)
        #expect(decision.extraneous == [generated.key], "still listed as extraneous")
        let plain = planner.resource("ConfigMap", "stray")
        #expect(!SyncPlanner.decide(intent, live: planner.live([cm, plain]), lastApplied: [:], context: .init(planChanged: false)).synced)
    }

    /// "Prune=confirm: ... requires manual confirmation before pruning": here, a sync request.
    @Test func aPruneThatNeedsConfirmationWaitsForASyncRequest() {
        let keep = planner.resource("ConfigMap", "keep")
        let careful = annotated(planner.resource("ConfigMap", "careful"), "argocd.argoproj.io/sync-options", "Prune=confirm")
        let others = (0..<4).map { planner.resource("Service", "s\($0)") }
        var intent = ApplicationIntent(name: "app", automated: (prune: true, selfHeal: true, allowEmpty: false), resources: [keep] + others)
        let live = planner.live([keep, careful] + others)
        let waiting = SyncPlanner.decide(intent, live: live, lastApplied: [:], context: .init(planChanged: false))
        #expect(waiting.prunes.isEmpty)
        #expect(waiting.conditions.first { $0.kind == .pruneConfirmationRequired }?.message.contains("fleet sync app") == true)
        intent.syncToken = "t1"
        #expect(SyncPlanner.decide(intent, live: live, lastApplied: [:], context: .init(planChanged: false)).prunes == [.prune(careful.key)])
    }

    @Test func anOptionOnTheObjectOverridesItsApplications() {
        #expect(SyncOptions.holds("Replace=true", object: [], application: ["Replace=true"]))
        #expect(!SyncOptions.holds("Replace=true", object: ["Replace=false"], application: ["Replace=true"]))
        #expect(SyncOptions.holds("Force=true", object: ["Force=true"], application: []))
    }

    /// "RespectIgnoreDifferences=true: ... Argo CD will use the live values for those fields."
    @Test func respectingIgnoredFieldsAppliesTheLiveValuesOfThem() throws {
        let desired: Value = ["spec": ["replicas": 2, "template": ["image": "v2"]]]
        let live: Value = ["spec": ["replicas": 7, "template": ["image": "v1"]], "status": ["ready": true]]
        let rules = [try IgnoreRule(["jsonPointers": ["/spec/replicas", "/spec/paused"]])]
        let applied = SyncOptions.respectingIgnored(desired, live: live, rules: rules)
        #expect(applied == ["spec": ["replicas": 7, "template": ["image": "v2"]]], "replicas as live, everything else as planned")
        var withPaused = desired
        withPaused.setValue(true, at: ["spec", "paused"])
        #expect(SyncOptions.respectingIgnored(withPaused, live: live, rules: rules)["spec"]?["paused"] == nil, "absent live: not forced on")
    }
}
