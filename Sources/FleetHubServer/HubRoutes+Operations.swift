import FleetHubCore
import FleetModel
import Hummingbird

/// `/api/v1/drills` (DR drills) and `/api/v1/tokens` (operator and viewer tokens).
extension HubRoutes {
    static func drills(_ engine: HubEngine) -> RouteCollection<HubRequestContext> {
        let routes = RouteCollection(context: HubRequestContext.self)
        routes.get { request, context in
            _ = try await context.require(.readViews, engine)
            let query = request.uri.queryParameters
            return json(try await engine.drillList(cluster: query.get("cluster"), limit: query.get("limit").flatMap { Int($0) } ?? 100))
        }
        routes.post { request, context in
            let principal = try await context.require(.runDrills, engine)
            guard case .object(let o) = try parseJSON(try await collect(request, limit: 64 << 10)), let cluster = o["cluster"]?.stringValue else {
                throw HubError(.badRequest, "the body must be a JSON object like {\"cluster\": \"us-west-2\", \"wipe\": true, \"slaSeconds\": 600}")
            }
            if let sla = o["slaSeconds"], !sla.isNull, sla.doubleValue == nil { throw HubError(.badRequest, "slaSeconds must be a number") }
            let drill = try await engine.startDrill(cluster: cluster, wipe: o["wipe"]?.boolValue ?? false, slaSeconds: o["slaSeconds"]?.doubleValue, by: principal)
            return json(drill, status: .created)
        }
        routes.get(":id") { _, context in
            _ = try await context.require(.readViews, engine)
            let id = try integerParameter("id", context, what: "drill")
            guard let drill = try await engine.drill(id: id) else { throw HubError(.notFound, "no drill \(id)") }
            return json(drill)
        }
        routes.post(":id/result") { request, context in
            let principal = try await context.require(.runDrills, engine)
            let id = try integerParameter("id", context, what: "drill")
            let report = try parseJSON(try await collect(request, limit: 1 << 20))
            return json(try await engine.finishDrill(id: id, report: report, by: principal))
        }
        return routes
    }

    static func tokens(_ engine: HubEngine) -> RouteCollection<HubRequestContext> {
        let routes = RouteCollection(context: HubRequestContext.self)
        routes.get { _, context in
            _ = try await context.require(.manageTokens, engine)
            return json(try await engine.tokenList())
        }
        routes.post { request, context in
            let principal = try await context.require(.manageTokens, engine)
            guard case .object(let o) = try parseJSON(try await collect(request, limit: 64 << 10)),
                  let roleName = o["role"]?.stringValue, let role = Role(rawValue: roleName) else {
                throw HubError(.badRequest, "the body must be {\"role\": \"viewer|operator|admin\", \"label\": \"...\"}")
            }
            let created = try await engine.createToken(role: role, label: o["label"]?.stringValue ?? roleName, by: principal)
            return json(["id": .int(Int(created.id)), "role": .string(roleName), "token": .string(created.token)], status: .created)
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
