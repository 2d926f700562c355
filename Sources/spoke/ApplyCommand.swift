import ArgumentParser
import FleetCommandSupport
import FleetFiles
import FleetKube
import FleetModel
import FleetProtocol
import FleetSpoke
import FleetYAML

/// `spoke apply --plan FILE`: reconcile once, with no hub.
struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Reconcile the cluster once to a plan file (as `fleet render --cluster` prints it), with no hub.",
        discussion: """
            Applies every Application of the plan wave by wave (waiting for each wave to be healthy), prunes what they no longer have (with the plan's guards), prints the report as JSON and exits 0 only when every Application is Synced, and also Healthy with --wait-healthy (else 3).

            With --hub-key the plan must carry the hub's signature (in PLAN.sig, or --signature FILE: the \(PlanFormat.signatureHeader) header the hub served with it) and is refused when it does not verify. Without it the plan is applied unverified, which stderr and the report ("verified": false) say. --cluster refuses a plan made for another cluster.

            This is how an operator rebuilds a cluster from Git when the hub itself is lost: `fleet render --repo FLEET --cluster NAME > plan.json && spoke apply --plan plan.json --wait-healthy`.
            """
    )

    @Option(name: .long, help: "The plan file (JSON).")
    var plan: String

    @Option(name: .long, help: "The hub's plan-signing public key (base64, or @FILE): verify the plan's signature before applying it.")
    var hubKey: String?

    @Option(name: .long, help: "The plan's signature file (default: PLAN.sig), as the hub serves it in \(PlanFormat.signatureHeader).")
    var signature: String?

    @Option(name: .long, help: "Refuse the plan unless it was made for this cluster.")
    var cluster: String?

    @Option(name: .long, help: "Cluster driver: local (the embedded cluster) or kubernetes.")
    var driver: String = "local"

    @Option(name: .long, help: "State directory (the local cluster's objects and the spoke's memory).")
    var state: String = "spoke-state"

    @Option(name: .long, help: "Kubeconfig file for the kubernetes driver.")
    var kubeconfig: String?

    @Flag(name: .long, help: "Wait until every Application is Healthy as well as Synced.")
    var waitHealthy = false

    @Option(name: .long, help: "How long to wait for health (a duration like 30s or 5m).")
    var timeout: String = "5m"

    @Flag(name: .long, help: "Decide and report, change nothing.")
    var dryRun = false

    @Option(name: .long, help: "Local driver: how long before a workload becomes ready (a duration; default 2s, kept with the cluster).")
    var readyDelay: String?

    @Option(name: .long, parsing: .singleValue, help: "Local driver: an image that never becomes ready (repeatable).")
    var failingImage: [String] = []

    func validate() throws {
        guard driver == "local" || driver == "kubernetes" else { throw ValidationError("--driver must be local or kubernetes") }
        try DurationOption.parse(timeout, option: "--timeout")
        if let readyDelay { try DurationOption.parse(readyDelay, option: "--ready-delay") }
    }

    func run() throws {
        let bytes: [UInt8]
        do { bytes = try LocalPaths.read(plan) } catch { throw SpokeFailure("\(error)") }
        let document: Plan
        do { document = try Plan(json: bytes) } catch {
            throw SpokeFailure("\(plan): not a plan of format version \(PlanFormat.version) (fleet render --cluster NAME prints one): \(error)")
        }
        if let cluster, document.cluster != cluster {
            throw SpokeFailure("\(plan) is the plan of cluster \(document.cluster), not \(cluster): refused")
        }
        let verified = try verify(bytes)
        if !verified {
            printError("spoke apply: warning: \(plan) is not verified (no --hub-key): it is applied as it is, whoever wrote it")
        } else if cluster == nil {
            // The signature proves the hub made it, not that it is this cluster's.
            printError("spoke apply: note: \(plan) is the hub's plan of cluster \(document.cluster); give --cluster \(document.cluster) so a plan of another cluster is refused")
        }
        let reconciler: Reconciler
        if driver == "kubernetes" {
            let kube = try KubernetesSession(state: state, kubeconfig: kubeconfig)
            reconciler = kube.reconciler
        } else {
            reconciler = try LocalSession(state: state, readyDelay: try readyDelay.map { try KubeDuration(parsing: $0).seconds },
                                          failingImages: failingImage.isEmpty ? nil : Set(failingImage)).reconciler
        }
        reconciler.waveTimeout = try KubeDuration(parsing: timeout).seconds
        let deadline = reconciler.clock() + reconciler.waveTimeout
        var report = try reconciler.reconcile(plan: document, dryRun: dryRun)
        while waitHealthy, !dryRun, !report.healthy, reconciler.clock() < deadline {
            reconciler.sleep(0.5)
            report = try reconciler.reconcile(plan: document)
        }
        print(JSON.encode(report.printed(verified: verified, dryRun: dryRun), options: [.pretty, .sortedKeys]))
        let ok = report.synced && (!waitHealthy || report.healthy)
        if !ok { throw NotSynced() }
    }
}

extension ApplyCommand {
    /// Checks the plan's signature when a hub key is given; false when there is none to check.
    func verify(_ bytes: [UInt8]) throws -> Bool {
        guard let hubKey else { return false }
        let keyText: String
        if hubKey.hasPrefix("@") {
            do { keyText = String(decoding: try LocalPaths.read(String(hubKey.dropFirst())), as: UTF8.self) } catch { throw SpokeFailure("--hub-key: \(error)") }
        } else {
            keyText = hubKey
        }
        let verifier: PlanVerifier
        do { verifier = try PlanVerifier(publicKeyBase64: keyText) } catch { throw SpokeFailure("--hub-key: \(error)") }
        let signatureFile = signature ?? plan + ".sig"
        let signatureText: String
        do { signatureText = String(decoding: try LocalPaths.read(signatureFile), as: UTF8.self) } catch {
            throw SpokeFailure("--hub-key needs the plan's signature: cannot read \(signatureFile) (\(error)); give it with --signature FILE")
        }
        guard verifier.verify(bytes, signature: signatureText) else {
            throw SpokeFailure("\(plan) does not verify against the hub key with signature \(signatureFile): refused (tampered, or signed by another hub)")
        }
        return true
    }
}

struct NotSynced: Error, ExitCodeProviding, CustomStringConvertible {
    var exitCode: Int32 { FleetExitCode.notHealthy }
    var description: String { "not every Application is synced and healthy (see the report)" }
}

struct SpokeFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A real cluster (kubeconfig, $KUBECONFIG, or the pod's service account) and the spoke's
/// state under the state directory.
struct KubernetesSession {
    let driver: KubeDriver
    let reconciler: Reconciler

    init(state: String, kubeconfig: String?) throws {
        if !LocalPaths.isDirectory(state) {
            guard mkdir(state, 0o700) == 0 else { throw SpokeFailure("cannot create the state directory \(state)") }
        }
        let connection: KubeConnection
        let environment = ProcessEnvironment.all()
        if let path = kubeconfig ?? environment["KUBECONFIG"]?.split(separator: ":").first.map(String.init) {
            let text: String
            do { text = String(decoding: try LocalPaths.read(path), as: UTF8.self) } catch { throw SpokeFailure("\(error)") }
            let scratch = state + "/kube"
            if !LocalPaths.isDirectory(scratch) { mkdir(scratch, 0o700) }
            connection = try KubeConnection.kubeconfig(text, path: path, scratch: scratch)
        } else {
            connection = try KubeConnection.inCluster(environment: environment)
        }
        driver = KubeDriver(connection: connection)
        reconciler = Reconciler(driver: driver, state: try SpokeState(path: state + "/spoke.sqlite"))
    }
}


/// The local cluster and the spoke's state under one state directory.
struct LocalSession {
    let cluster: LocalCluster
    let reconciler: Reconciler

    init(state: String, readyDelay: Double? = nil, failingImages: Set<String>? = nil) throws {
        if !LocalPaths.isDirectory(state) {
            guard mkdir(state, 0o700) == 0 else { throw SpokeFailure("cannot create the state directory \(state)") }
        }
        cluster = try LocalCluster(path: state + "/cluster.sqlite", readyDelay: readyDelay, failingImages: failingImages)
        reconciler = Reconciler(driver: cluster, state: try SpokeState(path: state + "/spoke.sqlite"))
    }
}

#if canImport(Glibc)
import Glibc
#endif
