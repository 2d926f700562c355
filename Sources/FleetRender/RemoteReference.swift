import FleetModel

/// A remote base or file named in `resources:` or `components:`, parsed as kustomize's
/// `NewRepoSpecFromURL` parses it.
///
/// Git forms: `github.com/org/repo//path?ref=v1`, `https://host/org/repo.git//path?ref=main`,
/// `git@host:org/repo//path`, `ssh://git@host/org/repo.git`, `git::https://...`, `file:///srv/repo//path`
/// (tests). The repository ends at `//` or after `.git`; without either, `github.com` and
/// `gitlab.com` repositories are the first two path segments. `ref` (or `version`) names the
/// branch, tag or commit; `timeout` and `submodules` are accepted and ignored.
/// Any other `http(s)` URL is a single file, fetched as a resource file.
public enum RemoteReference: Hashable, Sendable {
    case git(repository: String, path: String, ref: String)
    case file(url: String)

    /// nil when the text is a local path.
    public init?(_ text: String) {
        var rest = text
        if rest.hasPrefix("git::") { rest.removeFirst(5) }
        var query = ""
        if let mark = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: mark)...])
            rest = String(rest[..<mark])
        }
        var ref = ""
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2, parts[0] == "ref" || parts[0] == "version", ref.isEmpty { ref = parts[1] }
        }
        guard let (host, path) = Self.splitHost(rest) else { return nil }
        let isHTTP = host.hasPrefix("http://") || host.hasPrefix("https://")
        let gitLike = text.hasPrefix("git::") || path.contains("//") || path.contains(".git") || !query.isEmpty
            || host.hasSuffix("github.com/") || host.hasSuffix("gitlab.com/") || !isHTTP
        if isHTTP && !gitLike {
            self = .file(url: text)
            return
        }
        guard let (repositoryPath, rootPath) = Self.splitPath(path, host: host) else {
            if isHTTP { self = .file(url: text); return }
            return nil
        }
        self = .git(repository: host + repositoryPath, path: rootPath, ref: ref)
    }

    /// The scheme and authority (`https://github.com/`, `git@github.com:`, `file://`) and the
    /// path after them.
    private static func splitHost(_ text: String) -> (String, String)? {
        for scheme in ["https://", "http://", "ssh://", "git://"] where text.hasPrefix(scheme) {
            let afterScheme = text.dropFirst(scheme.count)
            guard let slash = afterScheme.firstIndex(of: "/") else { return nil }
            let authority = afterScheme[..<slash]
            guard !authority.isEmpty else { return nil }
            return (scheme + authority + "/", String(afterScheme[afterScheme.index(after: slash)...]))
        }
        if text.hasPrefix("file://") {
            return ("file://", String(text.dropFirst("file://".count)))
        }
        // scp-like `user@host:org/repo`
        if let at = text.firstIndex(of: "@"), let colon = text[at...].firstIndex(of: ":"),
           !text[..<at].contains("/"), !text[at..<colon].contains("/") {
            return (String(text[...colon]), String(text[text.index(after: colon)...]))
        }
        for host in ["github.com/", "gitlab.com/", "bitbucket.org/"] where text.hasPrefix(host) {
            return ("https://" + host, String(text.dropFirst(host.count)))
        }
        return nil
    }

    /// The repository part and the kustomization root inside it (kustomize's parsePathParts).
    private static func splitPath(_ path: String, host: String) -> (String, String)? {
        if let separator = path.firstRange(of: "//") {
            let repository = String(path[..<separator.lowerBound])
            return repository.isEmpty ? nil : (repository, String(path[separator.upperBound...]))
        }
        if let git = path.firstRange(of: ".git") , git.upperBound == path.endIndex || path[git.upperBound] == "/" {
            let root = path[git.upperBound...].drop(while: { $0 == "/" })
            return (String(path[..<git.upperBound]), String(root))
        }
        // github.com/org/repo/path: the repository is the first two segments.
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        if host == "https://github.com/" || host == "https://gitlab.com/" || host.hasSuffix("@github.com:") || host.hasSuffix("@gitlab.com:") {
            guard segments.count >= 2 else { return nil }
            return (segments[0..<2].joined(separator: "/"), segments.dropFirst(2).joined(separator: "/"))
        }
        if host == "file://" { return (path, "") }
        return nil
    }

    public var description: String {
        switch self {
        case .git(let repository, let path, let ref):
            return repository + (path.isEmpty ? "" : "//" + path) + (ref.isEmpty ? "" : "?ref=" + ref)
        case .file(let url):
            return url
        }
    }
}

/// Fetches what remote references name, for the renderer (which stays free of I/O): the hub
/// and the CLI supply one backed by libgit2 and a content-addressed cache.
public protocol RemoteResolver: AnyObject, Sendable {
    /// The tree of `repository` at `ref` (empty: the default branch), fetched or from cache.
    func tree(repository: String, ref: String) throws -> FileTree
    /// The bytes of a file URL.
    func file(url: String) throws -> [UInt8]
}
