import FleetFiles
import FleetGit
import FleetModel

/// Git generators of `fleet appset generate` and `fleet render` read one local repository,
/// whatever `repoURL` they name: the checkout is the fleet repo under review. `HEAD` (and the
/// checked-out branch) is the checkout as it is on disk, uncommitted edits included, unless a
/// revision is pinned; any other revision is resolved with libgit2 and read from the object
/// database, never from the work tree. A subdirectory of a
/// repository (a fleet repo inside a monorepo) reads as a repository of its own.
public final class LocalRepositoryProvider: RepositoryProvider {
    public let directory: String
    private let repository: GitRepository?
    /// The directory's path inside its repository when it is a subdirectory (a fleet repo in a
    /// monorepo), empty at the top.
    private let subdirectory: String
    private var snapshots: [String: RepositorySnapshot] = [:]
    /// When set, `HEAD` (and the branch HEAD is on) mean this revision: the fleet repo "as of"
    /// a commit, sources included, for `fleet render --revision` and `fleet diff`.
    public var pinnedRevision: String?

    public init(directory: String) throws {
        self.directory = LocalPaths.absolute(directory)
        guard LocalPaths.isDirectory(self.directory) else {
            throw RepositoryError("\(directory): no such directory")
        }
        if let workTree = LocalPaths.enclosingGitWorkTree(of: self.directory) {
            let top = LocalPaths.realPath(workTree)
            let real = LocalPaths.realPath(self.directory)
            subdirectory = real == top ? "" : String(real.dropFirst(top.count + 1))
            repository = try GitRepository.open(at: workTree)
        } else if LocalPaths.exists(self.directory + "/HEAD") && LocalPaths.isDirectory(self.directory + "/objects") {
            repository = try GitRepository.open(at: self.directory)
            subdirectory = ""
        } else {
            repository = nil
            subdirectory = ""
        }
    }

    /// The commit name plans show for files read from disk.
    public static let workingTree = "working-tree"

    /// Whether revisions can be resolved (the directory is a Git repository).
    public var isGitRepository: Bool { repository != nil }

    public func snapshot(repoURL: String, revision: String) throws -> RepositorySnapshot {
        var revision = revision.isEmpty ? "HEAD" : revision
        let followsHead = revision == "HEAD" || revision == repository?.headBranch
        if let pinnedRevision, followsHead { revision = pinnedRevision }
        guard let repository, !(pinnedRevision == nil && followsHead) else {
            // The checkout as it is on disk, uncommitted changes included.
            guard followsHead else {
                throw RepositoryError("\(directory) is not a Git repository, so revision \"\(revision)\" cannot be read (only HEAD, the files on disk)")
            }
            return RepositorySnapshot(tree: DirectoryFileTree(root: directory), commit: Self.workingTree)
        }
        // Revisions move (a branch gets a commit): resolve every time, reuse trees by commit.
        let commit = try repository.resolveCommit(revision)
        if let cached = snapshots[commit.hex] { return cached }
        let tree: FileTree = try repository.snapshot(at: commit)
        let snapshot = RepositorySnapshot(tree: subdirectory.isEmpty ? tree : SubtreeFileTree(base: tree, prefix: subdirectory), commit: commit.hex)
        if snapshots.count >= 16 { snapshots.removeAll() }
        snapshots[commit.hex] = snapshot
        return snapshot
    }

    public func changedPaths(repoURL: String, from: String, to: String) throws -> [String]? {
        guard let repository, let old = GitObjectID(hex: from), let new = GitObjectID(hex: to) else { return nil }
        let changed = try repository.changedPaths(from: old, to: new)
        guard !subdirectory.isEmpty else { return changed }
        return changed.compactMap { $0.hasPrefix(subdirectory + "/") ? String($0.dropFirst(subdirectory.count + 1)) : nil }
    }
}

/// A repository that cannot be used as asked (no such directory, a revision of a plain directory).
public struct RepositoryError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
