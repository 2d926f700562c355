/// An RFC 6901 JSON Pointer (`/spec/template/spec/containers/0/image`).
///
/// Used by JSON6902 patches, by `ignoreDifferences.jsonPointers`, and to name the fields that
/// drifted in a report, so one spelling of "a place in a document" runs through the system.
public struct JSONPointer: Hashable, Sendable, CustomStringConvertible {
    /// The unescaped reference tokens (`nvidia.com/gpu` stays one token).
    public var tokens: [String]

    public init(tokens: [String] = []) { self.tokens = tokens }

    /// Parses the string form: empty for the whole document, otherwise `/`-separated tokens
    /// with `~1` for `/` and `~0` for `~`.
    public init(parsing text: String) throws(JSONPointerError) {
        if text.isEmpty {
            tokens = []
            return
        }
        guard text.hasPrefix("/") else { throw JSONPointerError(pointer: text, reason: "must be empty or start with '/'") }
        var result: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var iterator = raw.makeIterator()
            while let c = iterator.next() {
                if c == "~" {
                    switch iterator.next() {
                    case "0": token.append("~")
                    case "1": token.append("/")
                    default: throw JSONPointerError(pointer: text, reason: "'~' must be followed by 0 or 1")
                    }
                } else {
                    token.append(c)
                }
            }
            result.append(token)
        }
        tokens = result
    }

    public var description: String {
        tokens.map { "/" + $0.replacing("~", with: "~0").replacing("/", with: "~1") }.joined()
    }

    public var isRoot: Bool { tokens.isEmpty }
    public var parent: JSONPointer { JSONPointer(tokens: Array(tokens.dropLast())) }
    public var last: String? { tokens.last }

    public func appending(_ token: String) -> JSONPointer { JSONPointer(tokens: tokens + [token]) }
    public func appending(_ index: Int) -> JSONPointer { appending(String(index)) }

    /// Whether `self` is `other` or lies inside it.
    public func hasPrefix(_ other: JSONPointer) -> Bool {
        tokens.count >= other.tokens.count && Array(tokens.prefix(other.tokens.count)) == other.tokens
    }

    /// An array index token as RFC 6901 allows it: digits, no leading zero (except "0").
    static func arrayIndex(_ token: String) -> Int? {
        guard !token.isEmpty, token.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        if token.utf8.count > 1 && token.utf8.first == 48 { return nil }
        return Int(token)
    }
}

/// A malformed JSON Pointer.
public struct JSONPointerError: Error, CustomStringConvertible, Equatable, Sendable {
    public var pointer: String
    public var reason: String
    public var description: String { "invalid JSON pointer \"\(pointer)\": \(reason)" }
}

extension Value {
    /// The value a pointer refers to, or nil if any step is missing.
    public func value(at pointer: JSONPointer) -> Value? {
        var current = self
        for token in pointer.tokens {
            switch current {
            case .object(let object):
                guard let next = object[token] else { return nil }
                current = next
            case .array(let array):
                guard let index = JSONPointer.arrayIndex(token), array.indices.contains(index) else { return nil }
                current = array[index]
            default:
                return nil
            }
        }
        return current
    }
}
