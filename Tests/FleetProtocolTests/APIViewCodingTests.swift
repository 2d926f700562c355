import FleetModel
import FleetProtocol
import Testing

@Suite struct APIViewCodingTests {
    @Test func aClusterViewKeepsEveryKeyWithNullsForWhatIsNotKnown() throws {
        let never = ClusterView(name: "eu", server: "https://k", labels: ["region": "eu"], applications: [ClusterApplicationView(name: "web", sync: "Unknown", health: "Unknown")])
        let json = JSON.encode(never.value, options: [.sortedKeys])
        for key in ["planId", "planGeneration", "planTooLarge", "appliedPlanId", "lastSeen", "spokeVersion", "drill"] {
            #expect(json.contains("\"\(key)\":null"), "\(key) in \(json)")
        }
        #expect(!json.contains("report") && !json.contains("planHistory"), "the list view has no detail")
        #expect(try ClusterView(never.value) == never)
    }

    @Test func aClusterDetailCarriesItsReportAndHistory() throws {
        var detail = ClusterView(name: "eu", planId: "sha256:1", lastSeen: "2026-12-07T10:00:00Z", stale: false, spokeVersion: "0.1.0",
                                 applications: [ClusterApplicationView(name: "web", sync: "Synced", health: "Healthy", rolledBackTo: "abc")])
        detail.report = StatusReport(cluster: "eu", sequence: 4, planId: "sha256:1", applications: [ApplicationStatus(name: "web", sync: .synced, health: .healthy)])
        detail.planHistory = [PlanHistoryEntry(id: "sha256:1", generation: 9, fleetCommit: "c", createdAt: "2026-12-07T09:00:00Z")]
        let decoded = try ClusterView(JSON.parse(JSON.encode(detail.value)))
        #expect(decoded == detail)
        #expect(decoded.isSyncedAndHealthy)
        detail.report = nil
        #expect(detail.value["report"] == .null, "a detail without a report says so")
    }

    @Test func aRemovalInProgressOrHeldMeansTheClusterHasNotConverged() throws {
        var view = ClusterView(name: "eu", stale: false, applications: [ClusterApplicationView(name: "web", sync: "Synced", health: "Healthy")])
        view.conditions = [StatusCondition(type: "ApplicationDeleted", message: "old left the plan: deleted 3 object(s)")]
        #expect(view.isSyncedAndHealthy, "a removal done is news, not a problem")
        view.conditions.append(StatusCondition(type: "DeletionHeld", message: "the plan removes every Application"))
        #expect(!view.isSyncedAndHealthy)
        #expect(try ClusterView(JSON.parse(JSON.encode(view.value))) == view)
    }

    @Test func listsDecodeAndNameTheItemThatIsWrong() throws {
        let apps = try ApplicationSummaryView.list(JSON.parse(#"""
            [{"name":"web-eu","cluster":"eu","sync":"OutOfSync","health":"Degraded","labels":{"team":"ml"},"error":null,"drift":3,"rolledBackTo":null,"newField":1}]
            """#))
        #expect(apps == [ApplicationSummaryView(name: "web-eu", cluster: "eu", sync: "OutOfSync", health: "Degraded", labels: ["team": "ml"], drift: 3)])
        let error = #expect(throws: ProtocolError.self) { try ClusterView.list(JSON.parse(#"[{"name":"a"},{"name":"b","stale":"yes"}]"#)) }
        #expect(error?.description == "clusters[1].stale: must be true or false, not string")
        #expect(!ClusterView(name: "a", applications: [ClusterApplicationView(name: "w", sync: "Synced", health: "Degraded")]).isSyncedAndHealthy)
    }

    @Test func anApplicationViewRoundTripsWithItsStatusRollbackAndHistory() throws {
        let view = ApplicationView(
            name: "web-eu", cluster: "eu", sync: "OutOfSync", health: "Healthy", spec: ["project": "default"], error: "kustomization.yaml: broken",
            planId: "sha256:2", status: ApplicationStatus(name: "web-eu", sync: .outOfSync, health: .healthy,
                                                          drift: [DriftEntry(resource: "apps/Deployment shop/web", pointer: "/spec/replicas", desired: 2, live: 5)]),
            rollback: RollbackView(application: "web-eu", cluster: "eu", repoURL: "https://git/r.git", revision: "abc", requested: "v1",
                                   requestedBy: "operator:ci", createdAt: "2026-12-07T10:00:00Z"),
            history: [EventView(sequence: 3, time: "2026-12-07T10:00:00Z", kind: "rollback", actor: "operator:ci", subject: "web-eu", message: "rolled back")])
        #expect(try ApplicationView(JSON.parse(JSON.encode(view.value))) == view)
        let bare = ApplicationView(name: "a", cluster: "", sync: "Unknown", health: "Unknown")
        for key in ["error", "planId", "status", "rollback"] { #expect(bare.value[key] == .null, "\(key) is null, not absent") }
    }

    @Test func eventsDecodeWithTheirDetails() throws {
        let events = try EventView.list(JSON.parse(#"""
            [{"sequence":1,"time":"t","kind":"commit-planned","actor":"hub","subject":"c","message":"planned","details":{"clustersChanged":["eu"]}}]
            """#))
        #expect(events.first?.details["clustersChanged"]?[0] == "eu")
        let error = #expect(throws: ProtocolError.self) { try EventView.list(JSON.parse(#"[{"time":"t"}]"#)) }
        #expect(error?.description == "events[0].kind: is required")
    }
}
