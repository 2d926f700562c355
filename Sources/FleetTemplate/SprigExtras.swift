import Crypto
import CryptoExtras
import FleetModel

/// Sprig's less common string, encoding and URL functions, as Sprig v3 and its helper
/// libraries (goutils, net/url) define them.
extension TemplateFunctions {
    // size: data table (one entry per function or field, no logic between them)
    static func addSprigExtras(to t: inout [String: TemplateFunction]) {
        t["hello"] = { _ in "Hello!" }
        // Aliases Sprig keeps for old names, and the filepath forms (the same on Linux).
        for (alias, name) in [("trimall", "trimAll"), ("biggest", "max"), ("typeIsLike", "typeIs"), ("mustChunk", "chunk"),
                              ("osBase", "base"), ("osClean", "clean"), ("osDir", "dir"), ("osExt", "ext"), ("osIsAbs", "isAbs")] {
            if let function = t[name] { t[alias] = function }
        }
        t["toDecimal"] = { a in
            try arity(a, 1, "toDecimal")
            return .int(Int(goFormat(a[0]), radix: 8) ?? 0)
        }
        t["mustFromJson"] = { a in
            try arity(a, 1, "mustFromJson")
            do { return try JSON.parse(str(a[0])) } catch { throw TemplateError("\(error)") }
        }
        t["abbrev"] = { a in
            try arity(a, 2, "abbrev")
            let width = toInt(a[0]), s = str(a[1])
            return .string(width < 4 ? s : (abbreviate(Array(s.utf8), offset: 0, width: width).map { String(decoding: $0, as: UTF8.self) } ?? ""))
        }
        t["abbrevboth"] = { a in
            try arity(a, 3, "abbrevboth")
            let left = toInt(a[0]), right = toInt(a[1]), s = str(a[2])
            if right < 4 || (left > 0 && right < 7) { return .string(s) }
            return .string(abbreviate(Array(s.utf8), offset: left, width: right).map { String(decoding: $0, as: UTF8.self) } ?? "")
        }
        t["initials"] = { a in
            try arity(a, 1, "initials")
            var out: [UInt8] = []
            var lastWasGap = true
            for byte in str(a[0]).utf8 {
                if [0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x85, 0xa0].contains(byte) { lastWasGap = true } else if lastWasGap { out.append(byte); lastWasGap = false }
            }
            return .string(String(decoding: out, as: UTF8.self))
        }
        t["wrap"] = { a in
            try arity(a, 2, "wrap")
            return .string(wrapText(str(a[1]), length: toInt(a[0]), newline: "", wrapLongWords: false))
        }
        t["wrapWith"] = { a in
            try arity(a, 3, "wrapWith")
            return .string(wrapText(str(a[2]), length: toInt(a[0]), newline: str(a[1]), wrapLongWords: true))
        }
        t["plural"] = { a in
            try arity(a, 3, "plural")
            return .string(toInt(a[2]) == 1 ? str(a[0]) : str(a[1]))
        }
        t["swapcase"] = { a in
            try arity(a, 1, "swapcase")
            var out = ""
            for character in str(a[0]) {
                if character.isUppercase { out += character.lowercased() } else if character.isLowercase { out += character.uppercased() } else { out.append(character) }
            }
            return .string(out)
        }
        t["toStrings"] = { a in
            try arity(a, 1, "toStrings")
            return .array(stringList(a[0]).map(Value.string))
        }
        t["sha512sum"] = unary { .string(Hex.encode(SHA512.hash(data: Array($0.utf8)))) }
        t["adler32sum"] = unary { text in
            var low: UInt32 = 1, high: UInt32 = 0
            for byte in text.utf8 { low = (low + UInt32(byte)) % 65521; high = (high + low) % 65521 }
            return .string(String(high << 16 | low))
        }
        t["b32enc"] = unary { .string(Base32.encode(Array($0.utf8))) }
        t["b32dec"] = unary { text in
            switch Base32.decode(text) {
            case .success(let bytes): return .string(String(decoding: bytes, as: UTF8.self))
            case .failure(let offset): return .string("illegal base32 data at input byte \(offset)")
            }
        }
        t["derivePassword"] = { a in
            try arity(a, 5, "derivePassword")
            return .string(try derivePassword(counter: UInt32(truncatingIfNeeded: toInt(a[0])), type: str(a[1]), password: str(a[2]), user: str(a[3]), site: str(a[4])))
        }
        t["urlParse"] = { a in
            try arity(a, 1, "urlParse")
            guard let url = GoURL(parsing: str(a[0])) else { throw TemplateError("error calling urlParse: unable to parse url: \(str(a[0]))") }
            return [
                "scheme": .string(url.scheme), "host": .string(url.host), "hostname": .string(url.hostname), "path": .string(url.path),
                "query": .string(url.rawQuery), "opaque": .string(url.opaque), "fragment": .string(url.fragment),
                "userinfo": .string(url.user.map(GoURL.userString) ?? ""),
            ]
        }
        t["urlJoin"] = { a in
            try arity(a, 1, "urlJoin")
            func key(_ name: String) -> String { a[0][name]?.stringValue ?? "" }
            var url = GoURL()
            url.scheme = key("scheme"); url.host = key("host"); url.path = key("path")
            url.rawQuery = key("query"); url.opaque = key("opaque"); url.fragment = key("fragment")
            let userinfo = key("userinfo")
            if !userinfo.isEmpty {
                guard let parsed = GoURL(parsing: "proto://\(userinfo)@host") else { throw TemplateError("error calling urlJoin: unable to parse userinfo in dict: \(userinfo)") }
                url.user = parsed.user
            }
            return .string(url.string)
        }
    }

    /// goutils' AbbreviateFull on bytes; nil where it reports an error (Sprig then prints "").
    static func abbreviate(_ s: [UInt8], offset start: Int, width: Int) -> [UInt8]? {
        if s.isEmpty { return s }
        if width < 4 { return nil }
        if s.count <= width { return s }
        var offset = min(start, s.count)
        if s.count - offset < width - 3 { offset = s.count - (width - 3) }
        let marker = Array("...".utf8)
        if offset <= 4 { return Array(s[0..<(width - 3)]) + marker }
        if width < 7 { return nil }
        if offset + width - 3 < s.count {
            return marker + (abbreviate(Array(s[offset...]), offset: 0, width: width - 3) ?? [])
        }
        return marker + s[(s.count - (width - 3))...]
    }

    /// goutils' WrapCustom, on bytes as Go indexes strings.
    static func wrapText(_ text: String, length: Int, newline: String, wrapLongWords: Bool) -> String {
        let s = Array(text.utf8)
        if s.isEmpty { return "" }
        let separator = Array((newline.isEmpty ? "\n" : newline).utf8)
        let width = max(length, 1)
        var offset = 0
        var out: [UInt8] = []
        let space = UInt8(ascii: " ")
        while s.count - offset > width {
            if s[offset] == space { offset += 1; continue }
            let end = min(width + offset + 1, s.count)
            if let lastSpace = s[offset..<end].lastIndex(of: space) {
                out += s[offset..<lastSpace] + separator
                offset = lastSpace + 1
            } else if wrapLongWords {
                out += s[offset..<(offset + width)] + separator
                offset += width
            } else if let nextSpace = s[(width + offset)...].firstIndex(of: space) {
                out += s[offset..<nextSpace] + separator
                offset = nextSpace + 1
            } else {
                out += s[offset...]
                offset = s.count
            }
        }
        out += s[offset...]
        return String(decoding: out, as: UTF8.self)
    }

    /// Sprig's derivePassword: the Master Password algorithm (scrypt N=32768, r=8, p=2, then
    /// HMAC-SHA256 over the site), so a chart gets the same password for the same inputs.
    static func derivePassword(counter: UInt32, type: String, password: String, user: String, site: String) throws(TemplateError) -> String {
        let templates: [String: [String]] = [
            "maximum": ["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
            "long": ["CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno", "CvccnoCvcvCvcv", "CvccCvcvnoCvcv", "CvccCvcvCvcvno",
                     "CvcvnoCvccCvcv", "CvcvCvccnoCvcv", "CvcvCvccCvcvno", "CvcvnoCvcvCvcc", "CvcvCvcvnoCvcc", "CvcvCvcvCvccno",
                     "CvccnoCvccCvcv", "CvccCvccnoCvcv", "CvccCvccCvcvno", "CvcvnoCvccCvcc", "CvcvCvccnoCvcc", "CvcvCvccCvccno",
                     "CvccnoCvcvCvcc", "CvccCvcvnoCvcc", "CvccCvcvCvccno"],
            "medium": ["CvcnoCvc", "CvcCvcno"],
            "short": ["Cvcn"],
            "basic": ["aaanaaan", "aannaaan", "aaannaaa"],
            "pin": ["nnnn"],
        ]
        let characters: [Character: [UInt8]] = [
            "V": Array("AEIOU".utf8), "C": Array("BCDFGHJKLMNPQRSTVWXYZ".utf8), "v": Array("aeiou".utf8),
            "c": Array("bcdfghjklmnpqrstvwxyz".utf8), "A": Array("AEIOUBCDFGHJKLMNPQRSTVWXYZ".utf8),
            "a": Array("AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz".utf8), "n": Array("0123456789".utf8),
            "o": Array("@&%?,=[]_:-+*$#!'^~;()/.".utf8),
            "x": Array("AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()".utf8),
        ]
        guard let candidates = templates[type] else { return "cannot find password template \(type)" }
        func bigEndian(_ n: UInt32) -> [UInt8] { [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] }
        let seed = Array("com.lyndir.masterpassword".utf8)
        let salt = seed + bigEndian(UInt32(user.utf8.count)) + Array(user.utf8)
        let key: SymmetricKey
        do {
            key = try KDF.Scrypt.deriveKey(from: Array(password.utf8), salt: salt, outputByteCount: 64, rounds: 32768, blockSize: 8, parallelism: 2)
        } catch {
            return "failed to derive password: \(error)"
        }
        let message = seed + bigEndian(UInt32(site.utf8.count)) + Array(site.utf8) + bigEndian(counter)
        let digest = Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
        let template = Array(candidates[Int(digest[0]) % candidates.count])
        var out: [UInt8] = []
        for (index, element) in template.enumerated() {
            let pool = characters[element] ?? []
            out.append(pool[Int(digest[index + 1]) % pool.count])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// RFC 4648 base32 with padding, as Go's `base32.StdEncoding`.
enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = Array(bytes[index..<min(index + 5, bytes.count)]) + [UInt8](repeating: 0, count: max(0, index + 5 - bytes.count))
            var bits: UInt64 = 0
            for byte in chunk { bits = bits << 8 | UInt64(byte) }
            let produced = [0, 2, 4, 5, 7, 8][min(bytes.count - index, 5)]
            for position in 0..<8 {
                out.append(position < produced ? alphabet[Int(bits >> UInt64(35 - position * 5) & 31)] : UInt8(ascii: "="))
            }
            index += 5
        }
        return String(decoding: out, as: UTF8.self)
    }

    enum Decoded { case success([UInt8]), failure(Int) }

    static func decode(_ text: String) -> Decoded {
        let input = Array(text.utf8).filter { $0 != 0x0a && $0 != 0x0d }
        guard input.count % 8 == 0 else { return .failure(input.count / 8 * 8) }
        var out: [UInt8] = []
        var index = 0
        while index < input.count {
            var bits: UInt64 = 0
            var count = 0
            for position in 0..<8 {
                let character = input[index + position]
                if character == UInt8(ascii: "=") {
                    guard input[(index + position)...].allSatisfy({ $0 == UInt8(ascii: "=") }), index + 8 == input.count, [2, 4, 5, 7].contains(position) else { return .failure(index + position) }
                    break
                }
                guard let value = alphabet.firstIndex(of: character) else { return .failure(index + position) }
                bits |= UInt64(value) << UInt64(35 - position * 5)
                count += 1
            }
            let bytes = [0, 0, 1, 0, 2, 3, 0, 4, 5][count]
            for position in 0..<bytes { out.append(UInt8(bits >> UInt64(32 - position * 8) & 0xff)) }
            index += 8
        }
        return .success(out)
    }
}
