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

// MARK: - Parser

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
