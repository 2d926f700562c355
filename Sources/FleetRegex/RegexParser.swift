/// Parses Go's regular expression syntax (RE2 with Go's `Perl` flags, as `regexp.Compile` uses
/// it) into a `RegexNode`. Operator precedence is resolved on an explicit stack, so hostile
/// nesting cannot exhaust the call stack; groups nest at most 1000 deep and counted
/// repetitions multiply to at most 1000, as in Go.
struct RegexParser {
    struct Flags: OptionSet {
        let rawValue: UInt8
        static let foldCase = Flags(rawValue: 1)
        static let dotNewline = Flags(rawValue: 2)
        static let oneLine = Flags(rawValue: 4)
        static let nonGreedy = Flags(rawValue: 8)
    }

    private enum Item {
        case node(RegexNode)
        /// An open group: its capture index (nil for `(?:`), and the flags outside it.
        case leftParen(capture: Int?, flags: Flags)
        case verticalBar
    }

    static let maxDepth = 1000
    static let maxRepeat = 1000

    private let pattern: [UInt8]
    private let text: String
    private var position = 0
    private var stack: [Item] = []
    private var flags: Flags = [.oneLine]
    private var openGroups = 0
    private(set) var groupNames: [String?] = [nil]

    init(_ text: String) {
        self.text = text
        pattern = Array(text.utf8)
    }

    private var rest: String { String(decoding: pattern[position...], as: UTF8.self) }

    private func slice(_ from: Int, _ to: Int) -> String {
        String(decoding: pattern[from..<min(to, pattern.count)], as: UTF8.self)
    }

    mutating func parse() throws(GoRegexError) -> RegexNode {
        var lastRepeat: Int? = nil
        while position < pattern.count {
            var repeatStart: Int? = nil
            let byte = pattern[position]
            switch byte {
            case UInt8(ascii: "("):
                if position + 1 < pattern.count, pattern[position + 1] == UInt8(ascii: "?") {
                    try parseGroupFlags()
                } else {
                    groupNames.append(nil)
                    try open(capture: groupNames.count - 1)
                    position += 1
                }
            case UInt8(ascii: "|"):
                concatenateTop()
                stack.append(.verticalBar)
                position += 1
            case UInt8(ascii: ")"):
                try closeGroup()
                position += 1
            case UInt8(ascii: "^"):
                push(.assertion(flags.contains(.oneLine) ? .beginText : .beginLine))
                position += 1
            case UInt8(ascii: "$"):
                push(.assertion(flags.contains(.oneLine) ? .endText : .endLine))
                position += 1
            case UInt8(ascii: "."):
                push(flags.contains(.dotNewline) ? .anyChar : .anyCharNotNewline)
                position += 1
            case UInt8(ascii: "["):
                try parseClass()
            case UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "?"):
                let start = position
                position += 1
                try applyRepeat(operatorAt: start, lastRepeat: lastRepeat) { sub, greedy in
                    switch byte {
                    case UInt8(ascii: "*"): return .star(sub, greedy: greedy)
                    case UInt8(ascii: "+"): return .plus(sub, greedy: greedy)
                    default: return .quest(sub, greedy: greedy)
                    }
                }
                repeatStart = start
            case UInt8(ascii: "{"):
                let start = position
                guard let (min, max) = parseCount() else {
                    push(literal(0x7B))
                    position += 1
                    break
                }
                if min < 0 || min > Self.maxRepeat || max > Self.maxRepeat || (max >= 0 && min > max) {
                    throw GoRegexError(.invalidRepeatSize, slice(start, position))
                }
                try applyRepeat(operatorAt: start, lastRepeat: lastRepeat) { sub, greedy in
                    .repeat(sub, min: min, max: max, greedy: greedy)
                }
                if min >= 2 || max >= 2, case .node(let node)? = stack.last, !Self.repeatIsValid(node, Self.maxRepeat) {
                    throw GoRegexError(.invalidRepeatSize, slice(start, position))
                }
                repeatStart = start
            case UInt8(ascii: "\\"):
                try parseBackslash()
            default:
                push(literal(try nextRune()))
            }
            lastRepeat = repeatStart
        }
        concatenateTop()
        alternateTop()
        guard stack.count == 1, case .node(let node) = stack[0] else {
            throw GoRegexError(.missingParen, text)
        }
        return node
    }

    // MARK: Stack

    private mutating func push(_ node: RegexNode) { stack.append(.node(node)) }

    private func literal(_ rune: UInt32) -> RegexNode {
        guard flags.contains(.foldCase) else { return .literal(rune, fold: false) }
        let orbit = CaseFolding.orbit(of: rune)
        return .literal(orbit[0], fold: orbit.count > 1)
    }

    private mutating func open(capture: Int?) throws(GoRegexError) {
        openGroups += 1
        if openGroups > Self.maxDepth { throw GoRegexError(.nestingDepth, text) }
        stack.append(.leftParen(capture: capture, flags: flags))
    }

    /// Replaces the nodes above the topmost `|` or `(` with their concatenation.
    private mutating func concatenateTop() {
        var start = stack.count
        while start > 0, case .node = stack[start - 1] { start -= 1 }
        var parts: [RegexNode] = []
        for item in stack[start...] {
            guard case .node(let node) = item else { continue }
            if case .concat(let inner) = node { parts.append(contentsOf: inner) } else { parts.append(node) }
        }
        stack.removeSubrange(start...)
        push(parts.isEmpty ? .emptyMatch : parts.count == 1 ? parts[0] : .concat(parts))
    }

    /// Replaces `x | y | z` above the topmost `(` with their alternation.
    private mutating func alternateTop() {
        var alternatives: [RegexNode] = []
        while let top = stack.last {
            switch top {
            case .node(let node):
                alternatives.append(node)
                stack.removeLast()
            case .verticalBar:
                stack.removeLast()
            case .leftParen:
                break
            }
            if case .leftParen? = stack.last { break }
        }
        alternatives.reverse()
        var flat: [RegexNode] = []
        for node in alternatives {
            if case .alternate(let inner) = node { flat.append(contentsOf: inner) } else { flat.append(node) }
        }
        push(flat.isEmpty ? .noMatch : flat.count == 1 ? flat[0] : .alternate(flat))
    }

    private mutating func closeGroup() throws(GoRegexError) {
        concatenateTop()
        alternateTop()
        guard stack.count >= 2, case .node(let body) = stack[stack.count - 1],
              case .leftParen(let capture, let outer) = stack[stack.count - 2] else {
            throw GoRegexError(.unexpectedParen, text)
        }
        stack.removeLast(2)
        openGroups -= 1
        flags = outer
        push(capture.map { .capture(index: $0, body) } ?? body)
    }

    private mutating func applyRepeat(operatorAt start: Int, lastRepeat: Int?,
                                      _ make: (RegexNode, Bool) -> RegexNode) throws(GoRegexError) {
        var greedy = !flags.contains(.nonGreedy)
        if position < pattern.count, pattern[position] == UInt8(ascii: "?") {
            position += 1
            greedy.toggle()
        }
        if let lastRepeat { throw GoRegexError(.invalidRepeatOp, slice(lastRepeat, position)) }
        guard case .node(let sub)? = stack.last else {
            throw GoRegexError(.missingRepeatArgument, slice(start, position))
        }
        stack[stack.count - 1] = .node(make(sub, greedy))
    }

    /// Go's check that nested counted repetitions do not multiply beyond `limit` copies.
    static func repeatIsValid(_ node: RegexNode, _ limit: Int) -> Bool {
        var limit = limit
        switch node {
        case .repeat(let sub, let min, let max, _):
            var m = max
            if m == 0 { return true }
            if m < 0 { m = min }
            if m > limit { return false }
            if m > 0 { limit /= m }
            return repeatIsValid(sub, limit)
        case .capture(_, let sub), .star(let sub, _), .plus(let sub, _), .quest(let sub, _):
            return repeatIsValid(sub, limit)
        case .concat(let subs), .alternate(let subs):
            return subs.allSatisfy { repeatIsValid($0, limit) }
        default:
            return true
        }
    }

    /// `{n}`, `{n,}` or `{n,m}` at the position; nil when the text is not of that form (then
    /// `{` is a literal). A number too large gives min -1.
    private mutating func parseCount() -> (Int, Int)? {
        var i = position + 1
        func number() -> Int? {
            let start = i
            while i < pattern.count, pattern[i] >= 0x30, pattern[i] <= 0x39 { i += 1 }
            guard i > start else { return nil }
            if i - start >= 2, pattern[start] == 0x30 { return nil }
            var value = 0
            for digit in pattern[start..<i] {
                if value >= 100_000_000 { return -1 }
                value = value * 10 + Int(digit - 0x30)
            }
            return value
        }
        guard var min = number(), i < pattern.count else { return nil }
        var max = min
        if pattern[i] == UInt8(ascii: ",") {
            i += 1
            guard i < pattern.count else { return nil }
            if pattern[i] == UInt8(ascii: "}") {
                max = -1
            } else {
                guard let parsed = number() else { return nil }
                max = parsed
                if parsed < 0 { min = -1 }
            }
        }
        guard i < pattern.count, pattern[i] == UInt8(ascii: "}") else { return nil }
        position = i + 1
        return (min, max)
    }

    // MARK: Groups and flags

    /// `(?P<name>`, `(?<name>`, `(?:`, `(?flags)` and `(?flags:`.
    private mutating func parseGroupFlags() throws(GoRegexError) {
        let start = position
        let afterQuestion = position + 2
        let named = afterQuestion < pattern.count && pattern[afterQuestion] == UInt8(ascii: "<")
            || afterQuestion + 1 < pattern.count && pattern[afterQuestion] == UInt8(ascii: "P") && pattern[afterQuestion + 1] == UInt8(ascii: "<")
        if named {
            let nameStart = pattern[afterQuestion] == UInt8(ascii: "P") ? afterQuestion + 2 : afterQuestion + 1
            guard let end = pattern[nameStart...].firstIndex(of: UInt8(ascii: ">")) else {
                throw GoRegexError(.invalidNamedCapture, rest)
            }
            let name = pattern[nameStart..<end]
            let valid = !name.isEmpty && name.allSatisfy { b in
                b == UInt8(ascii: "_") || (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            }
            guard valid else { throw GoRegexError(.invalidNamedCapture, slice(start, end + 1)) }
            groupNames.append(String(decoding: name, as: UTF8.self))
            try open(capture: groupNames.count - 1)
            position = end + 1
            return
        }
        position = afterQuestion
        var newFlags = flags
        var negated = false
        var sawFlag = false
        while position < pattern.count {
            let c = try nextRune()
            switch c {
            case 0x69: setFlag(.foldCase, in: &newFlags, negated: negated); sawFlag = true   // i
            case 0x6D: setFlag(.oneLine, in: &newFlags, negated: !negated); sawFlag = true   // m clears one-line
            case 0x73: setFlag(.dotNewline, in: &newFlags, negated: negated); sawFlag = true // s
            case 0x55: setFlag(.nonGreedy, in: &newFlags, negated: negated); sawFlag = true  // U
            case 0x2D: // -
                if negated { throw GoRegexError(.invalidPerlOp, slice(start, position)) }
                negated = true
                sawFlag = false
            case 0x3A, 0x29: // : )
                if negated && !sawFlag { throw GoRegexError(.invalidPerlOp, slice(start, position)) }
                if c == 0x3A { try open(capture: nil) }
                flags = newFlags
                return
            default:
                throw GoRegexError(.invalidPerlOp, slice(start, position))
            }
        }
        throw GoRegexError(.invalidPerlOp, slice(start, position))
    }

    private func setFlag(_ flag: Flags, in flags: inout Flags, negated: Bool) {
        if negated { flags.remove(flag) } else { flags.insert(flag) }
    }

    // MARK: Escapes

    private mutating func parseBackslash() throws(GoRegexError) {
        if position + 1 < pattern.count {
            switch pattern[position + 1] {
            case UInt8(ascii: "A"): push(.assertion(.beginText)); position += 2; return
            case UInt8(ascii: "b"): push(.assertion(.wordBoundary)); position += 2; return
            case UInt8(ascii: "B"): push(.assertion(.noWordBoundary)); position += 2; return
            case UInt8(ascii: "z"): push(.assertion(.endText)); position += 2; return
            case UInt8(ascii: "C"): throw GoRegexError(.invalidEscape, slice(position, position + 2))
            case UInt8(ascii: "Q"):
                position += 2
                let literalEnd = findEndQuote()
                while position < literalEnd { push(literal(try nextRune())) }
                position = min(pattern.count, literalEnd + 2)
                return
            default: break
            }
        }
        if let named = try parseUnicodeClass() {
            push(.runeClass(named))
            return
        }
        if let perl = parsePerlClass() {
            push(.runeClass(perl))
            return
        }
        push(literal(try parseEscape()))
    }

    /// The index of the `\E` ending a `\Q` quote (or the end of the pattern).
    private func findEndQuote() -> Int {
        var i = position
        while i + 1 < pattern.count {
            if pattern[i] == UInt8(ascii: "\\"), pattern[i + 1] == UInt8(ascii: "E") { return i }
            i += 1
        }
        return pattern.count
    }

    /// A single-rune escape: `\n`, `\x41`, `\x{263a}`, `\123`, `\.`...
    private mutating func parseEscape() throws(GoRegexError) -> UInt32 {
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

    private static func hexValue(_ c: UInt32) -> UInt32? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }

    /// `\d \D \s \S \w \W` at the position, folded under `(?i)`.
    private mutating func parsePerlClass() -> RuneClass? {
        guard position + 1 < pattern.count, pattern[position] == UInt8(ascii: "\\"),
              let group = RuneGroups.perl(pattern[position + 1]) else { return nil }
        position += 2
        return resolve(group.class, negated: group.negated)
    }

    /// `\pL`, `\p{Lu}`, `\PL`, `\p{^Lu}` at the position.
    private mutating func parseUnicodeClass() throws(GoRegexError) -> RuneClass? {
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

    private func resolve(_ group: RuneClass, negated: Bool) -> RuneClass {
        let folded = flags.contains(.foldCase) ? group.caseFolded() : group
        return negated ? folded.negated() : folded
    }

    // MARK: Classes

    /// `[...]`, `[^...]` with ranges, escapes, `[:alpha:]`, `\d` and `\pL` inside.
    private mutating func parseClass() throws(GoRegexError) {
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

    private func findPosixEnd() -> Int? {
        var i = position + 2
        while i + 1 < pattern.count {
            if pattern[i] == UInt8(ascii: ":"), pattern[i + 1] == UInt8(ascii: "]") { return i }
            i += 1
        }
        return nil
    }

    private mutating func classCharacter(whole: String) throws(GoRegexError) -> UInt32 {
        guard position < pattern.count else { throw GoRegexError(.missingBracket, whole) }
        if pattern[position] == UInt8(ascii: "\\") { return try parseEscape() }
        return try nextRune()
    }

    // MARK: Runes

    /// Decodes the UTF-8 rune at the position.
    private mutating func nextRune() throws(GoRegexError) -> UInt32 {
        guard let (rune, width) = UTF8Runes.decode(pattern, at: position), rune != UTF8Runes.invalid || width != 1 else {
            throw GoRegexError(.invalidUTF8, rest)
        }
        position += width
        return rune
    }
}

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
