import FleetHubStore
import FleetModel
import FleetProtocol
import FleetTestSupport
import Foundation
import Testing

@testable import FleetHubCore

/// What operators leave standing (sync requests, rollback pins, open drills) is kept in memory
/// in step with the store, and a restarted hub reads the same back.
@Suite struct OperationsLedgerTests {
    @Test func aSyncRequestStandsUntilItsOwnTokenIsReportedDone() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let ledger = OperationsLedger(database: try HubDatabase(path: temp.file("hub.sqlite")))
        let first = try ledger.requestSync(application: "web-eu", cluster: "eu", requestedBy: "ops")
        let second = try ledger.requestSync(application: "web-eu", cluster: "eu", requestedBy: "ops")
        #expect(first != second)
        #expect(ledger.standing(for: "eu").syncRequests == ["web-eu": second], "a newer request replaces the older")
        #expect(ledger.standing(for: "us").syncRequests.isEmpty)

        #expect(try !ledger.completeSyncs([("web-eu", first)], cluster: "eu"), "the older token ends nothing")
        #expect(try !ledger.completeSyncs([("web-eu", second)], cluster: "us"), "nor does another cluster's report")
        #expect(try ledger.completeSyncs([("web-eu", second)], cluster: "eu"))
        #expect(ledger.syncRequests.isEmpty)
        #expect(try !ledger.completeSyncs([("web-eu", second)], cluster: "eu"), "reported again: nothing left to end, no republish")
    }

    @Test func pinsBumpTheirVersionAndSurviveARestart() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let database = try HubDatabase(path: temp.file("hub.sqlite"))
        let ledger = OperationsLedger(database: database)
        let pin = StoredRollback(application: "web-eu", cluster: "eu", repoURL: "https://git/apps", revision: String(repeating: "a", count: 40),
                                 requested: "v1.2", requestedBy: "ops", createdAt: Date(timeIntervalSince1970: 1_800_000_000))
        try ledger.pin(pin, message: "rolled back")
        _ = try ledger.requestSync(application: "web-eu", cluster: "eu", requestedBy: "ops")
        #expect(ledger.pinsVersion == 1)
        #expect(ledger.planningPins["web-eu"]?.revision == pin.revision)

        let restarted = OperationsLedger(database: try HubDatabase(path: temp.file("hub.sqlite")))
        try restarted.restore()
        #expect(restarted.pins["web-eu"]?.revision == pin.revision && restarted.pins["web-eu"]?.requested == "v1.2")
        #expect(restarted.syncRequests == ledger.syncRequests, "pending requests come back with the pins")

        #expect(try restarted.clearPin(application: "web-eu", by: "ops")?.requested == "v1.2")
        #expect(try restarted.clearPin(application: "web-eu", by: "ops") == nil, "clearing twice finds nothing")
        #expect(restarted.pins.isEmpty && restarted.pinsVersion == 1)
        let kinds = try database.events(after: nil, limit: 10).map(\.kind)
        #expect(kinds.contains("rollback") && kinds.contains("rollback-cleared"))
    }

    @Test func aDrillWithWipeTravelsUntilItEndsAndANewerOneSupersedesIt() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let ledger = OperationsLedger(database: try HubDatabase(path: temp.file("hub.sqlite")))
        let plain = try ledger.startDrill(DrillRequest(cluster: "eu"), by: "ops")
        #expect(ledger.standing(for: "eu").drill == nil, "a drill without a wipe asks nothing of the spoke")
        let wiping = try ledger.startDrill(DrillRequest(cluster: "eu", wipe: true, slaSeconds: 60), by: "ops")
        #expect(ledger.standing(for: "eu").drill == PlanDrill(id: Int(wiping.id), wipe: true))
        #expect(throws: HubError.self, "the superseded drill is closed") { try ledger.finishDrill(id: plain.id, report: ["status": "passed"], by: "ops") }

        let restarted = OperationsLedger(database: try HubDatabase(path: temp.file("hub.sqlite")))
        try restarted.restore()
        #expect(restarted.openDrills["eu"]?.id == wiping.id, "the open drill survives a restart")
        #expect(throws: HubError.self, "a report that is not one") { try restarted.finishDrill(id: wiping.id, report: ["rtoSeconds": "fast"], by: "ops") }
        #expect(restarted.openDrills["eu"] != nil, "a refused report leaves the drill open")
        let finished = try restarted.finishDrill(id: wiping.id, report: ["status": "passed", "rtoSeconds": 3.5], by: "ops")
        #expect(finished.finishedAt != nil && restarted.openDrills.isEmpty)
        #expect(restarted.standing(for: "eu").drill == nil)
        #expect(throws: HubError.self) { try restarted.finishDrill(id: 999, report: [:], by: "ops") }
    }
}
