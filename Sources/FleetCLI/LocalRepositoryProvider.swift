import FleetAppSet
import FleetFiles
import FleetGit
import FleetModel

/// Git generators of `fleet appset generate` and `fleet render` read one local repository,
/// whatever `repoURL` they name: the checkout is the fleet repo under review. `HEAD` (and the
/// checked-out branch) is the checkout as it is on disk, uncommitted edits included, unless a
/// revision is pinned; any other revision is resolved with libgit2 and read from the object
/// database, never from the work tree. A subdirectory of a
/// repository (a fleet repo inside a monorepo) reads as a repository of its own.
final class LocalRepositoryProvider: RepositoryProvider {
    let directory: String
    private let repository: GitRepository?
    /// The directory's path inside its repository when it is a subdirectory (a fleet repo in a
    /// monorepo), empty at the top.
    private let subdirectory: String
    private var snapshots: [String: RepositorySnapshot] = [:]
    /// When set, `HEAD` (and the branch HEAD is on) mean this revision: the fleet repo "as of"
    /// a commit, sources included, for `fleet render --revision` and `fleet diff`.
    var pinnedRevision: String?

    init(directory: String) throws {
        self.directory = LocalPaths.absolute(directory)
        guard LocalPaths.isDirectory(self.directory) else {
            throw CommandFailure("\(directory): no such directory")
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
    static let workingTree = "working-tree"

    /// Whether revisions can be resolved (the directory is a Git repository).
    var isGitRepository: Bool { repository != nil }

    func snapshot(repoURL: String, revision: String) throws -> RepositorySnapshot {
        var revision = revision.isEmpty ? "HEAD" : revision
        let followsHead = revision == "HEAD" || revision == repository?.headBranch
        if let pinnedRevision, followsHead { revision = pinnedRevision }
        if let cached = snapshots[revision] { return cached }
        let snapshot: RepositorySnapshot
        if pinnedRevision == nil, followsHead {
            // The checkout as it is on disk, uncommitted changes included.
            snapshot = RepositorySnapshot(tree: DirectoryFileTree(root: directory), commit: Self.workingTree)
        } else if let repository {
            let commit = try repository.resolveCommit(revision)
            let tree: FileTree = try repository.snapshot(at: commit)
            snapshot = RepositorySnapshot(tree: subdirectory.isEmpty ? tree : SubtreeFileTree(base: tree, prefix: subdirectory), commit: commit.hex)
        } else {
            guard revision == "HEAD" || revision.isEmpty else {
                throw CommandFailure("\(directory) is not a Git repository, so revision \"\(revision)\" cannot be read (only HEAD, the files on disk)")
            }
            snapshot = RepositorySnapshot(tree: DirectoryFileTree(root: directory), commit: "")
        }
        snapshots[revision] = snapshot
        return snapshot
    }

    func changedPaths(repoURL: String, from: String, to: String) throws -> [String]? {
        guard let repository, let old = GitObjectID(hex: from), let new = GitObjectID(hex: to) else { return nil }
        let changed = try repository.changedPaths(from: old, to: new)
        guard !subdirectory.isEmpty else { return changed }
        return changed.compactMap { $0.hasPrefix(subdirectory + "/") ? String($0.dropFirst(subdirectory.count + 1)) : nil }
    }
}
