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

    enum Item {
        case node(RegexNode)
        /// An open group: its capture index (nil for `(?:`), and the flags outside it.
        case leftParen(capture: Int?, flags: Flags)
        case verticalBar
    }

    static let maxDepth = 1000
    static let maxRepeat = 1000

    let pattern: [UInt8]
    let text: String
    var position = 0
    var stack: [Item] = []
    var flags: Flags = [.oneLine]
    var openGroups = 0
    private(set) var groupNames: [String?] = [nil]

    init(_ text: String) {
        self.text = text
        pattern = Array(text.utf8)
    }

    var rest: String { String(decoding: pattern[position...], as: UTF8.self) }

    func slice(_ from: Int, _ to: Int) -> String {
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

    mutating func push(_ node: RegexNode) { stack.append(.node(node)) }

    func literal(_ rune: UInt32) -> RegexNode {
        guard flags.contains(.foldCase) else { return .literal(rune, fold: false) }
        let orbit = CaseFolding.orbit(of: rune)
        return .literal(orbit[0], fold: orbit.count > 1)
    }

    mutating func open(capture: Int?) throws(GoRegexError) {
        openGroups += 1
        if openGroups > Self.maxDepth { throw GoRegexError(.nestingDepth, text) }
        stack.append(.leftParen(capture: capture, flags: flags))
    }

    /// Replaces the nodes above the topmost `|` or `(` with their concatenation.
    mutating func concatenateTop() {
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
    mutating func alternateTop() {
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

    mutating func closeGroup() throws(GoRegexError) {
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

    mutating func applyRepeat(operatorAt start: Int, lastRepeat: Int?,
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
    mutating func parseCount() -> (Int, Int)? {
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
    mutating func parseGroupFlags() throws(GoRegexError) {
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

    func setFlag(_ flag: Flags, in flags: inout Flags, negated: Bool) {
        if negated { flags.remove(flag) } else { flags.insert(flag) }
    }

    // MARK: Escapes

    mutating func parseBackslash() throws(GoRegexError) {
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
    func findEndQuote() -> Int {
        var i = position
        while i + 1 < pattern.count {
            if pattern[i] == UInt8(ascii: "\\"), pattern[i + 1] == UInt8(ascii: "E") { return i }
            i += 1
        }
        return pattern.count
    }
}
