import FleetHubCore
import FleetModel
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging

/// Runs a hub: restores its state, reports the first admin token once, then serves the API and
/// runs sync rounds until SIGTERM or SIGINT.
public enum HubServer {
    public static func run(config: HubConfig, logger: Logger = Logger(label: "fleet.hub")) async throws {
        // Before anything is created or printed: a hub that cannot listen says so and stops.
        try ListenCheck.check(host: config.listenHost, port: config.listenPort)
        let engine = try HubEngine(config: config, logger: logger)
        if let token = try await engine.restore() {
            if let file = config.adminTokenFile {
                // Not printed: stdout ends up in service logs.
                print("First start: an admin token was created and written to \(file) (mode 0600). It is not printed.")
            } else {
                print("""
                    First start: an admin token was created. It is shown only this once; keep it safe.
                      \(token)
                    """)
            }
        }
        fflush(nil)
        let governor = ConnectionGovernor(config: config, logger: logger)
        let app = try makeApplication(engine: engine, governor: governor, logger: logger)
        print("hub: serving \(config.tlsCertificateFile == nil ? "HTTP" : "HTTPS") on \(config.listenHost):\(config.listenPort) (at most \(governor.limits.maxConnections) connections); fleet repository \(config.repositoryURL) (\(config.branch)); plan signing key \(engine.signer.publicKey)")
        fflush(nil)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await engine.run() }
            group.addTask { await governor.run() }
            group.addTask {
                do { try await app.runService() } catch {
                    // Lost the race for the port between the check and the bind.
                    if "\(error)".contains("Address already in use") { throw ListenCheck.inUse(host: config.listenHost, port: config.listenPort) }
                    throw error
                }
            }
            // The server returns on SIGTERM/SIGINT; then stop the sync loop too.
            try await group.next()
            group.cancelAll()
        }
    }

    /// The hub's HTTP application as it ships (routes, TLS when configured, the connection
    /// governor): what `hub` runs and what the tests run.
    public static func makeApplication(engine: HubEngine, governor: ConnectionGovernor, logger: Logger) throws -> some ApplicationProtocol {
        let config = engine.config
        let http = HTTP1Channel.Configuration(additionalChannelHandlers: [governor.phaseHandler()])
        let server: HTTPServerBuilder
        if let certificateFile = config.tlsCertificateFile, let keyFile = config.tlsKeyFile {
            let tls: TLSConfiguration
            do {
                let chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
                let key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
                tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            } catch {
                throw HubStartError("tls: cannot load \(certificateFile) and \(keyFile): \(error)")
            }
            server = HTTPServerBuilder { responder in
                GovernedChildChannel(base: try TLSChannel(HTTP1Channel(responder: responder, configuration: http), tlsConfiguration: tls), governor: governor)
            }
        } else {
            server = HTTPServerBuilder { responder in
                GovernedChildChannel(base: HTTP1Channel(responder: responder, configuration: http), governor: governor)
            }
        }
        return Application(
            router: HubRoutes.router(engine: engine),
            server: server,
            configuration: .init(address: .hostname(config.listenHost, port: config.listenPort), serverName: "fleet-hub", backlog: 1024),
            logger: logger
        )
    }
}

extension ConnectionGovernor {
    /// A governor with the hub's configured limits. The connection cap never exceeds what the
    /// process may open (its file-descriptor limit, raised to the hard limit first, minus a
    /// reserve for the database, mirrors and logs).
    public convenience init(config: HubConfig, logger: Logger) {
        let descriptors = FileDescriptorLimit.raiseToHardLimit()
        let cap = max(16, min(config.maxConnections, descriptors - 512))
        self.init(maxConnections: cap, idleTimeout: config.idleTimeout, headerTimeout: config.headerTimeout,
                  bodyTimeout: config.bodyTimeout, logger: logger)
    }
}

/// The process's open-file limit.
public enum FileDescriptorLimit {
    /// Raises the soft limit to the hard limit (as Go does at start) and returns it.
    @discardableResult
    public static func raiseToHardLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }
}

/// The hub could not start (a certificate that does not load, a port in use).
public struct HubStartError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Whether the hub can listen where it is told to, asked of the kernel before the hub starts,
/// so a port in use is one clear sentence rather than a NIO bind error after "serving".
public enum ListenCheck {
    public static func check(host: String, port: Int) throws {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else {
            throw HubStartError("listen: cannot resolve \(host) (listen: HOST:PORT names an address of this machine, e.g. 127.0.0.1:8080 or 0.0.0.0:8080)")
        }
        defer { freeaddrinfo(info) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else { return }  // nothing to learn here; the server reports its own error
        defer { close(fd) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            let code = errno
            if code == EADDRINUSE { throw inUse(host: host, port: port) }
            if code == EACCES { throw HubStartError("listen: port \(port) needs privileges this user does not have (use a port above 1023, e.g. listen: \(host):8080)") }
            if code == EADDRNOTAVAIL { throw HubStartError("listen: \(host) is not an address of this machine (listen: 127.0.0.1:\(port) or 0.0.0.0:\(port))") }
            throw HubStartError("listen: cannot bind \(host):\(port): \(String(cString: strerror(code)))")
        }
    }

    static func inUse(host: String, port: Int) -> HubStartError {
        HubStartError("listen: port \(port) on \(host) is in use (another hub, or another program: `ss -ltnp 'sport = :\(port)'` shows which); stop it or set listen: \(host):OTHER_PORT")
    }
}

