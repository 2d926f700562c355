import FleetModel

#if canImport(Glibc)
import Glibc
#endif

/// Child processes for the commands that drive other binaries (`fleet demo` starts a hub
/// and spokes, `fleet drill rebuild --no-hub` runs `spoke apply`), on posix_spawn so the CLI
/// does not pull in Foundation.
public enum Subprocess {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// `name` next to the running executable (binaries built together), else on PATH.
    public static func sibling(_ name: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 {
            let own = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let slash = own.lastIndex(of: "/") {
                let candidate = String(own[..<slash]) + "/" + name
                if access(candidate, X_OK) == 0 { return candidate }
            }
        }
        return which(name)
    }

    /// The absolute path of `name` on PATH, or nil.
    public static func which(_ name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where access("\(directory)/\(name)", X_OK) == 0 {
            return "\(directory)/\(name)"
        }
        return nil
    }

    /// Starts `path` (or a name found on PATH) with `arguments`; stdin is /dev/null; stdout
    /// and stderr go to `outputFile` (appended), or stdout to `stdoutPipe`, or are inherited.
    /// `newProcessGroup` keeps a terminal's Ctrl-C (and group signals) away from the child. `environment` entries are added to this process's environment.
    public static func spawn(_ path: String, _ arguments: [String], environment: [String: String] = [:], outputFile: String? = nil,
                             stdoutPipe: Int32? = nil, newProcessGroup: Bool = false) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let outputFile {
            posix_spawn_file_actions_addopen(&actions, 1, outputFile, O_WRONLY | O_CREAT | O_APPEND, 0o600)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        } else if let stdoutPipe {
            posix_spawn_file_actions_adddup2(&actions, stdoutPipe, 1)
        }
        var env = ProcessEnvironment.all()
        for (key, value) in environment { env[key] = value }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        // An empty signal mask and default dispositions: a child started from a thread that
        // blocks signals (test runners, Foundation's threads) would otherwise inherit the mask
        // and ignore SIGTERM.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if newProcessGroup {
            flags |= POSIX_SPAWN_SETPGROUP
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, path, &actions, &attributes, argv, envp)
        guard rc == 0 else { throw Failure("cannot start \(path): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// Runs to completion; returns the exit status (128+signal when killed) and stdout
    /// (stderr is inherited, so a child's complaints reach the user).
    public static func run(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw Failure("pipe: \(String(cString: strerror(errno)))") }
        let pid: pid_t
        do { pid = try spawn(path, arguments, environment: environment, stdoutPipe: fds[1]) } catch {
            close(fds[0]); close(fds[1])
            throw error
        }
        close(fds[1])
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fds[0], &chunk, chunk.count)
            if n > 0 { output += chunk[0..<n] } else if n < 0 && errno == EINTR { continue } else { break }
        }
        close(fds[0])
        return (wait(pid), String(decoding: output, as: UTF8.self))
    }

    /// Waits for a child; its exit status, or 128+signal.
    @discardableResult
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return -1 }
        }
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    /// Whether the child has exited (reaping it if so).
    public static func hasExited(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == pid
    }

    /// SIGTERM to each, then SIGKILL to those still running after `grace` seconds; reaps them.
    public static func terminate(_ pids: [pid_t], grace: Double = 5) {
        var running = pids.filter { kill($0, SIGTERM) == 0 || !hasExited($0) }
        var waited = 0.0
        while !running.isEmpty && waited < grace {
            running = running.filter { !hasExited($0) }
            if running.isEmpty { return }
            SystemClock.sleep(0.05)
            waited += 0.05
        }
        for pid in running {
            kill(pid, SIGKILL)
            wait(pid)
        }
    }
}

/// The process environment, without Foundation.
public enum ProcessEnvironment {
    public static func all() -> [String: String] {
        var out: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") { out[String(text[..<equals])] = String(text[text.index(after: equals)...]) }
            pointer += 1
        }
        return out
    }
}
