import ArgumentParser
import FleetCommandSupport
import FleetFiles
import FleetKube
import FleetReconcile
import FleetModel
import FleetSpoke
import FleetYAML

#if canImport(Glibc)
import Glibc
#endif

/// `spoke`: the small agent in each cluster that pulls its plan and reconciles the cluster.
@main
struct SpokeCommand: ParsableCommand {
    static func main() {
        // Everything the spoke writes (plans, its memory, kubeconfig scratch files) is its own.
        umask(0o077)
        runCommand(Self.self)
    }

    static let configuration = CommandConfiguration(
        commandName: "spoke",
        abstract: "The fleet spoke agent: pulls this cluster's plan from the hub, reconciles the cluster to it and reports back.",
        discussion: """
            `spoke --config FILE` runs the agent against a hub: it long-polls its plan, checks the hub's signature (plans that do not verify are refused and reported), keeps the last verified plan on disk and enforces it even while the hub is unreachable, reconciles every tick, and reports (queued while the hub is away).

            Configuration keys (YAML; durations like 500ms, 30s, 5m):
            \(SpokeConfig.keys.map { "  \($0.0): \($0.1)" }.joined(separator: "\n"))

             `spoke apply --plan FILE` reconciles a cluster once to a plan file with no hub (the rebuild path when the hub is lost). `spoke local ...` inspects and edits the embedded local cluster.

            Exit codes: 0 ok, 1 failure, 2 usage error, 3 not synced (or not healthy when asked to wait for health).
            """,
        version: FleetVersion.current,
        subcommands: [ApplyCommand.self, LocalCommand.self, ProbeCommand.self]
    )

    @Option(name: .long, help: "Path of the spoke's configuration file (YAML).")
    var config: String?

    func run() throws {
        guard let config else { throw CleanExit.helpRequest(self) }
        let text: String
        do { text = String(decoding: try LocalPaths.read(config), as: UTF8.self) } catch { throw SpokeFailure("\(error)") }
        let value: Value
        do { value = try YAML.parse(text, source: config) } catch { throw SpokeFailure("\(error)") }
        let base = config.contains("/") ? String(config[..<config.lastIndex(of: "/")!]) : "."
        let configuration = try SpokeConfig(value, file: config) { path in
            String(decoding: try LocalPaths.read(path.hasPrefix("/") ? path : base + "/" + path), as: UTF8.self)
        }
        let driver: ClusterDriver
        let state: SpokeState
        if configuration.driver == "kubernetes" {
            let session = try KubernetesSession(state: configuration.stateDirectory, kubeconfig: configuration.kubeconfig)
            driver = session.driver
            state = session.reconciler.state
        } else {
            let session = try LocalSession(state: configuration.stateDirectory, readyDelay: configuration.readyDelay.seconds,
                                           failingImages: Set(configuration.failingImages))
            driver = session.cluster
            state = session.reconciler.state
        }
        let agent = try SpokeAgent(config: configuration, driver: driver, state: state)
        agent.log = { line in
            print(line)
            fflush(nil)
        }
        signal(SIGTERM) { _ in SpokeCommand.stop = 1 }
        signal(SIGINT) { _ in SpokeCommand.stop = 1 }
        // A parent may have started us with these blocked (a supervisor, a test runner's
        // thread): then `kill` would never stop the agent.
        var handled = sigset_t()
        sigemptyset(&handled)
        sigaddset(&handled, SIGTERM)
        sigaddset(&handled, SIGINT)
        sigprocmask(SIG_UNBLOCK, &handled, nil)
        print("spoke: cluster \(configuration.cluster), hub \(configuration.hubURL), state \(configuration.stateDirectory)\(agent.plan == nil ? "" : ", enforcing the last verified plan until the hub answers")")
        fflush(nil)
        agent.run { SpokeCommand.stop != 0 }
    }

    nonisolated(unsafe) static var stop: sig_atomic_t = 0
}
