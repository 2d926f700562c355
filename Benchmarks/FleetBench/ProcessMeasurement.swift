#if canImport(Glibc)
import Glibc
#endif

/// Wall time and peak memory of one child process, from `wait4`'s resource usage.
struct ProcessSample {
    var milliseconds: Double
    var maxRSSKilobytes: Int
    var status: Int32
}

/// Starts a process with its output going to `output` (both stdout and stderr), found on
/// PATH, with an empty signal mask (so SIGTERM stops it).
func spawnProcess(_ executable: String, _ arguments: [String], output: String = "/dev/null") throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var empty = sigset_t()
    sigemptyset(&empty)
    posix_spawnattr_setsigmask(&attributes, &empty)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    guard posix_spawnp(&pid, executable, &actions, &attributes, argv, environ) == 0 else {
        throw BenchmarkFailure("cannot start \(executable)")
    }
    return pid
}

/// Runs a command with stdout/stderr discarded and measures it.
func measure(_ executable: String, _ arguments: [String]) -> ProcessSample {
    var start = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    guard let pid = try? spawnProcess(executable, arguments) else {
        return ProcessSample(milliseconds: 0, maxRSSKilobytes: 0, status: -1)
    }
    var status: Int32 = 0
    var usage = rusage()
    _ = wait4(pid, &status, 0, &usage)
    var end = timespec()
    clock_gettime(CLOCK_MONOTONIC, &end)
    let ms = Double(end.tv_sec - start.tv_sec) * 1000 + Double(end.tv_nsec - start.tv_nsec) / 1e6
    return ProcessSample(milliseconds: ms, maxRSSKilobytes: usage.ru_maxrss, status: status)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

func format(_ value: Double, _ digits: Int = 1) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    return String(rounded)
}
