import Crypto
import FleetHubCore
import FleetModel
import FleetProtocol
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The hub's HTTP API (docs/api.md): JSON under /api/v1, plus /healthz, /readyz and /metrics.
/// Every route names the capability it needs (`HubAction`); errors are JSON
/// `{"error": "..."}` with a 4xx or 5xx status, never a stack trace or an internal detail.
public enum HubRoutes {
    public static let signatureHeader = HTTPField.Name(PlanFormat.signatureHeader)!
    public static let planIdHeader = HTTPField.Name(PlanFormat.planIdHeader)!
    static let githubSignature = HTTPField.Name("X-Hub-Signature-256")!
    static let gitlabToken = HTTPField.Name("X-Gitlab-Token")!
    static let maxWait = 60

    public static func router(engine: HubEngine) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let limit = engine.config.maxBodyBytes
        let webhookBudget = ByteBudget(capacity: engine.config.webhookBufferBytes)

        router.get("healthz") { _, _ in text("ok\n") }
        router.get("readyz") { _, _ in
            let readiness = await engine.readiness
            return readiness.ready ? text("ready\n") : text("not ready: \(readiness.reason)\n", status: .serviceUnavailable)
        }
        router.get("metrics") { _, _ in
            await engine.refreshGauges()
            var buffer: [UInt8] = []
            engine.metrics.registry.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }

        let api = router.group("api/v1")
        api.get("hub") { request, _ in
            try await guarded(engine) { _ = try await authorize(request, engine, .readViews); return json(await engine.status()) }
        }
        api.post("refresh") { request, _ in
            try await guarded(engine) {
                _ = try await authorize(request, engine, .refresh)
                await engine.refresh(force: true)
                return json(["refreshing": true], status: .accepted)
            }
        }
        api.post("webhooks/git") { request, context in
            try await guarded(engine) { try await webhook(request, engine, limit: limit, budget: webhookBudget) }
        }

        api.get("clusters") { request, _ in
            try await guarded(engine) { _ = try await authorize(request, engine, .readViews); return json(await engine.clusterList()) }
        }
        api.get("clusters/:name") { request, context in
            try await guarded(engine) {
                let name = try context.parameters.require("name")
                _ = try await authorize(request, engine, .readViews)
                guard let cluster = await engine.cluster(name) else { throw HubError(.notFound, "no cluster named \(name)") }
                return json(cluster)
            }
        }
        api.get("clusters/:name/plan") { request, context in
            try await guarded(engine) { try await plan(request, context, engine) }
        }
        api.post("clusters/:name/status") { request, context in
            try await guarded(engine) {
                let name = try context.parameters.require("name")
                let principal = try await authorize(request, engine, .writeStatus(cluster: name))
                let body = try await collect(request, context, limit: limit)
                let outcome = try await engine.ingest(report: body, cluster: name, principal: principal)
                let stored = outcome == .stored
                return json(["accepted": .bool(stored), "duplicate": .bool(!stored)], status: stored ? .accepted : .ok)
            }
        }
        for action in ["enroll", "rotate"] {
            api.post("clusters/:name/\(action)") { request, context in
                try await guarded(engine) {
                    let name = try context.parameters.require("name")
                    let principal = try await authorize(request, engine, .manageClusters)
                    let token = try await engine.enroll(cluster: name, by: principal, rotate: action == "rotate")
                    return json(["cluster": .string(name), "token": .string(token)], status: .created)
                }
            }
        }
        api.post("clusters/:name/revoke") { request, context in
            try await guarded(engine) {
                let name = try context.parameters.require("name")
                let principal = try await authorize(request, engine, .manageClusters)
                let count = try await engine.revoke(cluster: name, by: principal)
                return json(["cluster": .string(name), "revoked": .int(count)])
            }
        }

        api.get("applications") { request, _ in
            try await guarded(engine) {
                _ = try await authorize(request, engine, .readViews)
                let query = request.uri.queryParameters
                return json(try await engine.applicationList(cluster: query.get("cluster"), label: query.get("label"),
                                                         sync: query.get("sync"), health: query.get("health")))
            }
        }
        api.get("applications/:app") { request, context in
            try await guarded(engine) {
                let name = try context.parameters.require("app")
                _ = try await authorize(request, engine, .readViews)
                guard let app = await engine.application(name) else { throw HubError(.notFound, "no Application named \(name)") }
                return json(app)
            }
        }
        api.post("applications/:app/sync") { request, context in
            try await guarded(engine) {
                let name = try context.parameters.require("app")
                let principal = try await authorize(request, engine, .sync)
                let body = try await collect(request, context, limit: 64 << 10)
                var cluster: String?
                if !body.isEmpty {
                    guard case .object(let o) = try parseJSON(body) else { throw HubError(.badRequest, "the body must be a JSON object like {\"cluster\": \"us-west-2\"}") }
                    cluster = o["cluster"]?.stringValue
                }
                let clusters = try await engine.requestSync(application: name, cluster: cluster, by: principal)
                return json(["application": .string(name), "clusters": .array(clusters.map(Value.string))], status: .accepted)
            }
        }
        api.post("applications/:app/rollback") { request, context in
            try await guarded(engine) {
                let name = try context.parameters.require("app")
                let principal = try await authorize(request, engine, .rollback)
                guard case .object(let o) = try parseJSON(try await collect(request, context, limit: 64 << 10)), let revision = o["revision"]?.stringValue else {
                    throw HubError(.badRequest, "the body must be a JSON object like {\"revision\": \"3f2c1ab\", \"cluster\": \"us-west-2\"}")
                }
                return json(try await engine.rollback(application: name, to: revision, cluster: o["cluster"]?.stringValue, by: principal), status: .accepted)
            }
        }
        api.delete("applications/:app/rollback") { request, context in
            try await guarded(engine) {
                let name = try context.parameters.require("app")
                let principal = try await authorize(request, engine, .rollback)
                return json(try await engine.clearRollback(application: name, by: principal))
            }
        }
        api.get("drills") { request, _ in
            try await guarded(engine) {
                _ = try await authorize(request, engine, .readViews)
                let query = request.uri.queryParameters
                return json(try await engine.drillList(cluster: query.get("cluster"), limit: query.get("limit").flatMap { Int($0) } ?? 100))
            }
        }
        api.post("drills") { request, context in
            try await guarded(engine) {
                let principal = try await authorize(request, engine, .runDrills)
                guard case .object(let o) = try parseJSON(try await collect(request, context, limit: 64 << 10)), let cluster = o["cluster"]?.stringValue else {
                    throw HubError(.badRequest, "the body must be a JSON object like {\"cluster\": \"us-west-2\", \"wipe\": true, \"slaSeconds\": 600}")
                }
                if let sla = o["slaSeconds"], !sla.isNull, sla.doubleValue == nil { throw HubError(.badRequest, "slaSeconds must be a number") }
                let drill = try await engine.startDrill(cluster: cluster, wipe: o["wipe"]?.boolValue ?? false, slaSeconds: o["slaSeconds"]?.doubleValue, by: principal)
                return json(drill, status: .created)
            }
        }
        api.get("drills/:id") { request, context in
            try await guarded(engine) {
                _ = try await authorize(request, engine, .readViews)
                guard let id = Int64(try context.parameters.require("id")) else { throw HubError(.badRequest, "drill ids are integers") }
                guard let drill = try await engine.drill(id: id) else { throw HubError(.notFound, "no drill \(id)") }
                return json(drill)
            }
        }
        api.post("drills/:id/result") { request, context in
            try await guarded(engine) {
                let principal = try await authorize(request, engine, .runDrills)
                guard let id = Int64(try context.parameters.require("id")) else { throw HubError(.badRequest, "drill ids are integers") }
                let report = try parseJSON(try await collect(request, context, limit: 1 << 20))
                return json(try await engine.finishDrill(id: id, report: report, by: principal))
            }
        }
        api.get("events") { request, _ in
            try await guarded(engine) {
                _ = try await authorize(request, engine, .readViews)
                let query = request.uri.queryParameters
                let after = query.get("after").flatMap { Int64($0) }
                let limit = query.get("limit").flatMap { Int($0) } ?? 100
                return json(try await engine.events(after: after, limit: limit))
            }
        }
        api.get("tokens") { request, _ in
            try await guarded(engine) { _ = try await authorize(request, engine, .manageTokens); return json(try await engine.tokenList()) }
        }
        api.post("tokens") { request, context in
            try await guarded(engine) {
                let principal = try await authorize(request, engine, .manageTokens)
                guard case .object(let o) = try parseJSON(try await collect(request, context, limit: 64 << 10)),
                      let roleName = o["role"]?.stringValue, let role = Role(rawValue: roleName) else {
                    throw HubError(.badRequest, "the body must be {\"role\": \"viewer|operator|admin\", \"label\": \"...\"}")
                }
                let created = try await engine.createToken(role: role, label: o["label"]?.stringValue ?? roleName, by: principal)
                return json(["id": .int(Int(created.id)), "role": .string(roleName), "token": .string(created.token)], status: .created)
            }
        }
        api.delete("tokens/:id") { request, context in
            try await guarded(engine) {
                let principal = try await authorize(request, engine, .manageTokens)
                guard let id = Int64(try context.parameters.require("id")) else { throw HubError(.badRequest, "token ids are integers") }
                try await engine.revokeToken(id: id, by: principal)
                return json(["revoked": .int(Int(id))])
            }
        }
        return router
    }
}
