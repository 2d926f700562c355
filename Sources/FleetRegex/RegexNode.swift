/// A parsed regular expression, as Go's regexp/syntax builds it before compiling.
indirect enum RegexNode: Equatable, Sendable {
    case emptyMatch
    case noMatch
    /// One rune; `fold` when `(?i)` made it case-insensitive (the rune is then the smallest of
    /// its fold orbit).
    case literal(UInt32, fold: Bool)
    case runeClass(RuneClass)
    case anyChar
    case anyCharNotNewline
    case assertion(EmptyAssertion)
    case capture(index: Int, RegexNode)
    case star(RegexNode, greedy: Bool)
    case plus(RegexNode, greedy: Bool)
    case quest(RegexNode, greedy: Bool)
    /// `x{min,max}`; `max` is -1 for `x{min,}`.
    case `repeat`(RegexNode, min: Int, max: Int, greedy: Bool)
    case concat([RegexNode])
    case alternate([RegexNode])
}

/// The zero-width assertions (Go's `EmptyOp`).
struct EmptyAssertion: OptionSet, Hashable, Sendable {
    let rawValue: UInt8
    static let beginLine = EmptyAssertion(rawValue: 1)
    static let endLine = EmptyAssertion(rawValue: 2)
    static let beginText = EmptyAssertion(rawValue: 4)
    static let endText = EmptyAssertion(rawValue: 8)
    static let wordBoundary = EmptyAssertion(rawValue: 16)
    static let noWordBoundary = EmptyAssertion(rawValue: 32)

    /// The assertions that hold between rune `before` and rune `after` (-1: the edge of the
    /// text), as Go's `EmptyOpContext` computes them.
    static func holding(between before: Int32, and after: Int32) -> EmptyAssertion {
        var flags: EmptyAssertion = []
        if before < 0 { flags.formUnion([.beginText, .beginLine]) }
        if before == 0x0A { flags.insert(.beginLine) }
        if after < 0 { flags.formUnion([.endText, .endLine]) }
        if after == 0x0A { flags.insert(.endLine) }
        flags.insert(isWordRune(before) != isWordRune(after) ? .wordBoundary : .noWordBoundary)
        return flags
    }

    /// ASCII word characters, as `\b` uses them.
    static func isWordRune(_ rune: Int32) -> Bool {
        (rune >= 0x30 && rune <= 0x39) || (rune >= 0x41 && rune <= 0x5A) || (rune >= 0x61 && rune <= 0x7A) || rune == 0x5F
    }
}

/// Why a pattern is not a valid regular expression, in Go's words
/// (`error parsing regexp: missing closing ): \`(a\``), so templates fail as Argo CD's do.
public struct GoRegexError: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: String
    public var expression: String
    public var description: String {
        if code == Code.workLimit.rawValue { return "regexp: \(code) (\(expression)): the input is too long for this expression" }
        return "error parsing regexp: \(code): `\(expression)`"
    }

    /// Whether the pattern itself is invalid (rather than a match having run out of work).
    public var isSyntaxError: Bool { code != Code.workLimit.rawValue }

    init(_ code: Code, _ expression: String) {
        self.code = code.rawValue
        self.expression = expression
    }

    enum Code: String {
        case invalidCharClass = "invalid character class"
        case invalidCharRange = "invalid character class range"
        case invalidEscape = "invalid escape sequence"
        case invalidNamedCapture = "invalid named capture"
        case invalidPerlOp = "invalid or unsupported Perl syntax"
        case invalidRepeatOp = "invalid nested repetition operator"
        case invalidRepeatSize = "invalid repeat count"
        case invalidUTF8 = "invalid UTF-8"
        case missingBracket = "missing closing ]"
        case missingParen = "missing closing )"
        case missingRepeatArgument = "missing argument to repetition operator"
        case trailingBackslash = "trailing backslash at end of expression"
        case unexpectedParen = "unexpected )"
        case nestingDepth = "expression nests too deeply"
        case tooLarge = "expression too large"
        case unsupportedUnicodeClass = "unsupported Unicode class (only general categories, Any, Assigned and ASCII)"
        case workLimit = "matching stopped at its work limit"
    }
}
