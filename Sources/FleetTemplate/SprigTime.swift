import FleetModel

#if canImport(Glibc)
import Glibc
#endif

/// Sprig's date functions (`now`, `date`, `dateInZone`, `htmlDate`, `htmlDateInZone`,
/// `dateModify`, `ago`, `toDate`, `unixEpoch`, `duration`, `durationRound`), for Helm charts and
/// ApplicationSets. Like `helm template`'s, `now` and `ago` change with the clock: charts keep
/// them to labels or annotations that say when something was rendered (ApplicationSets refuse
/// those two: a generated Application must be the same on every render). Times are Go `time.Time` values
/// (`GoTime`); "Local" is the process's zone (UTC unless TZ says otherwise).
public enum SprigTime {
    // size: data table (one entry per function or field, no logic between them)
    public static func functions() -> [String: TemplateFunction] {
        var t: [String: TemplateFunction] = [:]
        t["now"] = { a in
            try TemplateFunctions.arity(a, 0, "now")
            let now = SystemClock.now()
            let seconds = Int(now.rounded(.down))
            return zoned(GoTime(seconds: seconds, nanoseconds: Int((now - Double(seconds)) * 1e9)), zone: "Local").value
        }
        t["date"] = { a in
            try TemplateFunctions.arity(a, 2, "date")
            return .string(zoned(try time(a[1]), zone: "Local").format(text(a[0])))
        }
        t["dateInZone"] = { a in
            try TemplateFunctions.arity(a, 3, "dateInZone")
            return .string(zoned(try time(a[1]), zone: text(a[2])).format(text(a[0])))
        }
        t["date_in_zone"] = t["dateInZone"]
        t["htmlDate"] = { a in
            try TemplateFunctions.arity(a, 1, "htmlDate")
            return .string(zoned(try time(a[0]), zone: "Local").format("2006-01-02"))
        }
        t["htmlDateInZone"] = { a in
            try TemplateFunctions.arity(a, 2, "htmlDateInZone")
            return .string(zoned(try time(a[0]), zone: text(a[1])).format("2006-01-02"))
        }
        t["unixEpoch"] = { a in
            try TemplateFunctions.arity(a, 1, "unixEpoch")
            return .string(String(try time(a[0]).seconds))
        }
        for (name, must) in [("dateModify", false), ("date_modify", false), ("mustDateModify", true), ("must_date_modify", true)] {
            t[name] = { a in
                try TemplateFunctions.arity(a, 2, name)
                var base = try time(a[1])
                guard let nanos = goDuration(text(a[0])) else {
                    if must { throw TemplateError("time: invalid duration \"\(text(a[0]))\"") }
                    return base.value
                }
                let total = base.nanoseconds + nanos % 1_000_000_000
                base.seconds += nanos / 1_000_000_000 + (total >= 1_000_000_000 ? 1 : total < 0 ? -1 : 0)
                base.nanoseconds = (total % 1_000_000_000 + 1_000_000_000) % 1_000_000_000
                return base.value
            }
        }
        t["ago"] = { a in
            try TemplateFunctions.arity(a, 1, "ago")
            let elapsed = (SystemClock.now() - Double(try time(a[0]).seconds)).rounded()
            return .string(durationText(Int(elapsed) * 1_000_000_000))
        }
        for (name, must) in [("toDate", false), ("mustToDate", true)] {
            t[name] = { a in
                try TemplateFunctions.arity(a, 2, name)
                if let parsed = parse(text(a[1]), layout: text(a[0])) { return parsed.value }
                if must { throw TemplateError("parsing time \"\(text(a[1]))\" as \"\(text(a[0]))\": cannot parse") }
                return GoTime(seconds: -62_135_596_800).value  // Go's zero time
            }
        }
        t["duration"] = { a in
            try TemplateFunctions.arity(a, 1, "duration")
            let seconds = Int(text(a[0])) ?? (a[0].doubleValue.map { Int($0) } ?? 0)
            return .string(durationText(seconds * 1_000_000_000))
        }
        t["durationRound"] = { a in
            try TemplateFunctions.arity(a, 1, "durationRound")
            var nanos: Int
            if let time = GoTime(a[0]) { nanos = Int(SystemClock.now() - Double(time.seconds)) * 1_000_000_000 }
            else if case .string(let s) = a[0] { nanos = goDuration(s) ?? 0 }
            else { nanos = (a[0].intValue ?? 0) }
            nanos = abs(nanos)
            let second = 1_000_000_000, minute = 60 * second, hour = 60 * minute, day = 24 * hour, month = 30 * day, year = 365 * day
            let text: String
            switch nanos {
            case year...: text = "\(nanos / year)y"
            case month...: text = "\(nanos / month)mo"
            case day...: text = "\(nanos / day)d"
            case hour...: text = "\(nanos / hour)h"
            case minute...: text = "\(nanos / minute)m"
            case second...: text = "\(nanos / second)s"
            default: text = "0s"
            }
            return .string(text)
        }
        return t
    }

    private static func text(_ value: Value) -> String { value.stringValue ?? value.scalarText ?? "" }

    /// Sprig's date argument: a time, or Unix seconds as an integer.
    private static func time(_ value: Value) throws(TemplateError) -> GoTime {
        if let time = GoTime(value) { return time }
        switch value {
        case .int(let seconds): return GoTime(seconds: seconds)
        case .double(let seconds): return GoTime(seconds: Int(seconds))
        default: return GoTime(seconds: SystemClock.now() > 0 ? Int(SystemClock.now()) : 0)  // Sprig: time.Now() for anything else
        }
    }

    /// The time seen in `zone` (an IANA name, "UTC" or "Local"), with the offset and
    /// abbreviation the zone's tzdata file gives at that instant, as Go reads them.
    static func zoned(_ time: GoTime, zone: String) -> GoTime {
        let name = zone == "Local" ? (localZoneName ?? "UTC") : zone
        guard name != "UTC", let rule = TimeZoneFile.load(name)?.rule(at: time.seconds) else {
            return GoTime(seconds: time.seconds, nanoseconds: time.nanoseconds)
        }
        return GoTime(seconds: time.seconds, nanoseconds: time.nanoseconds, offset: rule.offset, zone: rule.abbreviation)
    }

    /// `TZ` as Go reads it (a zone name, `:name`, or unset: /etc/localtime, here UTC).
    static var localZoneName: String? {
        guard let tz = getenv("TZ").map({ String(cString: $0) }), !tz.isEmpty else { return nil }
        return tz.hasPrefix(":") ? String(tz.dropFirst()) : tz
    }

    /// Go's ParseDuration: `300ms`, `-1.5h`, `2h45m`; nil when malformed.
    static func goDuration(_ text: String) -> Int? {
        var rest = Substring(text)
        var negative = false
        if rest.first == "-" || rest.first == "+" { negative = rest.first == "-"; rest = rest.dropFirst() }
        if rest == "0" { return 0 }
        guard !rest.isEmpty else { return nil }
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 6e10), ("h", 3.6e12)]
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let unit = units.sorted(by: { $0.0.count > $1.0.count }).first(where: { rest.hasPrefix($0.0) }) else { return nil }
            rest = rest.dropFirst(unit.0.count)
            total += value * unit.1
        }
        return Int(negative ? -total : total)
    }

    /// Go's Duration.String: `1h30m0s`, `1.5s`, `300ms`, `0s`.
    static func durationText(_ nanos: Int) -> String {
        if nanos == 0 { return "0s" }
        let sign = nanos < 0 ? "-" : ""
        let n = abs(nanos)
        if n < 1_000_000_000 {
            func frac(_ value: Int, _ unit: Int, _ name: String) -> String {
                let whole = value / unit, rest = value % unit
                var digits = rest == 0 ? "" : String(rest)
                if !digits.isEmpty {
                    digits = String(repeating: "0", count: String(unit).count - 1 - digits.count) + digits
                    while digits.hasSuffix("0") { digits.removeLast() }
                }
                return sign + String(whole) + (digits.isEmpty ? "" : "." + digits) + name
            }
            if n < 1000 { return sign + String(n) + "ns" }
            if n < 1_000_000 { return frac(n, 1000, "µs") }
            return frac(n, 1_000_000, "ms")
        }
        let seconds = n / 1_000_000_000, nanosRest = n % 1_000_000_000
        var secondsText = String(seconds % 60)
        if nanosRest != 0 {
            var digits = String(nanosRest)
            digits = String(repeating: "0", count: 9 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            secondsText += "." + digits
        }
        var text = secondsText + "s"
        if seconds >= 60 { text = String(seconds / 60 % 60) + "m" + text }
        if seconds >= 3600 { text = String(seconds / 3600) + "h" + text }
        return sign + text
    }

    /// `time.ParseInLocation(layout, text, Local)` for the common layouts: numeric fields of the
    /// reference time (2006, 01/1, 02/2, 15, 04, 05, fractions) and literal separators.
    static func parse(_ text: String, layout: String) -> GoTime? {
        let l = Array(layout), t = Array(text)
        var i = 0, j = 0
        var year = 1, month = 1, day = 1, hour = 0, minute = 0, second = 0
        func number(_ maxDigits: Int, exact: Bool) -> Int? {
            var k = j
            while k < t.count, k - j < maxDigits, t[k].isASCII, t[k].isNumber { k += 1 }
            guard k > j, !exact || k - j == maxDigits, let value = Int(String(t[j..<k])) else { return nil }
            j = k
            return value
        }
        func has(_ token: String) -> Bool { i + token.count <= l.count && String(l[i..<i + token.count]) == token }
        while i < l.count {
            if has("2006") { guard let v = number(4, exact: true) else { return nil }; year = v; i += 4 }
            else if has("01") { guard let v = number(2, exact: true) else { return nil }; month = v; i += 2 }
            else if has("02") { guard let v = number(2, exact: true) else { return nil }; day = v; i += 2 }
            else if has("15") { guard let v = number(2, exact: false) else { return nil }; hour = v; i += 2 }
            else if has("04") { guard let v = number(2, exact: true) else { return nil }; minute = v; i += 2 }
            else if has("05") { guard let v = number(2, exact: true) else { return nil }; second = v; i += 2 }
            else if has("1") { guard let v = number(2, exact: false) else { return nil }; month = v; i += 1 }
            else if has("2") { guard let v = number(2, exact: false) else { return nil }; day = v; i += 1 }
            else {
                guard j < t.count, t[j] == l[i] else { return nil }
                i += 1; j += 1
            }
        }
        guard j == t.count, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        // Days from civil (Howard Hinnant).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let local = zoned(GoTime(seconds: days * 86_400 + hour * 3600 + minute * 60 + second), zone: "Local")
        return zoned(GoTime(seconds: local.seconds - local.offset), zone: "Local")
    }
}
