import FleetHubStore
import FleetSQLite
import FleetTestSupport
import Foundation
import Testing

/// A writer killed with SIGKILL leaves the database intact at its last commit: the property the
/// hub and the spoke rely on to be killable at any moment.
@Suite struct CrashRecoveryTests {
    let helper = ProcessRunner.productsDirectory + "/fleet-crash-helper"

    /// Starts the helper and waits until its log shows `marker`.
    func startHelper(_ arguments: [String], log: String, waitingFor marker: String) throws -> BackgroundProcess {
        let process = try BackgroundProcess(helper, arguments, logPath: log)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: log, encoding: .utf8), text.contains(marker) { return process }
            if !process.isRunning { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        process.stop()
        throw ProcessFailure(command: helper, result: ProcessResult(status: -1, stdout: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "", stderr: "marker \(marker) not seen"))
    }

    @Test func spokeDatabaseKilledMidTransactionKeepsTheLastCommit() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = temp.file("spoke.db")
        let writer = try startHelper(["sqlite", path, "250"], log: temp.file("log"), waitingFor: "in-transaction")
        writer.send(SIGKILL)
        #expect(writer.wait(timeout: 10))

        let db = try SQLiteDatabase(path: path)
        #expect(try db.integrityCheck() == "ok")
        #expect(try db.query("SELECT count(*) FROM rows").first?.first?.int == 250)
        #expect(try db.query("SELECT count(*) FROM rows WHERE batch = 2").first?.first?.int == 0)
        #expect(try db.userVersion() == 1)
    }

    @Test func spokeDatabaseKilledAtRandomHoldsOnlyWholeTransactions() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = temp.file("spoke.db")
        for round in 0..<3 {
            let writer = try startHelper(["sqlite-loop", path], log: temp.file("log\(round)"), waitingFor: "batch 2")
            Thread.sleep(forTimeInterval: Double.random(in: 0.01...0.2))
            writer.send(SIGKILL)
            #expect(writer.wait(timeout: 10))
            let db = try SQLiteDatabase(path: path)
            #expect(try db.integrityCheck() == "ok")
            let count = try db.query("SELECT count(*) FROM rows").first?.first?.int ?? -1
            #expect(count > 0 && count % 500 == 0, "round \(round): \(count) rows is not a whole number of batches")
        }
    }

    @Test func hubDatabaseKilledMidTransactionKeepsTheLastCommit() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = temp.file("hub.db")
        let writer = try startHelper(["grdb", path, "40"], log: temp.file("log"), waitingFor: "in-transaction")
        writer.send(SIGKILL)
        #expect(writer.wait(timeout: 10))

        let db = try HubDatabase(path: path)
        #expect(try db.integrityCheck() == "ok")
        let keys = try db.pool.read { try String.fetchAll($0, sql: "SELECT key FROM meta") }
        #expect(keys.filter { $0.hasPrefix("committed-") }.count == 40)
        #expect(!keys.contains { $0.hasPrefix("pending-") })
        #expect(try db.metadata("committed-39") == "39")
    }
}
