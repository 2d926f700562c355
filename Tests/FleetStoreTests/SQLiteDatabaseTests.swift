import FleetSQLite
import FleetTestSupport
import Testing

@Suite struct SQLiteDatabaseTests {
    @Test func opensInWALModeWithMigrationsApplied() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let db = try SQLiteDatabase(path: temp.file("a.db"))
        #expect(try db.query("PRAGMA journal_mode").first?.first?.text == "wal")
        #expect(try db.query("PRAGMA synchronous").first?.first?.int == 2, "FULL")
        let migrations = [
            SQLiteMigration(version: 1, sql: "CREATE TABLE plans (id TEXT PRIMARY KEY, body BLOB NOT NULL)"),
            SQLiteMigration(version: 2, sql: "ALTER TABLE plans ADD COLUMN received INTEGER NOT NULL DEFAULT 0"),
        ]
        try db.migrate(Array(migrations.prefix(1)))
        #expect(try db.userVersion() == 1)
        try db.migrate(migrations)
        try db.migrate(migrations)  // idempotent
        #expect(try db.userVersion() == 2)
        try db.run("INSERT INTO plans (id, body, received) VALUES (?, ?, ?)", ["p1", .blob([0, 1, 2]), 7])
        let row = try db.query("SELECT id, body, received FROM plans").first
        #expect(row == [.text("p1"), .blob([0, 1, 2]), .integer(7)])
    }

    @Test func refusesADatabaseFromANewerVersion() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let db = try SQLiteDatabase(path: temp.file("a.db"))
        try db.execute("PRAGMA user_version = 9")
        let error = #expect(throws: SQLiteError.self) { try db.migrate([SQLiteMigration(version: 1, sql: "CREATE TABLE t (x)")]) }
        #expect(error?.message.contains("newer than this program") == true)
    }

    @Test func aThrowingTransactionRollsBack() throws {
        struct Abort: Error {}
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let db = try SQLiteDatabase(path: temp.file("a.db"))
        try db.execute("CREATE TABLE t (x INTEGER UNIQUE)")
        #expect(throws: Abort.self) {
            try db.transaction {
                try db.run("INSERT INTO t VALUES (1)")
                throw Abort()
            }
        }
        #expect(try db.query("SELECT count(*) FROM t").first?.first?.int == 0)
        try db.run("INSERT INTO t VALUES (1)")
        let duplicate = #expect(throws: SQLiteError.self) { try db.run("INSERT INTO t VALUES (1)") }
        #expect(duplicate?.isConstraint == true)
        #expect(duplicate?.description.contains("UNIQUE constraint failed") == true)
    }

    @Test func aSecondWriterWaitsForTheBusyTimeoutThenReportsBusy() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let first = try SQLiteDatabase(path: temp.file("a.db"))
        try first.execute("CREATE TABLE t (x)")
        let second = try SQLiteDatabase(path: temp.file("a.db"), options: SQLiteOpenOptions(busyTimeoutMilliseconds: 100))
        try first.execute("BEGIN IMMEDIATE")
        let start = ContinuousClock.now
        let busy = #expect(throws: SQLiteError.self) { try second.execute("BEGIN IMMEDIATE") }
        #expect(busy?.isBusy == true)
        #expect(ContinuousClock.now - start >= .milliseconds(90))
        try first.execute("COMMIT")
        try second.execute("BEGIN IMMEDIATE; INSERT INTO t VALUES (1); COMMIT")
    }

    @Test func syntaxErrorsNameTheStatement() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let db = try SQLiteDatabase(path: temp.file("a.db"))
        let error = #expect(throws: SQLiteError.self) { try db.query("SELEC 1") }
        #expect(error?.description.contains("SELEC 1") == true)
        let unopenable = #expect(throws: SQLiteError.self) { try SQLiteDatabase(path: temp.file("missing/dir/a.db")) }
        #expect(unopenable?.description.contains("missing/dir") == true)
    }
}
