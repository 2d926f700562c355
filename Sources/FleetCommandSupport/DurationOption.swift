import ArgumentParser
import FleetModel

/// Duration options as users type them (`30s`, `5m`, `1h30m`), checked with a message that says
/// what to write: a bare number is the most common slip, and the fix is one letter.
public enum DurationOption {
    /// The duration `text` of `option`, at least `minimum` seconds when given; otherwise a
    /// usage error naming the option and an example.
    @discardableResult
    public static func parse(_ text: String, option: String, minimum: Double? = nil) throws -> KubeDuration {
        guard let duration = try? KubeDuration(parsing: text) else {
            if Double(text) != nil {
                throw ValidationError("\(option) \"\(text)\" needs a unit: write \(text)s (durations are written 500ms, 30s, 5m, 1h)")
            }
            throw ValidationError("\(option) \"\(text)\" is not a duration (write it as 500ms, 30s, 5m or 1h30m)")
        }
        if let minimum, duration.seconds < minimum {
            throw ValidationError("\(option) \"\(text)\" is too short: at least \(KubeDuration(nanoseconds: Int64(minimum * 1e9)))")
        }
        return duration
    }
}
