import CGit2

/// The metadata of a commit, as the hub's audit log records it.
public struct GitCommitInfo: Equatable, Sendable {
    public var id: GitObjectID
    public var authorName: String
    public var authorEmail: String
    /// Seconds since the Unix epoch, and the author's UTC offset in minutes.
    public var authorTime: Int64
    public var authorUTCOffsetMinutes: Int
    public var committerName: String
    public var committerEmail: String
    public var commitTime: Int64
    public var message: String
    public var parents: [GitObjectID]

    /// The first line of the message.
    public var summary: String {
        String(message.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    }
}

/// An open Git repository (bare or with a work tree), owning its libgit2 handle.
///
/// Not `Sendable` and not thread-safe, like the handle it owns: use one instance per thread.
/// Every call blocks (disk and network I/O), so async code runs it on a dedicated thread (see
/// `GitMirror`), never on the cooperative pool.
public final class GitRepository {
    let handle: OpaquePointer
    /// The repository's path (the `.git` directory or the bare repository).
    public let path: String

    private init(handle: OpaquePointer, path: String) {
        self.handle = handle
        self.path = path
    }

    deinit { git_repository_free(handle) }

    /// Opens an existing repository: a bare repository, a `.git` directory, or a work tree.
    public static func open(at path: String) throws(GitError) -> GitRepository {
        GitLibrary.ensureInitialized()
        var handle: OpaquePointer?
        let rc = git_repository_open_ext(&handle, path, UInt32(GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue), nil)
        guard rc == 0, let handle else {
            var error = GitError.last(rc, operation: "open repository", location: path)
            if rc == GIT_ENOTFOUND.rawValue { error.message = "not a Git repository (no .git found)" }
            throw error
        }
        return GitRepository(handle: handle, path: path)
    }

    /// Creates an empty bare repository at `path`.
    public static func initBare(at path: String) throws(GitError) -> GitRepository {
        GitLibrary.ensureInitialized()
        var handle: OpaquePointer?
        let rc = git_repository_init(&handle, path, 1)
        guard rc == 0, let handle else { throw GitError.last(rc, operation: "create repository", location: path) }
        return GitRepository(handle: handle, path: path)
    }

    /// Opens the bare mirror of `url` kept at `path`, creating it on first use. The mirror's
    /// `origin` fetches every branch into `refs/heads/*` (and tags into `refs/tags/*`), so
    /// after `fetch` a branch name resolves to the remote's current commit.
    public static func mirror(url: String, at path: String) throws(GitError) -> GitRepository {
        GitLibrary.ensureInitialized()
        var handle: OpaquePointer?
        if git_repository_open_bare(&handle, path) == 0, let handle {
            let repository = GitRepository(handle: handle, path: path)
            try repository.pointOrigin(at: url)
            return repository
        }
        let repository = try initBare(at: path)
        var remote: OpaquePointer?
        let rc = git_remote_create_with_fetchspec(&remote, repository.handle, "origin", url, "+refs/heads/*:refs/heads/*")
        guard rc == 0 else { throw GitError.last(rc, operation: "configure mirror", location: url) }
        git_remote_free(remote)
        return repository
    }

    private func pointOrigin(at url: String) throws(GitError) {
        var remote: OpaquePointer?
        if git_remote_lookup(&remote, handle, "origin") == 0 {
            defer { git_remote_free(remote) }
            if let current = git_remote_url(remote), String(cString: current) == url { return }
            let rc = git_remote_set_url(handle, "origin", url)
            guard rc == 0 else { throw GitError.last(rc, operation: "configure mirror", location: url) }
            return
        }
        let rc = git_remote_create_with_fetchspec(&remote, handle, "origin", url, "+refs/heads/*:refs/heads/*")
        guard rc == 0 else { throw GitError.last(rc, operation: "configure mirror", location: url) }
        git_remote_free(remote)
    }

    /// The URL of `origin`, if the repository has one.
    public var originURL: String? {
        var remote: OpaquePointer?
        guard git_remote_lookup(&remote, handle, "origin") == 0 else { return nil }
        defer { git_remote_free(remote) }
        return git_remote_url(remote).map { String(cString: $0) }
    }

    /// Fetches `origin` (all branches, all tags, pruning deleted branches) and points HEAD at
    /// the remote's default branch. Returns the references that moved.
    @discardableResult
    public func fetch(options: GitRemoteOptions = GitRemoteOptions()) throws(GitError) -> [GitRefUpdate] {
        let location = originURL ?? path
        var remote: OpaquePointer?
        var rc = git_remote_lookup(&remote, handle, "origin")
        guard rc == 0 else { throw GitError.last(rc, operation: "fetch", location: location) }
        defer { git_remote_free(remote) }

        var fetchOptions = git_fetch_options()
        git_fetch_options_init(&fetchOptions, UInt32(GIT_FETCH_OPTIONS_VERSION))
        fetchOptions.prune = GIT_FETCH_PRUNE
        fetchOptions.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_ALL
        let state = GitRemoteCallbackState(options: options)
        state.install(into: &fetchOptions.callbacks)
        rc = withExtendedLifetime(state) { git_remote_fetch(remote, nil, &fetchOptions, "fleet: fetch") }
        if rc < 0 {
            var error = GitError.last(rc, operation: "fetch", location: location)
            if state.timedOut, let timeout = options.transferTimeout {
                error.kind = .network
                error.message = "transfer did not finish within \(timeout)"
            }
            throw error
        }

        var branch = git_buf()
        if git_remote_default_branch(&branch, remote) == 0, let name = branch.ptr {
            _ = git_repository_set_head(handle, name)
        }
        git_buf_dispose(&branch)
        return state.updates
    }

    /// The commit a revision names: a full or short SHA, `HEAD`, a branch, a tag (annotated
    /// tags are peeled), a full ref name, or an expression like `main~1`.
    public func resolveCommit(_ revision: String) throws(GitError) -> GitObjectID {
        let revision = revision.isEmpty ? "HEAD" : revision
        var candidates: [String]
        if revision == "HEAD" || revision.hasPrefix("refs/") {
            candidates = [revision]
        } else {
            candidates = ["refs/heads/\(revision)", "refs/tags/\(revision)", "refs/remotes/origin/\(revision)", revision]
        }
        if let full = GitObjectID(hex: revision) { candidates.insert(full.hex, at: 0) }
        var ambiguous = false
        for candidate in candidates {
            var object: OpaquePointer?
            let rc = git_revparse_single(&object, handle, candidate + "^{commit}")
            if rc == 0, let object {
                defer { git_object_free(object) }
                return GitObjectID(git_object_id(object).pointee)
            }
            if rc == GIT_EAMBIGUOUS.rawValue { ambiguous = true }
        }
        let message: String
        if ambiguous {
            message = "'\(revision)' is an ambiguous short SHA; use more digits"
        } else {
            let refs = (try? referenceNames()) ?? []
            let branches = refs.filter { $0.hasPrefix("refs/heads/") }.map { String($0.dropFirst(11)) }
            let tags = refs.filter { $0.hasPrefix("refs/tags/") }.map { String($0.dropFirst(10)) }
            message = "'\(revision)' is not a branch, tag or commit here (branches: \(Self.list(branches)); tags: \(Self.list(tags)))"
        }
        throw GitError(kind: .revisionNotFound, operation: "resolve revision", location: originURL ?? path, message: message)
    }

    private static func list(_ names: [String]) -> String {
        if names.isEmpty { return "none" }
        let shown = names.prefix(10).joined(separator: ", ")
        return names.count > 10 ? shown + ", ..." : shown
    }

    /// The branch HEAD points at (`main`), or nil when HEAD is detached or unborn.
    public var headBranch: String? {
        var reference: OpaquePointer?
        guard git_repository_head(&reference, handle) == 0, let reference else { return nil }
        defer { git_reference_free(reference) }
        guard git_reference_is_branch(reference) != 0, let name = git_reference_shorthand(reference) else { return nil }
        return String(cString: name)
    }

    /// Every reference name in the repository.
    public func referenceNames() throws(GitError) -> [String] {
        var array = git_strarray()
        let rc = git_reference_list(&array, handle)
        guard rc == 0 else { throw GitError.last(rc, operation: "list references", location: path) }
        defer { git_strarray_dispose(&array) }
        return (0..<array.count).compactMap { array.strings[$0].map { String(cString: $0) } }.sorted()
    }

    /// Author, committer, time, message and parents of a commit.
    public func commitInfo(_ id: GitObjectID) throws(GitError) -> GitCommitInfo {
        let commit = try lookupCommit(id)
        defer { git_commit_free(commit) }
        let author = git_commit_author(commit)!.pointee
        let committer = git_commit_committer(commit)!.pointee
        let parents = (0..<git_commit_parentcount(commit)).compactMap { GitObjectID(git_commit_parent_id(commit, $0)) }
        return GitCommitInfo(
            id: id,
            authorName: String(cString: author.name), authorEmail: String(cString: author.email),
            authorTime: author.when.time, authorUTCOffsetMinutes: Int(author.when.offset),
            committerName: String(cString: committer.name), committerEmail: String(cString: committer.email),
            commitTime: committer.when.time,
            message: git_commit_message(commit).map { String(cString: $0) } ?? "",
            parents: parents)
    }

    /// The files of `commit`, readable without a work tree.
    public func snapshot(at commit: GitObjectID, maxFileBytes: Int = 8 << 20) throws(GitError) -> GitTreeSnapshot {
        try GitTreeSnapshot(repository: self, commit: commit, tree: tree(of: commit), maxFileBytes: maxFileBytes)
    }

    /// Paths added, modified, deleted or renamed between two commits (both sides of a rename);
    /// with no `from`, every file of `to`. Sorted, without duplicates.
    public func changedPaths(from: GitObjectID?, to: GitObjectID) throws(GitError) -> [String] {
        let newTree = try tree(of: to)
        defer { git_tree_free(newTree) }
        var oldTree: OpaquePointer?
        if let from { oldTree = try tree(of: from) }
        defer { if let oldTree { git_tree_free(oldTree) } }
        var options = git_diff_options()
        git_diff_options_init(&options, UInt32(GIT_DIFF_OPTIONS_VERSION))
        var diff: OpaquePointer?
        let rc = git_diff_tree_to_tree(&diff, handle, oldTree, newTree, &options)
        guard rc == 0 else { throw GitError.last(rc, operation: "diff", location: path) }
        defer { git_diff_free(diff) }
        var paths = Set<String>()
        for index in 0..<git_diff_num_deltas(diff) {
            guard let delta = git_diff_get_delta(diff, index)?.pointee else { continue }
            if let old = delta.old_file.path { paths.insert(String(cString: old)) }
            if let new = delta.new_file.path { paths.insert(String(cString: new)) }
        }
        return paths.sorted()
    }

    func lookupCommit(_ id: GitObjectID) throws(GitError) -> OpaquePointer {
        var oid = id.oid
        var commit: OpaquePointer?
        let rc = git_commit_lookup(&commit, handle, &oid)
        guard rc == 0, let commit else {
            var error = GitError.last(rc, operation: "read commit", location: path)
            if rc == GIT_ENOTFOUND.rawValue {
                error.kind = .revisionNotFound
                error.message = "commit \(id.short) is not in this repository"
            }
            throw error
        }
        return commit
    }

    /// The root tree of a commit; the caller frees it with `git_tree_free`.
    func tree(of id: GitObjectID) throws(GitError) -> OpaquePointer {
        let commit = try lookupCommit(id)
        defer { git_commit_free(commit) }
        var tree: OpaquePointer?
        let rc = git_commit_tree(&tree, commit)
        guard rc == 0, let tree else { throw GitError.last(rc, operation: "read tree", location: path) }
        return tree
    }
}
