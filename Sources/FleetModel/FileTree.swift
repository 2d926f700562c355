/// What a path in a `FileTree` is.
public enum FileTreeEntryKind: Equatable, Sendable {
    case file
    case directory
    /// A symbolic link and its target as stored (relative or absolute); trees never follow
    /// links themselves, so the caller decides whether the target stays inside the tree.
    case symlink(target: String)
}

/// A read-only tree of files addressed by repository-relative paths (`apps/web/base`, `""` for
/// the root): a Git tree at a commit, a directory on disk, or files in memory.
///
/// The renderer and the ApplicationSet generators read through this protocol only, so the same
/// code renders a checkout on a laptop and a commit in the hub's bare mirror, with no work tree.
public protocol FileTree {
    /// How errors name this tree: a directory path, or `repo@sha`.
    var displayName: String { get }
    /// The kind of the entry at `path`, or `nil` when nothing is there.
    func kind(of path: String) throws -> FileTreeEntryKind?
    /// The bytes of the regular file at `path`.
    func readFile(_ path: String) throws -> [UInt8]
    /// The names (not paths) in the directory at `path`, sorted by byte order.
    func listDirectory(_ path: String) throws -> [String]
    /// How a tree path is shown to people (an absolute path for a directory on disk).
    func displayPath(_ path: String) -> String
    /// The tree path of an absolute filesystem path (a symlink target), or nil when the tree
    /// has no such notion or the path lies outside it.
    func treePath(forAbsolute path: String) -> String?
}

extension FileTree {
    public func displayPath(_ path: String) -> String { path.isEmpty ? "." : path }
    public func treePath(forAbsolute path: String) -> String? { nil }
}

/// Why a `FileTree` could not answer.
public struct FileTreeError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case notFound
        case notAFile
        case notADirectory
        case tooLarge
        case unreadable
    }

    public var kind: Kind
    public var tree: String
    public var path: String
    public var detail: String

    public init(kind: Kind, tree: String, path: String, detail: String = "") {
        self.kind = kind
        self.tree = tree
        self.path = path
        self.detail = detail
    }

    public var description: String {
        let what: String
        switch kind {
        case .notFound: what = "no such file or directory"
        case .notAFile: what = "not a regular file"
        case .notADirectory: what = "not a directory"
        case .tooLarge: what = "file too large"
        case .unreadable: what = "cannot be read"
        }
        let location = path.isEmpty ? tree : "\(tree): \(path)"
        return detail.isEmpty ? "\(location): \(what)" : "\(location): \(what) (\(detail))"
    }
}

/// Repository-relative path arithmetic shared by every tree.
public enum TreePath {
    /// Joins `relative` onto `base` and normalises `.` and `..`; `nil` if the result would leave
    /// the tree's root. Absolute `relative` paths are refused (`nil`) too.
    public static func resolve(_ relative: String, against base: String) -> String? {
        if relative.hasPrefix("/") { return nil }
        var parts = base.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        for component in relative.split(separator: "/", omittingEmptySubsequences: true) {
            switch component {
            case ".": continue
            case "..":
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
            default: parts.append(String(component))
            }
        }
        return parts.joined(separator: "/")
    }

    /// Normalises a path within the tree (`./a//b/` → `a/b`); `nil` if it escapes the root.
    public static func normalize(_ path: String) -> String? { resolve(path, against: "") }

    public static func join(_ a: String, _ b: String) -> String {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        return a + "/" + b
    }

    /// The directory part of a path (`a/b/c.yaml` → `a/b`, `c.yaml` → ``).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    /// The last component of a path (`a/b/c.yaml` → `c.yaml`).
    public static func basename(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}

/// Files held in memory: for tests, and for trees assembled from other sources.
public struct InMemoryFileTree: FileTree, Sendable {
    public var displayName: String
    public private(set) var files: [String: [UInt8]] = [:]
    public private(set) var symlinks: [String: String] = [:]
    /// Every directory that holds something, so lookups do not scan all files.
    private var directories: Set<String> = [""]

    public init(displayName: String = "<memory>", files: [String: String] = [:]) {
        self.displayName = displayName
        for (path, text) in files { write(path, text) }
    }

    public mutating func write(_ path: String, _ text: String) {
        write(path, bytes: Array(text.utf8))
    }

    public mutating func write(_ path: String, bytes: [UInt8]) {
        let normalized = TreePath.normalize(path) ?? path
        files[normalized] = bytes
        addParents(of: normalized)
    }

    public mutating func link(_ path: String, to target: String) {
        let normalized = TreePath.normalize(path) ?? path
        symlinks[normalized] = target
        addParents(of: normalized)
    }

    private mutating func addParents(of path: String) {
        var directory = TreePath.directory(of: path)
        while directories.insert(directory).inserted, !directory.isEmpty {
            directory = TreePath.directory(of: directory)
        }
    }

    public func kind(of path: String) throws -> FileTreeEntryKind? {
        guard let path = TreePath.normalize(path) else { return nil }
        if let target = symlinks[path] { return .symlink(target: target) }
        if files[path] != nil { return .file }
        return directories.contains(path) ? .directory : nil
    }

    public func readFile(_ path: String) throws -> [UInt8] {
        guard let normalized = TreePath.normalize(path), let bytes = files[normalized] else {
            let isDirectory = (try? kind(of: path)) == .directory
            throw FileTreeError(kind: isDirectory ? .notAFile : .notFound, tree: displayName, path: path)
        }
        return bytes
    }

    public func listDirectory(_ path: String) throws -> [String] {
        guard let path = TreePath.normalize(path), try kind(of: path) == .directory else {
            throw FileTreeError(kind: .notADirectory, tree: displayName, path: path)
        }
        let prefix = path.isEmpty ? "" : path + "/"
        var names = Set<String>()
        for key in Array(files.keys) + Array(symlinks.keys) where key.hasPrefix(prefix) {
            let rest = key.dropFirst(prefix.count)
            names.insert(String(rest.split(separator: "/", maxSplits: 1).first ?? rest))
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
