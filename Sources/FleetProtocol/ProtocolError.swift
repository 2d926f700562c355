import FleetModel
import OrderedCollections

/// A protocol document (plan, report, request) that does not have the documented shape. The
/// path names the field as a reader of the document finds it (`applications[2].resources[0].wave`),
/// so a hub operator or a spoke log points at the exact place.
public struct ProtocolError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Dotted field path from the document's root; empty for the document itself.
    public var path: String
    public var message: String

    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// Reads one JSON object of the protocol. Every accessor names the field's path in its error;
/// `null` reads as absent, as Go's encoding/json treats it for optional fields.
struct FieldReader {
    let object: ValueObject
    let path: String

    init(_ value: Value, path: String) throws(ProtocolError) {
        guard case .object(let object) = value else { throw ProtocolError(path: path, "must be an object, not \(value.typeName)") }
        self.object = object
        self.path = path
    }

    func at(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// The field's value; nil when absent or null.
    func value(_ key: String) -> Value? {
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    private func wrongType(_ key: String, _ expected: String, _ found: Value) -> ProtocolError {
        ProtocolError(path: at(key), "must be \(expected), not \(found.typeName)")
    }

    func string(_ key: String) throws(ProtocolError) -> String {
        guard let value = value(key) else { throw ProtocolError(path: at(key), "is required") }
        guard let text = value.stringValue else { throw wrongType(key, "a string", value) }
        return text
    }

    func optionalString(_ key: String) throws(ProtocolError) -> String? {
        guard let value = value(key) else { return nil }
        guard let text = value.stringValue else { throw wrongType(key, "a string", value) }
        return text
    }

    func int(_ key: String) throws(ProtocolError) -> Int {
        guard let value = value(key) else { throw ProtocolError(path: at(key), "is required") }
        guard let number = value.intValue else { throw wrongType(key, "an integer", value) }
        return number
    }

    func optionalInt(_ key: String) throws(ProtocolError) -> Int? {
        guard let value = value(key) else { return nil }
        guard let number = value.intValue else { throw wrongType(key, "an integer", value) }
        return number
    }

    func optionalDouble(_ key: String) throws(ProtocolError) -> Double? {
        guard let value = value(key) else { return nil }
        guard let number = value.doubleValue else { throw wrongType(key, "a number", value) }
        return number
    }

    func optionalBool(_ key: String) throws(ProtocolError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let flag = value.boolValue else { throw wrongType(key, "true or false", value) }
        return flag
    }

    func bool(_ key: String, default fallback: Bool) throws(ProtocolError) -> Bool {
        guard let value = value(key) else { return fallback }
        guard let flag = value.boolValue else { throw wrongType(key, "true or false", value) }
        return flag
    }

    func array(_ key: String) throws(ProtocolError) -> [Value] {
        guard let value = value(key) else { return [] }
        guard let items = value.arrayValue else { throw wrongType(key, "a list", value) }
        return items
    }

    func strings(_ key: String) throws(ProtocolError) -> [String] {
        var out: [String] = []
        for (index, item) in try array(key).enumerated() {
            guard let text = item.stringValue else { throw ProtocolError(path: "\(at(key))[\(index)]", "must be a string, not \(item.typeName)") }
            out.append(text)
        }
        return out
    }

    /// The field as an object reader; nil when absent or null.
    func reader(_ key: String) throws(ProtocolError) -> FieldReader? {
        guard let value = value(key) else { return nil }
        return try FieldReader(value, path: at(key))
    }

    /// Each item of a list field, decoded with the item's own path.
    func list<T>(_ key: String, limit: Int = Int.max, _ decode: (FieldReader) throws(ProtocolError) -> T) throws(ProtocolError) -> [T] {
        let items = try array(key)
        guard items.count <= limit else { throw ProtocolError(path: at(key), "has \(items.count) items, more than \(limit)") }
        var out: [T] = []
        out.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            out.append(try decode(FieldReader(item, path: "\(at(key))[\(index)]")))
        }
        return out
    }

    /// Fields this version does not know, kept so the document re-encodes to the same bytes.
    func unknownFields(known: Set<String>) -> ValueObject {
        var out = ValueObject()
        for (key, value) in object where !known.contains(key) { out[key] = value }
        return out
    }

    /// Refuses a field this version does not know (for documents written to us, where an
    /// unknown field is a mistake or an attack, never something to store unread).
    func refuseUnknown(known: Set<String>) throws(ProtocolError) {
        for key in object.keys where !known.contains(key) { throw ProtocolError(path: at(key), "unknown field") }
    }
}

extension ValueObject {
    /// Sets `key` unless `value` is nil (optional fields are absent, not null, in our documents).
    mutating func setIfPresent(_ key: String, _ value: Value?) {
        if let value { self[key] = value }
    }

    /// Adds fields kept from decoding, never overwriting a known one.
    mutating func merge(unknown: ValueObject) {
        for (key, value) in unknown where self[key] == nil { self[key] = value }
    }
}
