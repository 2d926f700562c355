import FleetModel
import FleetRegex
import OrderedCollections

/// The helpers behind the template functions: argument checks, Go and Sprig conversions,
/// comparisons, mergo, Go-style JSON and regular-expression replacement.
extension TemplateFunctions {
    // MARK: Helpers

    package static func arity(_ a: [Value], _ n: Int, _ name: String) throws(TemplateError) {
        guard a.count == n else { throw TemplateError("wrong number of args for \(name): want \(n) got \(a.count)") }
    }

    /// Refuses a result of `count` x `size` (+ `plus`) bytes before building it, when it would
    /// exceed what one template execution may produce.
    static func withinBudget(_ count: Int, times size: Int, _ name: String, plus: Int = 0) throws(TemplateError) {
        let (product, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow, product <= TemplateExecution.maxProduced - plus else {
            throw TemplateError("\(name) would produce more than the \(TemplateExecution.maxProduced) bytes a template may")
        }
    }

    static func unary(_ f: @escaping @Sendable (String) -> Value) -> TemplateFunction {
        { (a: [Value]) throws -> Value in
            guard a.count == 1 else { throw TemplateError("wrong number of args: want 1 got \(a.count)") }
            return f(str(a[0]))
        }
    }

    static func binary(_ f: @escaping @Sendable (String, String) -> Value) -> TemplateFunction {
        { a in
            guard a.count == 2 else { throw TemplateError("wrong number of args: want 2 got \(a.count)") }
            return f(str(a[0]), str(a[1]))
        }
    }

    static func listUnary(_ f: @escaping @Sendable ([Value]) -> Value) -> TemplateFunction {
        { a in
            guard a.count == 1 else { throw TemplateError("wrong number of args: want 1 got \(a.count)") }
            return f(try list(a[0]))
        }
    }

    static func list(_ v: Value) throws(TemplateError) -> [Value] {
        switch v {
        case .array(let a): return a
        case .null: return []
        default: throw TemplateError("cannot find a list in type \(goTypeName(v))")
        }
    }

    /// Sprig's `strval`: strings as they are, anything else as `%v` prints it.
    static func str(_ v: Value) -> String {
        if case .string(let s) = v { return s }
        return goFormat(v)
    }

    static func stringList(_ v: Value) -> [String] {
        switch v {
        case .array(let a): return a.filter { !$0.isNull }.map(str)
        case .null: return []
        default: return [str(v)]
        }
    }

    static func isEmpty(_ v: Value) -> Bool { !templateTruth(v) }

    static func isSpace(_ c: Character) -> Bool { c.isWhitespace }

    package static func trim(_ s: String, _ drop: (Character) -> Bool) -> String {
        var sub = Substring(s)
        while let f = sub.first, drop(f) { sub = sub.dropFirst() }
        while let l = sub.last, drop(l) { sub = sub.dropLast() }
        return String(sub)
    }

    /// Go's `strings.Title`: upper-cases the first letter of each word.
    static func titleCase(_ s: String) -> String {
        var out = ""
        var previous: Character = " "
        for c in s {
            let separator = !(previous.isLetter || previous.isNumber || previous == "_")
            out += separator ? c.uppercased() : String(c)
            previous = c
        }
        return out
    }

    static func wordCase(_ s: String, separator: String) -> String {
        var out = ""
        var previous: Character?
        for c in s {
            if c.isUppercase, let p = previous, p.isLowercase || p.isNumber { out += separator }
            if c == " " || c == "-" || c == "_" { out += separator } else { out += c.lowercased() }
            previous = c
        }
        return out
    }

    /// Go's `strings.Split`: an empty separator splits into characters.
    static func goSplit(_ s: String, _ sep: String) -> [String] {
        if sep.isEmpty { return s.map(String.init) }
        var parts: [String] = []
        var rest = Substring(s)
        while let range = rest.firstRange(of: sep) {
            parts.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }


    static func toInt(_ v: Value) -> Int {
        switch v {
        case .int(let i): return i
        case .double(let d): return d.isFinite && abs(d) < 9.2e18 ? Int(d) : 0
        case .bool(let b): return b ? 1 : 0
        case .string(let s): return Int(s) ?? Double(s).map { $0.isFinite && abs($0) < 9.2e18 ? Int($0) : 0 } ?? 0
        default: return 0
        }
    }

    static func toDouble(_ v: Value) -> Double {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .bool(let b): return b ? 1 : 0
        case .string(let s): return Double(s) ?? 0
        default: return 0
        }
    }

    static func goKind(_ v: Value) -> String {
        switch v {
        case .null: return "invalid"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "float64"
        case .string: return "string"
        case .array: return "slice"
        case .object: return "map"
        }
    }

    static func compare(_ a: Value, _ b: Value) throws(TemplateError) -> Int {
        switch (a, b) {
        case (.null, .null): return 0
        case let (.bool(x), .bool(y)): return x == y ? 0 : 1
        case let (.string(x), .string(y)): return x == y ? 0 : 1
        case (.int, .int), (.int, .double), (.double, .int), (.double, .double): return try order(a, b)
        case (.null, _), (_, .null): return 1
        case (.array, _), (.object, _), (_, .array), (_, .object):
            throw TemplateError("non-comparable type \(goTypeName(a)): \(goFormat(a))")
        default: throw TemplateError("incompatible types for comparison")
        }
    }

    static func order(_ a: Value, _ b: Value) throws(TemplateError) -> Int {
        switch (a, b) {
        case let (.int(x), .int(y)): return x < y ? -1 : x == y ? 0 : 1
        case let (.string(x), .string(y)): return x < y ? -1 : x == y ? 0 : 1
        case (.int, .double), (.double, .int), (.double, .double):
            let x = toDouble(a), y = toDouble(b)
            return x < y ? -1 : x == y ? 0 : 1
        default: throw TemplateError("incompatible types for comparison")
        }
    }

    static func mergeDicts(_ a: [Value], overwrite: Bool) throws(TemplateError) -> Value {
        guard case .object(var destination)? = a.first else { throw TemplateError("merge needs dicts") }
        for source in a.dropFirst() {
            guard case .object(let o) = source else { throw TemplateError("merge needs dicts") }
            destination = Mergo.merge(destination, o, override: overwrite)
        }
        return .object(destination)
    }

    static func sortedKeys(_ v: Value) -> Value {
        switch v {
        case .object(let o):
            var out = ValueObject()
            for key in o.keys.sorted() { out[key] = sortedKeys(o[key]!) }
            return .object(out)
        case .array(let a): return .array(a.map(sortedKeys))
        default: return v
        }
    }

    /// Go's `encoding/json.Marshal` of a decoded value: sorted keys, and `<`, `>`, `&`, U+2028
    /// and U+2029 escaped unless `escapeHTML` is false.
    static func goJSON(_ v: Value, escapeHTML: Bool, pretty: Bool = false) -> String {
        var text = JSON.encode(v, options: pretty ? [.sortedKeys, .pretty] : [.sortedKeys])
        if escapeHTML {
            text = text.replacingAll([("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u{2028}", "\\u2028"), ("\u{2029}", "\\u2029")])
        }
        return text
    }

    /// Compiles a pattern for a regex function. Sprig's plain functions call Go's
    /// `MustCompile`, whose panic text/template reports as `regexp: Compile(...)`; the must*
    /// forms return the parse error itself; `lenient` (regexMatch) yields nil instead.
    static func regex(_ pattern: String, must: Bool, lenient: Bool = false) throws(TemplateError) -> GoRegex? {
        do {
            var compiled = try GoRegex(pattern)
            compiled.outputLimit = TemplateExecution.maxProduced
            return compiled
        } catch {
            if lenient { return nil }
            if must { throw TemplateError(error.description) }
            throw TemplateError("regexp: Compile(\(goQuote(pattern))): \(error.description)")
        }
    }

    /// Runs a match, turning the engine's work limit into a template error.
    static func run<T>(_ body: () throws -> T) throws(TemplateError) -> T {
        do { return try body() } catch { throw TemplateError("\(error)") }
    }

    /// How Go's `regexp` quotes a pattern in its panics: backquoted when it can be.
    static func goQuote(_ s: String) -> String {
        let backquotable = !s.unicodeScalars.contains { $0 == "`" || $0 == "\u{FEFF}" || ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }
        return backquotable ? "`" + s + "`" : GoFormatter.quote(s)
    }

}

/// Numbers as Go holds decoded JSON: every number a float64 (so `{{.n}}` of `1000000` prints
/// `1e+06`, as it does in Argo CD).
package func goNumbers(_ v: Value) -> Value {
    switch v {
    case .int(let i): return .double(Double(i))
    case .array(let a): return .array(a.map(goNumbers))
    case .object(let o): return .object(o.mapValues(goNumbers))
    default: return v
    }
}

/// `fmt.Sprint`: operands joined, with a space between two operands when neither is a string.
func goSprint(_ a: [Value]) -> String {
    var out = ""
    for (i, v) in a.enumerated() {
        if i > 0 {
            let isString: (Value) -> Bool = { if case .string = $0 { return true }; return false }
            if !isString(v) && !isString(a[i - 1]) { out += " " }
        }
        out += goFormat(v)
    }
    return out
}

extension Value {
    package var asInt: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d): return d.rounded() == d && abs(d) < 9.2e18 ? Int(d) : nil
        default: return nil
        }
    }
}

extension String {
    package func replacingAll(_ pairs: [(String, String)]) -> String {
        var text = self
        for (from, to) in pairs where !from.isEmpty {
            text = text.replacingBytes(Array(from.utf8), with: Array(to.utf8))
        }
        return text
    }

    /// Every occurrence of `pattern` replaced, scanning UTF-8 bytes (the generic
    /// `replacing(_:with:)` is many times slower on the long texts templates build).
    package func replacingBytes(_ pattern: [UInt8], with replacement: [UInt8]) -> String {
        guard let first = pattern.first else { return self }
        return utf8.withContiguousStorageIfAvailable { bytes -> String in
            var out: [UInt8] = []
            var index = 0
            var copied = 0
            let count = bytes.count
            while index + pattern.count <= count {
                if bytes[index] == first {
                    var matches = true
                    for offset in 1..<pattern.count where bytes[index + offset] != pattern[offset] { matches = false; break }
                    if matches {
                        if out.isEmpty { out.reserveCapacity(count) }
                        out.append(contentsOf: bytes[copied..<index])
                        out.append(contentsOf: replacement)
                        index += pattern.count
                        copied = index
                        continue
                    }
                }
                index += 1
            }
            if copied == 0 { return self }
            out.append(contentsOf: bytes[copied..<count])
            return String(decoding: out, as: UTF8.self)
        } ?? {
            var contiguous = self
            contiguous.makeContiguousUTF8()
            return contiguous.replacingBytes(pattern, with: replacement)
        }()
    }
}

