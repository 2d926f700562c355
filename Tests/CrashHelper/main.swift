// A child process for crash tests: writes to a database and is killed with SIGKILL by the test
// at a known point (mid-transaction) or at a random one (between and inside transactions).
// Usage:
//   fleet-crash-helper sqlite|grdb PATH COMMITTED   commit COMMITTED rows, then hang mid-transaction
//   fleet-crash-helper sqlite-loop PATH             commit batches of 500 rows forever
import FleetHubStore
import FleetSQLite
import Foundation
import GRDB

func say(_ line: String) {
    print(line)
    fflush(nil)
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: fleet-crash-helper sqlite|grdb|sqlite-loop PATH [COMMITTED]\n".utf8))
    exit(2)
}
let mode = arguments[1]
let path = arguments[2]
let committed = arguments.count > 3 ? Int(arguments[3]) ?? 0 : 0

switch mode {
case "sqlite", "sqlite-loop":
    let db = try SQLiteDatabase(path: path)
    try db.migrate([SQLiteMigration(version: 1, sql: "CREATE TABLE rows (n INTEGER NOT NULL, batch INTEGER NOT NULL)")])
    if mode == "sqlite-loop" {
        var batch = 0
        while true {
            batch += 1
            try db.transaction {
                for n in 0..<500 { try db.run("INSERT INTO rows (n, batch) VALUES (?, ?)", [.integer(Int64(n)), .integer(Int64(batch))]) }
            }
            say("batch \(batch)")
        }
    }
    try db.transaction {
        for n in 0..<committed { try db.run("INSERT INTO rows (n, batch) VALUES (?, 1)", [.integer(Int64(n))]) }
    }
    say("committed")
    try db.execute("BEGIN IMMEDIATE")
    for n in 0..<5000 { try db.run("INSERT INTO rows (n, batch) VALUES (?, 2)", [.integer(Int64(n))]) }
    say("in-transaction")
    while true { sleep(60) }
case "grdb":
    let db = try HubDatabase(path: path)
    for n in 0..<committed { try db.setMetadata("committed-\(n)", "\(n)") }
    say("committed")
    try db.pool.writeWithoutTransaction { database in
        try database.execute(sql: "BEGIN IMMEDIATE")
        for n in 0..<5000 {
            try database.execute(sql: "INSERT INTO meta (key, value, updatedAt) VALUES (?, ?, ?)", arguments: ["pending-\(n)", "\(n)", Date()])
        }
        say("in-transaction")
        while true { sleep(60) }
    }
default:
    FileHandle.standardError.write(Data("unknown mode \(mode)\n".utf8))
    exit(2)
}
