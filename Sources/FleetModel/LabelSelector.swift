/// A Kubernetes label selector: a conjunction of requirements on a label (or annotation) map.
///
/// Two spellings are accepted, as Kubernetes accepts them: the string form used by kubectl
/// and by kustomize patch targets (`app=web,tier in (a,b),!legacy`), and the structured form
/// of `matchLabels`/`matchExpressions` used by ApplicationSet cluster generators.
public struct LabelSelector: Equatable, Sendable {
    public enum Operator: String, Equatable, Sendable {
        case equals = "="
        case notEquals = "!="
        case `in` = "in"
        case notIn = "notin"
        case exists = "exists"
        case doesNotExist = "!"
    }

    public struct Requirement: Equatable, Sendable {
        public var key: String
        public var op: Operator
        public var values: [String]

        public init(key: String, op: Operator, values: [String] = []) {
            self.key = key
            self.op = op
            self.values = values
        }

        public func matches(_ labels: [String: String]) -> Bool {
            let value = labels[key]
            switch op {
            case .equals, .in: return value.map { values.contains($0) } ?? false
            case .notEquals, .notIn: return value.map { !values.contains($0) } ?? true
            case .exists: return value != nil
            case .doesNotExist: return value == nil
            }
        }
    }

    public var requirements: [Requirement]

    public init(requirements: [Requirement] = []) { self.requirements = requirements }

    /// The selector that matches everything.
    public static let everything = LabelSelector()

    public var isEmpty: Bool { requirements.isEmpty }

    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { $0.matches(labels) }
    }

    /// Parses the string form: comma-separated `key`, `!key`, `key=v`, `key==v`, `key!=v`,
    /// `key in (a,b)`, `key notin (a,b)`.
    public init(parsing text: String) throws(LabelSelectorError) {
        var parser = SelectorParser(text: text)
        requirements = try parser.parse()
        try Self.validate(requirements)
    }

    /// Kubernetes' rules (`NewRequirement`): a key is a qualified name (an optional DNS
    /// subdomain prefix and `/`, then 1 to 63 of `[A-Za-z0-9._-]`, alphanumeric at both ends), a
    /// value is empty or such a name; `in` and `notin` need at least one value.
    static func validate(_ requirements: [Requirement]) throws(LabelSelectorError) {
        func shown(_ text: String) -> String { text.count <= 80 ? text : String(text.prefix(80)) + "..." }
        for requirement in requirements {
            if let problem = LabelNames.keyProblem(requirement.key) {
                throw LabelSelectorError(text: shown(requirement.key), reason: "not a valid label key: \(problem)")
            }
            for value in requirement.values {
                if let problem = LabelNames.valueProblem(value) {
                    throw LabelSelectorError(text: shown(value), reason: "not a valid label value: \(problem)")
                }
            }
            if requirement.op == .in || requirement.op == .notIn, requirement.values.isEmpty {
                throw LabelSelectorError(text: shown(requirement.key), reason: "for 'in', 'notin' operators, values set can't be empty")
            }
        }
    }

    /// Builds a selector from the structured form (`matchLabels` and `matchExpressions` with
    /// operators In, NotIn, Exists, DoesNotExist).
    public init(structured value: Value) throws(LabelSelectorError) {
        var requirements: [Requirement] = []
        guard case .object(let fields) = value else {
            if value.isNull { self.requirements = []; return }
            throw LabelSelectorError(text: value.description, reason: "a selector must be an object with matchLabels and/or matchExpressions")
        }
        if let matchLabels = fields["matchLabels"], !matchLabels.isNull {
            guard case .object(let labels) = matchLabels else {
                throw LabelSelectorError(text: matchLabels.description, reason: "matchLabels must be a map of strings")
            }
            for (key, v) in labels {
                guard let string = v.scalarText else {
                    throw LabelSelectorError(text: key, reason: "matchLabels values must be strings")
                }
                requirements.append(Requirement(key: key, op: .equals, values: [string]))
            }
        }
        if let expressions = fields["matchExpressions"], !expressions.isNull {
            guard case .array(let items) = expressions else {
                throw LabelSelectorError(text: expressions.description, reason: "matchExpressions must be a list")
            }
            for item in items {
                guard let key = item["key"]?.stringValue, let op = item["operator"]?.stringValue else {
                    throw LabelSelectorError(text: item.description, reason: "each matchExpression needs key and operator")
                }
                let values = (item["values"]?.arrayValue ?? []).compactMap(\.scalarText)
                switch op {
                case "In":
                    guard !values.isEmpty else { throw LabelSelectorError(text: key, reason: "operator In needs values") }
                    requirements.append(Requirement(key: key, op: .in, values: values))
                case "NotIn":
                    guard !values.isEmpty else { throw LabelSelectorError(text: key, reason: "operator NotIn needs values") }
                    requirements.append(Requirement(key: key, op: .notIn, values: values))
                case "Exists":
                    requirements.append(Requirement(key: key, op: .exists))
                case "DoesNotExist":
                    requirements.append(Requirement(key: key, op: .doesNotExist))
                default:
                    throw LabelSelectorError(text: key, reason: "unknown operator \"\(op)\" (use In, NotIn, Exists or DoesNotExist)")
                }
            }
        }
        try Self.validate(requirements)
        self.requirements = requirements
    }
}

/// Kubernetes' label key and value syntax (`IsQualifiedName`, `IsValidLabelValue`).
public enum LabelNames {
    static func isAlphanumeric(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }

    /// Why `name` is not 1 to 63 of `[A-Za-z0-9._-]` with an alphanumeric at both ends.
    static func nameProblem(_ name: Substring) -> String? {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty else { return "the name part must be non-empty" }
        guard bytes.count <= 63 else { return "the name part must be no more than 63 characters" }
        guard bytes.allSatisfy({ isAlphanumeric($0) || $0 == 45 || $0 == 95 || $0 == 46 }), isAlphanumeric(bytes.first!), isAlphanumeric(bytes.last!) else {
            return "the name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
        }
        return nil
    }

    public static func keyProblem(_ key: String) -> String? {
        let parts = key.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2 {
            let prefix = Array(parts[0].utf8)
            guard !prefix.isEmpty, prefix.count <= 253,
                  prefix.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 46 }),
                  isAlphanumeric(prefix.first!), isAlphanumeric(prefix.last!) else {
                return "the prefix must be a DNS subdomain: lower case alphanumeric characters, '-' or '.', at most 253"
            }
            return nameProblem(parts[1])
        }
        return nameProblem(Substring(key))
    }

    public static func valueProblem(_ value: String) -> String? {
        value.isEmpty ? nil : nameProblem(Substring(value))
    }
}

/// A selector that cannot be parsed, with the text and the reason.
public struct LabelSelectorError: Error, CustomStringConvertible, Equatable, Sendable {
    public var text: String
    public var reason: String
    public var description: String { "invalid label selector \"\(text)\": \(reason)" }
}

extension Value {
    /// The text of a scalar as a label value: strings as is, numbers and booleans spelled.
    public var scalarText: String? {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return DecimalDigits.json(d)
        case .bool(let b): return b ? "true" : "false"
        default: return nil
        }
    }

    /// The `[String: String]` view of an object of scalars (labels, annotations); non-scalar
    /// members are skipped.
    public var stringMap: [String: String] {
        guard case .object(let object) = self else { return [:] }
        var result: [String: String] = [:]
        for (key, value) in object {
            if let text = value.scalarText { result[key] = text }
        }
        return result
    }
}

private struct SelectorParser {
    let text: String
    let characters: [Character]
    var index = 0

    init(text: String) {
        self.text = text
        self.characters = Array(text)
    }

    mutating func parse() throws(LabelSelectorError) -> [LabelSelector.Requirement] {
        var result: [LabelSelector.Requirement] = []
        skipSpaces()
        if index == characters.count { return [] }
        while true {
            result.append(try requirement())
            skipSpaces()
            if index == characters.count { return result }
            guard characters[index] == "," else { throw error("expected ',' at position \(index + 1)") }
            index += 1
        }
    }

    private mutating func requirement() throws(LabelSelectorError) -> LabelSelector.Requirement {
        skipSpaces()
        if peek("!") {
            index += 1
            skipSpaces()
            return LabelSelector.Requirement(key: try identifier(), op: .doesNotExist)
        }
        let key = try identifier()
        skipSpaces()
        if index == characters.count || characters[index] == "," {
            return LabelSelector.Requirement(key: key, op: .exists)
        }
        if peek("==") { index += 2; return LabelSelector.Requirement(key: key, op: .equals, values: [try value()]) }
        if peek("!=") { index += 2; return LabelSelector.Requirement(key: key, op: .notEquals, values: [try value()]) }
        if peek("=") { index += 1; return LabelSelector.Requirement(key: key, op: .equals, values: [try value()]) }
        if peekWord("notin") { index += 5; return LabelSelector.Requirement(key: key, op: .notIn, values: try valueSet()) }
        if peekWord("in") { index += 2; return LabelSelector.Requirement(key: key, op: .in, values: try valueSet()) }
        throw error("expected an operator after \"\(key)\"")
    }

    private mutating func identifier() throws(LabelSelectorError) -> String {
        let start = index
        while index < characters.count, isNameCharacter(characters[index]) { index += 1 }
        guard index > start else { throw error("expected a label key at position \(start + 1)") }
        return String(characters[start..<index])
    }

    private mutating func value() throws(LabelSelectorError) -> String {
        skipSpaces()
        let start = index
        while index < characters.count, isNameCharacter(characters[index]) { index += 1 }
        return String(characters[start..<index])
    }

    private mutating func valueSet() throws(LabelSelectorError) -> [String] {
        skipSpaces()
        guard peek("(") else { throw error("expected '(' after in/notin") }
        index += 1
        var values: [String] = []
        while true {
            skipSpaces()
            // Kubernetes reads `()` as the one empty value, and empty entries as empty values.
            if peek(")") { index += 1; return values.isEmpty ? [""] : values }
            values.append(try value())
            skipSpaces()
            if peek(",") { index += 1; continue }
            if peek(")") { index += 1; return values }
            throw error("expected ',' or ')' in a value set")
        }
    }

    private func isNameCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_" || c == "." || c == "/")
    }

    private mutating func skipSpaces() {
        while index < characters.count, characters[index] == " " || characters[index] == "\t" { index += 1 }
    }

    private func peek(_ s: String) -> Bool {
        let chars = Array(s)
        guard index + chars.count <= characters.count else { return false }
        return Array(characters[index..<(index + chars.count)]) == chars
    }

    private func peekWord(_ word: String) -> Bool {
        guard peek(word) else { return false }
        let after = index + word.count
        return after == characters.count || characters[after] == " " || characters[after] == "("
    }

    private func error(_ reason: String) -> LabelSelectorError { LabelSelectorError(text: text, reason: reason) }
}
