import FleetModel

/// The part of Go's `fmt` that templates reach through `printf` and `quote`.
enum GoFormatter {
    /// `fmt.Sprintf` for the verbs templates use: `%v %s %d %q %f %e %g %x %X %o %b %t %c %%`,
    /// with flags `-+ 0#`, width and precision (also `*`). Extra or missing operands are
    /// reported inline as Go does (`%!d(MISSING)`, `%!(EXTRA ...)`), and so are Go's limits: a
    /// `*` width or precision beyond 1e6 is `%!(BADWIDTH)`/`%!(BADPREC)`, and a written number
    /// too long to parse swallows the rest of the format (`%!(NOVERB)`). The output may not
    /// exceed `limit` bytes.
    static func sprintf(_ format: String, _ arguments: [Value], limit: Int = Int.max) throws(TemplateError) -> String {
        var out = ""
        let chars = Array(format)
        var i = 0
        var next = 0
        func tooLarge(_ n: Int) -> Bool { n > 1_000_000 || n < -1_000_000 }
        /// Go's `parsenum`: digits, or (nil, the end) when the number is too long.
        func parseNumber() -> Int? {
            var number = 0
            var any = false
            while i < chars.count, chars[i].isASCII, let digit = chars[i].wholeNumberValue {
                if tooLarge(number) { i = chars.count; return nil }
                number = number * 10 + digit
                any = true
                i += 1
            }
            return any ? number : nil
        }
        /// Go's `intFromArg`: the next operand as an int, nil when it is not one or too large.
        func intArgument() -> Int? {
            guard next < arguments.count else { return nil }
            defer { next += 1 }
            guard case .int(let n) = arguments[next], !tooLarge(n) else { return nil }
            return n
        }
        while i < chars.count {
            let c = chars[i]
            guard c == "%" else { out.append(c); i += 1; continue }
            i += 1
            guard i < chars.count else { out += "%!(NOVERB)"; break }
            var minus = false, plus = false, zero = false, space = false, sharp = false
            flags: while i < chars.count {
                switch chars[i] {
                case "-": minus = true
                case "+": plus = true
                case "0": zero = true
                case " ": space = true
                case "#": sharp = true
                default: break flags
                }
                i += 1
            }
            var width: Int?
            if i < chars.count, chars[i] == "*" {
                i += 1
                width = intArgument()
                if width == nil { out += "%!(BADWIDTH)" }
                if let w = width, w < 0 { width = -w; minus = true; zero = false }
            } else {
                width = parseNumber()
            }
            var precision: Int?
            if i + 1 < chars.count, chars[i] == "." {
                i += 1
                if chars[i] == "*" {
                    i += 1
                    precision = intArgument()
                    if let p = precision, p < 0 { precision = nil }
                    if precision == nil { out += "%!(BADPREC)" }
                } else {
                    precision = parseNumber() ?? 0
                }
            }
            guard i < chars.count else { out += "%!(NOVERB)"; break }
            let verb = chars[i]
            i += 1
            if verb == "%" { out += "%"; continue }
            guard next < arguments.count else { out += "%!\(verb)(MISSING)"; continue }
            let argument = arguments[next]
            next += 1
            let body = formatOperand(argument, verb: verb, precision: precision, plus: plus, sharp: sharp, space: space)
            out += padded(body, width: width, leftJustified: minus, zeros: zero && (verb != "s" && verb != "q" && verb != "v" || argument.isNumber))
            if out.utf8.count > limit { throw TemplateError("printf output exceeds \(limit) bytes") }
        }
        if next < arguments.count {
            out += "%!(EXTRA " + arguments[next...].map { "\(goTypeName($0))=\(goFormat($0))" }.joined(separator: ", ") + ")"
        }
        return out
    }

    /// An operand padded to `width`: spaces after it (`-`), zeros after its sign (`0`), or
    /// spaces before it.
    private static func padded(_ body: String, width: Int?, leftJustified: Bool, zeros: Bool) -> String {
        guard let width, body.count < width else { return body }
        let pad = width - body.count
        if leftJustified { return body + String(repeating: " ", count: pad) }
        guard zeros else { return String(repeating: " ", count: pad) + body }
        var digits = body
        let sign = digits.first == "-" || digits.first == "+" ? String(digits.removeFirst()) : ""
        return sign + String(repeating: "0", count: pad) + digits
    }

    private static func formatOperand(_ v: Value, verb: Character, precision: Int?, plus: Bool, sharp: Bool, space: Bool) -> String {
        func signed(_ text: String, negative: Bool) -> String {
            if negative { return text }
            return plus ? "+" + text : space ? " " + text : text
        }
        switch (verb, v) {
        case ("v", _), ("s", .string):
            var text = verb == "v" && sharp ? goSyntax(v) : goFormat(v)
            if let precision, case .string = v { text = String(text.prefix(precision)) }
            if case .int(let n) = v, verb == "v" { return signed(text, negative: n < 0) }
            return text
        case ("s", _): return "%!s(\(goTypeName(v))=\(goFormat(v)))"
        case ("T", _): return goTypeName(v)
        case ("q", .string(let s)): return quote(s)
        case ("q", .int(let n)): return "'" + String(Character(Unicode.Scalar(UInt32(max(0, n))) ?? "\u{FFFD}")) + "'"
        case ("t", .bool(let b)): return b ? "true" : "false"
        case ("d", .int(let n)): return signed(String(n), negative: n < 0)
        case ("d", .double(let d)) where d.rounded() == d && abs(d) < 9.2e18:
            return "%!d(float64=\(goFormat(v)))"
        case ("c", .int(let n)): return String(Character(Unicode.Scalar(UInt32(max(0, n))) ?? "\u{FFFD}"))
        case ("x", .int(let n)), ("X", .int(let n)), ("o", .int(let n)), ("b", .int(let n)):
            let radix = verb == "o" ? 8 : verb == "b" ? 2 : 16
            var text = String(n.magnitude, radix: radix, uppercase: verb == "X")
            if sharp { text = (verb == "o" ? "0" : verb == "b" ? "0b" : verb == "X" ? "0X" : "0x") + text }
            return n < 0 ? "-" + text : signed(text, negative: false)
        case ("x", .string(let s)), ("X", .string(let s)):
            let text = Hex.encode(s.utf8)
            return verb == "X" ? text.uppercased() : text
        case ("f", _), ("F", _), ("e", _), ("E", _), ("g", _), ("G", _):
            guard v.isNumber, let d = v.doubleValue else { return "%!\(verb)(\(goTypeName(v))=\(goFormat(v)))" }
            return signed(formatFloat(d, verb: verb, precision: precision), negative: d < 0 || (d == 0 && d.sign == .minus))
        default:
            return "%!\(verb)(\(goTypeName(v))=\(goFormat(v)))"
        }
    }

    /// `%f`, `%e`, `%g` on a float64.
    static func formatFloat(_ d: Double, verb: Character, precision: Int?) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "+Inf" : "-Inf" }
        switch verb {
        case "f", "F": return fixed(d, places: precision ?? 6)
        case "e", "E":
            let text = scientific(d, places: precision ?? 6)
            return verb == "E" ? text.uppercased() : text
        default:
            guard let precision else { return DecimalDigits.goG(d) ?? String(d) }
            // %.Ng: N significant digits, scientific when the exponent is < -4 or >= N.
            let p = max(precision, 1)
            let sci = scientific(d, places: p - 1)
            let exponent = Int(sci.split(separator: "e").last.map(String.init) ?? "0") ?? 0
            if exponent < -4 || exponent >= p {
                return trimZeros(mantissaOf: sci)
            }
            return trimZeros(fixed(d, places: max(p - 1 - exponent, 0)))
        }
    }

    private static func trimZeros(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var t = text
        while t.hasSuffix("0") { t.removeLast() }
        if t.hasSuffix(".") { t.removeLast() }
        return t
    }

    private static func trimZeros(mantissaOf sci: String) -> String {
        let parts = sci.split(separator: "e", maxSplits: 1)
        return trimZeros(String(parts[0])) + "e" + (parts.count > 1 ? String(parts[1]) : "+00")
    }

    /// Rounds half to even on the decimal expansion, as Go does for exact binary values.
    static func fixed(_ d: Double, places: Int) -> String {
        guard let digits = DecimalDigits(d) else { return "0" }
        return digits.rounded(fractionDigits: places)
    }

    static func scientific(_ d: Double, places: Int) -> String {
        guard let digits = DecimalDigits(d) else { return "0" }
        return digits.roundedScientific(significantDigits: places + 1)
    }

    /// `%q`/`strconv.Quote`: double-quoted with Go escapes, printable Unicode kept.
    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{0B}": out += "\\v"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + Hex.encode([UInt8(scalar.value)])
                } else if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format {
                    let hex = String(scalar.value, radix: 16)
                    out += scalar.value <= 0xFFFF ? "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                        : "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// `%#v`: Go syntax for decoded values.
    private static func goSyntax(_ v: Value) -> String {
        switch v {
        case .string(let s): return quote(s)
        case .array(let a): return "[]interface {}{" + a.map(goSyntax).joined(separator: ", ") + "}"
        case .object(let o):
            return "map[string]interface {}{" + o.keys.sorted().map { quote($0) + ":" + goSyntax(o[$0]!) }.joined(separator: ", ") + "}"
        case .null: return "interface {}(nil)"
        default: return goFormat(v)
        }
    }
}
