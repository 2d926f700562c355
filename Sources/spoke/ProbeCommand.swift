import ArgumentParser
import FleetCommandSupport
import FleetModel

#if canImport(Glibc)
import Glibc
#endif

/// `spoke probe live|ready`: the container's liveness and readiness checks, in the spoke
/// itself, so its image needs no shell (it is built `FROM scratch`).
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Liveness and readiness checks for the spoke's container (exit 0 ok, 1 not).",
        discussion: """
            live: the agent wrote its state (spoke.sqlite or its write-ahead log) within --max-age: it writes every tick, so a stalled agent fails this and is restarted. ready: the state exists and is not empty (the agent has started and holds its memory).
            """
    )

    @Argument(help: "live or ready.") var check: String
    @Option(name: .long, help: "The spoke's state directory.") var state: String = "/var/lib/fleet-spoke"
    @Option(name: .long, help: "live: the longest the state may go unwritten (a duration).") var maxAge: String = "5m"

    func validate() throws {
        guard check == "live" || check == "ready" else { throw ValidationError("the probe is live or ready, not \"\(check)\"") }
        try DurationOption.parse(maxAge, option: "--max-age", minimum: 1)
    }

    func run() throws {
        let database = state + "/spoke.sqlite"
        func modified(_ path: String) -> (time: Double, size: Int)? {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            return (Double(info.st_mtim.tv_sec), Int(info.st_size))
        }
        guard let main = modified(database), main.size > 0 else { throw SpokeFailure("not ready: \(database) does not exist yet") }
        if check == "ready" { return }
        let newest = [main.time, modified(database + "-wal")?.time ?? 0].max() ?? 0
        let age = SystemClock.now() - newest
        let limit = try KubeDuration(parsing: maxAge).seconds
        if age > limit { throw SpokeFailure("not live: \(database) was last written \(Int(age))s ago (more than \(maxAge)): the agent is stalled") }
    }
}
