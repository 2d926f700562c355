import FleetCommandSupport
import Foundation

/// A Git repository with a work tree, built with the real `git` CLI, for tests that need
/// commits, branches and tags.
public struct GitFixtureRepository: Sendable {
    public let path: String

    /// Creates a repository at `path` on branch `main` with a fixed identity.
    public init(at path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try git("init", "-q", "-b", "main")
        try git("config", "user.name", "Fleet Test")
        try git("config", "user.email", "test@fleet.invalid")
        try git("config", "commit.gpgsign", "false")
    }

    @discardableResult
    public func git(_ arguments: String...) throws -> String {
        try ProcessRunner.check("git", arguments, in: path).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func write(_ relative: String, _ contents: String) throws {
        let url = URL(fileURLWithPath: path).appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: url, atomically: true, encoding: .utf8)
    }

    public func remove(_ relative: String) throws {
        try FileManager.default.removeItem(atPath: path + "/" + relative)
    }

    /// Stages everything and commits; returns the new commit's SHA.
    @discardableResult
    public func commit(_ message: String) throws -> String {
        try git("add", "-A")
        try git("commit", "-q", "--allow-empty", "-m", message)
        return try git("rev-parse", "HEAD")
    }

    /// The commit HEAD is at.
    public func head() throws -> String {
        try git("rev-parse", "HEAD")
    }

    /// A bare clone of this repository at `path` (what a Git server serves).
    public func bareClone(to path: String) throws {
        try ProcessRunner.check("git", ["clone", "-q", "--bare", self.path, path])
    }
}

/// A background process the test started and must stop (by its PID, nothing else).
///
/// Spawned with `Subprocess.spawn` (an empty signal mask, its own process group): test code
/// runs on threads that block most signals, and children spawned through Foundation's
/// `Process` inherit that mask, so they would ignore SIGTERM. Output goes to `logPath` when
/// given, else /dev/null.
public final class BackgroundProcess: @unchecked Sendable {
    // @unchecked: `exited` is guarded by `lock`.
    public let pid: pid_t
    private let lock = NSLock()
    private var exited = false

    public init(_ executable: String, _ arguments: [String], in directory: String? = nil,
                environment: [String: String]? = nil, logPath: String? = nil) throws {
        var path = ProcessRunner.which(executable) ?? executable
        var arguments = arguments
        if let directory {
            // posix_spawn_file_actions_addchdir_np is not visible from Swift: let a shell cd first.
            arguments = ["-c", "cd \"$0\" && exec \"$@\"", directory, path] + arguments
            path = "/bin/sh"
        }
        pid = try Subprocess.spawn(path, arguments, environment: environment ?? [:], outputFile: logPath ?? "/dev/null", newProcessGroup: true)
    }

    public var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        if exited { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { exited = true }
        return !exited
    }

    /// Sends `signal` to the process (for tests of crash and restart).
    public func send(_ signal: Int32) { kill(pid, signal) }

    /// Waits for the process to exit on its own; its exit status, or nil after `timeout`.
    @discardableResult
    public func wait(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        return !isRunning
    }

    /// SIGTERM, then SIGKILL if it is still running after `grace` seconds.
    public func stop(grace: Double = 3) {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        if !wait(timeout: grace) {
            kill(pid, SIGKILL)
            _ = wait(timeout: 5)
        }
    }

    deinit { stop() }
}

/// `git daemon` serving every repository under `root` over git:// on 127.0.0.1.
public final class GitDaemonServer: @unchecked Sendable {
    public let port: Int
    private let daemon: BackgroundProcess

    public init(root: String) throws {
        port = try freeLoopbackPort()
        // The daemon binary itself rather than the `git daemon` wrapper, so stopping our child
        // stops the server (the wrapper would leave its own child behind).
        let execPath = try ProcessRunner.check("git", ["--exec-path"]).trimmingCharacters(in: .whitespacesAndNewlines)
        daemon = try BackgroundProcess(execPath + "/git-daemon", [
            "--reuseaddr", "--export-all", "--informative-errors",
            "--base-path=\(root)", "--listen=127.0.0.1", "--port=\(port)", root,
        ])
        guard waitForLoopbackPort(port) else {
            daemon.stop()
            throw POSIXError(.ETIMEDOUT)
        }
    }

    public func url(_ repository: String) -> String { "git://127.0.0.1:\(port)/\(repository)" }
    public func stop() { daemon.stop() }
}

/// Git's smart HTTP protocol on 127.0.0.1: `git http-backend` run as a CGI program behind the
/// loopback server, optionally behind HTTP basic authentication.
public final class GitHTTPServer: @unchecked Sendable {
    private let server: LoopbackHTTPServer

    /// Serves repositories under `root`; when `credentials` is set, requests without that
    /// user and password get 401.
    public init(root: String, credentials: (user: String, password: String)? = nil) throws {
        let expected = credentials.map { "Basic " + Data("\($0.user):\($0.password)".utf8).base64EncodedString() }
        server = try LoopbackHTTPServer { request in
            if let expected, request.header("Authorization") != expected {
                // An empty body: libgit2 1.5 misreads the next response when a 401 that closes
                // the connection carries a body (real servers keep the connection alive).
                return TestHTTPResponse(status: 401, headers: [("WWW-Authenticate", "Basic realm=\"git\"")], body: [])
            }
            return GitHTTPServer.runBackend(root: root, request: request, user: credentials?.user)
        }
    }

    public var port: Int { server.port }
    public func url(_ repository: String) -> String { "\(server.url)/\(repository)" }
    public var requests: [TestHTTPRequest] { server.requests }
    public func stop() { server.stop() }

    private static func runBackend(root: String, request: TestHTTPRequest, user: String?) -> TestHTTPResponse {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ProcessRunner.which("git") ?? "/usr/bin/git")
        process.arguments = ["http-backend"]
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_PROJECT_ROOT"] = root
        environment["GIT_HTTP_EXPORT_ALL"] = "1"
        environment["REQUEST_METHOD"] = request.method
        environment["PATH_INFO"] = request.path
        environment["QUERY_STRING"] = request.query
        environment["CONTENT_TYPE"] = request.header("Content-Type") ?? ""
        environment["CONTENT_LENGTH"] = String(request.body.count)
        environment["REMOTE_ADDR"] = "127.0.0.1"
        if let user { environment["REMOTE_USER"] = user }
        if let protocolHeader = request.header("Git-Protocol") { environment["GIT_PROTOCOL"] = protocolHeader }
        process.environment = environment
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return .text("cannot run git http-backend: \(error)", status: 500) }
        DispatchQueue.global().async {
            input.fileHandleForWriting.write(Data(request.body))
            try? input.fileHandleForWriting.close()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let bytes = [UInt8](data)
        guard let split = findBlankLine(bytes) else { return .text("bad CGI output", status: 500) }
        var status = 200
        var headers: [(String, String)] = []
        for line in String(decoding: bytes[0..<split.headerEnd], as: UTF8.self).split(whereSeparator: { $0 == "\r" || $0 == "\n" }) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name.lowercased() == "status" {
                status = Int(value.prefix(3)) ?? 500
            } else {
                headers.append((name, value))
            }
        }
        return TestHTTPResponse(status: status, headers: headers, body: Array(bytes[split.bodyStart...]))
    }

    private static func findBlankLine(_ bytes: [UInt8]) -> (headerEnd: Int, bodyStart: Int)? {
        var i = 0
        while i + 1 < bytes.count {
            if bytes[i] == 10 && bytes[i + 1] == 10 { return (i, i + 2) }
            if i + 3 < bytes.count && bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 { return (i, i + 4) }
            i += 1
        }
        return nil
    }
}

/// An OpenSSH server on 127.0.0.1 with a fresh host key and one authorised client key, so Git
/// over ssh:// can be tested end to end. Needs root (sshd's privilege separation) and sshd.
public final class SSHServerFixture: @unchecked Sendable {
    public let port: Int
    public let clientPrivateKey: String
    public let clientPublicKey: String
    /// The host key's fingerprint as `ssh-keygen -lf` prints it (`SHA256:...`).
    public let hostKeyFingerprint: String
    public let user: String
    private let sshd: BackgroundProcess

    public static var isAvailable: Bool {
        getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") && ProcessRunner.which("ssh-keygen") != nil
    }

    public init(directory: String) throws {
        let hostKey = directory + "/host_ecdsa"
        clientPrivateKey = directory + "/client_ecdsa"
        clientPublicKey = clientPrivateKey + ".pub"
        try ProcessRunner.check("ssh-keygen", ["-q", "-t", "ecdsa", "-N", "", "-f", hostKey])
        try ProcessRunner.check("ssh-keygen", ["-q", "-t", "ecdsa", "-m", "PEM", "-N", "", "-f", clientPrivateKey])
        try FileManager.default.copyItem(atPath: clientPublicKey, toPath: directory + "/authorized_keys")
        let fingerprintLine = try ProcessRunner.check("ssh-keygen", ["-l", "-E", "sha256", "-f", hostKey + ".pub"])
        hostKeyFingerprint = fingerprintLine.split(separator: " ").dropFirst().first.map(String.init) ?? ""
        user = ProcessInfo.processInfo.environment["USER"] ?? "root"
        port = try freeLoopbackPort()
        let config = """
        Port \(port)
        ListenAddress 127.0.0.1
        HostKey \(hostKey)
        PidFile \(directory)/sshd.pid
        AuthorizedKeysFile \(directory)/authorized_keys
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        UsePAM no
        StrictModes no
        PermitRootLogin prohibit-password
        """
        try config.write(toFile: directory + "/sshd_config", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        sshd = try BackgroundProcess("/usr/sbin/sshd", ["-D", "-e", "-f", directory + "/sshd_config"])
        guard waitForLoopbackPort(port) else {
            sshd.stop()
            throw POSIXError(.ETIMEDOUT)
        }
    }

    public func url(_ absolutePath: String) -> String { "ssh://\(user)@127.0.0.1:\(port)\(absolutePath)" }
    public func stop() { sshd.stop() }
}
