/// UTF-8 decoding as Go's `utf8.DecodeRune` does it: an invalid byte is U+FFFD of width 1.
enum UTF8Runes {
    static let invalid: UInt32 = 0xFFFD

    static func decode(_ bytes: [UInt8], at i: Int) -> (UInt32, Int)? {
        guard i < bytes.count else { return nil }
        let b0 = bytes[i]
        if b0 < 0x80 { return (UInt32(b0), 1) }
        func continuation(_ k: Int) -> UInt32? {
            guard i + k < bytes.count, bytes[i + k] & 0xC0 == 0x80 else { return nil }
            return UInt32(bytes[i + k] & 0x3F)
        }
        if b0 >= 0xC2 && b0 <= 0xDF, let c1 = continuation(1) {
            return ((UInt32(b0 & 0x1F) << 6) | c1, 2)
        }
        if b0 >= 0xE0 && b0 <= 0xEF, let c1 = continuation(1), let c2 = continuation(2) {
            let value = (UInt32(b0 & 0x0F) << 12) | (c1 << 6) | c2
            if value >= 0x800 && !(0xD800...0xDFFF).contains(value) { return (value, 3) }
        }
        if b0 >= 0xF0 && b0 <= 0xF4, let c1 = continuation(1), let c2 = continuation(2), let c3 = continuation(3) {
            let value = (UInt32(b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3
            if value >= 0x10000 && value <= 0x10FFFF { return (value, 4) }
        }
        return (invalid, 1)
    }
}
