import FleetModel
import FleetYAML

/// How a plain directory is read (Argo CD's `spec.source.directory`).
public struct DirectoryOptions: Equatable, Sendable {
    /// Descend into subdirectories.
    public var recurse: Bool
    /// Only files whose path (relative to the directory) matches this glob.
    public var include: String?
    /// Skip files whose path matches this glob; wins over `include`.
    public var exclude: String?

    public init(recurse: Bool = false, include: String? = nil, exclude: String? = nil) {
        self.recurse = recurse
        self.include = include
        self.exclude = exclude
    }
}

/// Renders a directory of plain manifests, as Argo CD does for a directory-type Application:
/// every `.yaml`, `.yml` and `.json` file (in lexical order, subdirectories only with
/// `recurse`), filtered by the include and exclude globs, each document an object.
public enum DirectoryRenderer {
    public static func render(_ tree: FileTree, directory: String, options: DirectoryOptions = DirectoryOptions(),
                              renderOptions: RenderOptions = RenderOptions()) throws(RenderError) -> RenderResult {
        let reader = TreeReader(tree: tree, maxFileBytes: renderOptions.maxFileBytes)
        guard let normalized = TreePath.normalize(directory) else {
            throw RenderError(.outsideRoot, file: directory, "the directory is outside the repository")
        }
        let root = try reader.realPath(normalized, naming: directory)
        guard try reader.kind(root) == .directory else {
            throw RenderError(.notFound, file: tree.displayPath(root), "not a directory")
        }
        let include = options.include.flatMap { $0.isEmpty ? nil : Glob($0) }
        let exclude = options.exclude.flatMap { $0.isEmpty ? nil : Glob($0) }
        var files: [String] = []
        try collect(root, relative: "", reader: reader, recurse: options.recurse, into: &files)
        var objects: [Value] = []
        var inputs = Set<String>()
        for relative in files {
            if let exclude, exclude.matches(relative) { continue }
            if let include, !include.matches(relative) { continue }
            let path = TreePath.join(root, relative)
            let display = tree.displayPath(path)
            let real = try reader.realPath(path, naming: relative)
            let bytes = try reader.read(real, display: display)
            inputs.insert(real)
            let documents: [YAMLDocument]
            do {
                documents = try YAML.parseStream(bytes, source: display, options: YAMLParseOptions(maxBytes: renderOptions.maxFileBytes))
            } catch {
                throw RenderError(error.kind == .limitExceeded ? .tooLarge : .yaml, file: display, line: error.line, error.message)
            }
            objects += try ManifestObjects.objects(in: documents, display: display, requireName: false)
        }
        return RenderResult(objects: objects, warnings: [], inputs: inputs)
    }

    private static func collect(_ directory: String, relative: String, reader: TreeReader, recurse: Bool, into files: inout [String]) throws(RenderError) {
        let names: [String]
        do { names = try reader.tree.listDirectory(directory) } catch {
            throw RenderError(.notFound, file: reader.tree.displayPath(directory), "cannot list directory: \(error)")
        }
        for name in names {
            let path = TreePath.join(directory, name)
            let relativePath = TreePath.join(relative, name)
            let real = try reader.realPath(path, naming: relativePath)
            switch try reader.kind(real) {
            case .directory?:
                if recurse { try collect(real, relative: relativePath, reader: reader, recurse: recurse, into: &files) }
            case .file?:
                if name.hasSuffix(".yaml") || name.hasSuffix(".yml") || name.hasSuffix(".json") { files.append(relativePath) }
            default:
                continue
            }
        }
    }
}

/// Shell-style globs as Argo CD matches directory include/exclude patterns: `*` any run of
/// characters (slashes included), `?` one character, `[abc]` a class, `{a,b}` alternatives.
public struct Glob: Sendable {
    private let alternatives: [GlobPattern]
    /// Brace alternatives kept from one pattern (`{a,b}{c,d}...` multiplies).
    static let maxAlternatives = 1024

    public init(_ pattern: String) {
        alternatives = Glob.expandBraces(pattern, limit: Self.maxAlternatives).map { GlobPattern(tokens: Glob.tokens(Array($0))) }
    }

    public func matches(_ text: String) -> Bool {
        alternatives.contains { $0.matches(text) }
    }

    /// `{a,b}` alternatives expanded, at most `limit` of them.
    static func expandBraces(_ pattern: String, limit: Int) -> [String] {
        guard let open = pattern.firstIndex(of: "{") else { return [pattern] }
        var depth = 0
        var close: String.Index?
        var index = open
        while index < pattern.endIndex {
            if pattern[index] == "{" { depth += 1 }
            if pattern[index] == "}" { depth -= 1; if depth == 0 { close = index; break } }
            index = pattern.index(after: index)
        }
        guard let close else { return [pattern] }
        let prefix = String(pattern[..<open])
        let suffix = String(pattern[pattern.index(after: close)...])
        var options: [String] = []
        var current = ""
        depth = 0
        for c in pattern[pattern.index(after: open)..<close] {
            if c == "{" { depth += 1 }
            if c == "}" { depth -= 1 }
            if c == "," && depth == 0 { options.append(current); current = "" } else { current.append(c) }
        }
        options.append(current)
        var expanded: [String] = []
        for option in options where expanded.count < limit {
            expanded += expandBraces(prefix + option + suffix, limit: limit - expanded.count)
        }
        return expanded
    }

    /// `*` any run (slashes included), `?` one character, `[a-z]`/`[!a]`/`[^a]` a class
    /// closed by the first `]`; an unclosed `[` matches nothing.
    static func tokens(_ p: [Character]) -> [GlobPattern.Token] {
        var tokens: [GlobPattern.Token] = []
        var i = 0
        while i < p.count {
            switch p[i] {
            case "*": tokens.append(.anyRun(crossesSlash: true))
            case "?": tokens.append(.anyCharacter(crossesSlash: true))
            case "[":
                guard let close = p[(i + 1)...].firstIndex(of: "]") else { return [.never] }
                var members = p[(i + 1)..<close]
                let negated = members.first == "!" || members.first == "^"
                if negated { members = members.dropFirst() }
                var ranges: [ClosedRange<Character>] = []
                var j = members.startIndex
                while j < members.endIndex {
                    if j + 2 < members.endIndex, members[j + 1] == "-" {
                        if members[j] <= members[j + 2] { ranges.append(members[j]...members[j + 2]) }
                        j += 3
                    } else {
                        ranges.append(members[j]...members[j])
                        j += 1
                    }
                }
                tokens.append(.set(ranges, negated: negated, crossesSlash: true))
                i = close
            default: tokens.append(.literal(p[i]))
            }
            i += 1
        }
        return tokens
    }
}
