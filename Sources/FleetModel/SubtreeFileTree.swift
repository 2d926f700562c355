/// A directory of a tree seen as a tree of its own: a fleet repository kept in a subdirectory
/// of a larger repository (a monorepo) reads as if it were at the root.
///
/// Symlinks resolve within the whole tree (as Git stores them), but nothing above the
/// subdirectory is reachable by path.
public struct SubtreeFileTree: FileTree {
    public let base: FileTree
    /// The subdirectory, as a path of `base` (no leading or trailing slash).
    public let prefix: String

    public init(base: FileTree, prefix: String) {
        self.base = base
        self.prefix = prefix
    }

    private func full(_ path: String) -> String { TreePath.join(prefix, path) }

    public var displayName: String { base.displayName + "/" + prefix }
    public func displayPath(_ path: String) -> String { base.displayPath(full(path)) }
    public func kind(of path: String) throws -> FileTreeEntryKind? { try base.kind(of: full(path)) }
    public func readFile(_ path: String) throws -> [UInt8] { try base.readFile(full(path)) }
    public func listDirectory(_ path: String) throws -> [String] { try base.listDirectory(full(path)) }
    public func treePath(forAbsolute path: String) -> String? {
        guard let inBase = base.treePath(forAbsolute: path) else { return nil }
        if inBase == prefix { return "" }
        guard inBase.hasPrefix(prefix + "/") else { return nil }
        return String(inBase.dropFirst(prefix.count + 1))
    }

    /// The paths of `paths` (paths of `base`) that lie in the subtree, relative to it.
    public func relative(_ paths: [String]) -> [String] {
        paths.compactMap { $0.hasPrefix(prefix + "/") ? String($0.dropFirst(prefix.count + 1)) : nil }
    }
}
