import FleetModel

/// How plain (unquoted) YAML scalars become typed values.
///
/// We resolve exactly as `kubectl kustomize` does (go-yaml v3, YAML 1.2 core schema with
/// 1.1 octals kept), because that is the tool our users diff against:
/// - booleans: only `true`/`True`/`TRUE`/`false`/`False`/`FALSE`; YAML 1.1's `yes`, `no`,
///   `on`, `off`, `y`, `n` stay strings;
/// - null: `~`, `null`, `Null`, `NULL` and the empty scalar;
/// - integers: Go's base-prefixed syntax after removing `_`: `0x1F`, `0o17`, `0b101`, and the
///   1.1 octal `0755` (= 493), signs allowed; values beyond 64 bits become floats;
/// - floats: `1.5`, `1e3`, `.5`, `+.5`, `.inf`, `-.Inf`, `.nan`;
/// - everything else, including timestamps like `2001-12-14`, stays a string.
///
/// Quoted and block scalars are always strings unless an explicit tag says otherwise.
enum ScalarResolver {
    /// Resolves a plain scalar with no tag. With `yaml11Booleans`, YAML 1.1's `y`, `yes`,
    /// `on` (and `n`, `no`, `off`) are booleans, as go-yaml v2 reads them.
    static func resolvePlain(_ text: String, yaml11Booleans: Bool = false) -> Value {
        let utf8 = text.utf8
        guard let first = utf8.first else { return .null }
        if yaml11Booleans, let b = yaml11Boolean(text) { return .bool(b) }
        switch first {
        case UInt8(ascii: "t"), UInt8(ascii: "T"):
            if text == "true" || text == "True" || text == "TRUE" { return .bool(true) }
            return .string(text)
        case UInt8(ascii: "f"), UInt8(ascii: "F"):
            if text == "false" || text == "False" || text == "FALSE" { return .bool(false) }
            return .string(text)
        case UInt8(ascii: "n"), UInt8(ascii: "N"):
            if text == "null" || text == "Null" || text == "NULL" { return .null }
            return .string(text)
        case UInt8(ascii: "~"):
            return text == "~" ? .null : .string(text)
        case UInt8(ascii: "."):
            if let special = specialFloat(text) { return .double(special) }
            if isDotFloat(utf8), let d = Double(text) { return .double(d) }
            return .string(text)
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            if let special = specialFloat(text) { return .double(special) }
            return resolveNumber(text) ?? .string(text)
        default:
            return .string(text)
        }
    }

    static func yaml11Boolean(_ text: String) -> Bool? {
        switch text {
        case "y", "Y", "yes", "Yes", "YES", "on", "On", "ON": return true
        case "n", "N", "no", "No", "NO", "off", "Off", "OFF": return false
        default: return nil
        }
    }

    /// `.inf`, `-.Inf`, `.NaN` and friends.
    static func specialFloat(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: return nil
        }
    }

    /// Integers in Go's base-0 syntax, then YAML-style floats; `nil` if neither.
    static func resolveNumber(_ text: String) -> Value? {
        var bytes = Array(text.utf8)
        bytes.removeAll { $0 == UInt8(ascii: "_") }
        if let i = parseGoInteger(bytes) { return i }
        if isYAMLStyleFloat(bytes), let d = Double(String(decoding: bytes, as: UTF8.self)) { return .double(d) }
        return nil
    }

    /// Go's `strconv.ParseInt(s, 0, 64)`, falling back to `ParseUint` (kept as a float here,
    /// since `Value` integers are 64-bit signed).
    static func parseGoInteger(_ bytes: [UInt8]) -> Value? {
        var s = bytes[...]
        var negative = false
        if let sign = s.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            s = s.dropFirst()
        }
        guard !s.isEmpty else { return nil }
        var radix = 10
        if s.count >= 2, s.first == UInt8(ascii: "0") {
            switch s[s.startIndex + 1] {
            case UInt8(ascii: "x"), UInt8(ascii: "X"): radix = 16; s = s.dropFirst(2)
            case UInt8(ascii: "o"), UInt8(ascii: "O"): radix = 8; s = s.dropFirst(2)
            case UInt8(ascii: "b"), UInt8(ascii: "B"): radix = 2; s = s.dropFirst(2)
            default: radix = 8; s = s.dropFirst(1)
            }
            guard !s.isEmpty else { return nil }
        }
        var magnitude: UInt64 = 0
        for c in s {
            let digit: UInt64
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt64(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt64(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt64(c - UInt8(ascii: "A") + 10)
            default: return nil
            }
            guard digit < UInt64(radix) else { return nil }
            let (m, o1) = magnitude.multipliedReportingOverflow(by: UInt64(radix))
            let (a, o2) = m.addingReportingOverflow(digit)
            if o1 || o2 { return nil }
            magnitude = a
        }
        if negative {
            if magnitude <= UInt64(Int64.max) { return .int(-Int(magnitude)) }
            if magnitude == UInt64(Int64.max) + 1 { return .int(Int.min) }
            return nil  // ParseUint refuses a sign, so this is not an integer at all
        }
        if magnitude <= UInt64(Int64.max) { return .int(Int(magnitude)) }
        return .double(Double(magnitude))
    }

    /// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
    static func isYAMLStyleFloat(_ bytes: [UInt8]) -> Bool {
        var i = 0
        let n = bytes.count
        func digit(_ i: Int) -> Bool { i < n && bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9") }
        if i < n, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
        if i < n, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digit(i) else { return false }
            while digit(i) { i += 1 }
        } else {
            guard digit(i) else { return false }
            while digit(i) { i += 1 }
            if i < n, bytes[i] == UInt8(ascii: ".") {
                i += 1
                while digit(i) { i += 1 }
            }
        }
        if i < n, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < n, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digit(i) else { return false }
            while digit(i) { i += 1 }
        }
        return i == n
    }

    /// `.5`, `.5e3`: the floats that start with a dot (Go's `ParseFloat` on such text).
    private static func isDotFloat(_ utf8: String.UTF8View) -> Bool {
        isYAMLStyleFloat(Array(utf8))
    }

    // MARK: Output quoting

    /// Whether a string written as a plain scalar would be read back as something else by the
    /// readers in the Kubernetes toolchain (go-yaml v2 and v3, and YAML 1.1 parsers), so the
    /// emitter must quote it. This is go-yaml v2's rule, which is what `kubectl` and
    /// `kustomize` print with: YAML 1.1 booleans (`yes`, `on`, `y`...), numbers in any base,
    /// timestamps and base-60 numbers are quoted.
    static func plainWouldNotReadAsString(_ text: String) -> Bool {
        switch text {
        case "", "~", "null", "Null", "NULL", "<<",
             "y", "Y", "yes", "Yes", "YES", "on", "On", "ON",
             "n", "N", "no", "No", "NO", "off", "Off", "OFF",
             "true", "True", "TRUE", "false", "False", "FALSE":
            return true
        default: break
        }
        guard let first = text.utf8.first else { return true }
        switch first {
        case UInt8(ascii: "."):
            if specialFloat(text) != nil { return true }
            return isYAMLStyleFloat(Array(text.utf8))
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            if specialFloat(text) != nil { return true }
            if resolveNumber(text) != nil { return true }
            return isTimestamp(text) || isBase60Number(text)
        default:
            return false
        }
    }

    /// YAML 1.1 sexagesimal numbers (`1:20`, `190:20:30.15`), which 1.1 readers turn into numbers.
    static func isBase60Number(_ text: String) -> Bool {
        // ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$
        let b = Array(text.utf8)
        var i = 0
        func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
        if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count, isDigit(b[i]) else { return false }
        i += 1
        while i < b.count, isDigit(b[i]) || b[i] == UInt8(ascii: "_") { i += 1 }
        var groups = 0
        while i < b.count, b[i] == UInt8(ascii: ":") {
            i += 1
            let start = i
            while i < b.count, isDigit(b[i]), i - start < 2 { i += 1 }
            let count = i - start
            guard count >= 1 else { return false }
            if count == 2, b[start] > UInt8(ascii: "5") { return false }
            groups += 1
        }
        guard groups > 0 else { return false }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            while i < b.count, isDigit(b[i]) || b[i] == UInt8(ascii: "_") { i += 1 }
        }
        return i == b.count
    }

    /// The timestamp forms go-yaml accepts: `2006-1-2`, `2006-1-2T15:4:5[.frac](Z|±hh:mm)`
    /// (also with a lowercase `t`) and `2006-1-2 15:4:5[.frac]`, with valid calendar dates.
    static func isTimestamp(_ text: String) -> Bool { parseTimestamp(text) != nil }

    struct Timestamp {
        var year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0
        var fraction = ""
        /// Offset from UTC in minutes; nil for a date or a time without a zone (UTC).
        var offsetMinutes: Int?

        /// Go's `time.Time` JSON form (RFC 3339 with nanoseconds, trailing zeros trimmed),
        /// which is how kustomize prints a plain timestamp after its JSON round trip.
        var rfc3339: String {
            func pad(_ n: Int, _ width: Int) -> String {
                let s = String(n)
                return String(repeating: "0", count: max(0, width - s.count)) + s
            }
            var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
            var trimmed = Substring(fraction)
            while trimmed.last == "0" { trimmed = trimmed.dropLast() }
            if !trimmed.isEmpty { text += "." + trimmed }
            let offset = offsetMinutes ?? 0
            if offset == 0 {
                text += "Z"
            } else {
                text += (offset < 0 ? "-" : "+") + pad(abs(offset) / 60, 2) + ":" + pad(abs(offset) % 60, 2)
            }
            return text
        }
    }

    static func parseTimestamp(_ text: String) -> Timestamp? {
        let b = Array(text.utf8)
        var i = 0
        var t = Timestamp()
        func number(maxDigits: Int) -> Int? {
            let start = i
            var v = 0
            while i < b.count, i - start < maxDigits, b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") {
                v = v * 10 + Int(b[i] - UInt8(ascii: "0"))
                i += 1
            }
            return i > start ? v : nil
        }
        guard let year = number(maxDigits: 4), i == 4, i < b.count, b[i] == UInt8(ascii: "-") else { return nil }
        i += 1
        guard let month = number(maxDigits: 2), (1...12).contains(month), i < b.count, b[i] == UInt8(ascii: "-") else { return nil }
        i += 1
        guard let day = number(maxDigits: 2), day >= 1 else { return nil }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day <= monthDays[month - 1] else { return nil }
        (t.year, t.month, t.day) = (year, month, day)
        if i == b.count { return t }
        let separator = b[i]
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == UInt8(ascii: " ") else { return nil }
        i += 1
        guard let hour = number(maxDigits: 2), hour < 24, i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
        i += 1
        guard let minute = number(maxDigits: 2), minute < 60, i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
        i += 1
        guard let second = number(maxDigits: 2), second < 60 else { return nil }
        (t.hour, t.minute, t.second) = (hour, minute, second)
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            guard number(maxDigits: 9) != nil else { return nil }
            t.fraction = String(decoding: b[start..<i], as: UTF8.self)
        }
        if separator == UInt8(ascii: " ") { return i == b.count ? t : nil }
        guard i < b.count else { return nil }
        if b[i] == UInt8(ascii: "Z") { return i + 1 == b.count ? t : nil }
        guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") else { return nil }
        let negative = b[i] == UInt8(ascii: "-")
        i += 1
        let zoneStart = i
        guard let zoneHours = number(maxDigits: 2), i - zoneStart == 2, i < b.count, b[i] == UInt8(ascii: ":") else { return nil }
        i += 1
        let minuteStart = i
        guard let zoneMinutes = number(maxDigits: 2), i - minuteStart == 2, i == b.count else { return nil }
        t.offsetMinutes = (zoneHours * 60 + zoneMinutes) * (negative ? -1 : 1)
        return t
    }
}
