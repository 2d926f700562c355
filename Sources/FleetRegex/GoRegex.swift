/// A regular expression with the syntax and semantics of Go's `regexp` package (RE2), which
/// is what Argo CD's templates (Sprig's `regex*` functions) and Kustomize's selectors run.
///
/// Why not the standard library's `Regex`: it backtracks, so a pattern like `(a*)*b` on 30
/// `a`s takes minutes, and its syntax and match rules differ from Go's in places templates
/// rely on. This engine is a Pike VM: matching time is bounded by input length times program
/// size, and every call also has a step limit, so hostile input from Git ends in an error,
/// not a stuck planner. Positions are UTF-8 byte offsets, as in Go.
public struct GoRegex: Sendable {
    /// The pattern as written.
    public let pattern: String
    /// The name of each group (`(?P<name>...)`); index 0 is the whole match, nil for unnamed.
    public let groupNames: [String?]
    let program: RegexProgram
    /// Most VM steps one call may take (a step is one thread at one input position).
    public var stepLimit: Int = GoRegex.defaultStepLimit

    public static let defaultStepLimit = 100_000_000
    /// Largest text `replaceAll` may build.
    public var outputLimit: Int = Int.max

    /// Compiles `pattern` as Go's `regexp.Compile` does; the error reads as Go's.
    public init(_ pattern: String) throws(GoRegexError) {
        self.pattern = pattern
        var parser = RegexParser(pattern)
        let tree = try parser.parse()
        groupNames = parser.groupNames
        do {
            program = try RegexCompiler.compile(tree, groups: parser.groupNames.count - 1, pattern: pattern)
        } catch {
            throw GoRegexError(.tooLarge, pattern)
        }
    }

    /// The number of capture groups (not counting the whole match).
    public var groupCount: Int { groupNames.count - 1 }

    private func machine() -> RegexMachine { RegexMachine(program, stepLimit: stepLimit) }

    /// `MatchString`: whether the text contains a match.
    public func matches(_ text: String) throws(GoRegexError) -> Bool {
        var vm = machine()
        return try vm.firstMatch(in: Array(text.utf8), from: 0) != nil
    }

    /// The capture slots of the leftmost match (byte offsets; -1 for groups that did not
    /// take part), or nil.
    public func firstMatch(_ text: String) throws(GoRegexError) -> [Int]? {
        var vm = machine()
        return try vm.firstMatch(in: Array(text.utf8), from: 0)
    }

    /// `FindString`: the text of the leftmost match, or nil when there is none.
    public func find(_ text: String) throws(GoRegexError) -> String? {
        let bytes = Array(text.utf8)
        var vm = machine()
        guard let m = try vm.firstMatch(in: bytes, from: 0) else { return nil }
        return Self.text(bytes, m[0], m[1])
    }

    /// `FindAllString(s, n)`: successive non-overlapping matches, at most `limit` of them
    /// (all when `limit` is negative). An empty match right after a match is skipped, as Go does.
    public func findAll(_ text: String, limit: Int) throws(GoRegexError) -> [String] {
        let bytes = Array(text.utf8)
        return try allMatches(bytes, limit: limit).map { Self.text(bytes, $0[0], $0[1]) }
    }

    /// `ReplaceAllString`: every match replaced by `template`, in which `$1`, `${1}`, `$name`
    /// and `${name}` stand for groups and `$$` for `$` (Go's `Expand`).
    public func replaceAll(_ text: String, with template: String) throws(GoRegexError) -> String {
        let templateBytes = Array(template.utf8)
        return try replace(text) { source, output, match in self.expand(templateBytes, source: source, match: match, into: &output) }
    }

    /// `ReplaceAllLiteralString`: every match replaced by `replacement` as it is.
    public func replaceAllLiteral(_ text: String, with replacement: String) throws(GoRegexError) -> String {
        let replacementBytes = Array(replacement.utf8)
        return try replace(text) { _, output, _ in output.append(contentsOf: replacementBytes) }
    }

    /// `Split(s, n)`: the text between matches; `limit` > 0 gives at most that many parts (the
    /// last unsplit), 0 none, negative all.
    public func split(_ text: String, limit: Int) throws(GoRegexError) -> [String] {
        if limit == 0 { return [] }
        if !pattern.isEmpty && text.isEmpty { return [""] }
        let bytes = Array(text.utf8)
        var parts: [String] = []
        var begin = 0
        var end = 0
        for match in try allMatches(bytes, limit: limit) {
            if limit > 0 && parts.count == limit - 1 { break }
            end = match[0]
            if match[1] != 0 { parts.append(Self.text(bytes, begin, end)) }
            begin = match[1]
        }
        if end != bytes.count { parts.append(Self.text(bytes, begin, bytes.count)) }
        return parts
    }

    /// `QuoteMeta`: the text with every metacharacter escaped, so it matches itself.
    public static func quoteMeta(_ text: String) -> String {
        var out = ""
        for c in text.unicodeScalars {
            if "\\.+*?()|[]{}^$".unicodeScalars.contains(c) { out += "\\" }
            out.unicodeScalars.append(c)
        }
        return out
    }

    // MARK: Go's search loops

    private func allMatches(_ bytes: [UInt8], limit: Int) throws(GoRegexError) -> [[Int]] {
        let wanted = limit < 0 ? bytes.count + 1 : limit
        var vm = machine()
        var found: [[Int]] = []
        var position = 0
        var previousEnd = -1
        while found.count < wanted && position <= bytes.count {
            guard let m = try vm.firstMatch(in: bytes, from: position) else { break }
            var accept = true
            if m[1] == position {
                // An empty match right after the previous match is not a match.
                if m[0] == previousEnd { accept = false }
                position += position < bytes.count ? RegexMachine.rune(bytes, at: position).1 : 1
            } else {
                position = m[1]
            }
            previousEnd = m[1]
            if accept { found.append(m) }
        }
        return found
    }

    private func replace(_ text: String, _ append: ([UInt8], inout [UInt8], [Int]) -> Void) throws(GoRegexError) -> String
    {
        let source = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(source.count)
        var vm = machine()
        var lastEnd = 0
        var searchPosition = 0
        while searchPosition <= source.count {
            guard let m = try vm.firstMatch(in: source, from: searchPosition) else { break }
            output.append(contentsOf: source[lastEnd..<m[0]])
            // No replacement for an empty match right after another match.
            if m[1] > lastEnd || m[0] == 0 { append(source, &output, m) }
            if output.count > outputLimit { throw GoRegexError.outputLimit(outputLimit) }
            lastEnd = m[1]
            let width = searchPosition < source.count ? RegexMachine.rune(source, at: searchPosition).1 : 0
            if searchPosition + width > m[1] {
                searchPosition += width
            } else if searchPosition + 1 > m[1] {
                searchPosition += 1
            } else {
                searchPosition = m[1]
            }
        }
        output.append(contentsOf: source[lastEnd...])
        return String(decoding: output, as: UTF8.self)
    }

    /// Go's `Regexp.Expand` of `template` for one match.
    func expand(_ template: [UInt8], source: [UInt8], match: [Int], into output: inout [UInt8]) {
        var i = 0
        while i < template.count {
            guard let dollar = template[i...].firstIndex(of: UInt8(ascii: "$")) else { break }
            output.append(contentsOf: template[i..<dollar])
            i = dollar + 1
            if i < template.count, template[i] == UInt8(ascii: "$") {
                output.append(UInt8(ascii: "$"))
                i += 1
                continue
            }
            guard let reference = Self.reference(template, at: i) else {
                output.append(UInt8(ascii: "$"))
                continue
            }
            i = reference.end
            var group: Int? = nil
            if let number = reference.number {
                group = number
            } else {
                group = groupNames.indices.first { index in
                    groupNames[index] == reference.name && 2 * index + 1 < match.count && match[2 * index] >= 0
                }
            }
            if let group, 2 * group + 1 < match.count, match[2 * group] >= 0 {
                output.append(contentsOf: source[match[2 * group]..<match[2 * group + 1]])
            }
        }
        if i < template.count { output.append(contentsOf: template[i...]) }
    }

    /// Go's `extract`: a group reference `name` or `{name}` at `i` (after the `$`).
    private static func reference(_ template: [UInt8], at start: Int) -> (name: String, number: Int?, end: Int)? {
        var i = start
        guard i < template.count else { return nil }
        let brace = template[i] == UInt8(ascii: "{")
        if brace { i += 1 }
        let nameStart = i
        while let (rune, width) = UTF8Runes.decode(template, at: i) {
            guard rune == 0x5F || Unicode.Scalar(rune).map(Self.isLetterOrDigit) ?? false else { break }
            i += width
        }
        guard i > nameStart else { return nil }
        let name = String(decoding: template[nameStart..<i], as: UTF8.self)
        if brace {
            guard i < template.count, template[i] == UInt8(ascii: "}") else { return nil }
            i += 1
        }
        var number: Int? = 0
        for b in name.utf8 {
            guard b >= 0x30, b <= 0x39, let n = number, n < 100_000_000 else { number = nil; break }
            number = n * 10 + Int(b - 0x30)
        }
        if name.utf8.first == 0x30 && name.utf8.count > 1 { number = nil }
        return (name, number, i)
    }

    /// Go's `unicode.IsLetter || unicode.IsDigit`: categories L* and Nd.
    private static func isLetterOrDigit(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber: return true
        default: return false
        }
    }

    static func text(_ bytes: [UInt8], _ start: Int, _ end: Int) -> String {
        String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
