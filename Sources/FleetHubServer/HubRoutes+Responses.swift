import FleetHubCore
import FleetModel
import FleetProtocol
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Bodies and responses shared by every route.
extension HubRoutes {
    /// The request body, up to `limit` bytes (413 beyond).
    static func collect(_ request: Request, limit: Int) async throws -> Data {
        var request = request
        do {
            let buffer = try await request.collectBody(upTo: limit)
            return Data(buffer.readableBytesView)
        } catch let error as HTTPResponseError where error.status == .contentTooLarge {
            throw HubError(.tooLarge, "the request body is larger than \(limit) bytes")
        } catch {
            throw bodyCutOff
        }
    }

    /// A body that stopped before its end: the client went away or was too slow (not a hub
    /// fault, so never logged as an internal error).
    static let bodyCutOff = HubError(.badRequest, "the request body ended early: the client disconnected, or sent it slower than limits.bodyTimeout allows")

    static func parseJSON(_ body: Data) throws -> Value {
        do { return try JSON.parse(Array(body)) } catch { throw HubError(.badRequest, "the body is not valid JSON: \(error)") }
    }

    /// A request body decoded into its protocol type; a body that is not one is a 400 that
    /// names the field and shows a body that is (`example`).
    static func decodeBody<Body>(_ request: Request, limit: Int, example: String, allowEmpty: Bool = false,
                                 _ decode: (Value) throws(ProtocolError) -> Body) async throws -> Body {
        let bytes = try await collect(request, limit: limit)
        let value: Value = allowEmpty && bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) ? .object([:]) : try parseJSON(bytes)
        do { return try decode(value) } catch {
            throw HubError(.badRequest, "the body is not a valid request (\(error)); send a JSON object like \(example)")
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
