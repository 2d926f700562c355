import FleetModel
import FleetTemplate
import FleetYAML

/// How a `--set`-style value is read (Helm's strvals flavours).
public enum HelmSetMode: Sendable {
    /// `--set`: `true`/`false`/`null` and integers typed, everything else a string.
    case typed
    /// `--set-string`: every value a string.
    case string
    /// `--set-json`: the value is JSON.
    case json
    /// `--set-literal`: one key, the whole rest of the text its string value.
    case literal
}

/// Helm's values arithmetic: `-f` files merged in order, `--set*` flags parsed into the result
/// (Helm's `MergeValues`), and the user's values coalesced over a chart's defaults
/// (`chartutil.CoalesceValues`: user values win, maps merge, a user `null` deletes the chart's
/// key).
public enum HelmValues {
    /// Helm's `mergeMaps` for `-f` files: maps merge recursively, anything else is replaced.
    public static func merge(_ base: ValueObject, _ overlay: ValueObject) -> ValueObject {
        var out = base
        for (key, value) in overlay {
            if case .object(let inner) = value, case .object(let existing)? = out[key] {
                out[key] = .object(merge(existing, inner))
            } else {
                out[key] = value
            }
        }
        return out
    }

    /// The user's values over the chart's defaults. A user `null` removes a key the chart sets;
    /// a user scalar over a chart table (or the reverse) keeps the user's value.
    public static func coalesce(chart: ValueObject, user: ValueObject) -> ValueObject {
        var out = user
        for (key, chartValue) in chart {
            guard let userValue = out[key] else {
                out[key] = chartValue
                continue
            }
            if userValue.isNull {
                out[key] = nil
            } else if case .object(let userTable) = userValue, case .object(let chartTable) = chartValue {
                out[key] = .object(coalesce(chart: chartTable, user: userTable))
            }
        }
        return out
    }

    /// A values file (`-f`) as Helm reads it: YAML through JSON, so every number a float64;
    /// an empty file is no values.
    public static func parseFile(_ bytes: [UInt8], source: String) throws(HelmError) -> ValueObject {
        let parsed: Value
        do { parsed = try YAML.parse(bytes, source: source) } catch {
            throw HelmError("failed to parse \(source): error converting YAML to JSON: \(error.goText ?? "yaml: line \(error.line): \(error.message)")")
        }
        switch goNumbers(parsed) {
        case .object(let object): return object
        case .null: return [:]
        default: throw HelmError("failed to parse \(source): error unmarshaling JSON: json: cannot unmarshal \(parsed.typeName) into Go value of type map[string]interface {}")
        }
    }

    /// Values given as an object (Argo CD's `valuesObject`) with Helm's number typing.
    public static func jsonNumbers(_ values: ValueObject) -> ValueObject {
        goNumbers(.object(values)).objectValue ?? [:]
    }

    /// Helm's MergeTables: `source` fills what `destination` lacks, tables merged key by key;
    /// `destination` wins everywhere else (nulls kept, unlike `coalesce`).
    public static func mergeTables(_ destination: ValueObject, _ source: ValueObject) -> ValueObject {
        var out = destination
        for (key, value) in source {
            guard let existing = out[key] else { out[key] = value; continue }
            if case .object(let sourceTable) = value, case .object(let destinationTable) = existing {
                out[key] = .object(mergeTables(destinationTable, sourceTable))
            }
        }
        return out
    }

    /// Parses one `--set`-style flag value (`a.b=1,c[0]=x,d={e,f}`) into `values`.
    public static func parseSet(_ text: String, mode: HelmSetMode, into values: inout ValueObject) throws(HelmError) {
        var parser = SetParser(text: Array(text.unicodeScalars), mode: mode, whole: text)
        try parser.parse(into: &values)
    }
}

/// Helm's strvals parser: keys are `.`-separated, `name[index]` addresses a list element,
/// `\` escapes `.`, `,`, `=`, `[` and `]`; `{a,b}` is a list value; pairs are separated by `,`.
struct SetParser {
    let text: [Unicode.Scalar]
    let mode: HelmSetMode
    let whole: String
    var index = 0
    /// How deep a key may nest (`a.b.c...` or `a[0][1]...`): Helm's limit is 30 for list
    /// indexes; keys here share one bound so hostile flags cannot recurse without end.
    static let maxDepth = 100
    static let maxListIndex = 65536

    init(text: [Unicode.Scalar], mode: HelmSetMode, whole: String) {
        self.text = text
        self.mode = mode
        self.whole = whole
    }

    mutating func parse(into values: inout ValueObject) throws(HelmError) {
        if mode == .literal {
            guard let equals = text.firstIndex(of: "=") else { throw fail("key \"\(whole)\" has no value") }
            let key = String(String.UnicodeScalarView(text[..<equals]))
            let path = try Self.keyPath(key, whole: whole)
            var root = Value.object(values)
            try Self.assign(&root, path[...], .string(String(String.UnicodeScalarView(text[(equals + 1)...]))), whole: whole)
            values = root.objectValue ?? values
            return
        }
        while index < text.count {
            let key = try readKey()
            let path = try Self.keyPath(key, whole: whole)
            let value = try readValue()
            var root = Value.object(values)
            try Self.assign(&root, path[...], value, whole: whole)
            values = root.objectValue ?? values
        }
    }

    private func fail(_ message: String) -> HelmError { HelmError(message + " (in \"\(whole)\")") }

    /// The key, up to its unescaped `=` (escapes kept for `keyPath`).
    private mutating func readKey() throws(HelmError) -> String {
        var key = ""
        while index < text.count {
            let c = text[index]
            if c == "\\", index + 1 < text.count {
                key.unicodeScalars.append(c)
                key.unicodeScalars.append(text[index + 1])
                index += 2
                continue
            }
            if c == "=" { index += 1; return key }
            if c == "," { throw fail("key \"\(key)\" has no value (cannot end with ,)") }
            key.unicodeScalars.append(c)
            index += 1
        }
        throw fail("key \"\(key)\" has no value")
    }

    /// The value up to an unescaped `,` (or a `{...}` list, or for JSON a whole JSON value).
    private mutating func readValue() throws(HelmError) -> Value {
        if mode == .json {
            // The JSON value runs to the end or to a `,` at nesting depth 0 outside strings.
            var depth = 0, inString = false, escaped = false
            let start = index
            while index < text.count {
                let c = text[index]
                if inString {
                    if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inString = false }
                } else if c == "\"" { inString = true } else if c == "{" || c == "[" { depth += 1 } else if c == "}" || c == "]" { depth -= 1 } else if c == "," && depth == 0 { break }
                index += 1
            }
            let json = String(String.UnicodeScalarView(text[start..<index]))
            if index < text.count { index += 1 }
            do { return try JSON.parse(json) } catch { throw fail("failed to parse JSON value \(json): \(error)") }
        }
        if index < text.count, text[index] == "{" {
            index += 1
            var items: [Value] = []
            while index < text.count {
                let (item, end) = readScalar(stopAt: ["}", ","])
                items.append(item)
                if end == "}" { break }
            }
            if index < text.count, text[index] == "," { index += 1 }
            return .array(items)
        }
        let (value, _) = readScalar(stopAt: [","])
        return value
    }

    /// A scalar up to one of `stops` (consumed), escapes resolved; typed unless `--set-string`.
    private mutating func readScalar(stopAt stops: Set<Unicode.Scalar>) -> (Value, Unicode.Scalar?) {
        var raw = ""
        var end: Unicode.Scalar?
        while index < text.count {
            let c = text[index]
            if c == "\\", index + 1 < text.count {
                raw.unicodeScalars.append(text[index + 1])
                index += 2
                continue
            }
            index += 1
            if stops.contains(c) { end = c; break }
            raw.unicodeScalars.append(c)
        }
        return (mode == .string ? .string(raw) : Self.typed(raw), end)
    }

    /// Helm's `typedVal`: booleans and null case-insensitively, integers without a leading
    /// zero (and `0`) as integers, anything else a string (floats stay strings).
    static func typed(_ text: String) -> Value {
        switch text.lowercased() {
        case "true": return .bool(true)
        case "false": return .bool(false)
        case "null": return .null
        case "0": return .int(0)
        default: break
        }
        if let first = text.first, first != "0", let n = Int(text), !text.hasPrefix("+") { return .int(n) }
        return .string(text)
    }

    enum Segment: Equatable {
        case key(String)
        case index(Int)
    }

    /// `a.b[0][1].c` into segments; `\.` keeps a dot inside a key.
    static func keyPath(_ key: String, whole: String) throws(HelmError) -> [Segment] {
        var segments: [Segment] = []
        var current = ""
        var scalars = Array(key.unicodeScalars)[...]
        func flush() { if !current.isEmpty { segments.append(.key(current)); current = "" } }
        while let c = scalars.first {
            scalars = scalars.dropFirst()
            switch c {
            case "\\":
                if let next = scalars.first { current.unicodeScalars.append(next); scalars = scalars.dropFirst() }
            case ".":
                flush()
            case "[":
                flush()
                var digits = ""
                while let d = scalars.first, d != "]" { digits.unicodeScalars.append(d); scalars = scalars.dropFirst() }
                guard scalars.first == "]", let n = Int(digits), n >= 0 else {
                    throw HelmError("error parsing index: \(digits.isEmpty ? "missing" : "invalid") list index in \"\(key)\" (in \"\(whole)\")")
                }
                guard n <= maxListIndex else { throw HelmError("index of \(n) is greater than maximum supported index of \(maxListIndex) (in \"\(whole)\")") }
                scalars = scalars.dropFirst()
                segments.append(.index(n))
            default:
                current.unicodeScalars.append(c)
            }
        }
        flush()
        guard !segments.isEmpty else { throw HelmError("key has no name (in \"\(whole)\")") }
        guard segments.count <= maxDepth else { throw HelmError("key \"\(key)\" nests more than \(maxDepth) levels") }
        return segments
    }

    /// Sets `value` at `path`, creating maps and lists (padded with nulls) on the way.
    static func assign(_ node: inout Value, _ path: ArraySlice<Segment>, _ value: Value, whole: String) throws(HelmError) {
        guard let segment = path.first else {
            node = value
            return
        }
        let rest = path.dropFirst()
        switch segment {
        case .key(let name):
            var object = node.objectValue ?? [:]
            var child = object[name] ?? .null
            try assign(&child, rest, value, whole: whole)
            object[name] = child
            node = .object(object)
        case .index(let i):
            var items: [Value]
            if case .array(let existing) = node { items = existing } else { items = [] }
            while items.count <= i { items.append(.null) }
            try assign(&items[i], rest, value, whole: whole)
            node = .array(items)
        }
    }
}

/// A Helm failure, worded as Helm words it where users search for it.
public struct HelmError: Error, CustomStringConvertible, Equatable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
