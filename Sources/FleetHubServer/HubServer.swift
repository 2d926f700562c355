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
            group.addTask { try await app.runService() }
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
