/// Durations written the way kubectl and Go write them: `500ms`, `30s`, `5m`, `1h30m`.
///
/// Every command-line flag and config key that takes a duration goes through this type, so a
/// user types the same thing everywhere (DESIGN.md, "Contracts").
public struct KubeDuration: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    public init(seconds: Double) { self.nanoseconds = Int64(seconds * 1e9) }

    public static func milliseconds(_ ms: Int64) -> KubeDuration { KubeDuration(nanoseconds: ms * 1_000_000) }
    public static func seconds(_ s: Int64) -> KubeDuration { KubeDuration(nanoseconds: s * 1_000_000_000) }
    public static func minutes(_ m: Int64) -> KubeDuration { .seconds(m * 60) }
    public static func hours(_ h: Int64) -> KubeDuration { .seconds(h * 3600) }

    public var seconds: Double { Double(nanoseconds) / 1e9 }
    public var duration: Duration { .nanoseconds(nanoseconds) }

    public static func < (a: KubeDuration, b: KubeDuration) -> Bool { a.nanoseconds < b.nanoseconds }

    /// Parses Go's duration syntax (`time.ParseDuration`): a sequence of decimal numbers, each
    /// with an optional fraction and a unit (ns, us, µs, ms, s, m, h), optionally signed;
    /// a bare `0` is zero.
    public init(parsing text: String) throws(KubeDurationError) {
        var s = Substring(text)
        guard !s.isEmpty else { throw KubeDurationError(text: text, reason: "empty duration") }
        var negative = false
        if s.first == "-" || s.first == "+" {
            negative = s.first == "-"
            s = s.dropFirst()
        }
        if s == "0" {
            self.nanoseconds = 0
            return
        }
        guard !s.isEmpty else { throw KubeDurationError(text: text, reason: "missing number") }
        var total: Double = 0
        while !s.isEmpty {
            let number = s.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != ".", let value = Double(number) else {
                throw KubeDurationError(text: text, reason: "expected a number at \"\(s)\"")
            }
            s = s.dropFirst(number.count)
            let unit = s.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            guard !unit.isEmpty else {
                throw KubeDurationError(text: text, reason: "missing unit after \(number) (use ms, s, m or h)")
            }
            s = s.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ns": scale = 1
            case "us", "µs", "μs": scale = 1e3
            case "ms": scale = 1e6
            case "s": scale = 1e9
            case "m": scale = 60e9
            case "h": scale = 3600e9
            default: throw KubeDurationError(text: text, reason: "unknown unit \"\(unit)\" (use ms, s, m or h)")
            }
            total += value * scale
        }
        guard total < 9.2e18 else { throw KubeDurationError(text: text, reason: "duration too large") }
        self.nanoseconds = Int64(total.rounded()) * (negative ? -1 : 1)
    }

    /// The shortest kubectl-style spelling: `500ms`, `30s`, `1m30s`, `1h`, `1.5s`.
    public var description: String {
        if nanoseconds == 0 { return "0s" }
        var n = abs(nanoseconds)
        var out = nanoseconds < 0 ? "-" : ""
        if n < 1_000_000_000 {
            if n % 1_000_000 == 0 { return out + "\(n / 1_000_000)ms" }
            if n % 1_000 == 0 { return out + "\(n / 1_000)us" }
            return out + "\(n)ns"
        }
        let hours = n / 3_600_000_000_000
        n %= 3_600_000_000_000
        let minutes = n / 60_000_000_000
        n %= 60_000_000_000
        if hours > 0 { out += "\(hours)h" }
        if minutes > 0 { out += "\(minutes)m" }
        if n > 0 {
            let whole = n / 1_000_000_000
            var fraction = n % 1_000_000_000
            if fraction == 0 {
                out += "\(whole)s"
            } else {
                var digits = 9
                while fraction % 10 == 0 { fraction /= 10; digits -= 1 }
                let padded = String(repeating: "0", count: digits - String(fraction).count) + String(fraction)
                out += "\(whole).\(padded)s"
            }
        }
        return out
    }
}

/// A duration that could not be parsed, with the text and what is wrong with it.
public struct KubeDurationError: Error, CustomStringConvertible, Equatable, Sendable {
    public var text: String
    public var reason: String
    public var description: String { "invalid duration \"\(text)\": \(reason) (examples: 500ms, 30s, 5m, 1h)" }
}
