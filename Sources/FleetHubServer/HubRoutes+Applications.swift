import FleetHubCore
import FleetModel
import FleetProtocol
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
            let body = try await decodeBody(request, limit: 64 << 10, example: #"{"cluster": "us-west-2"}"#, allowEmpty: true, SyncRequest.init)
            let clusters = try await engine.requestSync(application: name, cluster: body.cluster, by: principal)
            return json(SyncAccepted(application: name, clusters: clusters).value, status: .accepted)
        }
        routes.post(":app/rollback") { request, context in
            let name = try context.parameters.require("app")
            let principal = try await context.require(.rollback, engine)
            let body = try await decodeBody(request, limit: 64 << 10, example: #"{"revision": "3f2c1ab", "cluster": "us-west-2"}"#, RollbackRequest.init)
            return json(try await engine.rollback(application: name, to: body.revision, cluster: body.cluster, by: principal).value, status: .accepted)
        }
        routes.delete(":app/rollback") { _, context in
            let name = try context.parameters.require("app")
            let principal = try await context.require(.rollback, engine)
            return json(try await engine.clearRollback(application: name, by: principal).value)
        }
        return routes
    }
}
