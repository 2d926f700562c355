import FleetHubCore
import FleetModel
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The context of every hub request: the principal its bearer token stands for, resolved once
/// by `AuthenticationMiddleware` before any route runs.
public struct HubRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The token's principal; nil without a token or with one the hub does not know.
    public var principal: Principal?
    /// Why there is no principal, when a bearer header was sent.
    var authenticationProblem: String?

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// The request's principal, if it holds the capability `action` needs: a 401 without one, a
    /// 403 (audited) when its role does not allow the action.
    func require(_ action: HubAction, _ engine: HubEngine) async throws -> Principal {
        guard let principal else {
            throw HubError(.unauthorized, authenticationProblem ?? "missing bearer token (Authorization: Bearer <token>)")
        }
        guard principal.may(action) else {
            await engine.recordDenied(principal, action: action.phrase)
            throw HubError(.forbidden, "\(principal.name) may not \(action.phrase) (a \(principal.role.rawValue) token may: \(principal.role.capabilities.sorted().map(\.rawValue).joined(separator: ", ")))")
        }
        return principal
    }
}

/// Resolves the bearer token of every request from the hub's in-memory token store (no
/// database read, no wait for the engine); routes then ask the context for a capability.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = HubRequestContext
    let tokens: TokenStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let header = request.headers[.authorization] {
            if header.hasPrefix("Bearer ") {
                let token = String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
                context.principal = token.utf8.count <= 256 ? tokens.authenticate(token) : nil
                if context.principal == nil { context.authenticationProblem = "unknown or revoked token" }
            } else {
                context.authenticationProblem = "the Authorization header must be \"Bearer <token>\""
            }
        }
        return try await next(request, context)
    }
}

/// Turns every error into a JSON error response. Errors the hub did not anticipate (database,
/// file system) are logged with an incident id and reach the client as that id only.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HubError {
            return error.response
        } catch let error as HTTPError {
            // Hummingbird's own (a route not found, a method not allowed, a body too large).
            return HubRoutes.json(["error": .string(error.body ?? "\(error.status)")], status: error.status)
        } catch {
            let incident = Hex.encode((0..<4).map { _ in UInt8.random(in: 0...255) })
            logger.error("internal error", metadata: ["incident": "\(incident)", "error": "\(error)"])
            return HubRoutes.json(["error": .string("internal error (incident \(incident)); the hub's log has the details")], status: .internalServerError)
        }
    }
}

extension HubError: HTTPResponseError {
    public var status: HTTPResponse.Status {
        switch kind {
        case .badRequest: return .badRequest
        case .unauthorized: return .unauthorized
        case .forbidden: return .forbidden
        case .notFound: return .notFound
        case .conflict: return .conflict
        case .tooLarge: return .contentTooLarge
        case .tooManyRequests: return .tooManyRequests
        case .unavailable: return .serviceUnavailable
        }
    }

    /// `{"error": message, ...fields}`, with `WWW-Authenticate` on a 401 and `Retry-After` when known.
    var response: Response {
        var fields = self.fields
        fields["error"] = .string(message)
        var response = HubRoutes.json(.object(fields), status: status)
        if kind == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response { response }
}
