import ArgumentParser
import FleetCommandSupport
import FleetModel
import FleetProtocol

/// `fleet wait APP --healthy --timeout D`: for pipelines.
struct WaitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wait", abstract: "Wait until an Application is Synced (and Healthy with --healthy); exit 3 on timeout.")
    @OptionGroup var hub: HubOptions
    @Argument var application: String
    @Flag(name: .long) var healthy = false
    @Option(name: .long, help: "A duration (30s, 5m).") var timeout: String = "5m"

    func validate() throws {
        try DurationOption.parse(timeout, option: "--timeout")
    }

    func run() throws {
        let client = try hub.client()
        let deadline = SystemClock.monotonic() + (try KubeDuration(parsing: timeout)).seconds
        let progress = ProgressLine()
        defer { progress.finish() }
        var last = ApplicationView(name: application, cluster: "", sync: SyncStatus.unknown.rawValue, health: HealthStatus.unknown.rawValue)
        while true {
            let (value, view) = try client.view("/api/v1/applications/\(application)", ApplicationView.init)
            last = view
            if view.sync == SyncStatus.synced.rawValue && (!healthy || view.health == HealthStatus.healthy.rawValue) {
                hub.print(value) { "\(application): \(view.sync), \(view.health)\n" }
                return
            }
            if SystemClock.monotonic() >= deadline { break }
            progress.update("\(application): \(view.sync), \(view.health)")
            SystemClock.sleep(1)
        }
        throw NotHealthy(description: "\(application) is \(last.sync), \(last.health) after \(timeout)")
    }

}
