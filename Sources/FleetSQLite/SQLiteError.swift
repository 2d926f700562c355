import CSQLite

/// A failed SQLite call: the result code, the extended code, SQLite's message and the
/// statement concerned, so a log line says exactly what broke.
public struct SQLiteError: Error, CustomStringConvertible, Equatable, Sendable {
    public var code: Int32
    public var extendedCode: Int32
    public var message: String
    public var sql: String?
    public var path: String

    public var description: String {
        var text = "sqlite error \(extendedCode) on \(path): \(message)"
        if let sql { text += " (in: \(sql.prefix(200)))" }
        return text
    }

    /// The database is locked by another writer for longer than the busy timeout.
    public var isBusy: Bool { code == SQLITE_BUSY || code == SQLITE_LOCKED }
    /// The disk or the file system is full.
    public var isFull: Bool { code == SQLITE_FULL }
    /// A UNIQUE, PRIMARY KEY, FOREIGN KEY or CHECK constraint failed.
    public var isConstraint: Bool { code == SQLITE_CONSTRAINT }
}
