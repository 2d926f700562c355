/// A time limit for one unit of work on content from Git (generating one ApplicationSet,
/// rendering one source), so that a hostile or pathological input fails alone instead of
/// stalling a whole planning round.
///
/// Why a task-local rather than a parameter: the engines' inner loops (template steps, patch
/// targets, regular expressions) are many calls deep in pure code that should not carry an
/// I/O concern in every signature. Swift binds task-locals to the thread when no task is
/// running, so this works on the planner's own thread as well. The engines check it
/// cooperatively every few thousand steps; nothing is interrupted mid-write.
public struct WorkDeadline: Sendable {
    /// Monotonic time (seconds, `SystemClock.monotonic`) at which the work should stop.
    public let instant: Double
    /// What ran out, for the error message: "the ApplicationSet web exceeded its 30s limit".
    public let reason: String

    @TaskLocal public static var current: WorkDeadline?

    public init(seconds: Double, reason: String) {
        instant = SystemClock.monotonic() + seconds
        self.reason = reason
    }

    /// Whether the work in progress has a deadline that has passed.
    public static var isPast: Bool {
        guard let current else { return false }
        return SystemClock.monotonic() >= current.instant
    }

    /// Runs `body` with a deadline `seconds` from now (nil: none), keeping an earlier one
    /// already in force.
    public static func run<T, E: Error>(seconds: Double?, reason: String, _ body: () throws(E) -> T) throws(E) -> T {
        guard let seconds else { return try body() }
        let candidate = WorkDeadline(seconds: seconds, reason: reason)
        if let outer = current, outer.instant <= candidate.instant { return try body() }
        var outcome: Result<T, E>?
        $current.withValue(candidate) { outcome = Result { () throws(E) -> T in try body() } }
        return try outcome!.get()
    }
}
