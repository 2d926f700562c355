import OrderedCollections

/// The ordered map an object `Value` holds: keys keep the order they were read or inserted in,
/// so a manifest round-trips without reshuffling and plans stay deterministic.
public typealias ValueObject = OrderedDictionary<String, Value>

/// A JSON-like document value: what Kubernetes calls "unstructured" content.
///
/// Every manifest, patch, plan and report travels as a `Value`. YAML and JSON both decode into
/// it, so the renderer, the differ and the stores never care which syntax a file used.
///
/// Two deliberate choices shape its equality (see `Value+Equality.swift`):
/// - numbers compare by value: `.int(1) == .double(1.0)`, because JSON does not distinguish
///   them and Kubernetes tooling round-trips `1.0` as `1`;
/// - objects compare as sets of key/value pairs: key order is presentation, not content.
public enum Value: Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([Value])
    case object(ValueObject)
}

extension Value {
    /// An empty object, the usual starting point when building a manifest in code.
    public static var emptyObject: Value { .object([:]) }

    /// The name of this value's JSON type, for error messages ("expected a string, found an object").
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The value as an integer: an `.int`, or a `.double` with no fractional part that fits.
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d): return Value.exactInt(d)
        default: return nil
        }
    }

    /// The value as a floating-point number, for any numeric case.
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    public var isNumber: Bool {
        switch self {
        case .int, .double: return true
        default: return false
        }
    }

    public var arrayValue: [Value]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: ValueObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The member `key` of an object; `nil` for a missing key or a non-object. Setting `nil`
    /// removes the key; setting on a non-object replaces it with a one-key object.
    public subscript(key: String) -> Value? {
        get {
            if case .object(let o) = self { return o[key] }
            return nil
        }
        set {
            if case .object(var o) = self {
                self = .null  // drop our reference so `o` is uniquely owned and mutates in place
                o[key] = newValue
                self = .object(o)
            } else if let newValue {
                self = .object([key: newValue])
            }
        }
    }

    /// The element at `index` of an array; `nil` when out of range or not an array.
    public subscript(index: Int) -> Value? {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return nil
    }

    /// The value reached by following `keys` through nested objects.
    public subscript(path keys: String...) -> Value? {
        get { value(at: keys) }
        set { setValue(newValue, at: keys[...]) }
    }

    /// The value reached by following `keys` through nested objects.
    public func value(at keys: [String]) -> Value? {
        var current = self
        for key in keys {
            guard let next = current[key] else { return nil }
            current = next
        }
        return current
    }

    /// Sets the value at a path of object keys, creating intermediate objects as needed;
    /// `nil` removes the last key.
    public mutating func setValue(_ newValue: Value?, at keys: ArraySlice<String>) {
        guard let first = keys.first else {
            self = newValue ?? .null
            return
        }
        if keys.count == 1 {
            self[first] = newValue
            return
        }
        var child = self[first] ?? (newValue == nil ? .null : .emptyObject)
        if newValue == nil, child.objectValue == nil { return }
        if child.objectValue == nil { child = .emptyObject }
        self[first] = .null  // release the shared copy so the child mutates in place
        child.setValue(newValue, at: keys.dropFirst())
        self[first] = child
    }

    /// `d` as an `Int` when it is integral and representable exactly.
    @inlinable
    static func exactInt(_ d: Double) -> Int? {
        guard d.isFinite, d.rounded(.towardZero) == d,
              d >= -9.223372036854775808e18, d < 9.223372036854775808e18 else { return nil }
        return Int(d)
    }
}
