/// A repository tree at a resolved commit (for git generators, the planner's sources).
public struct RepositorySnapshot {
    public var tree: FileTree
    /// The full commit SHA the revision resolved to.
    public var commit: String

    public init(tree: FileTree, commit: String) {
        self.tree = tree
        self.commit = commit
    }
}

/// Where generators and the planner read repositories from: the hub's mirrors, or one local
/// repository for `fleet appset generate --repo` and `fleet render`. In the core, so the
/// engines that read repositories and the adapters that provide them need not know each other.
public protocol RepositoryProvider {
    func snapshot(repoURL: String, revision: String) throws -> RepositorySnapshot
    /// The paths that differ between two commits of a repository, or nil when the provider
    /// cannot tell (callers then treat everything as changed).
    func changedPaths(repoURL: String, from: String, to: String) throws -> [String]?
}

extension RepositoryProvider {
    public func changedPaths(repoURL: String, from: String, to: String) throws -> [String]? { nil }
}
