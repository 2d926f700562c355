import FleetAppSet
import FleetGit
import FleetModel
import FleetPlan
import FleetYAML
import Foundation

/// Why a configuration cannot be used: the file, the key and the reason.
public struct HubConfigError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var key: String
    public var reason: String
    public var description: String { key.isEmpty ? "\(file): \(reason)" : "\(file): \(key): \(reason)" }
}

/// Credentials for repositories whose URL starts with a prefix. Secrets are read from files
/// or environment variables named here, never written in the configuration itself.
public struct RepositoryCredentials: Sendable {
    public var urlPrefix: String
    public var credentials: GitCredentials
    public var insecureSkipTLSVerify: Bool
    public var sshHostKeyFingerprints: [String]
}

/// The hub's configuration (`hub --config hub.yaml`). Every key is documented in `hub --help`
/// and hub/hub.yaml; unknown keys are errors, so a typo never silently falls back to a default.
public struct HubConfig: Sendable {
    public var listenHost: String = "127.0.0.1"
    public var listenPort: Int = 8080
    public var stateDirectory: String = "/var/lib/fleet-hub"
    public var repositoryURL: String = ""
    public var branch: String = "main"
    /// Subdirectory of the fleet repository holding clusters/, applicationsets/, applications/.
    public var repositoryPath: String = ""
    /// Other URLs Applications use for the fleet repository (the hub may read it from a local
    /// path or a mirror while Applications name its public URL).
    public var repositoryAliases: [String] = []

    /// Whether `url` names the fleet repository: its URL or an alias, in any spelling Argo CD
    /// takes as the same (`RepositoryURL`).
    public func isFleetRepository(_ url: String) -> Bool {
        RepositoryURL.same(url, repositoryURL) || repositoryAliases.contains { RepositoryURL.same($0, url) }
    }
    public var pollInterval: KubeDuration = .seconds(15)
    public var credentials: [RepositoryCredentials] = []
    public var webhookSecret: String?
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    /// Where the first admin token is written (mode 0600) besides being printed once.
    public var adminTokenFile: String?
    public var reportRetention: KubeDuration = .hours(168)
    public var planHistory: Int = 100
    /// Audit events older than this are dropped, and beyond `maxEvents` the oldest.
    public var eventRetention: KubeDuration = .hours(24 * 90)
    public var maxEvents: Int = 1_000_000
    /// A cluster whose spoke has not reported for this long is shown stale.
    public var staleAfter: KubeDuration = .seconds(90)
    /// Largest accepted request body.
    public var maxBodyBytes: Int = 4 << 20
    /// Most connections open at once (never above the file-descriptor limit minus a reserve).
    public var maxConnections: Int = 10_000
    /// A connection with no request under way is closed after this.
    public var idleTimeout: KubeDuration = .seconds(60)
    /// A request head must arrive whole within this of its first byte.
    public var headerTimeout: KubeDuration = .seconds(10)
    /// A request body must arrive whole within this of its head.
    public var bodyTimeout: KubeDuration = .seconds(60)
    /// Bytes of webhook bodies held, in all, before their signature is checked.
    public var webhookBufferBytes: Int = 32 << 20
    /// Reports a spoke may send per minute (a burst of this many, then this rate).
    public var reportsPerMinute: Int = 60
    /// Report bytes a spoke may send per minute.
    public var reportBytesPerMinute: Int = 32 << 20
    /// Report bytes kept per cluster in the database (the newest report always is).
    public var reportBytesPerCluster: Int = 16 << 20
    /// Largest plan the hub publishes: what a spoke accepts in one response.
    public var maxPlanBytes: Int = PlanningLimits.spokeResponseLimit
    /// Longest time one ApplicationSet may take to generate, or one source to render.
    public var renderTimeout: KubeDuration = .seconds(30)
    /// `kustomize.buildOptions: --enable-helm` (Argo CD's argocd-cm key of the same name).
    public var kustomizeEnableHelm = false
    /// The ApplicationSet controller's policy and whether ApplicationSets may override it
    /// (Argo CD's `applicationsetcontroller.policy` and `.enable.policy.override`).
    public var applicationSetPolicy = ApplicationSetPolicy()
    /// A planning round running longer than this makes /readyz fail (the planner is stuck).
    public var stuckPlannerAfter: KubeDuration = .minutes(10)

    public init() {}

    /// Every key with what it means, for `hub --help` and the example file.
    public static let keys: [(String, String)] = [
        ("listen", "host:port to serve on (default 127.0.0.1:8080)"),
        ("stateDir", "directory for the database, signing key and repository mirrors (default /var/lib/fleet-hub)"),
        ("repository.url", "the fleet repository: a local path, file://, https:// or ssh:// URL (required)"),
        ("repository.branch", "branch to follow (default main)"),
        ("repository.path", "subdirectory holding clusters/, applicationsets/ and applications/ (default: the root)"),
        ("repository.aliases", "other URLs Applications use for the fleet repository (not needed for spellings Argo CD takes as the same: .git, case, scp-like SSH)"),
        ("repository.pollInterval", "how often to fetch (default 15s); webhooks fetch at once"),
        ("credentials[].urlPrefix", "credentials apply to repository URLs starting with this"),
        ("credentials[].username", "HTTPS or SSH user name"),
        ("credentials[].passwordFile / passwordEnv", "HTTPS password or access token, from a file or an environment variable"),
        ("credentials[].sshKeyFile", "SSH private key (ed25519 or ECDSA)"),
        ("credentials[].sshKnownHostFingerprints", "SHA256:... fingerprints of trusted SSH host keys"),
        ("credentials[].insecureSkipTLSVerify", "accept any TLS certificate (test servers only)"),
        ("webhook.secretFile / webhook.secretEnv", "HMAC secret of push webhooks (GitHub X-Hub-Signature-256, GitLab X-Gitlab-Token)"),
        ("tls.certFile, tls.keyFile", "serve HTTPS with this PEM certificate chain and private key"),
        ("tokens.adminTokenFile", "write the first admin token here (mode 0600) as well as printing it"),
        ("retention.reports", "keep spoke reports this long (default 168h); the latest per cluster is always kept"),
        ("retention.planHistory", "plans kept per cluster (default 100)"),
        ("retention.events", "audit events kept this long (default 2160h, 90 days)"),
        ("retention.maxEvents", "audit events kept at most, oldest dropped first (default 1000000)"),
        ("retention.reportBytesPerCluster", "report bytes kept per cluster, oldest dropped first (default 16777216)"),
        ("staleAfter", "a cluster whose spoke has not reported for this long is stale (default 90s)"),
        ("limits.maxBodyBytes", "largest request body accepted (default 4194304)"),
        ("limits.maxConnections", "most connections open at once; at the cap the longest-idle one is closed to admit a new one (default 10000, never above the file-descriptor limit)"),
        ("limits.idleTimeout", "close a connection with no request under way after this (default 60s)"),
        ("limits.headerTimeout", "a request head must arrive within this of its first byte (default 10s)"),
        ("limits.bodyTimeout", "a request body must arrive within this of its head (default 60s)"),
        ("limits.webhookBufferBytes", "webhook body bytes held in all before their signature is checked (default 33554432)"),
        ("limits.reportsPerMinute", "reports one spoke may send per minute; more get 429 (default 60)"),
        ("limits.reportBytesPerMinute", "report bytes one spoke may send per minute; more get 429 (default 33554432)"),
        ("limits.maxPlanBytes", "largest plan published for a cluster; a bigger one keeps the cluster on its last plan (default 67108864, what a spoke accepts)"),
        ("limits.renderTimeout", "longest one ApplicationSet may take to generate or one source to render; it then fails alone (default 30s)"),
        ("limits.stuckPlannerAfter", "/readyz fails while a planning round runs longer than this (default 10m)"),
        ("applicationSets.policy", "what ApplicationSets may do to the Applications they generated: sync (default), create-only, create-update or create-delete (Argo CD's applicationsetcontroller.policy)"),
        ("applicationSets.enablePolicyOverride", "let an ApplicationSet's spec.syncPolicy.applicationsSync replace the policy (default false, as Argo CD's applicationsetcontroller.enable.policy.override)"),
        ("kustomize.buildOptions", "kustomize build options for every kustomization, as Argo CD's argocd-cm has them; --enable-helm (the one supported) lets helmCharts render (default none)"),
    ]

    /// Reads and validates a configuration file. `environment` supplies `*Env` secrets.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> HubConfig {
        let (value, base) = try document(path: path)
        return try HubConfig(value, file: path, environment: environment, baseDirectory: base)
    }

    /// The file's YAML and the directory its relative paths are relative to.
    static func document(path: String) throws -> (Value, String) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw HubConfigError(file: path, key: "", reason: "cannot read the file: \(error.localizedDescription)")
        }
        let value: Value
        do { value = try YAML.parse(Array(data), source: path) } catch {
            throw HubConfigError(file: path, key: "", reason: "\(error)")
        }
        // Relative paths in the file are relative to the file's directory.
        var base = (path as NSString).deletingLastPathComponent
        if !base.hasPrefix("/") {
            let cwd = FileManager.default.currentDirectoryPath
            base = base.isEmpty ? cwd : cwd + "/" + base
        }
        return (value, base)
    }

    public init(_ value: Value, file: String, environment: [String: String] = [:], baseDirectory: String = ".") throws {
        let r = HubConfigReader(file: file, environment: environment, baseDirectory: baseDirectory)
        guard case .object(let root) = value else { throw r.fail("", "the configuration must be a YAML map") }
        try r.check(root, allowed: ["listen", "stateDir", "repository", "credentials", "webhook", "tls", "tokens", "retention", "staleAfter", "limits", "kustomize", "applicationSets"], at: "")
        try readListen(root, r)
        try readRepository(root, r)
        try readSecrets(root, r)
        try readLimits(root, r)
    }

    /// `listen` and `stateDir`.
    private mutating func readListen(_ root: ValueObject, _ r: HubConfigReader) throws {
        if let listen = try r.string(root["listen"], "listen") {
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
                throw r.fail("listen", "\"\(listen)\" is not host:port")
            }
            var host = String(listen[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            listenHost = host.isEmpty ? "0.0.0.0" : host
            listenPort = port
        }
        if let dir = try r.string(root["stateDir"], "stateDir") { stateDirectory = r.path(dir) }
    }

    /// `repository` and `credentials`.
    private mutating func readRepository(_ root: ValueObject, _ r: HubConfigReader) throws {
        guard case .object(let repository)? = root["repository"] else { throw r.fail("repository", "is required (at least repository.url)") }
        try r.check(repository, allowed: ["url", "branch", "path", "aliases", "pollInterval"], at: "repository")
        guard let url = try r.string(repository["url"], "repository.url"), !url.isEmpty else { throw r.fail("repository.url", "is required") }
        repositoryURL = url.contains("://") || url.hasPrefix("git@") ? url : r.path(url)
        branch = try r.string(repository["branch"], "repository.branch") ?? "main"
        repositoryPath = try r.string(repository["path"], "repository.path").map { TreePath.normalize($0) ?? $0 } ?? ""
        repositoryAliases = try (repository["aliases"]?.arrayValue ?? []).map { v in
            guard let s = v.stringValue else { throw r.fail("repository.aliases", "must be a list of URLs") }
            return s
        }
        pollInterval = try r.duration(repository["pollInterval"], "repository.pollInterval") ?? pollInterval

        for (index, entry) in (root["credentials"]?.arrayValue ?? []).enumerated() {
            let prefix = "credentials[\(index)]"
            guard case .object(let object) = entry else { throw r.fail(prefix, "must be a map") }
            try r.check(object, allowed: ["urlPrefix", "username", "passwordFile", "passwordEnv", "sshKeyFile", "sshPublicKeyFile", "sshPassphraseFile", "sshPassphraseEnv", "sshKnownHostFingerprints", "insecureSkipTLSVerify"], at: prefix)
            guard let urlPrefix = try r.string(object["urlPrefix"], "\(prefix).urlPrefix") else { throw r.fail("\(prefix).urlPrefix", "is required") }
            let username = try r.string(object["username"], "\(prefix).username")
            var credentials = GitCredentials.none
            if let key = try r.string(object["sshKeyFile"], "\(prefix).sshKeyFile") {
                guard FileManager.default.fileExists(atPath: r.path(key)) else { throw r.fail("\(prefix).sshKeyFile", "\(key) does not exist") }
                let passphrase = try r.secret(object, file: "sshPassphraseFile", env: "sshPassphraseEnv", at: prefix)
                credentials = .sshKey(username: username ?? "git", privateKeyPath: r.path(key),
                                      publicKeyPath: try r.string(object["sshPublicKeyFile"], "\(prefix).sshPublicKeyFile").map(r.path), passphrase: passphrase)
            } else if let password = try r.secret(object, file: "passwordFile", env: "passwordEnv", at: prefix) {
                credentials = username.map { .userPassword(username: $0, password: password) } ?? .token(password)
            }
            let fingerprints = (object["sshKnownHostFingerprints"]?.arrayValue ?? []).compactMap(\.stringValue)
            self.credentials.append(RepositoryCredentials(urlPrefix: urlPrefix, credentials: credentials,
                                                          insecureSkipTLSVerify: object["insecureSkipTLSVerify"]?.boolValue ?? false,
                                                          sshHostKeyFingerprints: fingerprints))
        }
    }

    /// `webhook`, `tls` and `tokens`: secrets and the files that hold them.
    private mutating func readSecrets(_ root: ValueObject, _ r: HubConfigReader) throws {
        if case .object(let webhook)? = root["webhook"] {
            try r.check(webhook, allowed: ["secretFile", "secretEnv"], at: "webhook")
            webhookSecret = try r.secret(webhook, file: "secretFile", env: "secretEnv", at: "webhook")
        }
        if case .object(let tls)? = root["tls"] {
            try r.check(tls, allowed: ["certFile", "keyFile"], at: "tls")
            tlsCertificateFile = try r.string(tls["certFile"], "tls.certFile").map(r.path)
            tlsKeyFile = try r.string(tls["keyFile"], "tls.keyFile").map(r.path)
            guard (tlsCertificateFile == nil) == (tlsKeyFile == nil) else { throw r.fail("tls", "certFile and keyFile go together") }
            for (key, file) in [("tls.certFile", tlsCertificateFile), ("tls.keyFile", tlsKeyFile)] {
                if let file, !FileManager.default.fileExists(atPath: file) { throw r.fail(key, "\(file) does not exist") }
            }
        }
        if case .object(let tokens)? = root["tokens"] {
            try r.check(tokens, allowed: ["adminTokenFile"], at: "tokens")
            adminTokenFile = try r.string(tokens["adminTokenFile"], "tokens.adminTokenFile").map(r.path)
        }
    }

    /// `retention`, `staleAfter`, `kustomize`, `limits`.
    private mutating func readLimits(_ root: ValueObject, _ r: HubConfigReader) throws {
        if case .object(let retention)? = root["retention"] {
            try r.check(retention, allowed: ["reports", "planHistory", "reportBytesPerCluster", "events", "maxEvents"], at: "retention")
            eventRetention = try r.duration(retention["events"], "retention.events") ?? eventRetention
            maxEvents = try r.integer(retention, "maxEvents", at: "retention", minimum: 1000) ?? maxEvents
            reportRetention = try r.duration(retention["reports"], "retention.reports") ?? reportRetention
            planHistory = try r.integer(retention, "planHistory", at: "retention", minimum: 1) ?? planHistory
            reportBytesPerCluster = try r.integer(retention, "reportBytesPerCluster", at: "retention", minimum: 1 << 20) ?? reportBytesPerCluster
        }
        staleAfter = try r.duration(root["staleAfter"], "staleAfter") ?? staleAfter
        if case .object(let kustomize)? = root["kustomize"] {
            try r.check(kustomize, allowed: ["buildOptions"], at: "kustomize")
            for option in (try r.string(kustomize["buildOptions"], "kustomize.buildOptions") ?? "").split(separator: " ") {
                guard option == "--enable-helm" else {
                    throw r.fail("kustomize.buildOptions", "\(option) is not supported (the supported option is --enable-helm)")
                }
                kustomizeEnableHelm = true
            }
        }
        if case .object(let appSets)? = root["applicationSets"] {
            try r.check(appSets, allowed: ["policy", "enablePolicyOverride"], at: "applicationSets")
            if let text = try r.string(appSets["policy"], "applicationSets.policy") {
                guard let policy = ApplicationsSyncPolicy(rawValue: text) else {
                    throw r.fail("applicationSets.policy", "\(text) is not a policy (sync, create-only, create-update or create-delete)")
                }
                applicationSetPolicy.controller = policy
            }
            if let flag = appSets["enablePolicyOverride"], !flag.isNull {
                guard case .bool(let allow) = flag else { throw r.fail("applicationSets.enablePolicyOverride", "must be true or false") }
                applicationSetPolicy.allowOverride = allow
            }
        }
        if case .object(let limits)? = root["limits"] {
            try r.check(limits, allowed: ["maxBodyBytes", "maxConnections", "idleTimeout", "headerTimeout", "bodyTimeout", "webhookBufferBytes",
                                        "reportsPerMinute", "reportBytesPerMinute", "maxPlanBytes", "renderTimeout", "stuckPlannerAfter"], at: "limits")
            maxBodyBytes = try r.integer(limits, "maxBodyBytes", at: "limits", minimum: 1024) ?? maxBodyBytes
            maxConnections = try r.integer(limits, "maxConnections", at: "limits", minimum: 16) ?? maxConnections
            webhookBufferBytes = try r.integer(limits, "webhookBufferBytes", at: "limits", minimum: 1024) ?? webhookBufferBytes
            reportsPerMinute = try r.integer(limits, "reportsPerMinute", at: "limits", minimum: 1) ?? reportsPerMinute
            reportBytesPerMinute = try r.integer(limits, "reportBytesPerMinute", at: "limits", minimum: 1024) ?? reportBytesPerMinute
            maxPlanBytes = try r.integer(limits, "maxPlanBytes", at: "limits", minimum: 1024) ?? maxPlanBytes
            if maxPlanBytes > PlanningLimits.spokeResponseLimit {
                throw r.fail("limits.maxPlanBytes", "must be at most \(PlanningLimits.spokeResponseLimit): spokes refuse larger responses")
            }
            idleTimeout = try r.duration(limits["idleTimeout"], "limits.idleTimeout") ?? idleTimeout
            headerTimeout = try r.duration(limits["headerTimeout"], "limits.headerTimeout") ?? headerTimeout
            bodyTimeout = try r.duration(limits["bodyTimeout"], "limits.bodyTimeout") ?? bodyTimeout
            renderTimeout = try r.duration(limits["renderTimeout"], "limits.renderTimeout") ?? renderTimeout
            stuckPlannerAfter = try r.duration(limits["stuckPlannerAfter"], "limits.stuckPlannerAfter") ?? stuckPlannerAfter
        }
    }

    /// The credentials configured for a repository URL (the longest matching prefix).
    public func remoteOptions(for url: String) -> GitRemoteOptions {
        let match = credentials.filter { url.hasPrefix($0.urlPrefix) }.max { $0.urlPrefix.count < $1.urlPrefix.count }
        guard let match else { return GitRemoteOptions(transferTimeout: .seconds(300)) }
        return GitRemoteOptions(credentials: match.credentials, insecureSkipTLSVerify: match.insecureSkipTLSVerify,
                                sshHostKeyFingerprints: match.sshHostKeyFingerprints, transferTimeout: .seconds(300))
    }
}

/// Reads the values of a hub configuration, every error naming the file and the key.
struct HubConfigReader {
    let file: String
    let environment: [String: String]
    let baseDirectory: String

    func fail(_ key: String, _ reason: String) -> HubConfigError { HubConfigError(file: file, key: key, reason: reason) }

    func check(_ object: ValueObject, allowed: Set<String>, at prefix: String) throws {
        for key in object.keys where !allowed.contains(key) {
            throw fail(prefix.isEmpty ? key : "\(prefix).\(key)", "unknown key (see hub --help for the keys)")
        }
    }

    func string(_ v: Value?, _ key: String) throws -> String? {
        guard let v, !v.isNull else { return nil }
        guard let s = v.scalarText else { throw fail(key, "must be a string") }
        return s
    }

    func duration(_ v: Value?, _ key: String) throws -> KubeDuration? {
        guard let text = try string(v, key) else { return nil }
        do {
            let d = try KubeDuration(parsing: text)
            guard d.nanoseconds > 0 else { throw fail(key, "must be positive") }
            return d
        } catch let error as HubConfigError { throw error } catch {
            throw fail(key, "\"\(text)\" is not a duration (write it as kubectl does: 500ms, 30s, 5m, 1h)")
        }
    }

    func integer(_ object: ValueObject, _ key: String, at prefix: String, minimum: Int) throws -> Int? {
        guard let v = object[key], !v.isNull else { return nil }
        guard let n = v.intValue, n >= minimum else { throw fail("\(prefix).\(key)", "must be an integer of at least \(minimum)") }
        return n
    }

    /// A path from the configuration, relative to the configuration file's directory.
    func path(_ p: String) -> String { p.hasPrefix("/") ? p : baseDirectory + "/" + p }

    /// A secret from `fileKey` (a file, trimmed) or `envKey` (an environment variable), if either is set.
    func secret(_ object: ValueObject, file fileKey: String, env envKey: String, at prefix: String) throws -> String? {
        if let name = try string(object[fileKey], "\(prefix).\(fileKey)") {
            guard let text = try? String(contentsOfFile: path(name), encoding: .utf8) else {
                throw fail("\(prefix).\(fileKey)", "cannot read \(name)")
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let name = try string(object[envKey], "\(prefix).\(envKey)") {
            guard let text = environment[name], !text.isEmpty else { throw fail("\(prefix).\(envKey)", "environment variable \(name) is not set") }
            return text
        }
        return nil
    }
}
