import FleetModel
import FleetProtocol
import Testing

@testable import FleetPlan

/// The planner's output read as the protocol reads it: every plan decodes and re-encodes to
/// the planner's bytes, and what the protocol would refuse is the Application's error.
extension FleetPlannerTests {
    @Test func everyPlanDecodesAsTheProtocolsPlanAndReencodesToTheSameBytes() throws {
        let (history, planner) = fleet()
        // A failing Application too: its entry carries `error` and its last good resources.
        _ = try planner.plan()
        history.commit(["apps/web/overlays/eu-west-1/kustomization.yaml": "resources: [../../missing]\n"])
        let result = try planner.plan()
        for (cluster, served) in result.plans {
            let plan = try Plan(json: served.json)
            #expect(plan.cluster == cluster && plan.id == served.id)
            #expect(plan.canonicalJSON == served.json, "cluster \(cluster)")
        }
        let europe = try #require(result.plans["eu-west-1"])
        let failing = try #require(try Plan(json: europe.json).entry(named: "web-eu-west-1"))
        #expect(failing.error != nil && !failing.resources.isEmpty)
    }

    @Test func aMalformedHealthOverridesAnnotationIsTheApplicationsError() throws {
        let (history, planner) = fleet()
        let appSet = try #require(Self.baseFiles["applicationsets/web.yaml"])
        let broken = appSet.replacing("metadata: {name: 'web-{{name}}'}",
                                                 with: "metadata: {name: 'web-{{name}}', annotations: {fleet.gitops.dev/health-overrides: '[{group: apps}]'}}")
        #expect(broken != appSet, "the fixture names its Applications as expected")
        history.commit(["applicationsets/web.yaml": broken])
        let result = try planner.plan()
        let web = try #require(app(try plan(result, "eu-west-1"), "web-eu-west-1"))
        #expect(web["error"]?.stringValue?.contains("fleet.gitops.dev/health-overrides: healthOverrides[0].kind: is required") == true, "\(web["error"] ?? .null)")
    }
}
