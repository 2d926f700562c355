import FleetModel

/// Path patterns as Argo CD's git generator matches them: Go's `path.Match` for directories
/// (`*` stays within one path segment) and doublestar globs for files (`**` spans segments).
/// Both know `?`, `[a-z]`, `[^x]` and `\` escapes.
struct GoGlob {
    private let pattern: [Character]
    private let doubleStar: Bool

    init(_ pattern: String, doubleStar: Bool) {
        self.pattern = Array(pattern)
        self.doubleStar = doubleStar
    }

    func matches(_ path: String) -> Bool {
        Self.match(pattern[...], Array(path)[...], doubleStar: doubleStar)
    }

    private static func match(_ p: ArraySlice<Character>, _ t: ArraySlice<Character>, doubleStar: Bool) -> Bool {
        guard let first = p.first else { return t.isEmpty }
        switch first {
        case "*":
            let rest = p.dropFirst()
            if doubleStar, rest.first == "*" {
                // `**`: any run of characters, slashes included; `**/` may also match nothing.
                var after = rest.dropFirst()
                if after.first == "/" {
                    after = after.dropFirst()
                    var text = t
                    while true {
                        if match(after, text, doubleStar: doubleStar) { return true }
                        guard let slash = text.firstIndex(of: "/") else { return false }
                        text = text[(slash + 1)...]
                    }
                }
                var text = t
                while true {
                    if match(after, text, doubleStar: doubleStar) { return true }
                    guard !text.isEmpty else { return false }
                    text = text.dropFirst()
                }
            }
            var text = t
            while true {
                if match(rest, text, doubleStar: doubleStar) { return true }
                guard let c = text.first, c != "/" else { return false }
                text = text.dropFirst()
            }
        case "?":
            guard let c = t.first, c != "/" else { return false }
            return match(p.dropFirst(), t.dropFirst(), doubleStar: doubleStar)
        case "[":
            guard let c = t.first, c != "/" else { return false }
            var i = p.index(after: p.startIndex)
            var negated = false
            if i < p.endIndex, p[i] == "^" || p[i] == "!" { negated = true; i += 1 }
            var found = false
            var firstMember = true
            while i < p.endIndex, p[i] != "]" || firstMember {
                firstMember = false
                var low = p[i]
                if low == "\\", i + 1 < p.endIndex { i += 1; low = p[i] }
                var high = low
                if i + 2 < p.endIndex, p[i + 1] == "-", p[i + 2] != "]" {
                    high = p[i + 2]
                    if high == "\\", i + 3 < p.endIndex { i += 1; high = p[i + 2] }
                    i += 2
                }
                if low <= c && c <= high { found = true }
                i += 1
            }
            guard i < p.endIndex else { return false }
            return found != negated && match(p[(i + 1)...], t.dropFirst(), doubleStar: doubleStar)
        case "\\":
            let escaped = p.dropFirst()
            guard let literal = escaped.first else { return false }
            return t.first == literal && match(escaped.dropFirst(), t.dropFirst(), doubleStar: doubleStar)
        default:
            return t.first == first && match(p.dropFirst(), t.dropFirst(), doubleStar: doubleStar)
        }
    }
}

/// Every directory and file of a repository tree, as the git generator sees it: directories
/// in lexical walk order without the root and without any directory whose name starts with
/// `.` (Argo CD skips those); files include everything Git tracks.
struct RepositoryListing {
    var directories: [String] = []
    var files: [String] = []
    static let maxEntries = 200_000

    init(tree: FileTree) throws {
        try walk(tree, "", hidden: false)
    }

    private mutating func walk(_ tree: FileTree, _ directory: String, hidden: Bool) throws {
        for name in try tree.listDirectory(directory).sorted() {
            let path = directory.isEmpty ? name : directory + "/" + name
            guard directories.count + files.count < Self.maxEntries else {
                throw ApplicationSetGenerator.GenerationFailure(message: "the repository has more than \(Self.maxEntries) entries")
            }
            switch try tree.kind(of: path) {
            case .directory?:
                let isHidden = hidden || name.hasPrefix(".")
                if !isHidden { directories.append(path) }
                try walk(tree, path, hidden: isHidden)
            case .file?:
                files.append(path)
            default:
                continue
            }
        }
    }
}
