import Crypto
import FleetHTTPClient
import FleetModel
import FleetProtocol
import FleetTestSupport
import Foundation
import Synchronization
import Testing

@testable import FleetSpoke

/// The spoke against a hostile or confused hub on loopback (issue 13, findings 5 and 7): a
/// validly signed but older plan is refused, a 429 pauses reports without losing them, and a
/// 409 with the hub's last sequence makes the spoke continue from there.
@Suite(.serialized) struct SpokeProtocolSecurityTests {
    final class FakeHub: @unchecked Sendable {
        let key = Curve25519.Signing.PrivateKey()
        /// What the plan route serves: (generation, body marker).
        let served = Mutex<(generation: Int, marker: String)>((10, "first"))
        /// Status codes the status route answers, one per report (then 202).
        let statusAnswers = Mutex<[TestHTTPResponse]>([])
        let reports = Mutex<[Value]>([])
        /// The cluster named in the served plan.
        let servedCluster = Mutex("a")

        func plan(generation: Int, marker: String) -> [UInt8] {
            let document: Value = ["applications": [], "cluster": .string(servedCluster.withLock { $0 }), "formatVersion": 1, "generation": .int(generation),
                                   "id": .string("sha256:\(marker)")]
            return JSON.encodeBytes(document, options: [.sortedKeys])
        }

        func handle(_ request: TestHTTPRequest) -> TestHTTPResponse {
            if request.path.hasSuffix("/plan") {
                let (generation, marker) = served.withLock { $0 }
                let body = plan(generation: generation, marker: marker)
                let signature = "ed25519=" + (try! key.signature(for: Data(body))).base64EncodedString()
                let etag = "\"g\(generation)-\(marker)\""
                if request.header("If-None-Match") == etag { return TestHTTPResponse(status: 304) }
                return TestHTTPResponse(status: 200, headers: [("X-Fleet-Signature", signature), ("ETag", etag), ("Content-Type", "application/json")], body: body)
            }
            if let value = try? JSON.parse(request.body) { reports.withLock { $0.append(value) } }
            return statusAnswers.withLock { answers in answers.isEmpty ? TestHTTPResponse(status: 202) : answers.removeFirst() }
        }
    }

    func agent(_ hub: FakeHub, server: LoopbackHTTPServer, temp: TemporaryDirectory) throws -> SpokeAgent {
        var config = SpokeConfig()
        config.hubURL = server.url
        config.cluster = "a"
        config.token = "fleet_test"
        config.pollWait = .seconds(1)
        config.hubPublicKey = hub.key.publicKey.rawRepresentation.base64EncodedString()
        let agent = try SpokeAgent(config: config, driver: try LocalCluster(path: temp.file("c.sqlite")), state: try SpokeState(path: temp.file("s.sqlite")))
        agent.log = { _ in }
        return agent
    }

    @Test func aValidlySignedOlderPlanIsRefusedAndTheNewerOneKept() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let hub = FakeHub()
        let server = try LoopbackHTTPServer { hub.handle($0) }
        defer { server.stop() }
        let agent = try agent(hub, server: server, temp: temp)
        agent.fetchPlan()
        #expect(agent.plan?.id == "sha256:first")
        // An attacker answering the spoke serves an older plan the hub really signed.
        hub.served.withLock { $0 = (9, "older") }
        agent.fetchPlan()
        #expect(agent.plan?.id == "sha256:first", "the replayed plan is not applied")
        // The same generation with other content is refused too; a newer one is taken.
        hub.served.withLock { $0 = (10, "forged") }
        agent.fetchPlan()
        #expect(agent.plan?.id == "sha256:first")
        hub.served.withLock { $0 = (11, "rollback") }
        agent.fetchPlan()
        #expect(agent.plan?.id == "sha256:rollback", "a rollback arrives as a newer generation")
        // Restarted, the spoke still knows the generation it holds.
        let restarted = try SpokeAgent(config: agent.config, driver: try LocalCluster(path: temp.file("c.sqlite")), state: try SpokeState(path: temp.file("s.sqlite")))
        restarted.log = { _ in }
        hub.served.withLock { $0 = (10, "first") }
        restarted.fetchPlan()
        #expect(restarted.plan?.id == "sha256:rollback")
    }

    @Test func aValidlySignedPlanOfAnotherClusterIsRefusedLoggedAndReported() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let hub = FakeHub()
        hub.servedCluster.withLock { $0 = "b" }
        let server = try LoopbackHTTPServer { hub.handle($0) }
        defer { server.stop() }
        let agent = try agent(hub, server: server, temp: temp)
        let lines = Mutex<[String]>([])
        agent.log = { line in lines.withLock { $0.append(line) } }
        agent.fetchPlan()
        #expect(agent.plan == nil, "never applied")
        #expect(lines.withLock { $0 }.contains { $0.contains("the plan of cluster b, not a") }, "said in the log")
        agent.send(StatusReport(cluster: "a"))
        let condition = hub.reports.withLock { $0.last?["conditions"]?[0] }
        #expect(condition?["type"] == "SignatureFailure")
        #expect(condition?["message"]?.stringValue?.contains("cluster b") == true)
    }

    static func plan(generation: Int?, id: String) -> Plan { Plan(cluster: "a", server: "", id: id, generation: generation) }

    @Test func theReplayRuleIsGenerationOrder() {
        #expect(SpokeAgent.replayRefusal(offered: Self.plan(generation: 5, id: "x"), heldGeneration: nil, heldID: nil) == nil)
        #expect(SpokeAgent.replayRefusal(offered: Self.plan(generation: nil, id: "x"), heldGeneration: nil, heldID: nil)?.contains("without a generation") == true)
        #expect(SpokeAgent.replayRefusal(offered: Self.plan(generation: 4, id: "x"), heldGeneration: 5, heldID: "y")?.contains("older") == true)
        #expect(SpokeAgent.replayRefusal(offered: Self.plan(generation: 5, id: "y"), heldGeneration: 5, heldID: "y") == nil)
    }

    /// The fake hub answering in-process (no server, no sockets), and a clock that only moves
    /// when told to: the agent's pauses are checked without waiting for them.
    final class InProcessTransport: HubTransport {
        let hub: FakeHub
        init(_ hub: FakeHub) { self.hub = hub }

        func send(_ request: HTTPRequest) throws(HTTPClientError) -> HTTPResponse {
            let target = String(request.url.drop { $0 != "/" }.dropFirst(2).drop { $0 != "/" })
            let answer = hub.handle(TestHTTPRequest(method: request.method, target: target, headers: request.headers.map { ($0.name, $0.value) },
                                                    body: request.body ?? []))
            return HTTPResponse(status: answer.status, headers: answer.headers.map { (name: $0.0, value: $0.1) }, body: answer.body)
        }
    }

    final class ManualClock: @unchecked Sendable {
        var now = 1_000.0
        var agentClock: AgentClock { AgentClock(wall: { self.now }, monotonic: { self.now }, sleep: { self.now += $0 }) }
    }

    @Test func a429KeepsTheReportQueuedAndA409ResumesFromTheHubsSequence() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let hub = FakeHub()
        let clock = ManualClock()
        var config = SpokeConfig()
        config.hubURL = "http://hub.invalid:8080"
        config.cluster = "a"
        config.token = "fleet_test"
        config.hubPublicKey = hub.key.publicKey.rawRepresentation.base64EncodedString()
        let agent = try SpokeAgent(config: config, driver: try LocalCluster(path: temp.file("c.sqlite")), state: try SpokeState(path: temp.file("s.sqlite")),
                                   transport: InProcessTransport(hub), clock: clock.agentClock)
        agent.log = { _ in }
        hub.statusAnswers.withLock { $0 = [TestHTTPResponse(status: 429, headers: [("Retry-After", "30")], body: Array(#"{"error":"slow down"}"#.utf8))] }
        agent.send(StatusReport(cluster: "a"))
        #expect(hub.reports.withLock { $0.count } == 1)
        let queued = try JSON.parse(try #require(try agent.state.value("report-queue")))
        #expect(queued.arrayValue?.count == 1, "the refused report stays queued")
        clock.now += 29
        agent.send(StatusReport(cluster: "a"))
        #expect(hub.reports.withLock { $0.count } == 1, "nothing is sent while paused")
        clock.now += 2
        agent.send(StatusReport(cluster: "a"))
        let sequences = hub.reports.withLock { $0.map { $0["sequence"]?.intValue ?? -1 } }
        #expect(sequences == [1, 1, 2, 3], "after the pause the queue goes out in order")

        // The hub has reports up to 40 from this token (the spoke lost its state).
        hub.statusAnswers.withLock { $0 = [TestHTTPResponse(status: 409, body: Array(#"{"error":"behind","lastSequence":40}"#.utf8))] }
        agent.send(StatusReport(cluster: "a"))
        let last = hub.reports.withLock { $0.last?["sequence"]?.intValue }
        #expect(last == 41, "the report is sent again as 41")
        agent.send(StatusReport(cluster: "a"))
        #expect(hub.reports.withLock { $0.last?["sequence"]?.intValue } == 42)
        #expect(hub.reports.withLock { $0.last?["time"]?.stringValue } == Timestamp.rfc3339(clock.now), "reports carry the agent's clock")
    }

    @Test func theSpokesStateFilesAreReadableByItsOwnerOnly() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let state = try SpokeState(path: temp.file("s.sqlite"))
        try state.setValue("plan", "{}")
        for file in ["s.sqlite", "s.sqlite-wal"] {
            var info = stat()
            guard stat(temp.file(file), &info) == 0 else { continue }
            #expect(info.st_mode & 0o077 == 0, "\(file) is \(String(info.st_mode & 0o777, radix: 8))")
        }
    }
}
