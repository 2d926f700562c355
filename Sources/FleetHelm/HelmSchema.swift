import FleetModel
import FleetRegex

/// JSON Schema validation of a chart's values against its `values.schema.json`, as Helm applies
/// it before rendering: drafts 4 to 2020-12 for the keywords charts use (types, `properties`,
/// `required`, `additionalProperties`, `patternProperties`, `items`/`prefixItems`, `enum`,
/// `const`, bounds, `pattern`, `allOf`/`anyOf`/`oneOf`/`not`, `if`/`then`/`else`,
/// dependencies, local `$ref`s). `format` is an annotation, not checked (as in Helm). A
/// `$ref` to another document is not fetched: it accepts anything.
public struct HelmSchema {
    let root: Value

    /// Nesting of schemas applied to one value (a `$ref` cycle would recurse without end).
    static let maxDepth = 128

    public init(bytes: [UInt8], file: String) throws(HelmError) {
        do { root = try JSON.parse(bytes) } catch { throw HelmError("\(file): invalid JSON schema: \(error)") }
    }

    /// The violations of `values`, each as "at '/json/pointer': what" (empty when valid).
    public func violations(of values: Value) -> [String] {
        var errors: [String] = []
        check(values, against: root, at: "", depth: 0, errors: &errors)
        return errors
    }

    private func check(_ value: Value, against schema: Value, at pointer: String, depth: Int, errors: inout [String]) {
        func fail(_ message: String) { errors.append("at '\(pointer.isEmpty ? "/" : pointer)': \(message)") }
        guard depth < Self.maxDepth else { fail("schema nests more than \(Self.maxDepth) levels (a $ref cycle?)"); return }
        switch schema {
        case .bool(let allowed): if !allowed { fail("false schema") }; return
        case .object: break
        default: return
        }
        if let reference = schema["$ref"]?.stringValue {
            if let target = resolve(reference) {
                check(value, against: target, at: pointer, depth: depth + 1, errors: &errors)
            } else if reference.hasPrefix("#") {
                fail("cannot resolve $ref \(reference)")
            }
        }
        if let types = schema["type"] {
            let names = types.arrayValue?.compactMap(\.stringValue) ?? [types.stringValue ?? ""]
            if !names.contains(where: { Self.hasType(value, $0) }) {
                fail("got \(Self.typeName(value)), want \(names.joined(separator: " or "))")
            }
        }
        if let options = schema["enum"]?.arrayValue, !options.contains(where: { Self.equal($0, value) }) {
            fail("value must be one of \(options.map { JSON.encode($0) }.joined(separator: ", "))")
        }
        if let constant = schema["const"], !Self.equal(constant, value) { fail("value must be \(JSON.encode(constant))") }

        switch value {
        case .int, .double:
            checkNumber(value.doubleValue ?? 0, schema: schema, fail: fail)
        case .string(let text):
            let length = text.unicodeScalars.count
            if let minimum = schema["minLength"]?.doubleValue, Double(length) < minimum { fail("minLength: got \(length), want \(Self.number(minimum))") }
            if let maximum = schema["maxLength"]?.doubleValue, Double(length) > maximum { fail("maxLength: got \(length), want \(Self.number(maximum))") }
            if let pattern = schema["pattern"]?.stringValue, let regex = try? GoRegex(pattern), (try? regex.firstMatch(text)) == nil {
                fail("'\(text)' does not match pattern '\(pattern)'")
            }
        case .array(let items):
            checkArray(items, schema: schema, at: pointer, depth: depth, errors: &errors)
        case .object(let object):
            checkObject(object, schema: schema, at: pointer, depth: depth, errors: &errors)
        default:
            break
        }

        for sub in schema["allOf"]?.arrayValue ?? [] { check(value, against: sub, at: pointer, depth: depth + 1, errors: &errors) }
        if let options = schema["anyOf"]?.arrayValue, !options.contains(where: { passes(value, $0, pointer, depth) }) {
            fail("anyOf failed")
        }
        if let options = schema["oneOf"]?.arrayValue {
            let matching = options.filter { passes(value, $0, pointer, depth) }.count
            if matching != 1 { fail(matching == 0 ? "oneOf failed, none matched" : "oneOf failed, \(matching) matched") }
        }
        if let negated = schema["not"], passes(value, negated, pointer, depth) { fail("not failed") }
        if let condition = schema["if"] {
            if passes(value, condition, pointer, depth) {
                if let then = schema["then"] { check(value, against: then, at: pointer, depth: depth + 1, errors: &errors) }
            } else if let otherwise = schema["else"] {
                check(value, against: otherwise, at: pointer, depth: depth + 1, errors: &errors)
            }
        }
    }

    private func passes(_ value: Value, _ schema: Value, _ pointer: String, _ depth: Int) -> Bool {
        var errors: [String] = []
        check(value, against: schema, at: pointer, depth: depth + 1, errors: &errors)
        return errors.isEmpty
    }

    private func checkNumber(_ number: Double, schema: Value, fail: (String) -> Void) {
        if let minimum = schema["minimum"]?.doubleValue {
            if schema["exclusiveMinimum"]?.boolValue == true ? number <= minimum : number < minimum { fail("minimum: got \(Self.number(number)), want \(Self.number(minimum))") }
        }
        if let maximum = schema["maximum"]?.doubleValue {
            if schema["exclusiveMaximum"]?.boolValue == true ? number >= maximum : number > maximum { fail("maximum: got \(Self.number(number)), want \(Self.number(maximum))") }
        }
        if let bound = schema["exclusiveMinimum"], bound.isNumber, let minimum = bound.doubleValue, number <= minimum {
            fail("exclusiveMinimum: got \(Self.number(number)), want \(Self.number(minimum))")
        }
        if let bound = schema["exclusiveMaximum"], bound.isNumber, let maximum = bound.doubleValue, number >= maximum {
            fail("exclusiveMaximum: got \(Self.number(number)), want \(Self.number(maximum))")
        }
        if let divisor = schema["multipleOf"]?.doubleValue, divisor > 0 {
            let quotient = number / divisor
            if abs(quotient - quotient.rounded()) > 1e-9 * max(1, abs(quotient)) { fail("multipleOf: \(Self.number(number)) is not a multiple of \(Self.number(divisor))") }
        }
    }

    private func checkArray(_ items: [Value], schema: Value, at pointer: String, depth: Int, errors: inout [String]) {
        func fail(_ message: String) { errors.append("at '\(pointer.isEmpty ? "/" : pointer)': \(message)") }
        if let minimum = schema["minItems"]?.doubleValue, Double(items.count) < minimum { fail("minItems: got \(items.count), want \(Self.number(minimum))") }
        if let maximum = schema["maxItems"]?.doubleValue, Double(items.count) > maximum { fail("maxItems: got \(items.count), want \(Self.number(maximum))") }
        if schema["uniqueItems"]?.boolValue == true {
            for i in items.indices {
                for j in items.indices where j > i && Self.equal(items[i], items[j]) { fail("items at \(i) and \(j) are equal"); return }
            }
        }
        var positional: [Value] = schema["prefixItems"]?.arrayValue ?? []
        var rest: Value? = schema["items"]
        if case .array(let tuple)? = schema["items"] { positional = tuple; rest = schema["additionalItems"] }
        for (index, item) in items.enumerated() {
            let itemSchema = index < positional.count ? positional[index] : rest
            if let itemSchema { check(item, against: itemSchema, at: pointer + "/\(index)", depth: depth + 1, errors: &errors) }
        }
        if let contains = schema["contains"] {
            let count = items.filter { passes($0, contains, pointer, depth) }.count
            let minimum = Int(schema["minContains"]?.doubleValue ?? 1)
            if count < minimum { fail("contains: \(count) items match, want at least \(minimum)") }
            if let maximum = schema["maxContains"]?.doubleValue, Double(count) > maximum { fail("maxContains: \(count) items match, want at most \(Self.number(maximum))") }
        }
    }

    private func checkObject(_ object: ValueObject, schema: Value, at pointer: String, depth: Int, errors: inout [String]) {
        func fail(_ message: String) { errors.append("at '\(pointer.isEmpty ? "/" : pointer)': \(message)") }
        for name in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[name] == nil {
            fail("missing property '\(name)'")
        }
        if let minimum = schema["minProperties"]?.doubleValue, Double(object.count) < minimum { fail("minProperties: got \(object.count), want \(Self.number(minimum))") }
        if let maximum = schema["maxProperties"]?.doubleValue, Double(object.count) > maximum { fail("maxProperties: got \(object.count), want \(Self.number(maximum))") }
        let properties = schema["properties"]?.objectValue ?? [:]
        let patterns: [(GoRegex, Value)] = (schema["patternProperties"]?.objectValue ?? [:]).compactMap { key, sub in (try? GoRegex(key)).map { ($0, sub) } }
        for key in object.keys.sorted() {
            let value = object[key]!
            let path = pointer + "/" + key.replacing("~", with: "~0").replacing("/", with: "~1")
            var matched = false
            if let sub = properties[key] { matched = true; check(value, against: sub, at: path, depth: depth + 1, errors: &errors) }
            for (regex, sub) in patterns where (try? regex.firstMatch(key)) != nil {
                matched = true
                check(value, against: sub, at: path, depth: depth + 1, errors: &errors)
            }
            if !matched, let additional = schema["additionalProperties"] {
                if additional == .bool(false) { fail("additional property '\(key)' is not allowed") } else { check(value, against: additional, at: path, depth: depth + 1, errors: &errors) }
            }
            if let names = schema["propertyNames"] { check(.string(key), against: names, at: path, depth: depth + 1, errors: &errors) }
        }
        var dependencies = schema["dependencies"]?.objectValue ?? [:]
        for (key, value) in schema["dependentRequired"]?.objectValue ?? [:] { dependencies[key] = value }
        for (key, value) in schema["dependentSchemas"]?.objectValue ?? [:] { dependencies[key] = value }
        for (key, dependency) in dependencies where object[key] != nil {
            if case .array(let names) = dependency {
                for name in names.compactMap(\.stringValue) where object[name] == nil { fail("property '\(key)' needs property '\(name)'") }
            } else {
                check(.object(object), against: dependency, at: pointer, depth: depth + 1, errors: &errors)
            }
        }
    }

    /// A local reference (`#`, `#/definitions/x`, `#/$defs/x`, any JSON pointer); nil for
    /// references to other documents and for pointers that lead nowhere.
    private func resolve(_ reference: String) -> Value? {
        guard reference.hasPrefix("#") else { return nil }
        var node = root
        for token in reference.dropFirst().split(separator: "/") {
            let key = String(token).replacing("~1", with: "/").replacing("~0", with: "~").removingPercentEncoding
            switch node {
            case .object(let object): guard let next = object[key] else { return nil }; node = next
            case .array(let array): guard let index = Int(key), array.indices.contains(index) else { return nil }; node = array[index]
            default: return nil
            }
        }
        return node
    }

    static func hasType(_ value: Value, _ name: String) -> Bool {
        switch (name, value) {
        case ("null", .null), ("boolean", .bool), ("string", .string), ("array", .array), ("object", .object): return true
        case ("number", .int), ("number", .double), ("integer", .int): return true
        case ("integer", .double(let d)): return d.isFinite && d == d.rounded()
        default: return false
        }
    }

    static func typeName(_ value: Value) -> String {
        switch value {
        case .null: "null"
        case .bool: "boolean"
        case .int, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    static func number(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d) }

    /// JSON equality: 1 and 1.0 are the same number.
    static func equal(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.int, .double), (.double, .int), (.int, .int), (.double, .double): return a.doubleValue == b.doubleValue
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy(equal)
        case (.object(let x), .object(let y)): return x.count == y.count && x.allSatisfy { key, value in y[key].map { equal(value, $0) } ?? false }
        default: return a == b
        }
    }
}

extension String {
    /// `%XX` sequences decoded (JSON pointers in URI fragments); the text itself when malformed.
    fileprivate var removingPercentEncoding: String {
        guard contains("%") else { return self }
        var bytes: [UInt8] = []
        var rest = Array(utf8)[...]
        while let byte = rest.popFirst() {
            if byte == UInt8(ascii: "%"), rest.count >= 2, let value = UInt8(String(decoding: rest.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                rest = rest.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
