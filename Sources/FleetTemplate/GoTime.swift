import FleetModel

/// A Go `time.Time` as templates see one: an instant (Unix seconds and nanoseconds) in a zone
/// (its offset and abbreviation), carried as a typed receiver so `{{ now }}` prints as Go
/// prints a time and Sprig's date functions can read it back.
public struct GoTime: Sendable, Equatable {
    public var seconds: Int
    public var nanoseconds: Int
    /// Seconds east of UTC, and the zone's abbreviation (`UTC`, `CET`, `+0530`).
    public var offset: Int
    public var zone: String

    public static let typeName = "Time"

    public init(seconds: Int, nanoseconds: Int = 0, offset: Int = 0, zone: String = "UTC") {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
        self.offset = offset
        self.zone = zone
    }

    public var value: Value {
        [TemplateMethods.typeKey: .string(Self.typeName), "seconds": .int(seconds), "nanoseconds": .int(nanoseconds),
         "offset": .int(offset), "zone": .string(zone)]
    }

    public init?(_ value: Value) {
        guard value[TemplateMethods.typeKey]?.stringValue == Self.typeName, let seconds = value["seconds"]?.intValue else { return nil }
        self.init(seconds: seconds, nanoseconds: value["nanoseconds"]?.intValue ?? 0, offset: value["offset"]?.intValue ?? 0,
                  zone: value["zone"]?.stringValue ?? "UTC")
    }

    /// The civil date and time in the zone.
    var civil: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int, yearDay: Int) {
        let local = seconds + offset
        var days = local / 86_400
        var rest = local % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        // Howard Hinnant's days-to-civil.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        let weekday = ((days % 7) + 11) % 7  // 1970-01-01 was a Thursday (4)
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let cumulative = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
        let yearDay = cumulative[month - 1] + day + (leap && month > 2 ? 1 : 0)
        return (year, month, day, rest / 3600, rest % 3600 / 60, rest % 60, weekday, yearDay)
    }

    static let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
    static let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    /// Go's `Time.Format` for a reference-time layout (`2006-01-02T15:04:05Z07:00`).
    public func format(_ layout: String) -> String {
        let c = civil
        let chars = Array(layout.unicodeScalars)
        var out = ""
        var i = 0
        func has(_ token: String) -> Bool {
            let t = Array(token.unicodeScalars)
            return i + t.count <= chars.count && Array(chars[i..<i + t.count]) == t
        }
        func pad(_ n: Int, _ width: Int, _ fill: Character = "0") -> String {
            let text = String(abs(n))
            return (n < 0 ? "-" : "") + String(repeating: fill, count: max(0, width - text.count)) + text
        }
        func zoneOffset(colon: Bool, seconds withSeconds: Bool, z: Bool, hoursOnly: Bool = false) -> String {
            if z && offset == 0 { return "Z" }
            let sign = offset < 0 ? "-" : "+"
            let total = abs(offset)
            var text = sign + pad(total / 3600, 2)
            if hoursOnly { return text }
            text += (colon ? ":" : "") + pad(total % 3600 / 60, 2)
            if withSeconds { text += (colon ? ":" : "") + pad(total % 60, 2) }
            return text
        }
        while i < chars.count {
            let table: [(String, () -> String)] = [
                ("January", { Self.months[c.month - 1] }), ("Jan", { String(Self.months[c.month - 1].prefix(3)) }),
                ("Monday", { Self.weekdays[c.weekday] }), ("Mon", { String(Self.weekdays[c.weekday].prefix(3)) }),
                ("MST", { zone }), ("2006", { pad(c.year, 4) }), ("Z07:00:00", { zoneOffset(colon: true, seconds: true, z: true) }),
                ("-07:00:00", { zoneOffset(colon: true, seconds: true, z: false) }), ("Z070000", { zoneOffset(colon: false, seconds: true, z: true) }),
                ("-070000", { zoneOffset(colon: false, seconds: true, z: false) }), ("Z07:00", { zoneOffset(colon: true, seconds: false, z: true) }),
                ("-07:00", { zoneOffset(colon: true, seconds: false, z: false) }), ("Z0700", { zoneOffset(colon: false, seconds: false, z: true) }),
                ("-0700", { zoneOffset(colon: false, seconds: false, z: false) }), ("Z07", { zoneOffset(colon: false, seconds: false, z: true, hoursOnly: true) }),
                ("-07", { zoneOffset(colon: false, seconds: false, z: false, hoursOnly: true) }),
                ("002", { pad(c.yearDay, 3) }), ("__2", { pad(c.yearDay, 3, " ") }),
                ("01", { pad(c.month, 2) }), ("02", { pad(c.day, 2) }), ("_2", { pad(c.day, 2, " ") }), ("06", { pad(c.year % 100, 2) }),
                ("15", { pad(c.hour, 2) }), ("03", { pad(c.hour % 12 == 0 ? 12 : c.hour % 12, 2) }), ("04", { pad(c.minute, 2) }),
                ("05", { pad(c.second, 2) }), ("PM", { c.hour >= 12 ? "PM" : "AM" }), ("pm", { c.hour >= 12 ? "pm" : "am" }),
                ("1", { String(c.month) }), ("2", { String(c.day) }), ("3", { String(c.hour % 12 == 0 ? 12 : c.hour % 12) }),
                ("4", { String(c.minute) }), ("5", { String(c.second) }),
            ]
            // Fractional seconds: .000 / ,000 (fixed) and .999 (trailing zeros trimmed).
            if (chars[i] == "." || chars[i] == ","), i + 1 < chars.count, chars[i + 1] == "0" || chars[i + 1] == "9" {
                let digit = chars[i + 1]
                var j = i + 1
                while j < chars.count, chars[j] == digit { j += 1 }
                let isDigitAfter = j < chars.count && chars[j].properties.numericType != nil
                if !isDigitAfter {
                    let count = j - i - 1
                    var fraction = pad(nanoseconds, 9).prefix(count)
                    if digit == "9" { while fraction.hasSuffix("0") { fraction.removeLast() } }
                    if !fraction.isEmpty || digit == "0" { out += String(chars[i]) + fraction }
                    i = j
                    continue
                }
            }
            if let (token, render) = table.first(where: { has($0.0) }) {
                out += render()
                i += token.unicodeScalars.count
            } else {
                out.unicodeScalars.append(chars[i])
                i += 1
            }
        }
        return out
    }

    /// How `fmt` prints a `time.Time` (`2026-12-07 16:20:00.123456789 +0000 UTC`).
    public var goDescription: String { format("2006-01-02 15:04:05.999999999 -0700 MST") }
}
