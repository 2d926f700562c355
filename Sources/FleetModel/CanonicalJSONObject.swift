/// Adding top-level members to a canonical JSON object (sorted keys, no insignificant space,
/// as `JSON.encodeBytes(_, options: [.sortedKeys])` writes it) without parsing it.
///
/// The hub wraps every cluster's plan (tens of kilobytes of canonical JSON) in a publication
/// envelope each time it publishes; scanning the top level and copying bytes gives exactly the
/// bytes a parse, insert and re-encode would, at a fraction of the cost.
public enum CanonicalJSONObject {
    /// `object` with `members` set (replacing a member of the same key), keys kept in the
    /// encoder's order; nil if `object` is not a canonical JSON object.
    public static func setting(_ members: ValueObject, in object: [UInt8]) -> [UInt8]? {
        guard let existing = topLevelMembers(of: object) else { return nil }
        let added = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(object.count + 64 * added.count)
        var first = true
        func appendSeparator() {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
        }
        func appendAdded(_ key: String) {
            appendSeparator()
            out += JSON.encodeBytes(.string(key))
            out.append(UInt8(ascii: ":"))
            out += JSON.encodeBytes(members[key]!, options: [.sortedKeys])
        }
        var next = 0
        for member in existing {
            while next < added.count, added[next].utf8.lexicographicallyPrecedes(member.key.utf8) {
                appendAdded(added[next])
                next += 1
            }
            if next < added.count, added[next] == member.key {
                appendAdded(added[next])
                next += 1
                continue
            }
            appendSeparator()
            out += object[member.range]
        }
        while next < added.count {
            appendAdded(added[next])
            next += 1
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Each top-level member's key and the byte range of `"key":value`.
    static func topLevelMembers(of bytes: [UInt8]) -> [(key: String, range: Range<Int>)]? {
        guard bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else { return nil }
        var members: [(key: String, range: Range<Int>)] = []
        var i = 1
        let end = bytes.count - 1
        if i == end { return members }
        while i < end {
            let start = i
            guard bytes[i] == UInt8(ascii: "\""), let keyEnd = skipString(bytes, from: i) else { return nil }
            let key: String
            if bytes[(start + 1)..<(keyEnd - 1)].contains(UInt8(ascii: "\\")) {
                guard case .string(let unescaped)? = try? JSON.parse(Array(bytes[start..<keyEnd])) else { return nil }
                key = unescaped
            } else {
                key = String(decoding: bytes[(start + 1)..<(keyEnd - 1)], as: UTF8.self)
            }
            i = keyEnd
            guard i < end, bytes[i] == UInt8(ascii: ":") else { return nil }
            guard let valueEnd = skipValue(bytes, from: i + 1, end: end) else { return nil }
            members.append((key, start..<valueEnd))
            i = valueEnd
            if i == end { break }
            guard bytes[i] == UInt8(ascii: ","), i + 1 < end else { return nil }
            i += 1
        }
        return members
    }

    /// The index just past the string starting at `from` (a quote).
    private static func skipString(_ bytes: [UInt8], from: Int) -> Int? {
        var i = from + 1
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\\"): i += 2
            case UInt8(ascii: "\""): return i + 1
            default: i += 1
            }
        }
        return nil
    }

    /// The index just past the value starting at `from`: a string, or everything up to the
    /// `,` or `}` that closes it at depth zero.
    private static func skipValue(_ bytes: [UInt8], from: Int, end: Int) -> Int? {
        var i = from
        var depth = 0
        while i < end {
            switch bytes[i] {
            case UInt8(ascii: "\""):
                guard let next = skipString(bytes, from: i) else { return nil }
                i = next
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth < 0 { return nil }
            case UInt8(ascii: ","):
                if depth == 0 { return i }
            default: break
            }
            i += 1
        }
        return depth == 0 && i > from ? i : nil
    }
}
