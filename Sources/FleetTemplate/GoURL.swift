/// The parts of Go's `net/url` that Sprig's `urlParse` and `urlJoin` expose: parsing into
/// scheme, userinfo, host, path, query and fragment, and printing back with Go's escaping.
struct GoURL {
    var scheme = ""
    var opaque = ""
    var user: (name: String, password: String?)?
    var host = ""
    var path = ""
    var rawQuery = ""
    var fragment = ""

    init() {}

    init?(parsing raw: String) {
        var rest = Substring(raw)
        if let hash = rest.firstIndex(of: "#") {
            guard let decoded = Self.unescape(String(rest[rest.index(after: hash)...])) else { return nil }
            fragment = decoded
            rest = rest[..<hash]
        }
        // The scheme: a letter, then letters, digits, + - ., up to the first ':'.
        for (offset, character) in rest.enumerated() {
            if character.isASCII && character.isLetter { continue }
            if character.isASCII && (character.isNumber || "+-.".contains(character)) {
                if offset == 0 { break }
                continue
            }
            if character == ":" {
                if offset == 0 { return nil }
                scheme = rest.prefix(offset).lowercased()
                rest = rest.dropFirst(offset + 1)
            }
            break
        }
        if let question = rest.firstIndex(of: "?") {
            rawQuery = String(rest[rest.index(after: question)...])
            rest = rest[..<question]
        }
        if !rest.hasPrefix("/"), !scheme.isEmpty {
            opaque = String(rest)
            return
        }
        if rest.hasPrefix("//"), !scheme.isEmpty || !rest.hasPrefix("///") {
            rest = rest.dropFirst(2)
            let end = rest.firstIndex(of: "/") ?? rest.endIndex
            var authority = rest[..<end]
            rest = rest[end...]
            if let at = authority.lastIndex(of: "@") {
                let info = authority[..<at]
                if let colon = info.firstIndex(of: ":") {
                    guard let name = Self.unescape(String(info[..<colon])), let password = Self.unescape(String(info[info.index(after: colon)...])) else { return nil }
                    user = (name, password)
                } else {
                    guard let name = Self.unescape(String(info)) else { return nil }
                    user = (name, nil)
                }
                authority = authority[authority.index(after: at)...]
            }
            host = String(authority)
        }
        guard let decoded = Self.unescape(String(rest)) else { return nil }
        path = decoded
    }

    /// The host without its port (and without IPv6 brackets).
    var hostname: String {
        var name = Substring(host)
        if let colon = name.lastIndex(of: ":"), name[name.index(after: colon)...].allSatisfy(\.isNumber), !name.hasSuffix("]") {
            name = name[..<colon]
        }
        if name.hasPrefix("["), name.hasSuffix("]") { name = name.dropFirst().dropLast() }
        return String(name)
    }

    static func userString(_ user: (name: String, password: String?)) -> String {
        escape(user.name, keep: "-_.~$&+,;=") + (user.password.map { ":" + escape($0, keep: "-_.~$&+,;=") } ?? "")
    }

    var string: String {
        var out = ""
        if !scheme.isEmpty { out += scheme + ":" }
        if !opaque.isEmpty {
            out += opaque
        } else {
            if !scheme.isEmpty || !host.isEmpty || user != nil {
                if !host.isEmpty || !path.isEmpty || user != nil { out += "//" }
                if let user { out += Self.userString(user) + "@" }
                out += Self.escape(host, keep: "-_.~!$&'()*+,;=:[]<>\"")
            }
            let escapedPath = Self.escape(path, keep: "-_.~$&+,/:;=@")
            if !escapedPath.isEmpty, !escapedPath.hasPrefix("/"), !host.isEmpty { out += "/" }
            if out.isEmpty, (escapedPath.split(separator: "/", omittingEmptySubsequences: false).first ?? "").contains(":") { out += "./" }
            out += escapedPath
        }
        if !rawQuery.isEmpty { out += "?" + rawQuery }
        if !fragment.isEmpty { out += "#" + Self.escape(fragment, keep: "-_.~$&+,/:;=?@!()*") }
        return out
    }

    static func escape(_ s: String, keep: String) -> String {
        let kept = Set(keep.utf8)
        var out = ""
        for byte in s.utf8 {
            let isAlphanumeric = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
            if isAlphanumeric || kept.contains(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }

    static func unescape(_ s: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(s.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%") {
                guard iterator.count >= 2, let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16) else { return nil }
                bytes.append(value)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
