import FleetHubCore
import FleetModel
import FleetProtocol
import Hummingbird

/// `/api/v1/drills` (DR drills) and `/api/v1/tokens` (operator and viewer tokens).
extension HubRoutes {
    static func drills(_ engine: HubEngine) -> RouteCollection<HubRequestContext> {
        let routes = RouteCollection(context: HubRequestContext.self)
        routes.get { request, context in
            _ = try await context.require(.readViews, engine)
            let query = request.uri.queryParameters
            let drills = try await engine.drillList(cluster: query.get("cluster"), limit: query.get("limit").flatMap { Int($0) } ?? 100)
            return json(.array(drills.map(\.value)))
        }
        routes.post { request, context in
            let principal = try await context.require(.runDrills, engine)
            let body = try await decodeBody(request, limit: 64 << 10, example: #"{"cluster": "us-west-2", "wipe": true, "slaSeconds": 600}"#, DrillRequest.init)
            return json(try await engine.startDrill(body, by: principal).value, status: .created)
        }
        routes.get(":id") { _, context in
            _ = try await context.require(.readViews, engine)
            let id = try integerParameter("id", context, what: "drill")
            guard let drill = try await engine.drill(id: id) else { throw HubError(.notFound, "no drill \(id)") }
            return json(drill.value)
        }
        routes.post(":id/result") { request, context in
            let principal = try await context.require(.runDrills, engine)
            let id = try integerParameter("id", context, what: "drill")
            let report = try parseJSON(try await collect(request, limit: 1 << 20))
            return json(try await engine.finishDrill(id: id, report: report, by: principal).value)
        }
        return routes
    }

    static func tokens(_ engine: HubEngine) -> RouteCollection<HubRequestContext> {
        let routes = RouteCollection(context: HubRequestContext.self)
        routes.get { _, context in
            _ = try await context.require(.manageTokens, engine)
            return json(.array(try await engine.tokenList().map(\.value)))
        }
        routes.post { request, context in
            let principal = try await context.require(.manageTokens, engine)
            let body = try await decodeBody(request, limit: 64 << 10, example: #"{"role": "viewer|operator|admin", "label": "..."}"#, TokenRequest.init)
            guard let role = Role(rawValue: body.role) else { throw HubError(.badRequest, "no role \(body.role)") }
            let created = try await engine.createToken(role: role, label: body.label ?? body.role, by: principal)
            return json(TokenIssued(id: Int(created.id), role: body.role, token: created.token).value, status: .created)
        }
        routes.delete(":id") { _, context in
            let principal = try await context.require(.manageTokens, engine)
            let id = try integerParameter("id", context, what: "token")
            try await engine.revokeToken(id: id, by: principal)
            return json(["revoked": .int(Int(id))])
        }
        return routes
    }

    /// A path parameter that must be an integer id.
    static func integerParameter(_ name: String, _ context: HubRequestContext, what: String) throws -> Int64 {
        guard let id = Int64(try context.parameters.require(name)) else { throw HubError(.badRequest, "\(what) ids are integers") }
        return id
    }
}
