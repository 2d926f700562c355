import FleetModel
import Testing

@testable import FleetPlan

/// One bad commit cannot stall or swamp a planning round (issue 13, finding 4 and 8): an
/// ApplicationSet past its time limit fails alone, and a plan too large for a spoke is not
/// built for publication.
@Suite struct PlanningLimitsTests {
    @Test func anApplicationSetPastItsTimeLimitFailsAloneAndKeepsItsLastApplications() throws {
        let history = InMemoryHistory()
        history.commit(FleetPlannerTests.baseFiles)
        let planner = FleetPlanner(repositories: history, fleetRepoURL: FleetPlannerTests.fleetURL,
                                   limits: PlanningLimits(itemSeconds: 0.05))
        let first = try planner.plan()
        #expect(first.problems.isEmpty, "\(first.problems)")
        // The tools set now spins (a million template steps per string) before it renders.
        var slow = FleetPlannerTests.baseFiles["applicationsets/tools.yaml"]!
        slow = slow.replacing("metadata: {name: 'tools-{{.name}}'}",
                              with: "metadata: {name: 'tools-{{.name}}', annotations: {spin: '{{ range $i := 900000 }}{{ end }}'}}")
        history.commit(["applicationsets/tools.yaml": slow])
        let second = try planner.plan()
        let problem = try #require(second.problems.first { $0.subject == "tools" })
        #expect(problem.message.contains("generating ApplicationSet tools took longer than 0.05s"))
        #expect(problem.message.contains("keeping the 2 Applications it generated last time"))
        #expect(second.applications.contains { $0["metadata"]?["name"] == "web-us-east-1" }, "the other set is planned")
        #expect(second.applications.contains { $0["metadata"]?["name"] == "tools-us-east-1" }, "the slow set keeps its last output")
    }

    @Test func aClusterWhosePlanWouldBeTooLargeIsLeftOutAndReported() throws {
        let history = InMemoryHistory()
        history.commit(FleetPlannerTests.baseFiles)
        let normal = try FleetPlanner(repositories: history, fleetRepoURL: FleetPlannerTests.fleetURL).plan()
        let size = try #require(normal.plans["us-east-1"]).json.count
        // Each Application fits, the two together do not.
        let limit = size * 2 / 3
        let planner = FleetPlanner(repositories: history, fleetRepoURL: FleetPlannerTests.fleetURL, limits: PlanningLimits(maxPlanBytes: limit))
        let limited = try planner.plan()
        #expect(!limited.plans.keys.contains("us-east-1"))
        #expect((limited.oversized["us-east-1"] ?? 0) > limit)
        #expect(limited.problems.contains { $0.message.contains("the plan for cluster us-east-1 would be") })
    }
}
