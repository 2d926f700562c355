/// A compiled shell-style glob, matched by dynamic programming over (token, text position):
/// time proportional to pattern length x text length and no recursion, so a pattern from Git
/// such as `*a*a*a*a*a*b` cannot make a match take exponential time or exhaust the stack.
/// The glob dialects (Argo CD's directory include/exclude, Go's `path.Match`, doublestar)
/// differ only in how they turn their text into these tokens.
public struct GlobPattern: Sendable, Equatable {
    public enum Token: Sendable, Equatable {
        /// One character equal to this one.
        case literal(Character)
        /// Any one character (`?`); `/` only when `crossesSlash`.
        case anyCharacter(crossesSlash: Bool)
        /// Any run of characters (`*`, `**`); `/` only when `crossesSlash`.
        case anyRun(crossesSlash: Bool)
        /// `**/`: nothing, or any run of characters that ends with `/`.
        case anyDirectories
        /// One character in (or, `negated`, not in) the ranges (`[a-z]`); never `/` unless
        /// `crossesSlash`.
        case set([ClosedRange<Character>], negated: Bool, crossesSlash: Bool)
        /// A malformed piece (an unclosed `[`): the pattern matches nothing.
        case never
    }

    public let tokens: [Token]

    public init(tokens: [Token]) { self.tokens = tokens }

    public func matches(_ text: String) -> Bool {
        let characters = Array(text)
        let n = characters.count
        // reachable[j]: the tokens so far can match exactly the first j characters.
        var reachable = [Bool](repeating: false, count: n + 1)
        reachable[0] = true
        var next = [Bool](repeating: false, count: n + 1)
        for token in tokens {
            for j in 0...n { next[j] = false }
            switch token {
            case .never:
                return false
            case .literal(let c):
                for j in 0..<n where reachable[j] && characters[j] == c { next[j + 1] = true }
            case .anyCharacter(let crosses):
                for j in 0..<n where reachable[j] && (crosses || characters[j] != "/") { next[j + 1] = true }
            case .set(let ranges, let negated, let crosses):
                for j in 0..<n where reachable[j] {
                    let c = characters[j]
                    if c == "/" && !crosses { continue }
                    if ranges.contains(where: { $0.contains(c) }) != negated { next[j + 1] = true }
                }
            case .anyRun(let crosses):
                // Carry a match forward while the run may extend over the next character.
                var open = false
                for j in 0...n {
                    if reachable[j] { open = true }
                    if open { next[j] = true }
                    if j < n && !crosses && characters[j] == "/" { open = false }
                }
            case .anyDirectories:
                var seen = false
                for j in 0...n {
                    if reachable[j] { next[j] = true }
                    if j > 0 && seen && characters[j - 1] == "/" { next[j] = true }
                    if reachable[j] { seen = true }
                }
            }
            swap(&reachable, &next)
            if !reachable.contains(true) { return false }
        }
        return reachable[n]
    }
}
