#if canImport(Glibc)
import Glibc
#endif

/// The clocks and the sleep every binary uses, without Foundation (the spoke cannot link it).
public enum SystemClock {
    /// Seconds since the Unix epoch (wall time: timestamps, the local cluster's clock).
    public static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Seconds on the monotonic clock (durations, deadlines: immune to wall-clock jumps).
    public static func monotonic() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    /// Blocks the calling thread for `seconds`, resuming after signal interruptions.
    public static func sleep(_ seconds: Double) {
        guard seconds > 0 else { return }
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int((seconds - Double(Int(seconds))) * 1e9))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
