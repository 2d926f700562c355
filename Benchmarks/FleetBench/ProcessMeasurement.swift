import FleetCommandSupport
import FleetModel

#if canImport(Glibc)
import Glibc
#endif

/// Wall time and peak memory of one child process, from `wait4`'s resource usage.
struct ProcessSample {
    var milliseconds: Double
    var maxRSSKilobytes: Int
    var status: Int32
}

/// Runs a command with stdout/stderr discarded and measures it.
func measure(_ executable: String, _ arguments: [String]) -> ProcessSample {
    let start = SystemClock.monotonic()
    guard let pid = try? Subprocess.spawn(executable, arguments, outputFile: "/dev/null") else {
        return ProcessSample(milliseconds: 0, maxRSSKilobytes: 0, status: -1)
    }
    var status: Int32 = 0
    var usage = rusage()
    _ = wait4(pid, &status, 0, &usage)
    let ms = (SystemClock.monotonic() - start) * 1000
    return ProcessSample(milliseconds: ms, maxRSSKilobytes: usage.ru_maxrss, status: status)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func format(_ value: Double, _ digits: Int = 1) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    return String(rounded)
}
