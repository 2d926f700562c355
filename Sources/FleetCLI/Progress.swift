import FleetCommandSupport
import FleetModel

#if canImport(Glibc)
import Glibc
#endif

/// A one-line status for long operations (drills, waits, the demo's convergence), redrawn
/// in place on a terminal's stderr; silent when stderr is not a terminal, so piped output
/// stays machine-readable.
struct ProgressLine {
    let enabled: Bool
    private let start = SystemClock.monotonic()

    init(enabled: Bool = isatty(2) == 1) {
        self.enabled = enabled
    }

    var elapsed: Double { SystemClock.monotonic() - start }

    func update(_ text: String) {
        guard enabled else { return }
        let line = "[\(Self.seconds(elapsed))] \(text)"
        writeError("\r\u{1B}[2K" + String(line.prefix(200)))
    }

    func finish() {
        guard enabled else { return }
        writeError("\r\u{1B}[2K")
    }

    static func seconds(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)s"
    }
}
