import CCurl

#if canImport(Glibc)
import Glibc
#endif

/// Settings that apply to every request of a client.
public struct HTTPClientConfiguration: Sendable {
    public var connectTimeout: Duration
    /// The default limit for a whole request, connect included (per-request override:
    /// `HTTPRequest.timeout`).
    public var requestTimeout: Duration
    /// Bodies larger than this are abandoned with `.responseTooLarge` (after decompression).
    public var maxResponseBytes: Int
    /// A PEM bundle of CAs to trust instead of the system's.
    public var caFile: String?
    /// Skip TLS verification: only for tests and only when a config says so explicitly.
    public var insecureSkipTLSVerify: Bool
    /// A client certificate and key (PEM files), for mutual TLS.
    public var clientCertificateFile: String?
    public var clientKeyFile: String?
    public var userAgent: String

    public init(connectTimeout: Duration = .seconds(10), requestTimeout: Duration = .seconds(30),
                maxResponseBytes: Int = 16 << 20, caFile: String? = nil, insecureSkipTLSVerify: Bool = false,
                clientCertificateFile: String? = nil, clientKeyFile: String? = nil, userAgent: String = "fleet-spoke") {
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.maxResponseBytes = maxResponseBytes
        self.caFile = caFile
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.clientCertificateFile = clientCertificateFile
        self.clientKeyFile = clientKeyFile
        self.userAgent = userAgent
    }
}

/// A blocking HTTP(S) client on one libcurl easy handle, which keeps connections alive
/// between requests (a spoke long-polling its hub reuses one TLS session).
///
/// Not `Sendable` and not thread-safe, like the handle it owns: the spoke's agent loop owns
/// one client on its thread. Every call blocks until the response or the timeout.
public final class HTTPClient {
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    public let configuration: HTTPClientConfiguration

    private static let globalInit: Bool = {
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        return true
    }()

    public init(configuration: HTTPClientConfiguration = HTTPClientConfiguration()) {
        _ = Self.globalInit
        guard let handle = curl_easy_init() else { preconditionFailure("libcurl could not allocate a handle") }
        self.handle = handle
        self.configuration = configuration
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    /// Sends `request` and returns the response whatever its status; throws only when no
    /// complete response arrived.
    public func send(_ request: HTTPRequest) throws(HTTPClientError) -> HTTPResponse {
        curl_easy_reset(handle)
        errorBuffer[0] = 0
        let sink = ResponseSink(limit: configuration.maxResponseBytes)
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }

        setLong(CURLOPT_NOSIGNAL, 1)
        setPointer(CURLOPT_ERRORBUFFER, errorBuffer)
        setString(CURLOPT_URL, request.url)
        setString(CURLOPT_USERAGENT, configuration.userAgent)
        setString(CURLOPT_ACCEPT_ENCODING, "")
        setLong(CURLOPT_FOLLOWLOCATION, 0)
        setLong(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(configuration.connectTimeout))
        setLong(CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeout ?? configuration.requestTimeout))
        _ = fleet_curl_setopt_off(handle, CURLOPT_MAXFILESIZE_LARGE, curl_off_t(configuration.maxResponseBytes))
        if let caFile = configuration.caFile { setString(CURLOPT_CAINFO, caFile) }
        if configuration.insecureSkipTLSVerify {
            setLong(CURLOPT_SSL_VERIFYPEER, 0)
            setLong(CURLOPT_SSL_VERIFYHOST, 0)
        }
        if let certificate = configuration.clientCertificateFile { setString(CURLOPT_SSLCERT, certificate) }
        if let key = configuration.clientKeyFile { setString(CURLOPT_SSLKEY, key) }

        switch request.method.uppercased() {
        case "GET": setLong(CURLOPT_HTTPGET, 1)
        case "HEAD": setLong(CURLOPT_NOBODY, 1)
        case "POST": setLong(CURLOPT_POST, 1)
        default: setString(CURLOPT_CUSTOMREQUEST, request.method.uppercased())
        }
        // A POST always carries its body explicitly: with none set, libcurl would read one
        // from the process's standard input.
        if let body = request.body ?? (request.method.uppercased() == "POST" ? [] : nil) {
            _ = fleet_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            body.withUnsafeBytes { _ = fleet_curl_setopt_ptr(handle, CURLOPT_COPYPOSTFIELDS, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1)) }
            // Without this, curl waits up to a second for "100 Continue" before large bodies.
            headerList = curl_slist_append(headerList, "Expect:")
        }
        for (name, value) in request.headers {
            headerList = curl_slist_append(headerList, "\(name): \(value)")
        }
        if let headerList { setPointer(CURLOPT_HTTPHEADER, headerList) }

        let box = Unmanaged.passRetained(sink)
        defer { box.release() }
        _ = fleet_curl_setopt_write(handle) { data, size, count, context in
            let sink = Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue()
            return sink.appendBody(data, size * count)
        }
        setPointer(CURLOPT_WRITEDATA, box.toOpaque())
        _ = fleet_curl_setopt_header(handle) { data, size, count, context in
            let sink = Unmanaged<ResponseSink>.fromOpaque(context!).takeUnretainedValue()
            return sink.appendHeader(data, size * count)
        }
        setPointer(CURLOPT_HEADERDATA, box.toOpaque())

        let code = curl_easy_perform(handle)
        guard code == CURLE_OK else { throw error(for: code, url: request.url, sink: sink, timeout: request.timeout ?? configuration.requestTimeout) }
        var status = 0
        _ = fleet_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body)
    }

    private func error(for code: CURLcode, url: String, sink: ResponseSink, timeout: Duration) -> HTTPClientError {
        let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        let kind: HTTPClientError.Kind
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            kind = .dns
        case CURLE_COULDNT_CONNECT:
            var osErrno = 0
            _ = fleet_curl_getinfo_long(handle, CURLINFO_OS_ERRNO, &osErrno)
            kind = osErrno == Int(ECONNREFUSED) || detail.lowercased().contains("refused") ? .connectionRefused : .connectionFailed
        case CURLE_OPERATION_TIMEDOUT:
            kind = detail.hasPrefix("Resolving timed out") ? .dns : .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_ENGINE_NOTFOUND,
             CURLE_SSL_CRL_BADFILE, CURLE_SSL_INVALIDCERTSTATUS, CURLE_USE_SSL_FAILED:
            kind = .tls
        case CURLE_FILESIZE_EXCEEDED:
            kind = .responseTooLarge
        case CURLE_WRITE_ERROR where sink.exceeded:
            kind = .responseTooLarge
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            kind = .invalidURL
        default:
            kind = .transport
        }
        var message = detail
        switch kind {
        case .connectionRefused where !detail.lowercased().contains("refused"): message += " (connection refused)"
        case .responseTooLarge: message = "response larger than the limit of \(configuration.maxResponseBytes) bytes"
        case .tls where configuration.caFile == nil: message += " (set a CA file if the server uses a private CA)"
        case .timeout:
            var connectSeconds = 0.0
            _ = fleet_curl_getinfo_double(handle, CURLINFO_CONNECT_TIME, &connectSeconds)
            message = connectSeconds == 0
                ? "could not connect within \(configuration.connectTimeout) (\(detail))"
                : "no complete response within \(timeout) (\(detail))"
        default: break
        }
        return HTTPClientError(kind: kind, url: url, message: message, curlCode: Int32(code.rawValue))
    }

    private func setLong(_ option: CURLoption, _ value: Int) {
        _ = fleet_curl_setopt_long(handle, option, value)
    }

    private func setString(_ option: CURLoption, _ value: String) {
        // libcurl copies string options (since 7.17), so a temporary C string is enough.
        _ = value.withCString { fleet_curl_setopt_ptr(handle, option, $0) }
    }

    private func setPointer(_ option: CURLoption, _ value: UnsafeRawPointer) {
        _ = fleet_curl_setopt_ptr(handle, option, value)
    }

    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}

/// Collects a response's headers and body as libcurl delivers them, enforcing the size cap.
private final class ResponseSink {
    let limit: Int
    var body: [UInt8] = []
    var headers: [(name: String, value: String)] = []
    var exceeded = false

    init(limit: Int) { self.limit = limit }

    func appendBody(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard body.count + count <= limit else {
            exceeded = true
            return 0  // makes libcurl abort with CURLE_WRITE_ERROR
        }
        if let data, count > 0 {
            body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: count))
        }
        return count
    }

    func appendHeader(_ data: UnsafeMutablePointer<CChar>?, _ count: Int) -> Int {
        guard let data else { return count }
        let line = String(decoding: UnsafeRawBufferPointer(start: data, count: count), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            headers.removeAll()  // a new response (after a 100 Continue or a redirect) starts
        } else if let colon = line.firstIndex(of: ":") {
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t\r\n")
            headers.append((name, value))
        }
        return count
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = self
        while let first = s.first, set.contains(first) { s = s.dropFirst() }
        while let last = s.last, set.contains(last) { s = s.dropLast() }
        return String(s)
    }
}
