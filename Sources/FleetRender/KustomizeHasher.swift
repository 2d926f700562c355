import Crypto
import FleetModel

/// The content-hash name suffix kustomize appends to generated ConfigMaps and Secrets
/// (`app-config-5k2h9fc6b7`), computed exactly as kustomize computes it so names match byte
/// for byte:
///
/// - a ConfigMap hashes `{"data":…,"kind":"ConfigMap","name":""}` (plus `binaryData` when it
///   is a map), a Secret `{"data":…,"kind":"Secret","name":"","type":…}` (plus `stringData`),
///   with a missing field as `""`. The name is always empty: kustomize looks it up with a path
///   that never matches, so renames do not change the hash;
/// - encoded as Go's `encoding/json` does (sorted keys, `<`, `>`, `&`, U+2028 and U+2029
///   escaped), then SHA-256, then the first ten hex digits with 0, 1, 3, a and e mapped to
///   g, h, k, m and t (so no suffix spells a word).
enum KustomizeHasher {
    static func hash(_ object: Value) -> String {
        let kind = object["kind"]?.stringValue ?? ""
        var input = ValueObject()
        switch kind {
        case "ConfigMap":
            input["kind"] = "ConfigMap"
            input["name"] = ""
            input["data"] = object["data"] ?? ""
            if case .object? = object["binaryData"] { input["binaryData"] = object["binaryData"] }
        case "Secret":
            input["kind"] = "Secret"
            input["name"] = ""
            input["type"] = object["type"] ?? ""
            input["data"] = object["data"] ?? ""
            if case .object? = object["stringData"] { input["stringData"] = object["stringData"] }
        default:
            return encode(sha256Hex(GoJSON.encode(object)))
        }
        return encode(sha256Hex(GoJSON.encode(.object(input))))
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        let digest = SHA256.hash(data: bytes)
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in digest {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func encode(_ hex: String) -> String {
        String(hex.prefix(10).map { c -> Character in
            switch c {
            case "0": return "g"
            case "1": return "h"
            case "3": return "k"
            case "a": return "m"
            case "e": return "t"
            default: return c
            }
        })
    }
}

/// JSON exactly as Go's `encoding/json` writes a `map[string]interface{}`: keys sorted by
/// byte order, no spaces, HTML-significant characters and line separators escaped.
enum GoJSON {
    static func encode(_ value: Value) -> [UInt8] {
        var out: [UInt8] = []
        write(value, into: &out)
        return out
    }

    private static func write(_ value: Value, into out: inout [UInt8]) {
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .int(let i): out += Array(String(i).utf8)
        case .double(let d): out += Array((DecimalDigits.json(d) ?? "null").utf8)
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for (i, key) in object.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(object[key]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func writeString(_ s: String, into out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case "\\": out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case "\n": out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case "\r": out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case "\t": out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case "<", ">", "&", "\u{2028}", "\u{2029}":
                out += Array(unicodeEscape(scalar.value).utf8)
            default:
                if scalar.value < 0x20 {
                    out += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                            hex[Int(scalar.value >> 4)], hex[Int(scalar.value & 0xF)]]
                } else {
                    out += Array(String(scalar).utf8)
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// `\uXXXX` with four lowercase hex digits.
private func unicodeEscape(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "\\u" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
