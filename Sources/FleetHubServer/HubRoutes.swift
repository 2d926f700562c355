import Crypto
import FleetHubCore
import FleetModel
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The hub's HTTP API (docs/api.md): JSON under /api/v1, plus /healthz, /readyz and /metrics.
/// Every route checks the caller's role; errors are JSON `{"error": "..."}` with a 4xx or 5xx
/// status, never a stack trace.
public enum HubRoutes {
    public static let signatureHeader = HTTPField.Name("X-Fleet-Signature")!
    public static let planIdHeader = HTTPField.Name("X-Fleet-Plan-Id")!
    static let githubSignature = HTTPField.Name("X-Hub-Signature-256")!
    static let gitlabToken = HTTPField.Name("X-Gitlab-Token")!
    static let maxWait = 60

    public static func router(engine: HubEngine) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let limit = engine.config.maxBodyBytes

        router.get("healthz") { _, _ in text("ok\n") }
        router.get("readyz") { _, _ in
            await engine.isReady ? text("ready\n") : text("not ready: no plan compiled yet\n", status: .serviceUnavailable)
        }
        router.get("metrics") { _, _ in
            await engine.refreshGauges()
            var buffer: [UInt8] = []
            engine.metrics.registry.emit(into: &buffer)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }

        let api = router.group("api/v1")
        api.get("hub") { request, _ in
            try await guarded { _ = try await authorize(request, engine, .viewer); return json(await engine.status()) }
        }
        api.post("refresh") { request, _ in
            try await guarded {
                _ = try await authorize(request, engine, .operator)
                await engine.refresh(force: true)
                return json(["refreshing": true], status: .accepted)
            }
        }
        api.post("webhooks/git") { request, context in
            try await guarded { try await webhook(request, context, engine, limit: limit) }
        }

        api.get("clusters") { request, _ in
            try await guarded { _ = try await authorize(request, engine, .viewer); return json(await engine.clusterList()) }
        }
        api.get("clusters/:name") { request, context in
            try await guarded {
                let name = try context.parameters.require("name")
                _ = try await authorize(request, engine, .viewer)
                guard let cluster = await engine.cluster(name) else { throw HubError(.notFound, "no cluster named \(name)") }
                return json(cluster)
            }
        }
        api.get("clusters/:name/plan") { request, context in
            try await guarded { try await plan(request, context, engine) }
        }
        api.post("clusters/:name/status") { request, context in
            try await guarded {
                let name = try context.parameters.require("name")
                _ = try await authorize(request, engine, .spoke, cluster: name, action: "write the status of \(name)")
                let body = try await collect(request, context, limit: limit)
                let stored = try await engine.ingest(report: body, cluster: name)
                return json(["accepted": .bool(stored), "duplicate": .bool(!stored)], status: stored ? .accepted : .ok)
            }
        }
        for action in ["enroll", "rotate"] {
            api.post("clusters/:name/\(action)") { request, context in
                try await guarded {
                    let name = try context.parameters.require("name")
                    let principal = try await authorize(request, engine, .operator)
                    let token = try await engine.enroll(cluster: name, by: principal, rotate: action == "rotate")
                    return json(["cluster": .string(name), "token": .string(token)], status: .created)
                }
            }
        }
        api.post("clusters/:name/revoke") { request, context in
            try await guarded {
                let name = try context.parameters.require("name")
                let principal = try await authorize(request, engine, .operator)
                let count = try await engine.revoke(cluster: name, by: principal)
                return json(["cluster": .string(name), "revoked": .int(count)])
            }
        }

        api.get("applications") { request, _ in
            try await guarded {
                _ = try await authorize(request, engine, .viewer)
                let query = request.uri.queryParameters
                return json(await engine.applicationList(cluster: query.get("cluster"), label: query.get("label"),
                                                         sync: query.get("sync"), health: query.get("health")))
            }
        }
        api.get("applications/:app") { request, context in
            try await guarded {
                let name = try context.parameters.require("app")
                _ = try await authorize(request, engine, .viewer)
                guard let app = await engine.application(name) else { throw HubError(.notFound, "no Application named \(name)") }
                return json(app)
            }
        }
        api.post("applications/:app/sync") { request, context in
            try await guarded {
                let name = try context.parameters.require("app")
                let principal = try await authorize(request, engine, .operator)
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
            try await guarded {
                let name = try context.parameters.require("app")
                let principal = try await authorize(request, engine, .operator)
                guard case .object(let o) = try parseJSON(try await collect(request, context, limit: 64 << 10)), let revision = o["revision"]?.stringValue else {
                    throw HubError(.badRequest, "the body must be a JSON object like {\"revision\": \"3f2c1ab\", \"cluster\": \"us-west-2\"}")
                }
                return json(try await engine.rollback(application: name, to: revision, cluster: o["cluster"]?.stringValue, by: principal), status: .accepted)
            }
        }
        api.delete("applications/:app/rollback") { request, context in
            try await guarded {
                let name = try context.parameters.require("app")
                let principal = try await authorize(request, engine, .operator)
                return json(try await engine.clearRollback(application: name, by: principal))
            }
        }
        api.get("drills") { request, _ in
            try await guarded {
                _ = try await authorize(request, engine, .viewer)
                let query = request.uri.queryParameters
                return json(try await engine.drillList(cluster: query.get("cluster"), limit: query.get("limit").flatMap { Int($0) } ?? 100))
            }
        }
        api.post("drills") { request, context in
            try await guarded {
                let principal = try await authorize(request, engine, .operator)
                guard case .object(let o) = try parseJSON(try await collect(request, context, limit: 64 << 10)), let cluster = o["cluster"]?.stringValue else {
                    throw HubError(.badRequest, "the body must be a JSON object like {\"cluster\": \"us-west-2\", \"wipe\": true, \"slaSeconds\": 600}")
                }
                if let sla = o["slaSeconds"], !sla.isNull, sla.doubleValue == nil { throw HubError(.badRequest, "slaSeconds must be a number") }
                let drill = try await engine.startDrill(cluster: cluster, wipe: o["wipe"]?.boolValue ?? false, slaSeconds: o["slaSeconds"]?.doubleValue, by: principal)
                return json(drill, status: .created)
            }
        }
        api.get("drills/:id") { request, context in
            try await guarded {
                _ = try await authorize(request, engine, .viewer)
                guard let id = Int64(try context.parameters.require("id")) else { throw HubError(.badRequest, "drill ids are integers") }
                guard let drill = try await engine.drill(id: id) else { throw HubError(.notFound, "no drill \(id)") }
                return json(drill)
            }
        }
        api.post("drills/:id/result") { request, context in
            try await guarded {
                let principal = try await authorize(request, engine, .operator)
                guard let id = Int64(try context.parameters.require("id")) else { throw HubError(.badRequest, "drill ids are integers") }
                let report = try parseJSON(try await collect(request, context, limit: 1 << 20))
                return json(try await engine.finishDrill(id: id, report: report, by: principal))
            }
        }
        api.get("events") { request, _ in
            try await guarded {
                _ = try await authorize(request, engine, .viewer)
                let query = request.uri.queryParameters
                let after = query.get("after").flatMap { Int64($0) }
                let limit = query.get("limit").flatMap { Int($0) } ?? 100
                return json(try await engine.events(after: after, limit: limit))
            }
        }
        api.get("tokens") { request, _ in
            try await guarded { _ = try await authorize(request, engine, .admin); return json(try await engine.tokenList()) }
        }
        api.post("tokens") { request, context in
            try await guarded {
                let principal = try await authorize(request, engine, .admin)
                guard case .object(let o) = try parseJSON(try await collect(request, context, limit: 64 << 10)),
                      let roleName = o["role"]?.stringValue, let role = Role(rawValue: roleName) else {
                    throw HubError(.badRequest, "the body must be {\"role\": \"viewer|operator|admin\", \"label\": \"...\"}")
                }
                let created = try await engine.createToken(role: role, label: o["label"]?.stringValue ?? roleName, by: principal)
                return json(["id": .int(Int(created.id)), "role": .string(roleName), "token": .string(created.token)], status: .created)
            }
        }
        api.delete("tokens/:id") { request, context in
            try await guarded {
                let principal = try await authorize(request, engine, .admin)
                guard let id = Int64(try context.parameters.require("id")) else { throw HubError(.badRequest, "token ids are integers") }
                try await engine.revokeToken(id: id, by: principal)
                return json(["revoked": .int(Int(id))])
            }
        }
        return router
    }

    // MARK: Plans

    static func plan(_ request: Request, _ context: BasicRequestContext, _ engine: HubEngine) async throws -> Response {
        let name = try context.parameters.require("name")
        _ = try await authorize(request, engine, .spoke, cluster: name, action: "read the plan of \(name)", viewerAllowed: true)
        let etag = request.headers[.ifNoneMatch].map(unquote)
        var wait = 0
        if let text = request.uri.queryParameters.get("wait") {
            guard let seconds = Int(text), seconds >= 0 else { throw HubError(.badRequest, "wait must be a number of seconds (0 to \(maxWait))") }
            wait = min(seconds, maxWait)
        }
        var plan = await engine.plan(for: name)
        if plan == nil, !(await engine.isKnownCluster(name)) { throw HubError(.notFound, "no cluster named \(name) in the fleet repository") }
        if wait > 0, plan == nil || plan?.id == etag {
            plan = await engine.waitForPlan(cluster: name, differentFrom: etag, timeout: .seconds(wait))
        }
        guard let plan else { throw HubError(.notFound, "no plan for \(name) yet") }
        if let etag, etag == plan.id {
            await engine.countServed(notModified: true)
            return Response(status: .notModified, headers: [.eTag: quote(plan.id)])
        }
        await engine.countServed(notModified: false)
        return Response(
            status: .ok,
            headers: [.contentType: "application/json", .eTag: quote(plan.id), signatureHeader: "ed25519=" + plan.signature, planIdHeader: plan.id],
            body: .init(byteBuffer: ByteBuffer(bytes: plan.body))
        )
    }

    // MARK: Webhooks

    static func webhook(_ request: Request, _ context: BasicRequestContext, _ engine: HubEngine, limit: Int) async throws -> Response {
        guard let secret = engine.config.webhookSecret else {
            throw HubError(.forbidden, "webhooks are disabled: set webhook.secretFile in the hub configuration")
        }
        let body = try await collect(request, context, limit: limit)
        if let signature = request.headers[githubSignature] {
            let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
            let expected = "sha256=" + Hex.encode(mac)
            guard TokenCodec.constantTimeEquals(signature, expected) else { throw HubError(.unauthorized, "webhook signature does not match") }
        } else if let token = request.headers[gitlabToken] {
            guard TokenCodec.constantTimeEquals(token, secret) else { throw HubError(.unauthorized, "webhook token does not match") }
        } else {
            throw HubError(.unauthorized, "unsigned webhook: send X-Hub-Signature-256 (GitHub) or X-Gitlab-Token (GitLab)")
        }
        let payload = try parseJSON(body)
        var urls: [String] = []
        for object in [payload["repository"], payload["project"]] {
            for key in ["clone_url", "html_url", "ssh_url", "git_url", "git_http_url", "git_ssh_url", "url", "http_url"] {
                if let url = object?[key]?.stringValue { urls.append(url) }
            }
        }
        engine.metrics.webhooks.increment()
        let config = engine.config
        let known = [config.repositoryURL] + config.repositoryAliases
        func normalized(_ url: String) -> String {
            var u = url.lowercased()
            if u.hasSuffix("/") { u.removeLast() }
            if u.hasSuffix(".git") { u.removeLast(4) }
            return u
        }
        let matchesFleet = urls.contains { url in known.contains { normalized($0) == normalized(url) } }
        if matchesFleet || urls.isEmpty {
            await engine.refresh(force: false)
        } else {
            for url in urls { await engine.refresh(url: url) }
        }
        return json(["accepted": true, "repositories": .array(urls.map(Value.string))], status: .accepted)
    }

    // MARK: Helpers

    /// The principal of the request's bearer token, if it may act with `role` (for `cluster`).
    static func authorize(_ request: Request, _ engine: HubEngine, _ role: Role, cluster: String? = nil,
                          action: String = "", viewerAllowed: Bool = false) async throws -> Principal {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw HubError(.unauthorized, "missing bearer token (Authorization: Bearer <token>)")
        }
        let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard token.utf8.count <= 256, let principal = await engine.authenticate(token) else {
            throw HubError(.unauthorized, "unknown or revoked token")
        }
        if principal.role != .spoke, viewerAllowed, principal.may(.viewer) { return principal }
        guard principal.may(role, cluster: cluster) else {
            if principal.role == .spoke { await engine.recordDenied(principal, action: action.isEmpty ? "use \(request.uri.path)" : action) }
            throw HubError(.forbidden, "\(principal.name) may not \(action.isEmpty ? "do this (needs the \(role.rawValue) role)" : action)")
        }
        return principal
    }

    static func collect(_ request: Request, _ context: BasicRequestContext, limit: Int) async throws -> Data {
        var request = request
        do {
            let buffer = try await request.collectBody(upTo: limit)
            return Data(buffer.readableBytesView)
        } catch {
            throw HubError(.tooLarge, "the request body is larger than \(limit) bytes")
        }
    }

    static func parseJSON(_ body: Data) throws -> Value {
        do { return try JSON.parse(Array(body)) } catch { throw HubError(.badRequest, "the body is not valid JSON: \(error)") }
    }

    /// Runs a handler, turning every error into a JSON error response.
    static func guarded(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as HubError {
            let status: HTTPResponse.Status
            switch error.kind {
            case .badRequest: status = .badRequest
            case .unauthorized: status = .unauthorized
            case .forbidden: status = .forbidden
            case .notFound: status = .notFound
            case .conflict: status = .conflict
            case .tooLarge: status = .contentTooLarge
            case .unavailable: status = .serviceUnavailable
            }
            var response = json(["error": .string(error.message)], status: status)
            if error.kind == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
            return response
        } catch let error as HTTPError {
            return json(["error": .string(error.body ?? "\(error.status)")], status: error.status)
        } catch {
            return json(["error": .string("internal error: \(error)")], status: .internalServerError)
        }
    }

    static func json(_ value: Value, status: HTTPResponse.Status = .ok) -> Response {
        var bytes = JSON.encodeBytes(value, options: [.sortedKeys])
        bytes.append(UInt8(ascii: "\n"))
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func text(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func quote(_ etag: String) -> String { "\"\(etag)\"" }

    static func unquote(_ etag: String) -> String {
        var e = etag.trimmingCharacters(in: .whitespaces)
        if e.hasPrefix("W/") { e.removeFirst(2) }
        if e.hasPrefix("\"") && e.hasSuffix("\"") && e.count >= 2 { e = String(e.dropFirst().dropLast()) }
        return e
    }
}
