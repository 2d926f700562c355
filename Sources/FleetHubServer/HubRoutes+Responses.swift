import FleetHubCore
import FleetModel
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Authentication, bodies and responses shared by every route.
extension HubRoutes {
    /// The principal of the request's bearer token, if it holds the capability `action` needs.
    static func authorize(_ request: Request, _ engine: HubEngine, _ action: HubAction) async throws -> Principal {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw HubError(.unauthorized, "missing bearer token (Authorization: Bearer <token>)")
        }
        let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard token.utf8.count <= 256, let principal = engine.authenticate(token) else {
            throw HubError(.unauthorized, "unknown or revoked token")
        }
        guard principal.may(action) else {
            await engine.recordDenied(principal, action: action.phrase)
            throw HubError(.forbidden, "\(principal.name) may not \(action.phrase) (a \(principal.role.rawValue) token may: \(principal.role.capabilities.sorted().map(\.rawValue).joined(separator: ", ")))")
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

    /// Runs a handler, turning every error into a JSON error response. Errors the hub did not
    /// anticipate (database, file system) are logged with an incident id and reach the client
    /// as that id only.
    static func guarded(_ engine: HubEngine, _ body: () async throws -> Response) async throws -> Response {
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
            case .tooManyRequests: status = .tooManyRequests
            case .unavailable: status = .serviceUnavailable
            }
            var fields = error.fields
            fields["error"] = .string(error.message)
            var response = json(.object(fields), status: status)
            if error.kind == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
            if let retry = error.retryAfter { response.headers[.retryAfter] = String(retry) }
            return response
        } catch let error as HTTPError {
            return json(["error": .string(error.body ?? "\(error.status)")], status: error.status)
        } catch {
            let incident = Hex.encode((0..<4).map { _ in UInt8.random(in: 0...255) })
            engine.logger.error("internal error", metadata: ["incident": "\(incident)", "error": "\(error)"])
            return json(["error": .string("internal error (incident \(incident)); the hub's log has the details")], status: .internalServerError)
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
