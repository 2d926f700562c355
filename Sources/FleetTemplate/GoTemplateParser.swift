import FleetModel

/// Why a Go template could not be parsed or executed. The message follows Go's wording where
/// users are likely to search for it (`map has no entry for key "x"`).
public struct TemplateError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The whole message: for an execution error, Go's `template: NAME:LINE:COL: executing
    /// "NAME" at <COMMAND>: ...`; for a parse error, what went wrong.
    public var message: String
    /// Where it happened, `NAME:LINE:COL` (execution, Go's 0-based byte column) or `NAME:LINE`
    /// (parsing); nil when not known.
    public var location: String?
    /// The message of `fail` or `required` when one of them caused the error, for Helm's
    /// `execution error at (LOCATION): MESSAGE`.
    public var failure: String?

    public init(_ message: String, failure: String? = nil) {
        self.message = message
        self.failure = failure
    }

    public var description: String { message }

    /// This error as the function `name` reports it to its caller (`error calling NAME: ...`):
    /// a new, not yet located error that keeps a `fail`/`required` message.
    func calling(_ name: String) -> TemplateError {
        TemplateError("error calling \(name): \(message)", failure: failure)
    }
}

/// Where a command is in its source, for `executing "..." at <...>` messages: the file
/// (template name it was parsed as), Go's line and byte column, and the command's text. Only
/// offsets are kept; line, column and text are worked out when an error needs them.
struct TemplateLocation: Sendable {
    let source: TemplateSourceMap
    /// Go's position of the node, and the range of its text (UTF-8 bytes).
    let position: Int
    let textRange: Range<Int>

    var name: String { source.name }
    var line: Int { source.lineAndColumn(position).line }
    var column: Int { source.lineAndColumn(position).column }
    var text: String { source.text(textRange) }
    var description: String {
        let (line, column) = source.lineAndColumn(position)
        return "\(name):\(line):\(column)"
    }
}

/// A parsed Go `text/template`: actions, pipelines, variables, `if`/`else if`/`else`, `range`
/// with `else`, `break`/`continue`, `with`, comments, `{{-`/`-}}` trimming, and named
/// templates: `define` (at the top level), `template` and `block`.
public struct GoTemplate: Sendable {
    let nodes: [TemplateNode]
    /// The templates this text defines, by name (a later definition replaces an earlier one,
    /// unless its body is empty, as Go's `associate` decides).
    let definitions: [String: [TemplateNode]]

    /// Parses `source`; `name` is the name errors give for it (Helm: the file's path in the
    /// chart; Argo CD: empty).
    public init(parsing source: String, name: String = "") throws(TemplateError) {
        var lexer = TemplateLexer(source)
        let items: [TemplateToken]
        do { items = try lexer.items() } catch {
            var located = error
            located.location = "\(name):\(lexer.line(atOffset: lexer.offset))"
            throw located
        }
        let (map, positions) = lexer.sourceMap(name: name, source: source)
        var parser = TemplateParser(items: items, positions: positions, source: map)
        do { nodes = try parser.parseList(until: []) } catch {
            var located = error
            located.location = "\(name):\(parser.currentLine)"
            throw located
        }
        var definitions: [String: [TemplateNode]] = [:]
        for (name, body) in parser.definitions {
            if definitions[name] != nil && TemplateNode.isEmpty(body) { continue }
            definitions[name] = body
        }
        self.definitions = definitions
    }

    /// The names this text defines.
    public var definedNames: [String] { definitions.keys.sorted() }
}

// MARK: - Syntax tree

indirect enum TemplateNode: Sendable {
    case text(String)
    case action(Pipeline)
    case ifNode(Pipeline, [TemplateNode], [TemplateNode]?)
    case rangeNode(Pipeline, [TemplateNode], [TemplateNode]?)
    case withNode(Pipeline, [TemplateNode], [TemplateNode]?)
    case breakNode
    case continueNode
    /// `{{template "name" pipeline}}` (and the call half of `{{block}}`).
    case templateCall(String, Pipeline?)

    /// Go's `parse.IsEmptyTree`: nothing but whitespace text.
    static func isEmpty(_ nodes: [TemplateNode]) -> Bool {
        nodes.allSatisfy { node in
            if case .text(let text) = node { return text.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" } }
            return false
        }
    }
}

struct Pipeline: Sendable {
    var variables: [String] = []
    var isAssignment = false
    var commands: [TemplateCommand] = []
}

struct TemplateCommand: Sendable {
    var arguments: [TemplateArgument]
    var location: TemplateLocation?
}

indirect enum TemplateArgument: Sendable {
    case dot
    /// Fields of a receiver; the location is Go's for the chain node (errors evaluating a field
    /// are reported there).
    case fieldChain(TemplateArgument, [String], TemplateLocation? = nil)
    case variable(String)
    case function(String)
    case literal(Value)
    case nilLiteral
    case pipeline(Pipeline)
}

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

// MARK: - Parser

/// A template's text, to turn token offsets (UTF-8 bytes) into Go's line and byte column. It
/// keeps the template's own string (shared, not copied) and where its lines start.
struct TemplateSourceMap: Sendable {
    let name: String
    let source: String
    /// The byte offset of each line's first byte.
    private let lineStarts: [Int]

    var byteCount: Int { source.utf8.count }

    init(name: String, source: String) {
        self.name = name
        self.source = source
        var starts = [0]
        for (index, byte) in source.utf8.enumerated() where byte == 0x0A { starts.append(index + 1) }
        lineStarts = starts
    }

    func location(from start: Int, to end: Int) -> TemplateLocation {
        TemplateLocation(source: self, position: start, textRange: start..<max(start, min(end, byteCount)))
    }

    /// Go's line (1-based) and byte column (0-based) of a byte offset.
    func lineAndColumn(_ offset: Int) -> (line: Int, column: Int) {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return (low + 1, offset - lineStarts[low])
    }

    func text(_ range: Range<Int>) -> String {
        let utf8 = Array(source.utf8)
        return String(decoding: utf8[min(range.lowerBound, utf8.count)..<min(range.upperBound, utf8.count)], as: UTF8.self).trimmingWhitespace()
    }
}

struct TemplateParser {
    let items: [TemplateToken]
    var index = 0
    /// Where each item starts, and the text, for command locations.
    let positions: [Int]
    let source: TemplateSourceMap?
    /// Open parentheses and controls: Go stops parenthesized pipelines at 10000 levels
    /// ("max expression depth exceeded"); controls share the limit here, so no template can
    /// nest deeper than the stack the engines run on allows.
    private var depth = 0
    static let maxDepth = 10_000
    /// `define`d and `block` bodies, in the order they appear.
    var definitions: [(String, [TemplateNode])] = []

    init(items: [TemplateToken], positions: [Int] = [], source: TemplateSourceMap? = nil) {
        self.items = items
        self.positions = positions
        self.source = source
    }

    /// Go's line of the item being parsed (for parse errors).
    var currentLine: Int {
        guard let source, !positions.isEmpty else { return 0 }
        return source.lineAndColumn(positions[min(index, positions.count - 1)]).line
    }

    /// Parses nodes until one of `terminators` (as a keyword action) is reached; the keyword is
    /// left for the caller, which reads it with `keyword()`.
    mutating func parseList(until terminators: Set<String>) throws(TemplateError) -> [TemplateNode] {
        var nodes: [TemplateNode] = []
        while index < items.count {
            switch items[index] {
            case .text(let text):
                nodes.append(.text(text))
                index += 1
            case .leftDelimiter:
                if case .identifier(let word) = peek(1), terminators.contains(word) {
                    return nodes
                }
                index += 1
                nodes.append(try parseAction())
            default:
                throw TemplateError("unexpected token in template")
            }
        }
        if !terminators.isEmpty {
            throw TemplateError("unexpected EOF: missing {{end}}")
        }
        return nodes
    }

    func peek(_ offset: Int = 0) -> TemplateToken? {
        index + offset < items.count ? items[index + offset] : nil
    }

    mutating func expect(_ token: TemplateToken, _ what: String) throws(TemplateError) {
        guard peek() == token else { throw TemplateError("expected \(what)") }
        index += 1
    }

    mutating func parseAction() throws(TemplateError) -> TemplateNode {
        if case .identifier(let word) = peek() {
            switch word {
            case "if", "with", "range":
                index += 1
                return try parseControl(word)
            case "break", "continue":
                index += 1
                try expect(.rightDelimiter, "}} after \(word)")
                return word == "break" ? .breakNode : .continueNode
            case "end", "else":
                throw TemplateError("unexpected {{\(word)}}")
            case "define":
                guard depth == 0 else { throw TemplateError("unexpected {{define}}: define must be at the top level") }
                index += 1
                let name = try templateName("define")
                try expect(.rightDelimiter, "}} after define clause")
                definitions.append((name, try parseBody("define")))
                return .text("")
            case "template":
                index += 1
                let (name, pipeline) = try callClause("template")
                return .templateCall(name, pipeline)
            case "block":
                index += 1
                let (name, pipeline) = try callClause("block")
                definitions.append((name, try parseBody("block")))
                return .templateCall(name, pipeline)
            default: break
            }
        }
        let pipeline = try parsePipeline(allowDeclarations: true)
        try expect(.rightDelimiter, "}}")
        return .action(pipeline)
    }

    /// The quoted name after `define`, `template` or `block`.
    private mutating func templateName(_ keyword: String) throws(TemplateError) -> String {
        guard case .string(let name) = peek() else { throw TemplateError("unexpected token in \(keyword) clause: the template name must be a quoted string") }
        index += 1
        return name
    }

    /// `"name" [pipeline]}}` after `template` or `block`.
    private mutating func callClause(_ keyword: String) throws(TemplateError) -> (String, Pipeline?) {
        let name = try templateName(keyword)
        var pipeline: Pipeline?
        if peek() != .rightDelimiter { pipeline = try parsePipeline(allowDeclarations: false) }
        try expect(.rightDelimiter, "}} after \(keyword) clause")
        return (name, pipeline)
    }

    /// The body of a `define` or `block`, through its `{{end}}`.
    private mutating func parseBody(_ keyword: String) throws(TemplateError) -> [TemplateNode] {
        try enter("{{\(keyword)}} nested more than \(Self.maxDepth) levels deep")
        defer { depth -= 1 }
        let body = try parseList(until: ["end"])
        index += 1 // leftDelimiter
        guard case .identifier("end") = peek() else { throw TemplateError("missing {{end}} of \(keyword)") }
        index += 1
        try expect(.rightDelimiter, "}} after end")
        return body
    }

    private mutating func enter(_ what: String) throws(TemplateError) {
        depth += 1
        if depth > Self.maxDepth { throw TemplateError(what) }
    }

    mutating func parseControl(_ word: String) throws(TemplateError) -> TemplateNode {
        try enter("{{\(word)}} nested more than \(Self.maxDepth) levels deep")
        defer { depth -= 1 }
        if peek() == .rightDelimiter { throw TemplateError("missing value for \(word)") }
        let pipeline = try parsePipeline(allowDeclarations: true)
        try expect(.rightDelimiter, "}} after \(word)")
        let body = try parseList(until: ["end", "else"])
        // At {{end}} or {{else ...}}
        index += 1 // leftDelimiter
        guard case .identifier(let keyword) = peek() else { throw TemplateError("missing {{end}}") }
        index += 1
        var elseBody: [TemplateNode]?
        if keyword == "else" {
            if case .identifier(let chained) = peek(), chained == "if" || chained == "with" {
                // {{else if ...}}: a nested control that shares our {{end}}.
                index += 1
                elseBody = [try parseControl(chained)]
                return make(word, pipeline, body, elseBody)
            }
            try expect(.rightDelimiter, "}} after else")
            elseBody = try parseList(until: ["end"])
            index += 1
            guard case .identifier("end") = peek() else { throw TemplateError("missing {{end}}") }
            index += 1
        }
        try expect(.rightDelimiter, "}} after end")
        return make(word, pipeline, body, elseBody)
    }

    private func make(_ word: String, _ pipeline: Pipeline, _ body: [TemplateNode], _ elseBody: [TemplateNode]?) -> TemplateNode {
        switch word {
        case "if": return .ifNode(pipeline, body, elseBody)
        case "with": return .withNode(pipeline, body, elseBody)
        default: return .rangeNode(pipeline, body, elseBody)
        }
    }

    mutating func parsePipeline(allowDeclarations: Bool) throws(TemplateError) -> Pipeline {
        var pipeline = Pipeline()
        // Declarations: $x := ..., $i, $e := ..., $x = ...
        if allowDeclarations, case .variable(let first) = peek() {
            var names = [first]
            var offset = 1
            if peek(1) == .comma, case .variable(let second) = peek(2) {
                names.append(second)
                offset = 3
            }
            if peek(offset) == .declare || peek(offset) == .assign {
                pipeline.isAssignment = peek(offset) == .assign
                pipeline.variables = names
                index += offset + 1
            }
        }
        while true {
            pipeline.commands.append(try parseCommand())
            if peek() == .pipe { index += 1; continue }
            break
        }
        return pipeline
    }

    mutating func parseCommand() throws(TemplateError) -> TemplateCommand {
        var arguments: [TemplateArgument] = []
        let first = index
        while let token = peek(), token != .pipe, token != .rightDelimiter, token != .rightParen {
            arguments.append(try parseOperand())
        }
        guard !arguments.isEmpty else { throw TemplateError("missing value for command") }
        var location: TemplateLocation?
        if let source, first < positions.count {
            location = source.location(from: positions[first], to: index < positions.count ? positions[index] : source.byteCount)
        }
        return TemplateCommand(arguments: arguments, location: location)
    }

    /// Go's position for a chain: its first chained field (`.test` in `.Values.test.Name`,
    /// `.a` in `$x.a`), or the field itself when alone; the text from the operand's start.
    private func chainLocation(start: Int, chainStart: Int) -> TemplateLocation? {
        guard let source, start < positions.count else { return nil }
        let end = index < positions.count ? positions[index] : source.byteCount
        let from = positions[start]
        return TemplateLocation(source: source, position: positions[min(chainStart, positions.count - 1)], textRange: from..<max(from, min(end, source.byteCount)))
    }

    mutating func parseOperand() throws(TemplateError) -> TemplateArgument {
        guard let token = peek() else { throw TemplateError("unexpected end of action") }
        let start = index
        index += 1
        var term: TemplateArgument
        switch token {
        case .dot: term = .dot
        case .field(let name):
            var names = [name]
            while case .chainField(let next) = peek() { names.append(next); index += 1 }
            return .fieldChain(.dot, names, chainLocation(start: start, chainStart: names.count > 1 ? start + 1 : start))
        case .variable(let name): term = .variable(name)
        case .identifier(let name): term = .function(name)
        case .string(let s): term = .literal(.string(s))
        case .number(let n): term = .literal(n)
        case .char(let c): term = .literal(.int(c))
        case .bool(let b): term = .literal(.bool(b))
        case .nilKeyword: term = .nilLiteral
        case .leftParen:
            try enter("max expression depth exceeded")
            defer { depth -= 1 }
            let inner = try parsePipeline(allowDeclarations: false)
            try expect(.rightParen, "closing paren")
            term = .pipeline(inner)
        default:
            throw TemplateError("unexpected token in operand")
        }
        var names: [String] = []
        let chainStart = index
        while case .chainField(let next) = peek() { names.append(next); index += 1 }
        if !names.isEmpty {
            if case .function(let name) = term { throw TemplateError("function \(name) has no fields") }
            term = .fieldChain(term, names, chainLocation(start: start, chainStart: chainStart))
        }
        return term
    }
}
