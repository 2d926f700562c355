import FleetHubCore
import Foundation
import Hummingbird
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
        print("hub: serving on \(config.listenHost):\(config.listenPort); fleet repository \(config.repositoryURL) (\(config.branch)); plan signing key \(engine.signer.publicKey)")
        fflush(nil)
        let app = Application(
            router: HubRoutes.router(engine: engine),
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
