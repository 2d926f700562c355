import FleetModel

// MARK: - Lexer

enum TemplateToken: Equatable, Sendable {
    case text(String)
    case leftDelimiter
    case rightDelimiter
    case identifier(String)
    /// `.name` standing alone (a field of dot).
    case field(String)
    /// `.name` written directly after another term (`$x.name`, `.a.name`, `(...).name`).
    case chainField(String)
    case variable(String)
    case string(String)
    case number(Value)
    case char(Int)
    case pipe
    case leftParen
    case rightParen
    case declare
    case assign
    case comma
    case dot
    case bool(Bool)
    case nilKeyword
}

struct TemplateLexer {
    private let scalars: [Unicode.Scalar]
    private var position = 0
    /// The offset (in scalars) where each token starts.
    private(set) var positions: [Int] = []
    /// Where the token being lexed in an action started.
    private var actionTokenStart = 0

    var offset: Int { position }

    /// Fills `positions` for tokens appended since the last call, at `start`.
    private mutating func mark(_ tokens: [TemplateToken], from start: Int) {
        while positions.count < tokens.count { positions.append(start) }
    }

    /// Go's line number (1-based) of an offset.
    func line(atOffset offset: Int) -> Int {
        scalars[..<min(offset, scalars.count)].reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
    }

    /// The text's map for locations, and the token positions as UTF-8 byte offsets (what the
    /// map and Go's columns count in).
    func sourceMap(name: String, source: String) -> (TemplateSourceMap, [Int]) {
        // Positions only grow, so one walk over the scalars converts them all.
        var converted: [Int] = []
        converted.reserveCapacity(positions.count)
        var scalarIndex = 0, bytes = 0
        for position in positions {
            let target = min(position, scalars.count)
            if target < scalarIndex { scalarIndex = 0; bytes = 0 }
            while scalarIndex < target { bytes += UTF8.width(scalars[scalarIndex]); scalarIndex += 1 }
            converted.append(bytes)
        }
        return (TemplateSourceMap(name: name, source: source), converted)
    }

    init(_ source: String) { scalars = Array(source.unicodeScalars) }

    private func starts(with text: String, at index: Int) -> Bool {
        var i = index
        for s in text.unicodeScalars {
            guard i < scalars.count, scalars[i] == s else { return false }
            i += 1
        }
        return true
    }

    private static func isSpace(_ s: Unicode.Scalar) -> Bool { s == " " || s == "\t" || s == "\r" || s == "\n" }

    /// The text of `range`, built from UTF-8 in one step (appending scalars to a String one
    /// by one is what made lexing slow).
    private func string(_ range: Range<Int>) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(range.count)
        for scalar in scalars[range] {
            if scalar.value < 0x80 {
                bytes.append(UInt8(scalar.value))
            } else if let encoded = UTF8.encode(scalar) {
                bytes.append(contentsOf: encoded)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    mutating func items() throws(TemplateError) -> [TemplateToken] {
        var tokens: [TemplateToken] = []
        // The pending text is scalars[textStart..<textEnd].
        var textStart = position
        while position < scalars.count {
            // Text up to the next `{{`.
            while position < scalars.count, !(scalars[position] == "{" && position + 1 < scalars.count && scalars[position + 1] == "{") { position += 1 }
            guard position < scalars.count else { break }
            var textEnd = position
            // A left delimiter: `{{- ` trims the text before it.
            var inner = position + 2
            if starts(with: "- ", at: inner) || starts(with: "-\t", at: inner) || starts(with: "-\n", at: inner) || starts(with: "-\r", at: inner) {
                while textEnd > textStart, Self.isSpace(scalars[textEnd - 1]) { textEnd -= 1 }
                inner += 1
            }
            if textEnd > textStart { tokens.append(.text(string(textStart..<textEnd))); mark(tokens, from: textStart) }
            position = inner
            // A comment: {{/* ... */}}
            var probe = position
            while probe < scalars.count, Self.isSpace(scalars[probe]) { probe += 1 }
            if starts(with: "/*", at: probe) {
                guard let end = find("*/", from: probe + 2) else { throw TemplateError("unclosed comment") }
                position = end + 2
                while position < scalars.count, Self.isSpace(scalars[position]) { position += 1 }
                if starts(with: "-}}", at: position) {
                    position += 3
                    while position < scalars.count, Self.isSpace(scalars[position]) { position += 1 }
                } else if starts(with: "}}", at: position) {
                    position += 2
                } else {
                    throw TemplateError("comment ends before closing delimiter")
                }
                textStart = position
                continue
            }
            tokens.append(.leftDelimiter)
            mark(tokens, from: position)
            try lexAction(into: &tokens)
            textStart = position
        }
        if scalars.count > textStart { tokens.append(.text(string(textStart..<scalars.count))); mark(tokens, from: textStart) }
        return tokens
    }

    private func find(_ needle: String, from index: Int) -> Int? {
        var i = index
        while i < scalars.count {
            if starts(with: needle, at: i) { return i }
            i += 1
        }
        return nil
    }

    private mutating func lexAction(into tokens: inout [TemplateToken]) throws(TemplateError) {
        var parenDepth = 0
        var start = position
        while true {
            mark(tokens, from: start)
            start = position
            actionTokenStart = position
            guard position < scalars.count else { throw TemplateError("unclosed action") }
            let c = scalars[position]
            if Self.isSpace(c) {
                // ` -}}` trims the text after the action.
                var probe = position
                while probe < scalars.count, Self.isSpace(scalars[probe]) { probe += 1 }
                if starts(with: "-}}", at: probe) {
                    tokens.append(.rightDelimiter)
                    mark(tokens, from: start)
                    position = probe + 3
                    while position < scalars.count, Self.isSpace(scalars[position]) { position += 1 }
                    return
                }
                position = probe
                continue
            }
            if starts(with: "}}", at: position) {
                guard parenDepth == 0 else { throw TemplateError("unclosed left paren") }
                tokens.append(.rightDelimiter)
                mark(tokens, from: start)
                position += 2
                return
            }
            switch c {
            case "|": tokens.append(.pipe); position += 1
            case "(": tokens.append(.leftParen); parenDepth += 1; position += 1
            case ")":
                parenDepth -= 1
                guard parenDepth >= 0 else { throw TemplateError("unexpected right paren") }
                tokens.append(.rightParen); position += 1
                try lexFieldSuffix(into: &tokens)
            case ",": tokens.append(.comma); position += 1
            case ":":
                guard starts(with: ":=", at: position) else { throw TemplateError("expected :=") }
                tokens.append(.declare); position += 2
            case "=": tokens.append(.assign); position += 1
            case "\"": tokens.append(.string(try lexQuoted()))
            case "`":
                guard let end = find("`", from: position + 1) else { throw TemplateError("unterminated raw quoted string") }
                tokens.append(.string(string((position + 1)..<end)))
                position = end + 1
            case "'":
                tokens.append(.char(try lexChar()))
            case "$":
                let start = position
                position += 1
                while position < scalars.count, Self.isIdentifier(scalars[position]) { position += 1 }
                tokens.append(.variable(string(start..<position)))
                try lexFieldSuffix(into: &tokens)
            case ".":
                if position + 1 < scalars.count, Self.isDigit(scalars[position + 1]) {
                    tokens.append(.number(try lexNumber()))
                } else if position + 1 < scalars.count, Self.isIdentifier(scalars[position + 1]) {
                    position += 1
                    let start = position
                    while position < scalars.count, Self.isIdentifier(scalars[position]) { position += 1 }
                    tokens.append(.field(string(start..<position)))
                    try lexFieldSuffix(into: &tokens)
                } else {
                    tokens.append(.dot); position += 1
                }
            default:
                try lexTerm(c, into: &tokens)
            }
        }
    }

    /// A number, or a word (`true`, `false`, `nil`, or an identifier: a function name or keyword).
    private mutating func lexTerm(_ c: Unicode.Scalar, into tokens: inout [TemplateToken]) throws(TemplateError) {
        if Self.isDigit(c) || ((c == "-" || c == "+") && position + 1 < scalars.count && (Self.isDigit(scalars[position + 1]) || scalars[position + 1] == ".")) {
            tokens.append(.number(try lexNumber()))
        } else if Self.isIdentifier(c) {
            let start = position
            while position < scalars.count, Self.isIdentifier(scalars[position]) { position += 1 }
            let word = string(start..<position)
            switch word {
            case "true": tokens.append(.bool(true))
            case "false": tokens.append(.bool(false))
            case "nil": tokens.append(.nilKeyword)
            default: tokens.append(.identifier(word))
            }
            // A field right after a word is a field of its own, as Go lexes it:
            // `if.Values.x` is `if .Values.x`, `fn.a` is `fn .a`.
        } else {
            throw TemplateError("unexpected \"\(Character(c))\" in command")
        }
    }

    /// `.a.b` chains directly after a term.
    private mutating func lexFieldSuffix(into tokens: inout [TemplateToken]) throws(TemplateError) {
        while position < scalars.count, scalars[position] == ".", position + 1 < scalars.count, Self.isIdentifier(scalars[position + 1]) {
            let dot = position
            position += 1
            let start = position
            while position < scalars.count, Self.isIdentifier(scalars[position]) { position += 1 }
            // The term before it started where the action's token did; each field where its dot is.
            mark(tokens, from: actionTokenStart)
            tokens.append(.chainField(string(start..<position)))
            positions.append(dot)
        }
    }

    private static func isDigit(_ s: Unicode.Scalar) -> Bool { s >= "0" && s <= "9" }
    private static func isIdentifier(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII {
            let v = s.value
            return (v >= 0x61 && v <= 0x7a) || (v >= 0x41 && v <= 0x5a) || (v >= 0x30 && v <= 0x39) || v == 0x5f
        }
        return s.properties.isAlphabetic
    }

    private mutating func lexQuoted() throws(TemplateError) -> String {
        position += 1
        var out = String.UnicodeScalarView()
        while true {
            guard position < scalars.count, scalars[position] != "\n" else { throw TemplateError("unterminated quoted string") }
            let c = scalars[position]
            position += 1
            if c == "\"" { return String(out) }
            if c == "\\" {
                out.append(try lexEscape(quote: "\""))
            } else {
                out.append(c)
            }
        }
    }

    private mutating func lexChar() throws(TemplateError) -> Int {
        position += 1
        guard position < scalars.count else { throw TemplateError("unterminated character constant") }
        var value: Unicode.Scalar = scalars[position]
        position += 1
        if value == "\\" { value = try lexEscape(quote: "'") }
        guard position < scalars.count, scalars[position] == "'" else { throw TemplateError("unterminated character constant") }
        position += 1
        return Int(value.value)
    }

    private mutating func lexEscape(quote: Unicode.Scalar) throws(TemplateError) -> Unicode.Scalar {
        guard position < scalars.count else { throw TemplateError("unterminated escape") }
        let e = scalars[position]
        position += 1
        switch e {
        case "n": return "\n"
        case "t": return "\t"
        case "r": return "\r"
        case "\\": return "\\"
        case "a": return "\u{07}"
        case "b": return "\u{08}"
        case "f": return "\u{0C}"
        case "v": return "\u{0B}"
        case "\"", "'": return e
        case "x", "u", "U":
            let count = e == "x" ? 2 : e == "u" ? 4 : 8
            guard position + count <= scalars.count,
                  let code = UInt32(string(position..<(position + count)), radix: 16),
                  let scalar = Unicode.Scalar(code) else { throw TemplateError("invalid escape \\\(e)") }
            position += count
            return scalar
        default:
            throw TemplateError("unknown escape sequence \\\(Character(e))")
        }
    }

    private mutating func lexNumber() throws(TemplateError) -> Value {
        let start = position
        if scalars[position] == "+" || scalars[position] == "-" { position += 1 }
        while position < scalars.count {
            let c = scalars[position]
            if Self.isDigit(c) || c.properties.isAlphabetic || c == "." || c == "_" ||
                ((c == "+" || c == "-") && (scalars[position - 1] == "e" || scalars[position - 1] == "E" || scalars[position - 1] == "p" || scalars[position - 1] == "P")) {
                position += 1
            } else { break }
        }
        let text = string(start..<position).replacingUnderscores()
        var body = Substring(text)
        var negative = false
        if body.hasPrefix("-") { negative = true; body = body.dropFirst() } else if body.hasPrefix("+") { body = body.dropFirst() }
        let lower = body.lowercased()
        var magnitude: Int?
        if lower.hasPrefix("0x") { magnitude = Int(lower.dropFirst(2), radix: 16) }
        else if lower.hasPrefix("0o") { magnitude = Int(lower.dropFirst(2), radix: 8) }
        else if lower.hasPrefix("0b") { magnitude = Int(lower.dropFirst(2), radix: 2) }
        else if lower.count > 1, lower.hasPrefix("0"), lower.allSatisfy({ $0 >= "0" && $0 <= "7" }) { magnitude = Int(lower.dropFirst(), radix: 8) }
        else { magnitude = Int(lower) }
        if let magnitude { return .int(negative ? -magnitude : magnitude) }
        if let d = Double(String(body)) { return .double(negative ? -d : d) }
        throw TemplateError("bad number syntax: \"\(text)\"")
    }
}

private extension String {
    func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
