import FleetModel

/// A semantic version as Masterminds/semver v3 (Sprig's) reads one: an optional `v`, a major,
/// optional minor and patch (missing ones are 0), a prerelease after `-` and build metadata
/// after `+`. Charts feed it `.Capabilities.KubeVersion.GitVersion` (`v1.36.0`).
public struct SemanticVersion: Equatable, Sendable {
    public var major: Int
    public var minor: Int
    public var patch: Int
    public var prerelease: String
    public var metadata: String
    public var original: String

    public init?(_ text: String) {
        var rest = Substring(text)
        if rest.first == "v" { rest = rest.dropFirst() }
        var metadata = ""
        if let plus = rest.firstIndex(of: "+") {
            metadata = String(rest[rest.index(after: plus)...])
            rest = rest[..<plus]
            guard Self.validIdentifiers(metadata) else { return nil }
        }
        var prerelease = ""
        if let dash = rest.firstIndex(of: "-") {
            prerelease = String(rest[rest.index(after: dash)...])
            rest = rest[..<dash]
            guard Self.validIdentifiers(prerelease) else { return nil }
        }
        let parts = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count),
              parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } && $0.count <= 18 }) else { return nil }
        major = Int(parts[0])!
        minor = parts.count > 1 ? Int(parts[1])! : 0
        patch = parts.count > 2 ? Int(parts[2])! : 0
        self.prerelease = prerelease
        self.metadata = metadata
        original = text
    }

    private static func validIdentifiers(_ text: String) -> Bool {
        !text.isEmpty && text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
            !part.isEmpty && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    /// Semantic Versioning 2.0 precedence: numbers, then a release above its prereleases,
    /// prerelease identifiers numerically when both are numbers; metadata is ignored.
    public func compare(_ other: SemanticVersion) -> Int {
        for (a, b) in [(major, other.major), (minor, other.minor), (patch, other.patch)] where a != b { return a < b ? -1 : 1 }
        return Self.comparePrerelease(prerelease, other.prerelease)
    }

    static func comparePrerelease(_ a: String, _ b: String) -> Int {
        if a == b { return 0 }
        if a.isEmpty { return 1 }
        if b.isEmpty { return -1 }
        let left = a.split(separator: "."), right = b.split(separator: ".")
        for (x, y) in zip(left, right) where x != y {
            switch (Int(x), Int(y)) {
            case let (i?, j?): return i < j ? -1 : 1
            case (.some, nil): return -1
            case (nil, .some): return 1
            default: return x < y ? -1 : 1
            }
        }
        return left.count == right.count ? 0 : (left.count < right.count ? -1 : 1)
    }

    /// What `semver` returns to templates (Go's methods, as fields).
    var value: Value {
        ["Major": .int(major), "Minor": .int(minor), "Patch": .int(patch), "Prerelease": .string(prerelease),
         "Metadata": .string(metadata), "Original": .string(original)]
    }
}

/// A Masterminds/semver v3 constraint (`>=1.19-0`, `^1.2`, `~1.2.x`, `1.2 - 1.4`,
/// `>=1.0 <2.0 || 3.x`): OR groups of AND-ed comparisons, with its rules for wildcards
/// ("dirty" parts) and prereleases (a prerelease version satisfies a comparison only when the
/// constraint names a prerelease, hence charts' `-0`).
public struct SemverConstraint: Sendable {
    struct Comparison: Sendable {
        var operation: String
        var version: SemanticVersion
        var dirty: Bool
        var minorDirty: Bool
        var patchDirty: Bool
    }

    let groups: [[Comparison]]

    public init(_ text: String) throws(TemplateError) {
        var groups: [[Comparison]] = []
        for group in Self.rewriteRanges(text).split(separator: "||", omittingEmptySubsequences: false) {
            let tokens = Self.tokens(String(group))
            var comparisons: [Comparison] = []
            for token in tokens { comparisons.append(try Self.parse(token, whole: text)) }
            if comparisons.isEmpty { comparisons.append(try Self.parse("", whole: text)) }
            groups.append(comparisons)
        }
        self.groups = groups
    }

    /// `1.2 - 1.4.5` becomes `>= 1.2, <= 1.4.5`.
    private static func rewriteRanges(_ text: String) -> String {
        let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var out: [String] = []
        var i = 0
        while i < words.count {
            if i + 2 < words.count, words[i + 1] == "-" {
                out.append(">=" + words[i] + ",<=" + words[i + 2])
                i += 3
            } else {
                out.append(words[i])
                i += 1
            }
        }
        return out.joined(separator: " ")
    }

    /// The comparisons of one AND group: separated by commas or spaces, an operator possibly
    /// apart from its version (`>= 1.2`).
    private static func tokens(_ text: String) -> [String] {
        let operators: Set<String> = ["!=", "=", ">=", "=>", "<=", "=<", ">", "<", "~>", "~", "^"]
        var result: [String] = []
        var pending = ""
        for piece in text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" }) {
            let word = String(piece)
            if operators.contains(word) { pending += word; continue }
            result.append(pending + word)
            pending = ""
        }
        if !pending.isEmpty { result.append(pending) }
        return result
    }

    private static func parse(_ token: String, whole: String) throws(TemplateError) -> Comparison {
        var rest = Substring(token)
        var operation = ""
        for candidate in ["!=", ">=", "=>", "<=", "=<", "~>", "=", ">", "<", "~", "^"] where rest.hasPrefix(candidate) {
            operation = candidate
            rest = rest.dropFirst(candidate.count)
            break
        }
        if rest.first == "v" { rest = rest.dropFirst() }
        var suffix = ""
        if let mark = rest.firstIndex(where: { $0 == "-" || $0 == "+" }) {
            suffix = String(rest[mark...])
            rest = rest[..<mark]
        }
        let parts = rest.isEmpty ? [] : rest.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        func isX(_ part: String) -> Bool { part == "x" || part == "X" || part == "*" }
        guard parts.count <= 3 else { throw TemplateError("improper constraint: \(whole)") }
        var text: String
        var dirty = false, minorDirty = false, patchDirty = false
        if parts.isEmpty || isX(parts[0]) {
            text = "0.0.0" + suffix
            dirty = true
        } else if parts.count < 2 || isX(parts[1]) {
            text = parts[0] + ".0.0" + suffix
            dirty = true
            minorDirty = true
        } else if parts.count < 3 || isX(parts[2]) {
            text = parts[0] + "." + parts[1] + ".0" + suffix
            dirty = true
            patchDirty = true
        } else {
            text = parts.joined(separator: ".") + suffix
        }
        guard let version = SemanticVersion(text) else { throw TemplateError("improper constraint: \(whole)") }
        return Comparison(operation: operation, version: version, dirty: dirty, minorDirty: minorDirty, patchDirty: patchDirty)
    }

    public func check(_ version: SemanticVersion) -> Bool {
        groups.contains { group in group.allSatisfy { Self.check(version, $0) } }
    }

    private static func check(_ v: SemanticVersion, _ c: Comparison) -> Bool {
        let con = c.version
        // A prerelease is only considered by a constraint that names one.
        if !v.prerelease.isEmpty && con.prerelease.isEmpty { return false }
        switch c.operation {
        case "", "=":
            return c.dirty ? tilde(v, c) : v.compare(con) == 0
        case "!=":
            if c.dirty {
                if con.major != v.major { return true }
                if c.minorDirty { return false }
                if con.minor != v.minor { return true }
                if c.patchDirty { return !v.prerelease.isEmpty || !con.prerelease.isEmpty ? SemanticVersion.comparePrerelease(v.prerelease, con.prerelease) != 0 : false }
            }
            return v.compare(con) != 0
        case ">":
            guard c.dirty else { return v.compare(con) > 0 }
            if v.major != con.major { return v.major > con.major }
            if c.minorDirty { return false }
            if c.patchDirty { return v.minor > con.minor }
            return v.compare(con) > 0
        case "<":
            return v.compare(con) < 0
        case ">=", "=>":
            return v.compare(con) >= 0
        case "<=", "=<":
            guard c.dirty else { return v.compare(con) <= 0 }
            if v.major > con.major { return false }
            if v.major == con.major && v.minor > con.minor && !c.minorDirty { return false }
            return true
        case "~", "~>":
            return tilde(v, c)
        default: // "^"
            if v.compare(con) < 0 { return false }
            if con.major > 0 || c.minorDirty { return v.major == con.major }
            if v.major > 0 { return false }
            if con.minor > 0 || c.patchDirty { return v.minor == con.minor }
            if v.minor > 0 { return false }
            return v.patch == con.patch
        }
    }

    private static func tilde(_ v: SemanticVersion, _ c: Comparison) -> Bool {
        let con = c.version
        if v.compare(con) < 0 { return false }
        if con.major == 0 && con.minor == 0 && con.patch == 0 && !c.minorDirty && !c.patchDirty { return true }
        if v.major != con.major { return false }
        if v.minor != con.minor && !c.minorDirty { return false }
        return true
    }
}
