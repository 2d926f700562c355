import CSQLite
#if canImport(Glibc)
import Glibc
#endif

/// A schema change applied once, in order; `version` is stored in `PRAGMA user_version`.
public struct SQLiteMigration: Sendable {
    public var version: Int
    public var sql: String

    public init(version: Int, sql: String) {
        self.version = version
        self.sql = sql
    }
}

/// How a database is opened.
public struct SQLiteOpenOptions: Sendable {
    /// How long a statement waits for another connection's lock before failing with BUSY.
    public var busyTimeoutMilliseconds: Int32
    /// `FULL` makes every commit durable across power loss (one fsync per commit); `NORMAL`
    /// is durable across process crashes only. The spoke writes rarely and favours FULL.
    public var synchronousFull: Bool
    public var readOnly: Bool

    public init(busyTimeoutMilliseconds: Int32 = 5000, synchronousFull: Bool = true, readOnly: Bool = false) {
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.synchronousFull = synchronousFull
        self.readOnly = readOnly
    }
}

/// A SQLite database on the C API: the spoke's light-weight store.
///
/// The hub uses GRDB; the spoke cannot (GRDB pulls in full Foundation, ~19 MB of the spoke's
/// 20 MiB budget, see TOOLCHAIN.md). This wrapper does only what the spoke needs: WAL,
/// a busy timeout, transactions, prepared statements and versioned migrations. Not `Sendable`:
/// one connection per thread, as SQLite's default threading mode expects.
public final class SQLiteDatabase {
    let handle: OpaquePointer
    public let path: String

    public init(path: String, options: SQLiteOpenOptions = SQLiteOpenOptions()) throws(SQLiteError) {
        self.path = path
        if !options.readOnly { Self.restrictToOwner(path) }
        var db: OpaquePointer?
        let flags = options.readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            // Even a failed open may allocate a handle, which must be closed.
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open database"
            sqlite3_close_v2(db)
            throw SQLiteError(code: rc & 0xFF, extendedCode: rc, message: message, sql: nil, path: path)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, options.busyTimeoutMilliseconds)
        if !options.readOnly {
            try execute("PRAGMA journal_mode = WAL")
            try execute("PRAGMA synchronous = \(options.synchronousFull ? "FULL" : "NORMAL")")
        }
        try execute("PRAGMA foreign_keys = ON")
    }

    /// Creates the database file readable by its owner only (SQLite gives its WAL and shared
    /// memory files the same mode), or narrows an existing one: it holds plans, the spoke's
    /// memory of the cluster and report queues.
    private static func restrictToOwner(_ path: String) {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            fchmod(descriptor, 0o600)
            close(descriptor)
        }
        for suffix in ["-wal", "-shm"] { chmod(path + suffix, 0o600) }
    }

    deinit { sqlite3_close_v2(handle) }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw SQLiteError(code: rc & 0xFF, extendedCode: sqlite3_extended_errcode(handle), message: text, sql: sql, path: path)
        }
    }

    public func prepare(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        try SQLiteStatement(database: self, sql: sql)
    }

    /// Runs a statement with parameters, discarding any rows.
    public func run(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) {
        let statement = try prepare(sql)
        try statement.bind(values)
        while try statement.step() {}
    }

    /// Runs a query with parameters and returns every row.
    public func query(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) -> [[SQLiteValue]] {
        let statement = try prepare(sql)
        try statement.bind(values)
        return try statement.rows()
    }

    /// Runs `body` in an immediate transaction: committed if it returns, rolled back if it
    /// throws, so a crash or error never leaves half a change.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// The rowid of the last inserted row on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// The schema version recorded by `migrate`.
    public func userVersion() throws(SQLiteError) -> Int {
        try query("PRAGMA user_version").first?.first?.int ?? 0
    }

    /// Applies the migrations newer than the stored version, each in its own transaction
    /// together with the version bump. Refuses a database newer than this program knows.
    public func migrate(_ migrations: [SQLiteMigration]) throws {
        let current = try userVersion()
        let known = migrations.map(\.version).max() ?? 0
        if current > known {
            throw SQLiteError(code: SQLITE_ERROR, extendedCode: SQLITE_ERROR,
                              message: "database schema version \(current) is newer than this program's \(known); upgrade the program or restore a backup",
                              sql: nil, path: path)
        }
        for migration in migrations.sorted(by: { $0.version < $1.version }) where migration.version > current {
            try transaction {
                try execute(migration.sql)
                try execute("PRAGMA user_version = \(migration.version)")
            }
        }
    }

    /// `PRAGMA integrity_check`: "ok" for a sound database, otherwise SQLite's findings.
    public func integrityCheck() throws(SQLiteError) -> String {
        try query("PRAGMA integrity_check").compactMap { $0.first?.text }.joined(separator: "; ")
    }

    func error(_ rc: Int32, sql: String?) -> SQLiteError {
        SQLiteError(code: rc & 0xFF, extendedCode: sqlite3_extended_errcode(handle),
                    message: String(cString: sqlite3_errmsg(handle)), sql: sql, path: path)
    }
}
