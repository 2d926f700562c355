import FleetHubCore
import FleetModel
import FleetProtocol
import Hummingbird

/// `/api/v1/clusters`: the clusters' views, their spokes' plan and status endpoints, and
/// their enrolment.
extension HubRoutes {
    static func clusters(_ engine: HubEngine) -> RouteCollection<HubRequestContext> {
        let routes = RouteCollection(context: HubRequestContext.self)
        routes.get { _, context in
            _ = try await context.require(.readViews, engine)
            return json(await engine.clusterList())
        }
        routes.get(":name") { _, context in
            let name = try context.parameters.require("name")
            _ = try await context.require(.readViews, engine)
            guard let cluster = await engine.cluster(name) else { throw HubError(.notFound, "no cluster named \(name)") }
            return json(cluster)
        }
        routes.get(":name/plan") { request, context in try await plan(request, context, engine) }
        routes.post(":name/status") { request, context in
            let name = try context.parameters.require("name")
            let principal = try await context.require(.writeStatus(cluster: name), engine)
            let body = try await collect(request, limit: engine.config.maxBodyBytes)
            let outcome = try await engine.ingest(report: body, cluster: name, principal: principal)
            let stored = outcome == .stored
            return json(["accepted": .bool(stored), "duplicate": .bool(!stored)], status: stored ? .accepted : .ok)
        }
        for action in ["enroll", "rotate"] {
            routes.post(":name/\(action)") { _, context in
                let name = try context.parameters.require("name")
                let principal = try await context.require(.manageClusters, engine)
                let token = try await engine.enroll(cluster: name, by: principal, rotate: action == "rotate")
                return json(TokenIssued(role: "spoke", cluster: name, token: token).value, status: .created)
            }
        }
        routes.post(":name/revoke") { _, context in
            let name = try context.parameters.require("name")
            let principal = try await context.require(.manageClusters, engine)
            let count = try await engine.revoke(cluster: name, by: principal)
            return json(["cluster": .string(name), "revoked": .int(count)])
        }
        return routes
    }
}
