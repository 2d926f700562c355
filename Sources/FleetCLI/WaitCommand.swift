import ArgumentParser
import FleetCommandSupport
import FleetModel

/// `fleet wait APP --healthy --timeout D`: for pipelines.
struct WaitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wait", abstract: "Wait until an Application is Synced (and Healthy with --healthy); exit 3 on timeout.")
    @OptionGroup var hub: HubOptions
    @Argument var application: String
    @Flag(name: .long) var healthy = false
    @Option(name: .long, help: "A duration (30s, 5m).") var timeout: String = "5m"

    func validate() throws {
        guard (try? KubeDuration(parsing: timeout)) != nil else { throw ValidationError("--timeout \"\(timeout)\" is not a duration") }
    }

    func run() throws {
        let client = try hub.client()
        let deadline = SystemClock.monotonic() + (try KubeDuration(parsing: timeout)).seconds
        let progress = ProgressLine()
        defer { progress.finish() }
        var last: Value = .null
        while true {
            last = try client.call("GET", "/api/v1/applications/\(application)")
            let done = last["sync"] == "Synced" && (!healthy || last["health"] == "Healthy")
            if done {
                hub.print(last) { "\(application): \(last["sync"]?.stringValue ?? ""), \(last["health"]?.stringValue ?? "")\n" }
                return
            }
            if SystemClock.monotonic() >= deadline { break }
            progress.update("\(application): \(last["sync"]?.stringValue ?? "Unknown"), \(last["health"]?.stringValue ?? "Unknown")")
            SystemClock.sleep(1)
        }
        throw NotHealthy(description: "\(application) is \(last["sync"]?.stringValue ?? "Unknown"), \(last["health"]?.stringValue ?? "Unknown") after \(timeout)")
    }

}
