import FleetModel

/// Helm's `toToml`: a value encoded as BurntSushi/toml's encoder writes it (keys sorted, plain
/// values before tables, sub-tables indented two spaces a level, a blank line before each
/// top-level table, floats always with a decimal point). An encoding error becomes the result,
/// as Helm returns `err.Error()`.
enum HelmToml {
    struct EncodeError: Error { var message: String }

    static func encode(_ value: Value) -> String {
        var encoder = Encoder()
        do {
            if case .object(let object) = value {
                try encoder.table(key: [], object)
            } else {
                try encoder.element(value)
            }
        } catch {
            return error.message
        }
        return encoder.out
    }

    private struct Encoder {
        var out = ""

        mutating func newline() { if !out.isEmpty { out += "\n" } }

        static func isTable(_ v: Value) -> Bool {
            switch v {
            case .object: return true
            case .array(let items): return isTableArray(items)
            default: return false
            }
        }

        static func isTableArray(_ items: [Value]) -> Bool {
            !items.isEmpty && items.allSatisfy { if case .object = $0 { true } else { false } }
        }

        static func bare(_ key: String) -> Bool {
            !key.isEmpty && key.utf8.allSatisfy { c in
                (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x5f || c == 0x2d
            }
        }

        static func quotedKey(_ key: String) -> String { bare(key) ? key : quoted(key) }
        static func dotted(_ key: [String]) -> String { key.map(quotedKey).joined(separator: ".") }
        static func indent(_ key: [String]) -> String { String(repeating: "  ", count: max(key.count - 1, 0)) }

        static func quoted(_ s: String) -> String {
            var text = "\""
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": text += "\\\""
                case "\\": text += "\\\\"
                case "\u{08}": text += "\\b"
                case "\t": text += "\\t"
                case "\n": text += "\\n"
                case "\u{0C}": text += "\\f"
                case "\r": text += "\\r"
                case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                    let hex = String(scalar.value, radix: 16)
                    text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: text.unicodeScalars.append(scalar)
                }
            }
            return text + "\""
        }

        mutating func table(key: [String], _ object: ValueObject) throws(EncodeError) {
            if key.count == 1 { newline() }
            if !key.isEmpty { out += Self.indent(key) + "[" + Self.dotted(key) + "]"; newline() }
            try members(key: key, object)
        }

        mutating func members(key: [String], _ object: ValueObject) throws(EncodeError) {
            let keys = object.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for name in keys where !Self.isTable(object[name]!) { try encode(key: key + [name], object[name]!) }
            for name in keys where Self.isTable(object[name]!) { try encode(key: key + [name], object[name]!) }
        }

        mutating func encode(key: [String], _ value: Value) throws(EncodeError) {
            switch value {
            case .null:
                return
            case .object(let object):
                try table(key: key, object)
            case .array(let items) where Self.isTableArray(items):
                for item in items {
                    newline()
                    out += Self.indent(key) + "[[" + Self.dotted(key) + "]]"
                    newline()
                    try members(key: key, item.objectValue ?? [:])
                }
            default:
                out += Self.indent(key) + Self.quotedKey(key.last ?? "") + " = "
                try element(value)
                newline()
            }
        }

        mutating func element(_ value: Value) throws(EncodeError) {
            switch value {
            case .null: throw EncodeError(message: "toml: cannot encode a nil value")
            case .bool(let b): out += b ? "true" : "false"
            case .int(let n): out += String(n)
            case .double(let d):
                if d.isNaN { out += (d.sign == .minus ? "-" : "") + "nan" }
                else if d.isInfinite { out += d < 0 ? "-inf" : "inf" }
                else {
                    let text = DecimalDigits(d)?.fixed() ?? "0"
                    out += text.contains(".") ? text : text + ".0"
                }
            case .string(let s): out += Self.quoted(s)
            case .array(let items):
                out += "["
                for (index, item) in items.enumerated() {
                    if item.isNull { throw EncodeError(message: "toml: cannot encode array with nil element") }
                    if index > 0 { out += ", " }
                    try element(item)
                }
                out += "]"
            case .object(let object):
                out += "{"
                let keys = object.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                let direct = keys.filter { !Self.isTable(object[$0]!) }, sub = keys.filter { Self.isTable(object[$0]!) }
                let ordered = (direct + sub).filter { !object[$0]!.isNull }
                for (index, name) in ordered.enumerated() {
                    if index > 0 { out += ", " }
                    out += Self.quotedKey(name) + " = "
                    try element(object[name]!)
                }
                out += "}"
            }
        }
    }
}
