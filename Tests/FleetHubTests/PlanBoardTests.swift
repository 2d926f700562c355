import Foundation
import Testing

@testable import FleetHubCore

/// Long-polls on the served plans: answered at once when the spoke's copy is stale, woken by
/// an installed plan, and released at their timeout with what is served then.
@Suite struct PlanBoardTests {
    static func plan(_ cluster: String, generation: Int64) -> ServedPlan {
        ServedPlan(cluster: cluster, id: "sha256:\(generation)", generation: generation, body: Data("{}".utf8), signature: "s", fleetCommit: "c")
    }

    @Test func aStaleCopyIsAnsweredAtOnceAndACurrentOneWaitsForTheNextPlan() async throws {
        let board = PlanBoard(metrics: HubMetrics())
        board.install([Self.plan("eu", generation: 1)])
        let immediate = await board.waitForPlan(cluster: "eu", differentFrom: "old", timeout: .seconds(30))
        #expect(immediate?.generation == 1)

        let current = try #require(board.plan(for: "eu")).etag
        async let woken = board.waitForPlan(cluster: "eu", differentFrom: current, timeout: .seconds(30))
        // Install once the long-poll is registered (the check and the registration share a lock,
        // so an install that comes first is not missed either).
        try await Task.sleep(for: .milliseconds(50))
        board.install([Self.plan("us", generation: 5), Self.plan("eu", generation: 2)])
        #expect(await woken?.generation == 2)
    }

    @Test func aLongPollEndsAtItsTimeoutWithThePlanServedThen() async {
        let board = PlanBoard(metrics: HubMetrics())
        let none = await board.waitForPlan(cluster: "new", differentFrom: nil, timeout: .milliseconds(20))
        #expect(none == nil, "a cluster without a plan yet")
        board.install([Self.plan("eu", generation: 3)])
        let same = await board.waitForPlan(cluster: "eu", differentFrom: Self.plan("eu", generation: 3).etag, timeout: .milliseconds(20))
        #expect(same?.generation == 3)
        #expect(board.all().keys.sorted() == ["eu"])
    }
}
