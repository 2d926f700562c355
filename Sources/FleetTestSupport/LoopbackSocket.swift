import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// TCP sockets on 127.0.0.1 for test servers and network-failure fixtures.
public enum LoopbackSocket {
    /// A socket bound to 127.0.0.1 on a free port; listening when `backlog` is given.
    public static func bind(backlog: Int32? = nil) throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = address(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard Glibc.bind(fd, pointer, length) == 0 else { return -1 }
                if let backlog, Glibc.listen(fd, backlog) != 0 { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard rc == 0 else {
            let code = errno
            close(fd)
            throw POSIXError(.init(rawValue: code) ?? .EIO)
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A listening socket on a free port.
    public static func listen(backlog: Int32) throws -> (fd: Int32, port: Int) {
        try bind(backlog: backlog)
    }

    /// Starts a TCP connect to 127.0.0.1:`port`; blocking or not. Returns the socket and
    /// `connect`'s result.
    public static func connect(to port: Int, nonBlocking: Bool = false) -> (fd: Int32, result: Int32) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | (nonBlocking ? Int32(SOCK_NONBLOCK.rawValue) : 0), 0)
        var target = address(port: port)
        let rc = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return (fd, rc)
    }

    static func address(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

/// A free TCP port on 127.0.0.1 (bound and released; a tiny race that tests tolerate).
public func freeLoopbackPort() throws -> Int {
    let (fd, port) = try LoopbackSocket.bind()
    close(fd)
    return port
}

/// Waits until something accepts TCP connections on 127.0.0.1:`port`.
public func waitForLoopbackPort(_ port: Int, timeout: Double = 10) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        let (fd, rc) = LoopbackSocket.connect(to: port)
        close(fd)
        if rc == 0 { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return false
}

/// A port on 127.0.0.1 where TCP connects hang: a listening socket whose accept queue is full
/// and never drained, so the kernel drops further SYNs. For connect-timeout tests.
public final class BlackholePort: @unchecked Sendable {
    // @unchecked: file descriptors are only closed in deinit.
    public let port: Int
    private let listener: Int32
    private let fillers: [Int32]

    public init() throws {
        let (fd, port) = try LoopbackSocket.listen(backlog: 0)
        listener = fd
        self.port = port
        fillers = (0..<4).map { _ in LoopbackSocket.connect(to: port, nonBlocking: true).fd }
        Thread.sleep(forTimeInterval: 0.05)
    }

    deinit {
        fillers.forEach { close($0) }
        close(listener)
    }
}

/// `openssl s_server -www` on 127.0.0.1 with a fresh self-signed certificate for 127.0.0.1:
/// a real TLS peer for certificate-verification tests. `certificate` is the PEM to trust.
public final class TLSTestServer: @unchecked Sendable {
    public let port: Int
    public let certificate: String
    private let server: BackgroundProcess

    public static var isAvailable: Bool { ProcessRunner.which("openssl") != nil }

    public init(directory: String) throws {
        certificate = directory + "/cert.pem"
        let key = directory + "/key.pem"
        try ProcessRunner.check("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                                            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                                            "-keyout", key, "-out", certificate])
        port = try freeLoopbackPort()
        server = try BackgroundProcess("openssl", ["s_server", "-quiet", "-www", "-accept", "127.0.0.1:\(port)",
                                                    "-cert", certificate, "-key", key])
        guard waitForLoopbackPort(port) else {
            server.stop()
            throw POSIXError(.ETIMEDOUT)
        }
    }

    public var url: String { "https://127.0.0.1:\(port)/" }
    public func stop() { server.stop() }
}
