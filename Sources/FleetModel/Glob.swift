/// Glob patterns as Argo CD matches AppProject rules (the gobwas/glob library): `*` any run of
/// characters except a separator, `**` any run including separators, `?` one character but a
/// separator, `[abc]`, `[a-z]` and `[!abc]` classes, `{a,b}` alternatives, `\` to escape.
/// Matching is linear in pattern times text (no backtracking blow-up on hostile patterns).
public struct Glob: Sendable {
    enum Token: Equatable, Sendable {
        case literal(Character)
        case any
        case superAny
        case single
        case characterClass(negated: Bool, ranges: [ClosedRange<Character>])
    }

    /// Each alternative of the pattern (`{a,b}` expanded), as tokens.
    let alternatives: [[Token]]
    let separators: Set<Character>

    /// At most this many alternatives after expanding `{...}` (a hostile pattern is refused).
    public static let maxAlternatives = 256

    public init(_ pattern: String, separators: Set<Character> = []) throws(GlobError) {
        self.separators = separators
        alternatives = try Self.expand(Array(pattern)).map(Self.tokens)
    }

    public func matches(_ text: String) -> Bool {
        let characters = Array(text)
        return alternatives.contains { Self.match($0, characters, separators) }
    }

    /// `{a,b}` alternatives expanded into plain patterns (nested braces included).
    static func expand(_ pattern: [Character]) throws(GlobError) -> [[Character]] {
        var depth = 0
        var open: Int?
        var escaped = false
        for (index, character) in pattern.enumerated() {
            if escaped { escaped = false; continue }
            if character == "\\" { escaped = true; continue }
            if character == "{" {
                if depth == 0 { open = index }
                depth += 1
            } else if character == "}", depth > 0 {
                depth -= 1
                guard depth == 0, let start = open else { continue }
                let prefix = Array(pattern[..<start]), suffix = Array(pattern[(index + 1)...])
                var options: [[Character]] = []
                var current: [Character] = []
                var level = 0
                var skip = false
                for c in pattern[(start + 1)..<index] {
                    if skip { current.append(c); skip = false; continue }
                    if c == "\\" { skip = true; current.append(c); continue }
                    if c == "{" { level += 1 } else if c == "}" { level -= 1 }
                    if c == ",", level == 0 { options.append(current); current = [] } else { current.append(c) }
                }
                options.append(current)
                var out: [[Character]] = []
                for option in options {
                    for expanded in try expand(prefix + option + suffix) {
                        out.append(expanded)
                        guard out.count <= maxAlternatives else { throw GlobError("more than \(maxAlternatives) alternatives") }
                    }
                }
                return out
            }
        }
        guard depth == 0 else { throw GlobError("unclosed {") }
        return [pattern]
    }

    static func tokens(_ pattern: [Character]) throws(GlobError) -> [Token] {
        var out: [Token] = []
        var i = 0
        while i < pattern.count {
            let c = pattern[i]
            switch c {
            case "\\":
                guard i + 1 < pattern.count else { throw GlobError("a trailing \\") }
                out.append(.literal(pattern[i + 1]))
                i += 2
                continue
            case "*":
                if i + 1 < pattern.count, pattern[i + 1] == "*" { out.append(.superAny); i += 2; continue }
                out.append(.any)
            case "?":
                out.append(.single)
            case "[":
                guard let close = pattern[(i + 1)...].firstIndex(of: "]") else { throw GlobError("unclosed [") }
                var body = Array(pattern[(i + 1)..<close])
                let negated = body.first == "!" || body.first == "^"
                if negated { body.removeFirst() }
                var ranges: [ClosedRange<Character>] = []
                var j = 0
                while j < body.count {
                    if j + 2 < body.count, body[j + 1] == "-" {
                        guard body[j] <= body[j + 2] else { throw GlobError("bad range \(body[j])-\(body[j + 2])") }
                        ranges.append(body[j]...body[j + 2])
                        j += 3
                    } else {
                        ranges.append(body[j]...body[j])
                        j += 1
                    }
                }
                out.append(.characterClass(negated: negated, ranges: ranges))
                i = close + 1
                continue
            default:
                out.append(.literal(c))
            }
            i += 1
        }
        return out
    }

    /// Dynamic programming over (token, position): `reachable[j]` after each token.
    static func match(_ tokens: [Token], _ text: [Character], _ separators: Set<Character>) -> Bool {
        var reachable = [Bool](repeating: false, count: text.count + 1)
        reachable[0] = true
        for token in tokens {
            var next = [Bool](repeating: false, count: text.count + 1)
            switch token {
            case .any, .superAny:
                var carrying = false
                for j in 0...text.count {
                    if reachable[j] { carrying = true }
                    if carrying { next[j] = true }
                    if j < text.count, token == .any, separators.contains(text[j]) { carrying = false }
                }
            default:
                for j in 0..<text.count where reachable[j] {
                    let c = text[j]
                    let ok: Bool
                    switch token {
                    case .literal(let l): ok = c == l
                    case .single: ok = !separators.contains(c)
                    case .characterClass(let negated, let ranges): ok = ranges.contains { $0.contains(c) } != negated && !separators.contains(c)
                    default: ok = false
                    }
                    if ok { next[j + 1] = true }
                }
            }
            reachable = next
            if !reachable.contains(true) { return false }
        }
        return reachable[text.count]
    }
}

public struct GlobError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
