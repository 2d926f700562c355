import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A request as the loopback server received it.
public struct TestHTTPRequest: Sendable {
    public var method: String
    /// Path and query, as sent (`/api/v1/x?wait=5`).
    public var target: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(method: String, target: String, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    public var path: String { String(target.split(separator: "?", maxSplits: 1).first ?? "") }
    public var query: String { target.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init) ?? "" }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
}

/// What the loopback server answers.
public struct TestHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var delay: Double
    /// Send no Content-Length: the body ends when the connection closes (as some servers and
    /// proxies do), so a client cannot know the size in advance.
    public var omitContentLength: Bool

    public init(status: Int = 200, headers: [(String, String)] = [], body: [UInt8] = [], delay: Double = 0, omitContentLength: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.delay = delay
        self.omitContentLength = omitContentLength
    }

    public static func text(_ text: String, status: Int = 200, headers: [(String, String)] = []) -> TestHTTPResponse {
        TestHTTPResponse(status: status, headers: [("Content-Type", "text/plain")] + headers, body: Array(text.utf8))
    }
}

/// A small HTTP/1.1 server on 127.0.0.1 for tests: one thread per connection, one request per
/// connection (`Connection: close`), real sockets, so clients exercise their real network path.
/// Its responses are what the handler returns; `delay` holds one back for timeout tests.
public final class LoopbackHTTPServer: @unchecked Sendable {
    // @unchecked: mutable state (`listener`, counters) is guarded by `lock`.
    public let port: Int
    private let listener: Int32
    private let handler: @Sendable (TestHTTPRequest) -> TestHTTPResponse
    private let lock = NSLock()
    private var stopped = false
    private var _requests: [TestHTTPRequest] = []

    public init(handler: @escaping @Sendable (TestHTTPRequest) -> TestHTTPResponse) throws {
        self.handler = handler
        signal(SIGPIPE, SIG_IGN)
        let (fd, boundPort) = try LoopbackSocket.listen(backlog: 128)
        port = boundPort
        listener = fd
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    public var url: String { "http://127.0.0.1:\(port)" }

    /// Every request received so far, in arrival order.
    public var requests: [TestHTTPRequest] {
        lock.lock()
        defer { lock.unlock() }
        return _requests
    }

    public func stop() {
        lock.lock()
        let wasStopped = stopped
        stopped = true
        lock.unlock()
        guard !wasStopped else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private var isStopped: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopped
    }

    private func acceptLoop() {
        while !isStopped {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            let thread = Thread { [self] in serve(client) }
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        guard let request = readRequest(fd) else { return }
        lock.lock()
        _requests.append(request)
        lock.unlock()
        let response = handler(request)
        if response.delay > 0 { Thread.sleep(forTimeInterval: response.delay) }
        var head = "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n"
        var hasLength = false
        for (name, value) in response.headers {
            head += "\(name): \(value)\r\n"
            if name.lowercased() == "content-length" { hasLength = true }
        }
        if !hasLength && !response.omitContentLength && response.status != 304 { head += "Content-Length: \(response.body.count)\r\n" }
        head += "Connection: close\r\n\r\n"
        sendAll(fd, Array(head.utf8))
        if request.method != "HEAD" { sendAll(fd, response.body) }
    }

    private func sendAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    private func readRequest(_ fd: Int32) -> TestHTTPRequest? {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var headerEnd: Int?
        while headerEnd == nil {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { return nil }
            buffer += chunk[0..<n]
            headerEnd = Self.find([13, 10, 13, 10], in: buffer)
            if buffer.count > 1 << 20 { return nil }
        }
        let headText = String(decoding: buffer[0..<headerEnd!], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        var headers: [(String, String)] = []
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var body = Array(buffer[(headerEnd! + 4)...])
        let lookup = { (name: String) in headers.first { $0.0.lowercased() == name }?.1 }
        func readMore() -> Bool {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { return false }
            body += chunk[0..<n]
            return true
        }
        if let length = lookup("content-length").flatMap(Int.init) {
            while body.count < length { if !readMore() { break } }
        } else if lookup("transfer-encoding")?.lowercased() == "chunked" {
            var decoded: [UInt8] = []
            var position = 0
            chunks: while true {
                while Self.find([13, 10], in: body, from: position) == nil { if !readMore() { break chunks } }
                let lineEnd = Self.find([13, 10], in: body, from: position)!
                let sizeText = String(decoding: body[position..<lineEnd], as: UTF8.self).split(separator: ";").first ?? "0"
                let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) ?? 0
                position = lineEnd + 2
                if size == 0 { break }
                while body.count < position + size + 2 { if !readMore() { break chunks } }
                decoded += body[position..<(position + size)]
                position += size + 2
            }
            body = decoded
        }
        return TestHTTPRequest(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int = 0) -> Int? {
        guard haystack.count >= needle.count + start else { return nil }
        var i = start
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0] && Array(haystack[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 201: return "Created"
        case 204: return "No Content"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 500: return "Internal Server Error"
        case 503: return "Service Unavailable"
        default: return "Status"
        }
    }
}
