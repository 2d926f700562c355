/// One HTTP request. Headers keep their order and may repeat.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    /// Overrides the client's total timeout for this request (a long-poll needs more).
    public var timeout: Duration?

    public init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [],
                body: [UInt8]? = nil, timeout: Duration? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }

    /// A request with a JSON body and the matching Content-Type.
    public static func json(_ method: String, url: String, body: [UInt8], headers: [(name: String, value: String)] = []) -> HTTPRequest {
        HTTPRequest(method: method, url: url, headers: [("Content-Type", "application/json")] + headers, body: body)
    }
}

/// A complete HTTP response: any status code is a response, not an error (see `checked()`).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first header with this name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    public var etag: String? { header("ETag") }
    public var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// This response, or an `.httpStatus` error for a status outside 200...399 carrying the
    /// start of the body (servers put their error message there).
    public func checked(url: String) throws(HTTPClientError) -> HTTPResponse {
        guard (200..<400).contains(status) else {
            throw HTTPClientError(kind: .httpStatus(status), url: url, message: "HTTP \(status): \(String(bodyText.prefix(500)))")
        }
        return self
    }
}

/// Why a request got no usable answer. `kind` tells a caller whether to retry (network,
/// timeout, 5xx), to fix configuration (DNS, TLS, 401/403) or to give up (too large).
public struct HTTPClientError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// The host name did not resolve.
        case dns
        /// Nothing listens at the address (TCP RST).
        case connectionRefused
        /// Could not connect for another reason (no route, network down).
        case connectionFailed
        /// The connect or the whole request took longer than allowed.
        case timeout
        /// TLS failed: untrusted or mismatched certificate, bad CA file, handshake error.
        case tls
        /// The body exceeded the configured maximum and was abandoned.
        case responseTooLarge
        /// The server answered with this non-success status (from `HTTPResponse.checked`).
        case httpStatus(Int)
        /// The URL is malformed or uses an unsupported scheme.
        case invalidURL
        /// The connection broke mid-exchange (reset, empty reply, send/receive failure).
        case transport
    }

    public var kind: Kind
    public var url: String
    public var message: String
    /// libcurl's result code, 0 when not from libcurl.
    public var curlCode: Int32

    public init(kind: Kind, url: String, message: String, curlCode: Int32 = 0) {
        self.kind = kind
        self.url = url
        self.message = message
        self.curlCode = curlCode
    }

    public var description: String { "\(url): \(message)" }

    /// Worth retrying later with backoff: the network, the server being overloaded or down.
    public var isTransient: Bool {
        switch kind {
        case .dns, .connectionRefused, .connectionFailed, .timeout, .transport: return true
        case .httpStatus(let status): return status == 429 || status >= 500
        case .tls, .responseTooLarge, .invalidURL: return false
        }
    }
}
