// Literal conformances make manifests written in Swift read like the YAML they stand for,
// which keeps tests and built-in defaults short.

extension Value: ExpressibleByNilLiteral {
    public init(nilLiteral: ()) { self = .null }
}

extension Value: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension Value: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self = .int(value) }
}

extension Value: ExpressibleByFloatLiteral {
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension Value: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension Value: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: Value...) { self = .array(elements) }
}

extension Value: ExpressibleByDictionaryLiteral {
    /// Keys keep the order written; a repeated key keeps its first position and last value.
    public init(dictionaryLiteral elements: (String, Value)...) {
        var object = ValueObject(minimumCapacity: elements.count)
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }
}

extension Value: CustomStringConvertible {
    /// Compact JSON, so test failures and logs show values as users write them.
    public var description: String { JSON.encode(self) }
}
