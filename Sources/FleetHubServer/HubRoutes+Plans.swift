import FleetHubCore
import Hummingbird

/// `GET /api/v1/clusters/{name}/plan`: the signed plan, with ETags and long-polling.
extension HubRoutes {
    static func plan(_ request: Request, _ context: HubRequestContext, _ engine: HubEngine) async throws -> Response {
        let name = try context.parameters.require("name")
        _ = try await context.require(.readPlan(cluster: name), engine)
        let etag = request.headers[.ifNoneMatch].map(unquote)
        var wait = 0
        if let text = request.uri.queryParameters.get("wait") {
            guard let seconds = Int(text), seconds >= 0 else { throw HubError(.badRequest, "wait must be a number of seconds (0 to \(maxWait))") }
            wait = min(seconds, maxWait)
        }
        var plan = engine.plan(for: name)
        if plan == nil, !engine.isKnownCluster(name) { throw HubError(.notFound, "no cluster named \(name) in the fleet repository") }
        if wait > 0, plan == nil || plan?.etag == etag {
            plan = await engine.waitForPlan(cluster: name, differentFrom: etag, timeout: .seconds(wait))
        }
        guard let plan else { throw HubError(.notFound, "no plan for \(name) yet") }
        if let etag, etag == plan.etag {
            engine.countServed(notModified: true)
            return Response(status: .notModified, headers: [.eTag: quote(plan.etag)])
        }
        engine.countServed(notModified: false)
        return Response(
            status: .ok,
            headers: [.contentType: "application/json", .eTag: quote(plan.etag), signatureHeader: "ed25519=" + plan.signature, planIdHeader: plan.id],
            body: .init(byteBuffer: ByteBuffer(bytes: plan.body))
        )
    }
}
