import FleetModel
import FleetTemplate

/// Path patterns as Argo CD's git generator matches them: Go's `path.Match` for directories
/// (`*` stays within one path segment) and doublestar globs for files (`**` spans segments).
/// Both know `?`, `[a-z]`, `[^x]` and `\` escapes. Matching is `GlobPattern`'s, in
/// polynomial time whatever the pattern.
struct GoGlob {
    private let compiled: GlobPattern

    init(_ pattern: String, doubleStar: Bool) {
        compiled = GlobPattern(tokens: Self.tokens(Array(pattern), doubleStar: doubleStar))
    }

    func matches(_ path: String) -> Bool { compiled.matches(path) }

    private static func tokens(_ p: [Character], doubleStar: Bool) -> [GlobPattern.Token] {
        var tokens: [GlobPattern.Token] = []
        var i = 0
        while i < p.count {
            switch p[i] {
            case "*":
                if doubleStar, i + 1 < p.count, p[i + 1] == "*" {
                    // `**/` may match nothing; `**` is any run, slashes included.
                    if i + 2 < p.count, p[i + 2] == "/" {
                        tokens.append(.anyDirectories)
                        i += 3
                    } else {
                        tokens.append(.anyRun(crossesSlash: true))
                        i += 2
                    }
                    continue
                }
                tokens.append(.anyRun(crossesSlash: false))
            case "?":
                tokens.append(.anyCharacter(crossesSlash: false))
            case "[":
                var j = i + 1
                var negated = false
                if j < p.count, p[j] == "^" || p[j] == "!" { negated = true; j += 1 }
                var ranges: [ClosedRange<Character>] = []
                var firstMember = true
                while j < p.count, p[j] != "]" || firstMember {
                    firstMember = false
                    var low = p[j]
                    if low == "\\", j + 1 < p.count { j += 1; low = p[j] }
                    var high = low
                    if j + 2 < p.count, p[j + 1] == "-", p[j + 2] != "]" {
                        high = p[j + 2]
                        if high == "\\", j + 3 < p.count { j += 1; high = p[j + 2] }
                        j += 2
                    }
                    if low <= high { ranges.append(low...high) }
                    j += 1
                }
                guard j < p.count else { return [.never] }
                tokens.append(.set(ranges, negated: negated, crossesSlash: false))
                i = j
            case "\\":
                guard i + 1 < p.count else { return [.never] }
                tokens.append(.literal(p[i + 1]))
                i += 1
            default:
                tokens.append(.literal(p[i]))
            }
            i += 1
        }
        return tokens
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
