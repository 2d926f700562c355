#if canImport(Glibc)
import Glibc
#endif

/// Runs work on a thread of its own with a large stack, and waits for it.
///
/// Why: the engines recurse over structures that come from Git (kustomization bases,
/// template nesting, YAML). Their depth is limited (`KustomizeBuilder.maxDepth`,
/// `TemplateParser.maxDepth`), but those limits are as high as kubectl's and Go's, which grow
/// their stacks on demand; a main thread (8 MiB) or a Dispatch worker is not big enough for
/// them. The memory is reserved, not committed: only the pages a deep input touches are used.
public enum LargeStack {
    /// Stack size for rendering and planning threads.
    public static let defaultBytes = 512 << 20

    public static func run<T>(bytes: Int = defaultBytes, _ body: () throws -> T) throws -> T {
        // Task-locals are per thread here: carry the caller's deadline across.
        let deadline = WorkDeadline.current
        return try withoutActuallyEscaping(body) { escapable in
            try spawn(bytes: bytes, deadline: deadline, escapable)
        }
    }

    private static func spawn<T>(bytes: Int, deadline: WorkDeadline?, _ body: @escaping () throws -> T) throws -> T {
        let outcome = Outcome<T>()
        let job = Job {
            WorkDeadline.$current.withValue(deadline) { outcome.result = Result { try body() } }
        }
        guard job.runOnNewThread(stackBytes: bytes) else {
            // No thread (resource limits): run here rather than fail.
            return try body()
        }
        return try outcome.result!.get()
    }

    /// Where the thread leaves its result; read only after the thread was joined.
    private final class Outcome<T>: @unchecked Sendable {
        var result: Result<T, any Error>?
    }

    /// Type-erased work handed to pthread_create (a C callback cannot be generic).
    private final class Job: @unchecked Sendable {
        let work: () -> Void
        init(_ work: @escaping () -> Void) { self.work = work }

        /// Runs the work on a new thread and joins it; false when no thread could be made.
        func runOnNewThread(stackBytes: Int) -> Bool {
            var attributes = pthread_attr_t()
            pthread_attr_init(&attributes)
            defer { pthread_attr_destroy(&attributes) }
            pthread_attr_setstacksize(&attributes, stackBytes)
            var thread = pthread_t()
            let context = Unmanaged.passRetained(self).toOpaque()
            let started = pthread_create(&thread, &attributes, largeStackThreadEntry, context)
            guard started == 0 else {
                Unmanaged<Job>.fromOpaque(context).release()
                return false
            }
            pthread_join(thread, nil)
            return true
        }

        static func run(_ raw: UnsafeMutableRawPointer) {
            Unmanaged<Job>.fromOpaque(raw).takeRetainedValue().work()
        }
    }
}

private func largeStackThreadEntry(_ raw: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    LargeStack.runJob(raw!)
    return nil
}

extension LargeStack {
    fileprivate static func runJob(_ raw: UnsafeMutableRawPointer) { Job.run(raw) }
}
