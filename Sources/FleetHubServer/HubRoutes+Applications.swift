import FleetHubCore
import FleetModel
import Hummingbird

/// `/api/v1/applications`: the Applications' views, manual syncs and rollbacks.
extension HubRoutes {
    static func applications(_ engine: HubEngine) -> RouteCollection<HubRequestContext> {
        let routes = RouteCollection(context: HubRequestContext.self)
        routes.get { request, context in
            _ = try await context.require(.readViews, engine)
            let query = request.uri.queryParameters
            return json(try await engine.applicationList(cluster: query.get("cluster"), label: query.get("label"),
                                                     sync: query.get("sync"), health: query.get("health")))
        }
        routes.get(":app") { _, context in
            let name = try context.parameters.require("app")
            _ = try await context.require(.readViews, engine)
            guard let app = await engine.application(name) else { throw HubError(.notFound, "no Application named \(name)") }
            return json(app)
        }
        routes.post(":app/sync") { request, context in
            let name = try context.parameters.require("app")
            let principal = try await context.require(.sync, engine)
            let body = try await collect(request, limit: 64 << 10)
            var cluster: String?
            if !body.isEmpty {
                guard case .object(let o) = try parseJSON(body) else { throw HubError(.badRequest, "the body must be a JSON object like {\"cluster\": \"us-west-2\"}") }
                cluster = o["cluster"]?.stringValue
            }
            let clusters = try await engine.requestSync(application: name, cluster: cluster, by: principal)
            return json(["application": .string(name), "clusters": .array(clusters.map(Value.string))], status: .accepted)
        }
        routes.post(":app/rollback") { request, context in
            let name = try context.parameters.require("app")
            let principal = try await context.require(.rollback, engine)
            guard case .object(let o) = try parseJSON(try await collect(request, limit: 64 << 10)), let revision = o["revision"]?.stringValue else {
                throw HubError(.badRequest, "the body must be a JSON object like {\"revision\": \"3f2c1ab\", \"cluster\": \"us-west-2\"}")
            }
            return json(try await engine.rollback(application: name, to: revision, cluster: o["cluster"]?.stringValue, by: principal), status: .accepted)
        }
        routes.delete(":app/rollback") { _, context in
            let name = try context.parameters.require("app")
            let principal = try await context.require(.rollback, engine)
            return json(try await engine.clearRollback(application: name, by: principal))
        }
        return routes
    }
}
