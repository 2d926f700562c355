import FleetHubCore
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging

/// Runs a hub: restores its state, prints the first admin token once, then serves the API and
/// runs sync rounds until SIGTERM or SIGINT.
public enum HubServer {
    public static func run(config: HubConfig, logger: Logger = Logger(label: "fleet.hub")) async throws {
        let engine = try HubEngine(config: config, logger: logger)
        if let token = try await engine.restore() {
            print("""
                First start: an admin token was created. It is shown only this once; keep it safe.
                  \(token)
                \(config.adminTokenFile.map { "It was also written to \($0) (mode 0600)." } ?? "")
                """)
        }
        fflush(nil)
        print("hub: serving \(config.tlsCertificateFile == nil ? "HTTP" : "HTTPS") on \(config.listenHost):\(config.listenPort); fleet repository \(config.repositoryURL) (\(config.branch)); plan signing key \(engine.signer.publicKey)")
        fflush(nil)
        var server = HTTPServerBuilder.http1()
        if let certificateFile = config.tlsCertificateFile, let keyFile = config.tlsKeyFile {
            let tls: TLSConfiguration
            do {
                let chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
                let key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
                tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
            } catch {
                throw HubStartError("tls: cannot load \(certificateFile) and \(keyFile): \(error)")
            }
            server = try .tls(.http1(), tlsConfiguration: tls)
        }
        let app = Application(
            router: HubRoutes.router(engine: engine),
            server: server,
            configuration: .init(address: .hostname(config.listenHost, port: config.listenPort), serverName: "fleet-hub"),
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await engine.run() }
            group.addTask { try await app.runService() }
            // The server returns on SIGTERM/SIGINT; then stop the sync loop too.
            try await group.next()
            group.cancelAll()
        }
    }
}

/// The hub could not start (a certificate that does not load, a port in use).
public struct HubStartError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
