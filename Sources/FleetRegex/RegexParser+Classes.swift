/// Character classes (`[...]`, Perl `\d`-style, Unicode `\p{...}`, POSIX `[:alpha:]`) and
/// the reading of escapes and runes from the pattern.
extension RegexParser {
    /// A single-rune escape: `\n`, `\x41`, `\x{263a}`, `\123`, `\.`...
    mutating func parseEscape() throws(GoRegexError) -> UInt32 {
        let start = position
        position += 1
        guard position < pattern.count else { throw GoRegexError(.trailingBackslash, "") }
        let c = try nextRune()
        func invalid() -> GoRegexError { GoRegexError(.invalidEscape, slice(start, position)) }
        func octal(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x37 }
        switch c {
        case 0x31...0x37:
            // A lone non-zero digit would be a backreference: unsupported.
            guard position < pattern.count, octal(pattern[position]) else { throw invalid() }
            fallthrough
        case 0x30:
            var value = c - 0x30
            for _ in 1..<3 {
                guard position < pattern.count, octal(pattern[position]) else { break }
                value = value * 8 + UInt32(pattern[position] - 0x30)
                position += 1
            }
            return value
        case 0x78: // x
            guard position < pattern.count else { throw invalid() }
            let first = try nextRune()
            if first == 0x7B {
                var value: UInt32 = 0
                var digits = 0
                while true {
                    guard position < pattern.count else { throw invalid() }
                    let d = try nextRune()
                    if d == 0x7D { break }
                    guard let v = Self.hexValue(d) else { throw invalid() }
                    value = value * 16 + v
                    guard value <= RuneClass.maxRune else { throw invalid() }
                    digits += 1
                }
                guard digits > 0 else { throw invalid() }
                return value
            }
            guard position < pattern.count else { throw invalid() }
            let second = try nextRune()
            guard let x = Self.hexValue(first), let y = Self.hexValue(second) else { throw invalid() }
            return x * 16 + y
        case 0x61: return 0x07  // \a
        case 0x66: return 0x0C  // \f
        case 0x6E: return 0x0A  // \n
        case 0x72: return 0x0D  // \r
        case 0x74: return 0x09  // \t
        case 0x76: return 0x0B  // \v
        default:
            let alphanumeric = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
            guard c < 0x80, !alphanumeric else { throw invalid() }
            return c
        }
    }

    static func hexValue(_ c: UInt32) -> UInt32? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }

    /// `\d \D \s \S \w \W` at the position, folded under `(?i)`.
    mutating func parsePerlClass() -> RuneClass? {
        guard position + 1 < pattern.count, pattern[position] == UInt8(ascii: "\\"),
              let group = RuneGroups.perl(pattern[position + 1]) else { return nil }
        position += 2
        return resolve(group.class, negated: group.negated)
    }

    /// `\pL`, `\p{Lu}`, `\PL`, `\p{^Lu}` at the position.
    mutating func parseUnicodeClass() throws(GoRegexError) -> RuneClass? {
        guard position + 1 < pattern.count, pattern[position] == UInt8(ascii: "\\"),
              pattern[position + 1] == UInt8(ascii: "p") || pattern[position + 1] == UInt8(ascii: "P") else { return nil }
        let start = position
        var negated = pattern[position + 1] == UInt8(ascii: "P")
        position += 2
        guard position < pattern.count else { throw GoRegexError(.invalidCharRange, slice(start, position)) }
        var name: String
        if pattern[position] == UInt8(ascii: "{") {
            guard let end = pattern[position...].firstIndex(of: UInt8(ascii: "}")) else {
                throw GoRegexError(.invalidCharRange, slice(start, pattern.count))
            }
            name = slice(position + 1, end)
            position = end + 1
        } else {
            let rune = try nextRune()
            name = Unicode.Scalar(rune).map { String(Character($0)) } ?? ""
        }
        if name.hasPrefix("^") {
            negated.toggle()
            name.removeFirst()
        }
        guard let table = RuneGroups.unicode(name) else {
            throw GoRegexError(.unsupportedUnicodeClass, slice(start, position))
        }
        return resolve(table.class, negated: negated != table.negated)
    }

    func resolve(_ group: RuneClass, negated: Bool) -> RuneClass {
        let folded = flags.contains(.foldCase) ? group.caseFolded() : group
        return negated ? folded.negated() : folded
    }

    // MARK: Classes

    /// `[...]`, `[^...]` with ranges, escapes, `[:alpha:]`, `\d` and `\pL` inside.
    mutating func parseClass() throws(GoRegexError) {
        let whole = rest
        position += 1
        var negated = false
        if position < pattern.count, pattern[position] == UInt8(ascii: "^") {
            negated = true
            position += 1
        }
        var members = RuneClass()
        var first = true
        while position >= pattern.count || pattern[position] != UInt8(ascii: "]") || first {
            first = false
            if position + 2 < pattern.count, pattern[position] == UInt8(ascii: "["), pattern[position + 1] == UInt8(ascii: ":"),
               let close = findPosixEnd() {
                let name = slice(position + 2, close)
                guard let group = RuneGroups.posix(name) else {
                    throw GoRegexError(.invalidCharRange, slice(position, close + 2))
                }
                members.add(resolve(group.class, negated: group.negated))
                position = close + 2
                continue
            }
            if let unicode = try parseUnicodeClass() {
                members.add(unicode)
                continue
            }
            if let perl = parsePerlClass() {
                members.add(perl)
                continue
            }
            let rangeStart = position
            let low = try classCharacter(whole: whole)
            var high = low
            if position + 1 < pattern.count, pattern[position] == UInt8(ascii: "-"), pattern[position + 1] != UInt8(ascii: "]") {
                position += 1
                high = try classCharacter(whole: whole)
                if high < low { throw GoRegexError(.invalidCharRange, slice(rangeStart, position)) }
            }
            let range = RuneClass([low...high])
            members.add(flags.contains(.foldCase) ? range.caseFolded() : range)
        }
        position += 1
        push(.runeClass(negated ? members.negated() : members))
    }

    func findPosixEnd() -> Int? {
        var i = position + 2
        while i + 1 < pattern.count {
            if pattern[i] == UInt8(ascii: ":"), pattern[i + 1] == UInt8(ascii: "]") { return i }
            i += 1
        }
        return nil
    }

    mutating func classCharacter(whole: String) throws(GoRegexError) -> UInt32 {
        guard position < pattern.count else { throw GoRegexError(.missingBracket, whole) }
        if pattern[position] == UInt8(ascii: "\\") { return try parseEscape() }
        return try nextRune()
    }

    // MARK: Runes

    /// Decodes the UTF-8 rune at the position.
    mutating func nextRune() throws(GoRegexError) -> UInt32 {
        guard let (rune, width) = UTF8Runes.decode(pattern, at: position), rune != UTF8Runes.invalid || width != 1 else {
            throw GoRegexError(.invalidUTF8, rest)
        }
        position += width
        return rune
    }
}
