import FleetModel
import FleetProtocol
import Testing

/// The bodies operators send (sync, rollback, drills, tokens) and the hub's answers to them.
@Suite struct OperationCodingTests {
    @Test func requestsRoundTripAndRefuseAFieldTheyDoNotKnow() throws {
        #expect(try SyncRequest(SyncRequest(cluster: "eu").value) == SyncRequest(cluster: "eu"))
        #expect(try SyncRequest(.object([:])) == SyncRequest())
        #expect(try RollbackRequest(RollbackRequest(revision: "v1.2", cluster: "eu").value) == RollbackRequest(revision: "v1.2", cluster: "eu"))
        #expect(try DrillRequest(DrillRequest(cluster: "eu", wipe: true, slaSeconds: 600).value) == DrillRequest(cluster: "eu", wipe: true, slaSeconds: 600))
        #expect(try TokenRequest(TokenRequest(role: "operator", label: "ci").value) == TokenRequest(role: "operator", label: "ci"))

        let cases: [(String, (Value) throws(ProtocolError) -> Void, String)] = [
            (#"{"clustr":"eu"}"#, { (v) throws(ProtocolError) in _ = try SyncRequest(v) }, "clustr: unknown field"),
            (#"{"cluster":"eu"}"#, { (v) throws(ProtocolError) in _ = try RollbackRequest(v) }, "revision: is required"),
            (#"{"revision":7}"#, { (v) throws(ProtocolError) in _ = try RollbackRequest(v) }, "revision: must be a string, not integer"),
            (#"{"cluster":"eu","wipe":"yes"}"#, { (v) throws(ProtocolError) in _ = try DrillRequest(v) }, "wipe: must be true or false, not string"),
            (#"{"cluster":"eu","slaSeconds":0}"#, { (v) throws(ProtocolError) in _ = try DrillRequest(v) }, "slaSeconds: must be a positive number of seconds"),
            (#"{"cluster":"eu","slaSeconds":"10m"}"#, { (v) throws(ProtocolError) in _ = try DrillRequest(v) }, "slaSeconds: must be a number, not string"),
            (#"{"role":"root"}"#, { (v) throws(ProtocolError) in _ = try TokenRequest(v) }, "role: must be one of viewer, operator, admin, not \"root\""),
            (#"["eu"]"#, { (v) throws(ProtocolError) in _ = try DrillRequest(v) }, "must be an object, not array"),
        ]
        for (body, decode, message) in cases {
            let error = #expect(throws: ProtocolError.self, "\(body)") { try decode(JSON.parse(body)) }
            #expect(error?.description == message, "\(body)")
        }
    }

    @Test func aDrillStartedCarriesTheDrillAndWhatItsRunnerMeasures() throws {
        let drill = DrillView(id: 7, cluster: "eu", wipe: true, requestedBy: "admin", startedAt: "2026-12-07T10:00:00Z", slaSeconds: 300)
        let started = DrillStarted(drill: drill, planId: "sha256:ab", applications: ["web-eu"],
                                   stateful: [StatefulObject(application: "db-eu", kind: "PersistentVolumeClaim", namespace: "db", name: "data", note: "restore it")])
        let json = JSON.encode(started.value, options: [.sortedKeys])
        for key in ["finishedAt", "rtoSeconds", "slaMet", "report"] { #expect(json.contains("\"\(key)\":null"), "\(key) in \(json)") }
        #expect(try DrillStarted(JSON.parse(json)) == started)
        #expect(drill.status == "running")
    }

    @Test func aFinishedDrillKeepsItsReportAsSentAndListsNameTheBadItem() throws {
        let report: Value = ["status": "passed", "rtoSeconds": 4.5, "slaMet": true, "applications": [["name": "web"]], "newField": 1]
        let verdict = try DrillVerdict(report)
        #expect(verdict == DrillVerdict(status: "passed", rtoSeconds: 4.5, slaMet: true))
        #expect(try DrillVerdict(["reason": "x"]).status == "finished", "a report without a status still ends the drill")
        #expect(throws: ProtocolError.self) { try DrillVerdict(["rtoSeconds": "fast"]) }
        let finished = DrillView(id: 1, cluster: "eu", wipe: false, requestedBy: "ci", startedAt: "t0", finishedAt: "t1", status: "passed",
                                 rtoSeconds: 4.5, slaMet: true, report: report)
        #expect(try DrillView.list(.array([finished.value])) == [finished])
        let error = #expect(throws: ProtocolError.self) { try DrillView.list(JSON.parse(#"[{"id":1,"cluster":"eu"},{"id":"2","cluster":"eu"}]"#)) }
        #expect(error?.description == "drills[1].id: must be an integer, not string")
    }

    @Test func tokenAnswersNeverNeedTheSecretToBeListed() throws {
        let listed = TokenView(id: 3, role: "spoke", label: "spoke eu", cluster: "eu", createdAt: "t0", revokedAt: nil)
        #expect(listed.value["revokedAt"] == .null)
        #expect(try TokenView.list(.array([listed.value])) == [listed])
        let issued = TokenIssued(role: "spoke", cluster: "eu", token: "fleet_abc")
        #expect(try TokenIssued(issued.value) == issued)
        #expect(throws: ProtocolError.self) { try TokenIssued(["cluster": "eu"]) }
    }

    @Test func rollbackAnswersReadBackWithTheirPlanAndRenderError() throws {
        let pin = RollbackView(application: "web", cluster: "eu", repoURL: "https://git/x", revision: "abc", requested: "v1", requestedBy: "admin",
                               createdAt: "t0")
        let accepted = RollbackAccepted(rollback: pin, planId: nil, error: "kustomization.yaml: broken")
        #expect(accepted.value["planId"] == .null)
        #expect(try RollbackAccepted(accepted.value) == accepted)
        let cleared = RollbackCleared(application: "web", cluster: "eu", automated: true, planId: "sha256:1")
        #expect(cleared.value["cleared"] == true)
        #expect(try RollbackCleared(cleared.value) == cleared)
        #expect(try SyncAccepted(SyncAccepted(application: "web", clusters: ["eu"]).value).clusters == ["eu"])
    }

    @Test func theHubStatusNamesItsFetchErrorsAndProblems() throws {
        let status = HubStatusView(version: "0.1.0", publicKey: "key", repository: "https://git/fleet", branch: "main", fleetCommit: nil, ready: false,
                                   clusters: 3, applications: 9, lastSync: nil, lastError: "clone failed",
                                   fetchErrors: ["https://git/apps": "timed out"], problems: ["apps/web/kustomization.yaml:4: unknown field"])
        let json = JSON.encode(status.value, options: [.sortedKeys])
        #expect(json.contains(#""fleetCommit":null"#) && json.contains(#""lastSync":null"#))
        #expect(try HubStatusView(JSON.parse(json)) == status)
        let error = #expect(throws: ProtocolError.self) { try HubStatusView(JSON.parse(#"{"publicKey":"k","fetchErrors":{"https://x":1}}"#)) }
        #expect(error?.description == "fetchErrors.https://x: must be a string, not integer")
    }
}
