/// The differences between two documents, as the JSON pointers where they differ and the value
/// on each side (nil where the member is absent). Maps are compared member by member, lists
/// element by element when they have the same length and as a whole otherwise, so a changed
/// container image reads `/spec/template/spec/containers/0/image` rather than a whole list.
public struct ValueDifference: Equatable, Sendable {
    public var pointer: JSONPointer
    public var old: Value?
    public var new: Value?

    public init(pointer: JSONPointer, old: Value?, new: Value?) {
        self.pointer = pointer
        self.old = old
        self.new = new
    }
}

public enum ValueDiff {
    /// Differences in document order, at most `limit` of them.
    public static func differences(_ old: Value?, _ new: Value?, at pointer: JSONPointer = JSONPointer(), limit: Int = 1000) -> [ValueDifference] {
        var out: [ValueDifference] = []
        collect(old, new, pointer, limit, &out)
        return out
    }

    private static func collect(_ old: Value?, _ new: Value?, _ pointer: JSONPointer, _ limit: Int, _ out: inout [ValueDifference]) {
        guard out.count < limit else { return }
        switch (old, new) {
        case (nil, nil): return
        case let (.object(a)?, .object(b)?):
            for (key, value) in a { collect(value, b[key], pointer.appending(key), limit, &out) }
            for (key, value) in b where a[key] == nil { collect(nil, value, pointer.appending(key), limit, &out) }
        case let (.array(a)?, .array(b)?) where a.count == b.count:
            for index in a.indices { collect(a[index], b[index], pointer.appending(index), limit, &out) }
        default:
            if old != new { out.append(ValueDifference(pointer: pointer, old: old, new: new)) }
        }
    }
}
