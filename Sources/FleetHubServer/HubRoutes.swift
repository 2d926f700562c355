import FleetHubCore
import FleetModel
import FleetProtocol
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The hub's HTTP API (docs/api.md): JSON under /api/v1, plus /healthz, /readyz and /metrics.
/// One route collection per resource; every route names the capability it needs
/// (`HubAction`, checked against the principal `AuthenticationMiddleware` resolved); errors
/// are JSON `{"error": "..."}` with a 4xx or 5xx status, never a stack trace or an internal
/// detail (`ErrorMiddleware`).
public enum HubRoutes {
    public static let signatureHeader = HTTPField.Name(PlanFormat.signatureHeader)!
    public static let planIdHeader = HTTPField.Name(PlanFormat.planIdHeader)!
    static let githubSignature = HTTPField.Name("X-Hub-Signature-256")!
    static let gitlabToken = HTTPField.Name("X-Gitlab-Token")!
    static let maxWait = 60

    public static func router(engine: HubEngine) -> Router<HubRequestContext> {
        let router = Router(context: HubRequestContext.self)
        router.add(middleware: ErrorMiddleware(logger: engine.logger))
        router.add(middleware: AuthenticationMiddleware(tokens: engine.tokens))
        router.addRoutes(probes(engine))
        router.addRoutes(hub(engine), atPath: "api/v1")
        router.addRoutes(clusters(engine), atPath: "api/v1/clusters")
        router.addRoutes(applications(engine), atPath: "api/v1/applications")
        router.addRoutes(drills(engine), atPath: "api/v1/drills")
        router.addRoutes(tokens(engine), atPath: "api/v1/tokens")
        return router
    }

    /// `/healthz`, `/readyz`, `/metrics`: no token (probes and scrapers).
    static func probes(_ engine: HubEngine) -> RouteCollection<HubRequestContext> {
        let routes = RouteCollection(context: HubRequestContext.self)
        routes.get("healthz") { _, _ in text("ok\n") }
        routes.get("readyz") { _, _ in
            let readiness = await engine.readiness
            return readiness.ready ? text("ready\n") : text("not ready: \(readiness.reason)\n", status: .serviceUnavailable)
        }
        routes.get("metrics") { _, _ in
            await engine.refreshGauges()
            var buffer: [UInt8] = []
            engine.metrics.registry.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        return routes
    }

    /// The hub itself: its status, a forced refresh, Git webhooks, the audit log.
    static func hub(_ engine: HubEngine) -> RouteCollection<HubRequestContext> {
        let routes = RouteCollection(context: HubRequestContext.self)
        let webhookBudget = ByteBudget(capacity: engine.config.webhookBufferBytes)
        routes.get("hub") { _, context in
            _ = try await context.require(.readViews, engine)
            return json(await engine.status().value)
        }
        routes.post("refresh") { _, context in
            _ = try await context.require(.refresh, engine)
            await engine.refresh(force: true)
            return json(["refreshing": true], status: .accepted)
        }
        routes.post("webhooks/git") { request, _ in
            try await webhook(request, engine, limit: engine.config.maxBodyBytes, budget: webhookBudget)
        }
        routes.get("events") { request, context in
            _ = try await context.require(.readViews, engine)
            let query = request.uri.queryParameters
            return json(try await engine.events(after: query.get("after").flatMap { Int64($0) }, limit: query.get("limit").flatMap { Int($0) } ?? 100))
        }
        return routes
    }
}
