import FleetModel
import FleetProtocol
import Testing

@Suite struct StatusReportCodingTests {
    static func report(_ applications: String = #"[{"name":"web","sync":"Synced","health":"Healthy"}]"#, extra: String = "") throws -> Value {
        try JSON.parse(#"{"cluster":"eu","sequence":3,"spokeVersion":"0.1.0","applications":"# + applications + extra + "}")
    }

    @Test func aSpokeReportRoundTripsWithEveryField() throws {
        let status = ApplicationStatus(
            name: "web", planId: "sha256:1", sync: .outOfSync, health: .progressing,
            drift: [DriftEntry(resource: "apps/Deployment shop/web", pointer: "/spec/replicas", desired: 2, live: 5)],
            resources: [ResourceStatus(resource: "apps/Deployment shop/web", sync: .outOfSync, health: .progressing, result: "Synced", message: "configured")],
            resourcesOmitted: 3,
            lastSync: LastSync(result: .succeeded, startedAt: "2026-12-07T10:00:00Z", finishedAt: "2026-12-07T10:00:01Z", reason: "self-heal",
                               healed: [DriftEntry(resource: "apps/Deployment shop/web", pointer: "/spec/replicas", desired: 2, live: 5)]),
            conditions: [StatusCondition(type: "SyncError", message: "boom")], completedSyncToken: "tok")
        let report = StatusReport(cluster: "eu", sequence: 9, spokeVersion: "0.1.0", planId: "sha256:1", time: "2026-12-07T10:00:02Z",
                                  applications: [status], conditions: [StatusCondition(type: "SignatureFailure", message: "x")],
                                  drill: DrillOutcome(id: 4, at: "2026-12-07T09:59:00Z", wiped: 10))
        let decoded = try StatusReport(JSON.parse(JSON.encode(report.value)))
        #expect(decoded == report)
        #expect(!decoded.synced && !decoded.healthy)
    }

    @Test func unknownApplicationFieldsAreKeptAndUnknownTopLevelFieldsRefused() throws {
        let kept = try StatusReport(Self.report(#"[{"name":"web","sync":"Synced","health":"Healthy","hooks":[{"phase":"PreSync"}]}]"#))
        #expect(kept.applications[0].unknownFields["hooks"] != nil)
        #expect(kept.applications[0].value["hooks"] != nil, "served back as sent")
        let error = #expect(throws: ProtocolError.self) { try StatusReport(Self.report(extra: #","admin":true"#)) }
        #expect(error?.description == "admin: unknown field")
    }

    @Test(arguments: [
        (#"[{"name":"web","sync":"Fine","health":"Healthy"}]"#, "", "applications[0].sync: must be one of OutOfSync, Synced, Unknown"),
        (#"[{"name":"web","sync":"Synced"}]"#, "", "applications[0].health: is required"),
        (#"[{"name":"","sync":"Synced","health":"Healthy"}]"#, "", "applications[0].name: is required"),
        (#"[{"name":"a","sync":"Synced","health":"Healthy"},{"name":"a","sync":"Synced","health":"Healthy"}]"#, "", "applications[1]: application \"a\" is reported twice"),
        (#"[{"name":"a","sync":"Synced","health":"Healthy","drift":{}}]"#, "", "applications[0].drift: must be a list, not object"),
        (#"{}"#, "", "applications: must be a list, not object"),
        (#"[]"#, #","drill":{"id":-1}"#, "drill.id: must be a positive integer"),
        (#"[]"#, #","planId":5"#, "planId: must be a string, not integer"),
    ])
    func aMalformedReportNamesTheField(applications: String, extra: String, message: String) throws {
        let error = #expect(throws: ProtocolError.self) { try StatusReport(Self.report(applications, extra: extra)) }
        #expect(error?.description == message)
    }

    @Test func sequencesOutsideWhatAJSONNumberHoldsExactlyAreRefused() throws {
        for sequence in ["-1", "9007199254740992"] {
            let value = try JSON.parse(#"{"cluster":"eu","sequence":"# + sequence + #","spokeVersion":"1","applications":[]}"#)
            let error = #expect(throws: ProtocolError.self) { try StatusReport(value) }
            #expect(error?.path == "sequence")
        }
        let value = try JSON.parse(#"{"cluster":"eu","sequence":9007199254740991,"spokeVersion":"1","applications":[]}"#)
        #expect(try StatusReport(value).sequence == StatusReport.maxSequence)
    }

    @Test func aReportWithMoreApplicationsThanTheLimitIsRefused() throws {
        let many = Value.array(Array(repeating: ["name": "a", "sync": "Synced", "health": "Healthy"], count: StatusReport.maxApplications + 1))
        let value: Value = ["cluster": "eu", "sequence": 1, "spokeVersion": "1", "applications": many]
        let error = #expect(throws: ProtocolError.self) { try StatusReport(value) }
        #expect(error?.description.hasPrefix("applications: has 10001 items") == true)
    }

    @Test func theAggregateHealthIsTheWorstResourceHealth() {
        #expect(HealthStatus.aggregate([.healthy, .progressing, .degraded]) == .degraded)
        #expect(HealthStatus.aggregate([]) == .healthy)
        #expect(HealthStatus.aggregate([.unknown]) == .unknown)
    }
}
