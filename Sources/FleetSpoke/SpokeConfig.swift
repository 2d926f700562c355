import FleetModel

/// The spoke's configuration (`spoke --config spoke.yaml`); unknown keys are errors.
public struct SpokeConfig: Sendable {
    public var hubURL: String = ""
    public var cluster: String = ""
    public var token: String = ""
    public var hubPublicKey: String = ""
    public var caFile: String?
    public var stateDirectory: String = "/var/lib/fleet-spoke"
    public var driver: String = "local"
    /// kubeconfig for the kubernetes driver; nil: the pod's service account.
    public var kubeconfig: String?
    /// How long each plan long-poll may wait; also the longest time between two ticks.
    public var pollWait: KubeDuration = .seconds(10)
    public var waveTimeout: KubeDuration = .minutes(2)
    public var readyDelay: KubeDuration = .seconds(2)
    public var failingImages: [String] = []
    public var maxQueuedReports: Int = 100

    public static let keys: [(String, String)] = [
        ("hub", "the hub's URL, e.g. https://hub.example.com:8080 (required)"),
        ("cluster", "this cluster's name, as in its Cluster record (required)"),
        ("tokenFile", "file holding the spoke token from `fleet cluster enroll` (required)"),
        ("hubPublicKey / hubPublicKeyFile", "the hub's Ed25519 plan-signing key, base64 (required; plans that do not verify are refused)"),
        ("caFile", "CA bundle for the hub's TLS certificate"),
        ("stateDir", "where the verified plan, the spoke's memory and the local cluster live (default /var/lib/fleet-spoke)"),
        ("driver", "local (the embedded cluster) or kubernetes"),
        ("kubeconfig", "kubernetes driver: a kubeconfig file (default: the pod's service account)"),
        ("pollWait", "longest wait of a plan long-poll, and so between two ticks (default 10s)"),
        ("waveTimeout", "how long a sync waits for a wave to be healthy (default 2m)"),
        ("local.readyDelay", "local driver: how long a workload takes to become ready, a duration (default 2s)"),
        ("local.failingImages", "local driver: images that never become ready"),
        ("maxQueuedReports", "reports kept while the hub is unreachable, newest kept (default 100)"),
    ]

    public init() {}

    public init(_ value: Value, file: String, read: (String) throws -> String) throws(SpokeError) {
        func fail(_ key: String, _ reason: String) -> SpokeError { SpokeError("\(file): \(key): \(reason)") }
        guard case .object(let root) = value else { throw SpokeError("\(file): the configuration must be a YAML map") }
        let allowed: Set<String> = ["hub", "cluster", "tokenFile", "hubPublicKey", "hubPublicKeyFile", "caFile", "stateDir", "driver", "kubeconfig", "pollWait", "waveTimeout", "local", "maxQueuedReports"]
        for key in root.keys where !allowed.contains(key) { throw fail(key, "unknown key (see spoke --help)") }
        func string(_ key: String) -> String? { root[key]?.scalarText }
        func duration(_ key: String, _ v: Value?) throws(SpokeError) -> KubeDuration? {
            guard let text = v?.scalarText else { return nil }
            guard let d = try? KubeDuration(parsing: text), d.nanoseconds > 0 else { throw fail(key, "\"\(text)\" is not a duration (500ms, 30s, 5m)") }
            return d
        }
        guard let hub = string("hub"), hub.hasPrefix("http://") || hub.hasPrefix("https://") else { throw fail("hub", "is required: the hub's http(s) URL") }
        hubURL = hub.hasSuffix("/") ? String(hub.dropLast()) : hub
        guard let cluster = string("cluster"), !cluster.isEmpty else { throw fail("cluster", "is required") }
        self.cluster = cluster
        guard let tokenFile = string("tokenFile") else { throw fail("tokenFile", "is required") }
        do { token = try read(tokenFile).trimmingWhitespace() } catch { throw fail("tokenFile", "cannot read \(tokenFile): \(error)") }
        guard !token.isEmpty else { throw fail("tokenFile", "\(tokenFile) is empty") }
        if let key = string("hubPublicKey") {
            hubPublicKey = key
        } else if let keyFile = string("hubPublicKeyFile") {
            do { hubPublicKey = try read(keyFile).trimmingWhitespace() } catch { throw fail("hubPublicKeyFile", "cannot read \(keyFile)") }
        } else {
            throw fail("hubPublicKey", "is required: the hub prints its plan-signing key at start (GET /api/v1/hub shows it too)")
        }
        _ = try PlanVerifier(publicKeyBase64: hubPublicKey)
        caFile = string("caFile")
        stateDirectory = string("stateDir") ?? stateDirectory
        driver = string("driver") ?? driver
        guard driver == "local" || driver == "kubernetes" else { throw fail("driver", "must be local or kubernetes") }
        kubeconfig = string("kubeconfig")
        pollWait = try duration("pollWait", root["pollWait"]) ?? pollWait
        waveTimeout = try duration("waveTimeout", root["waveTimeout"]) ?? waveTimeout
        if case .object(let local)? = root["local"] {
            for key in local.keys where key != "readyDelay" && key != "failingImages" { throw fail("local.\(key)", "unknown key") }
            readyDelay = try duration("local.readyDelay", local["readyDelay"]) ?? readyDelay
            failingImages = (local["failingImages"]?.arrayValue ?? []).compactMap(\.stringValue)
        }
        if let n = root["maxQueuedReports"] {
            guard let count = n.intValue, count >= 1 else { throw fail("maxQueuedReports", "must be a positive integer") }
            maxQueuedReports = count
        }
    }
}
