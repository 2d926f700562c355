/// Standard base64 (RFC 4648, with padding), as Kubernetes uses for `Secret.data` and YAML for
/// `!!binary`. Lives in the pure core so modules without Foundation can use it.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next()
            let b2 = iterator.next()
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | (b1 ?? 0) >> 4)])
            out.append(b1 == nil ? UInt8(ascii: "=") : alphabet[Int(((b1 ?? 0) & 0x0F) << 2 | (b2 ?? 0) >> 6)])
            out.append(b2 == nil ? UInt8(ascii: "=") : alphabet[Int((b2 ?? 0) & 0x3F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func encode(_ text: String) -> String { encode(Array(text.utf8)) }

    /// Decodes base64 text, ignoring ASCII whitespace (YAML folds long `!!binary` values);
    /// `nil` when the text is not valid base64.
    public static func decode(_ text: String) -> [UInt8]? {
        var quartet: [UInt8] = []
        quartet.reserveCapacity(4)
        var out: [UInt8] = []
        var padding = 0
        for c in text.utf8 {
            switch c {
            case 0x20, 0x09, 0x0A, 0x0D: continue
            case UInt8(ascii: "="):
                padding += 1
                quartet.append(0)
            default:
                guard padding == 0 else { return nil }
                let v = decodeTable[Int(c)]
                guard v != 0xFF else { return nil }
                quartet.append(v)
            }
            if quartet.count == 4 {
                out.append(quartet[0] << 2 | quartet[1] >> 4)
                if padding < 2 { out.append(quartet[1] << 4 | quartet[2] >> 2) }
                if padding < 1 { out.append(quartet[2] << 6 | quartet[3]) }
                quartet.removeAll(keepingCapacity: true)
            }
        }
        guard quartet.isEmpty, padding <= 2 else { return nil }
        return out
    }
}
