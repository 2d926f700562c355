import FleetHubCore
import FleetHubServer
import FleetModel
import FleetTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging

/// A hub over a small fleet repository in a temporary directory: three clusters, one
/// ApplicationSet, one app with regional overlays. Rounds are driven by the test.
final class HubFixture: @unchecked Sendable {
    let temp: TemporaryDirectory
    let repo: GitFixtureRepository
    let engine: HubEngine
    let adminToken: String
    var config: HubConfig

    static let webhookSecret = "hook-secret"

    /// - Parameter clock: the engine's monotonic clock (default: the system's).
    init(configure: (inout HubConfig) -> Void = { _ in }, clock: @escaping @Sendable () -> Double = SystemClock.monotonic) async throws {
        temp = try TemporaryDirectory(prefix: "fleet-hub")
        repo = try GitFixtureRepository(at: temp.file("fleet"))
        for cluster in ["us-east-1", "us-west-2", "eu-west-1"] {
            try repo.write("clusters/\(cluster).yaml", """
                apiVersion: fleet/v1alpha1
                kind: Cluster
                metadata: {name: \(cluster), labels: {region: \(cluster), env: prod}}
                spec: {server: 'https://\(cluster).example.com:6443'}
                """)
        }
        try repo.write("applicationsets/web.yaml", """
            apiVersion: argoproj.io/v1alpha1
            kind: ApplicationSet
            metadata: {name: web, namespace: argocd}
            spec:
              generators: [{clusters: {selector: {matchLabels: {env: prod}}}}]
              template:
                metadata: {name: 'web-{{name}}'}
                spec:
                  project: default
                  source: {repoURL: 'https://git.example.com/fleet.git', targetRevision: HEAD, path: 'apps/web/overlays/{{metadata.labels.region}}'}
                  destination: {name: '{{name}}', namespace: web}
                  syncPolicy: {automated: {prune: true, selfHeal: true}}
            """)
        try repo.write("apps/web/base/kustomization.yaml", "resources: [deployment.yaml]\n")
        try repo.write("apps/web/base/deployment.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              replicas: 2
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: web, image: 'nginx:1.25'}]}
            """)
        for region in ["us-east-1", "us-west-2", "eu-west-1"] {
            try repo.write("apps/web/overlays/\(region)/kustomization.yaml", "resources: [../../base]\nnamePrefix: \(region)-\n")
        }
        try repo.commit("fleet")

        var config = try HubConfig(.object([
            "stateDir": .string(temp.file("state")),
            "repository": ["url": .string(repo.path), "pollInterval": "1h", "aliases": ["https://git.example.com/fleet.git"]],
            "webhook": ["secretEnv": "HOOK"],
        ]), file: "test.yaml", environment: ["HOOK": Self.webhookSecret])
        configure(&config)
        self.config = config
        var logger = Logger(label: "test.hub")
        logger.logLevel = .critical
        engine = try HubEngine(config: config, logger: logger, clock: clock)
        adminToken = try await engine.restore() ?? ""
    }

    deinit { temp.remove() }

    func round() async { await engine.runRound(force: false, only: nil) }

    func commit(_ files: [String: String], message: String = "change") throws {
        for (path, text) in files { try repo.write(path, text) }
        try repo.commit(message)
    }

    /// The application `hub` runs (routes, middleware, connection governor), for in-process tests.
    func app() throws -> some ApplicationProtocol {
        try HubServer.makeApplication(engine: engine, governor: ConnectionGovernor(config: config, logger: engine.logger), logger: engine.logger)
    }

    /// A token of `role` made through the engine.
    func token(_ role: Role) async throws -> String {
        let admin = try #require(engine.authenticate(adminToken))
        return try await engine.createToken(role: role, label: "test \(role.rawValue)", by: admin).token
    }

    func spokeToken(_ cluster: String) async throws -> String {
        let admin = try #require(engine.authenticate(adminToken))
        return try await engine.enroll(cluster: cluster, by: admin, rotate: false)
    }

    /// A newly enrolled spoke of `cluster`, as the engine sees it after authentication.
    func spokePrincipal(_ cluster: String) async throws -> Principal {
        try #require(engine.authenticate(try await spokeToken(cluster)))
    }
}

extension HTTPFields {
    static func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var json: Value? { try? JSON.parse(Array(body.readableBytesView)) }
}

import Testing
