/// One RFC 6902 operation.
public struct JSONPatchOperation: Equatable, Sendable {
    public enum Kind: String, Sendable {
        case add, remove, replace, move, copy, test
    }

    public var kind: Kind
    public var path: JSONPointer
    /// The `from` of move and copy.
    public var from: JSONPointer?
    /// The `value` of add, replace and test.
    public var value: Value?

    public init(kind: Kind, path: JSONPointer, from: JSONPointer? = nil, value: Value? = nil) {
        self.kind = kind
        self.path = path
        self.from = from
        self.value = value
    }
}

/// Why a JSON patch could not be read or applied: the operation's index and what went wrong.
public struct JSONPatchError: Error, CustomStringConvertible, Equatable, Sendable {
    public var operationIndex: Int?
    public var message: String

    public var description: String {
        operationIndex.map { "operation \($0): \(message)" } ?? message
    }
}

/// RFC 6902 JSON Patch over `Value`: parse the operation list, apply it all or nothing.
///
/// Semantics follow the RFC as kustomize's patch library applies it: `add` needs an existing
/// parent and inserts into arrays (`-` appends), `remove` needs an existing target, `replace`
/// needs an existing array element but sets a missing member of an existing object (the
/// library's leniency, which overlays rely on), `move` may not move a value into itself, and a
/// failed `test` fails the whole patch.
public enum JSONPatch {
    /// Reads operations from their JSON/YAML form (an array of `{op, path, from, value}`).
    public static func operations(from value: Value) throws(JSONPatchError) -> [JSONPatchOperation] {
        guard case .array(let items) = value else {
            throw JSONPatchError(message: "a JSON patch must be a list of operations, found \(value.typeName)")
        }
        var result: [JSONPatchOperation] = []
        for (index, item) in items.enumerated() {
            guard case .object(let fields) = item else {
                throw JSONPatchError(operationIndex: index, message: "must be an object with op and path, found \(item.typeName)")
            }
            guard let opName = fields["op"]?.stringValue else {
                throw JSONPatchError(operationIndex: index, message: "missing \"op\"")
            }
            guard let kind = JSONPatchOperation.Kind(rawValue: opName) else {
                throw JSONPatchError(operationIndex: index, message: "unknown op \"\(opName)\" (use add, remove, replace, move, copy or test)")
            }
            guard let pathText = fields["path"]?.stringValue else {
                throw JSONPatchError(operationIndex: index, message: "missing \"path\"")
            }
            let path: JSONPointer
            do { path = try JSONPointer(parsing: pathText) } catch { throw JSONPatchError(operationIndex: index, message: error.description) }
            var from: JSONPointer?
            if kind == .move || kind == .copy {
                guard let fromText = fields["from"]?.stringValue else {
                    throw JSONPatchError(operationIndex: index, message: "\(opName) needs \"from\"")
                }
                do { from = try JSONPointer(parsing: fromText) } catch { throw JSONPatchError(operationIndex: index, message: error.description) }
            }
            let operationValue = fields["value"]
            if (kind == .add || kind == .replace || kind == .test) && operationValue == nil {
                throw JSONPatchError(operationIndex: index, message: "\(opName) needs \"value\"")
            }
            result.append(JSONPatchOperation(kind: kind, path: path, from: from, value: operationValue))
        }
        return result
    }

    /// Applies every operation in order; on any failure the input is left as it was.
    public static func apply(_ operations: [JSONPatchOperation], to document: Value) throws(JSONPatchError) -> Value {
        var result = document
        for (index, operation) in operations.enumerated() {
            do {
                try apply(operation, to: &result)
            } catch let error {
                throw JSONPatchError(operationIndex: index, message: error.message)
            }
        }
        return result
    }

    private static func apply(_ operation: JSONPatchOperation, to document: inout Value) throws(JSONPatchError) {
        let path = operation.path
        switch operation.kind {
        case .add:
            try add(operation.value!, at: path, in: &document)
        case .remove:
            _ = try remove(at: path, in: &document)
        case .replace:
            let parentIsObject = document.value(at: path.parent)?.objectValue != nil
            guard document.value(at: path) != nil || (parentIsObject && !path.isRoot) else {
                throw JSONPatchError(message: "replace operation does not apply: doc is missing path \(path)")
            }
            if path.isRoot {
                document = operation.value!
            } else {
                if document.value(at: path) != nil { _ = try remove(at: path, in: &document) }
                try add(operation.value!, at: path, in: &document)
            }
        case .move:
            let from = operation.from!
            if from == path { return }
            if path.hasPrefix(from) {
                throw JSONPatchError(message: "move: cannot move \(from) into its own child \(path)")
            }
            let moved = try remove(at: from, in: &document)
            try add(moved, at: path, in: &document)
        case .copy:
            guard let copied = document.value(at: operation.from!) else {
                throw JSONPatchError(message: "copy: no value at \(operation.from!)")
            }
            try add(copied, at: path, in: &document)
        case .test:
            let actual = document.value(at: path)
            let expected = operation.value!
            if actual == nil && expected == .null { return }
            guard let actual, actual == expected else {
                throw JSONPatchError(message: "test failed at \(path): expected \(expected), found \(actual.map(\.description) ?? "nothing")")
            }
        }
    }

    private static func add(_ value: Value, at path: JSONPointer, in document: inout Value) throws(JSONPatchError) {
        guard let last = path.last else {
            document = value
            return
        }
        try modifyContainer(at: path.parent, in: &document) { container throws(JSONPatchError) in
            switch container {
            case .object(var object):
                container = .null
                object[last] = value
                container = .object(object)
            case .array(var array):
                let index: Int
                if last == "-" {
                    index = array.count
                } else {
                    guard let parsed = JSONPointer.arrayIndex(last), parsed <= array.count else {
                        throw JSONPatchError(message: "add: index \(last) is out of bounds for an array of \(array.count) at \(path.parent)")
                    }
                    index = parsed
                }
                container = .null
                array.insert(value, at: index)
                container = .array(array)
            default:
                throw JSONPatchError(message: "add: \(path.parent) is a \(container.typeName), not an object or array")
            }
        }
    }

    private static func remove(at path: JSONPointer, in document: inout Value) throws(JSONPatchError) -> Value {
        guard let last = path.last else {
            throw JSONPatchError(message: "remove: cannot remove the whole document")
        }
        var removed: Value = .null
        try modifyContainer(at: path.parent, in: &document) { container throws(JSONPatchError) in
            switch container {
            case .object(var object):
                guard let existing = object[last] else {
                    throw JSONPatchError(message: "no value at \(path)")
                }
                removed = existing
                container = .null
                object[last] = nil
                container = .object(object)
            case .array(var array):
                guard let index = JSONPointer.arrayIndex(last), array.indices.contains(index) else {
                    throw JSONPatchError(message: "index \(last) is out of bounds for an array of \(array.count) at \(path.parent)")
                }
                container = .null
                removed = array.remove(at: index)
                container = .array(array)
            default:
                throw JSONPatchError(message: "no value at \(path) (\(path.parent) is a \(container.typeName))")
            }
        }
        return removed
    }

    /// Runs `body` on the container at `pointer`, writing the result back; errors when the
    /// container does not exist.
    private static func modifyContainer(at pointer: JSONPointer, in document: inout Value,
                                        _ body: (inout Value) throws(JSONPatchError) -> Void) throws(JSONPatchError) {
        try modify(&document, tokens: pointer.tokens[...], full: pointer, body)
    }

    private static func modify(_ node: inout Value, tokens: ArraySlice<String>, full: JSONPointer,
                               _ body: (inout Value) throws(JSONPatchError) -> Void) throws(JSONPatchError) {
        guard let token = tokens.first else {
            try body(&node)
            return
        }
        switch node {
        case .object(var object):
            guard var child = object[token] else {
                throw JSONPatchError(message: "the document has no \(full) (missing \"\(token)\")")
            }
            node = .null
            object[token] = .null
            try modify(&child, tokens: tokens.dropFirst(), full: full, body)
            object[token] = child
            node = .object(object)
        case .array(var array):
            guard let index = JSONPointer.arrayIndex(token), array.indices.contains(index) else {
                throw JSONPatchError(message: "the document has no \(full) (index \(token) out of bounds)")
            }
            node = .null
            var child = array[index]
            array[index] = .null
            try modify(&child, tokens: tokens.dropFirst(), full: full, body)
            array[index] = child
            node = .array(array)
        default:
            throw JSONPatchError(message: "the document has no \(full) (\(node.typeName) has no members)")
        }
    }
}
