import FleetFiles
import FleetGit
import FleetModel

/// `fleet render`, `fleet diff` and `fleet appset generate` read one local repository,
/// whatever `repoURL` an Application or a git generator names: the checkout is the fleet repo
/// under review. For sources (`readsWorkTree`), `HEAD` (and the checked-out branch) is the
/// checkout as it is on disk, uncommitted edits included, so an edit can be previewed before
/// it is committed. Git generators read only commits, as Argo CD's do (a file that is not
/// committed, or is ignored, never generates an Application). Any other revision, or a pinned
/// one, is resolved with libgit2 and read from the object database. A directory that is not in
/// a Git repository has no commits: everything reads its files. A subdirectory of a repository
/// (a fleet repo inside a monorepo) reads as a repository of its own.
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
    /// Whether `HEAD` reads the files on disk (sources) or the commit HEAD names (git generators).
    public let readsWorkTree: Bool

    public init(directory: String, readsWorkTree: Bool = true) throws {
        self.readsWorkTree = readsWorkTree
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
        guard let repository, !(pinnedRevision == nil && followsHead && readsWorkTree) else {
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
