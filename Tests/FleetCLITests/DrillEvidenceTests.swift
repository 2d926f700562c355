import FleetModel
import FleetProtocol
import Testing

@testable import FleetCLI

/// A drill passes only on evidence of a rebuild: objects created after it started, and a new
/// cluster identity unless the cluster is rebuilt in place.
@Suite struct DrillEvidenceTests {
    static let start = Timestamp.seconds("2026-12-07T12:00:00Z")!

    static func report(createdAt: String, identity: String?) -> StatusReport {
        var resources = [ResourceStatus(resource: "ConfigMap web/a", sync: .synced, health: .healthy),
                         ResourceStatus(resource: "apps/Deployment web/b", sync: .synced, health: .healthy)]
        for i in resources.indices { resources[i].createdAt = createdAt }
        var report = StatusReport(cluster: "us-west-2", applications: [ApplicationStatus(name: "web", sync: .synced, health: .healthy, resources: resources)])
        report.clusterIdentity = identity
        return report
    }

    func measure(sameCluster: Bool = false) -> DrillReport {
        var measure = DrillReport(cluster: "us-west-2", applications: ["web"], sla: nil)
        measure.evidence = RebuildEvidence(startedAt: Self.start, identityBefore: "old-cluster", sameCluster: sameCluster)
        return measure
    }

    @Test func theOldClusterStillReportingNeverPassesAndTheTimeoutSaysWhy() {
        var drill = measure()
        let drillPassed = drill.observe(Self.report(createdAt: "2026-12-07T09:00:00Z", identity: "old-cluster"), at: 1.5)
        #expect(!drillPassed)
        #expect(drill.summary(fresh: true).contains("waiting for the rebuilt cluster: 2 of 2 objects are older than the drill (cluster identity unchanged)"))
        let outcome = drill.finish(status: "timed-out", reason: "not recovered within 15m")
        #expect(outcome["reason"] == "nothing was rebuilt: 2 of 2 objects are older than the drill (cluster identity unchanged); did the old cluster go away?")
        #expect(outcome["objectsRecreated"] == 0 && outcome["objectsOlderThanDrill"] == 2)
        #expect(outcome["applications"]?[0]?["notRecreated"] == ["ConfigMap web/a", "apps/Deployment web/b"])
    }

    @Test func aNewClusterWithObjectsMadeAfterTheStartPasses() {
        var drill = measure()
        let drillPassed = drill.observe(Self.report(createdAt: "2026-12-07T12:00:05Z", identity: "new-cluster"), at: 6)
        #expect(drillPassed)
        let outcome = drill.finish(status: nil, reason: nil)
        #expect(outcome["status"] == "passed" && outcome["objectsRecreated"] == 2 && outcome["rtoSeconds"] == 6.0)
    }

    @Test func newObjectsOnTheSameIdentityPassOnlyWhenRebuiltInPlace() {
        var elsewhere = measure()
        let elsewherePassed = elsewhere.observe(Self.report(createdAt: "2026-12-07T12:00:05Z", identity: "old-cluster"), at: 6)
        #expect(!elsewherePassed, "the identity must change")
        var inPlace = measure(sameCluster: true)
        let inPlacePassed = inPlace.observe(Self.report(createdAt: "2026-12-07T12:00:05Z", identity: "old-cluster"), at: 6)
        #expect(inPlacePassed)
    }

    /// Kubernetes timestamps have whole seconds and clocks drift: 2 s before the start counts.
    @Test func objectsFromJustBeforeTheStartCountAsRecreated() {
        var drill = measure(sameCluster: true)
        let drillPassed = drill.observe(Self.report(createdAt: "2026-12-07T11:59:59Z", identity: nil), at: 1)
        #expect(drillPassed)
        var late = measure(sameCluster: true)
        let latePassed = late.observe(Self.report(createdAt: "2026-12-07T11:59:50Z", identity: nil), at: 1)
        #expect(!latePassed)
    }

    @Test func timestampsReadAsAPIServersWriteThem() {
        #expect(Timestamp.seconds("2026-12-07T12:00:00Z") == Timestamp.seconds("2026-12-07T13:30:00+01:30"))
        #expect(Timestamp.seconds("2026-12-07T12:00:00.250Z") == Self.start + 0.25)
        #expect(Timestamp.seconds(Timestamp.rfc3339(Self.start)) == Self.start)
        for bad in ["", "2026-12-07", "2026-13-07T12:00:00Z", "2026-12-07T12:00:00", "2026-12-07T12:00:00Zjunk"] { #expect(Timestamp.seconds(bad) == nil, "\(bad)") }
    }
}
