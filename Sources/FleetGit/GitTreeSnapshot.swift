import CGit2
import FleetModel

/// The files of one commit, read straight from the object database: no checkout, no work
/// tree, so the hub can render any commit of a bare mirror and `fleet render --revision`
/// can render history.
///
/// Holds its repository (which must outlive the tree handle) and the commit's root tree.
/// Not `Sendable`: use it on the thread that owns the repository.
public final class GitTreeSnapshot: FileTree {
    public let repository: GitRepository
    public let commit: GitObjectID
    public let maxFileBytes: Int
    private let tree: OpaquePointer

    init(repository: GitRepository, commit: GitObjectID, tree: OpaquePointer, maxFileBytes: Int) {
        self.repository = repository
        self.commit = commit
        self.tree = tree
        self.maxFileBytes = maxFileBytes
    }

    deinit { git_tree_free(tree) }

    public var displayName: String { "\(repository.originURL ?? repository.path)@\(commit.short)" }

    public func kind(of path: String) throws -> FileTreeEntryKind? {
        guard let path = TreePath.normalize(path) else { return nil }
        if path.isEmpty { return .directory }
        guard let entry = try entry(at: path) else { return nil }
        defer { git_tree_entry_free(entry) }
        switch git_tree_entry_filemode(entry) {
        case GIT_FILEMODE_TREE:
            return .directory
        case GIT_FILEMODE_BLOB, GIT_FILEMODE_BLOB_EXECUTABLE:
            return .file
        case GIT_FILEMODE_LINK:
            let target = try blobBytes(git_tree_entry_id(entry), path: path)
            return .symlink(target: String(decoding: target, as: UTF8.self))
        default:
            return nil  // submodules: their content is not in this repository
        }
    }

    public func readFile(_ path: String) throws -> [UInt8] {
        guard let normalized = TreePath.normalize(path), !normalized.isEmpty, let entry = try entry(at: normalized) else {
            throw FileTreeError(kind: .notFound, tree: displayName, path: path)
        }
        defer { git_tree_entry_free(entry) }
        let mode = git_tree_entry_filemode(entry)
        guard mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE else {
            throw FileTreeError(kind: .notAFile, tree: displayName, path: path)
        }
        return try blobBytes(git_tree_entry_id(entry), path: normalized)
    }

    public func listDirectory(_ path: String) throws -> [String] {
        guard let normalized = TreePath.normalize(path) else {
            throw FileTreeError(kind: .notFound, tree: displayName, path: path)
        }
        if normalized.isEmpty { return Self.names(of: tree) }
        guard let entry = try entry(at: normalized) else {
            throw FileTreeError(kind: .notFound, tree: displayName, path: path)
        }
        defer { git_tree_entry_free(entry) }
        guard git_tree_entry_filemode(entry) == GIT_FILEMODE_TREE else {
            throw FileTreeError(kind: .notADirectory, tree: displayName, path: path)
        }
        var subtree: OpaquePointer?
        let rc = git_tree_lookup(&subtree, repository.handle, git_tree_entry_id(entry))
        guard rc == 0, let subtree else { throw GitError.last(rc, operation: "read tree", location: displayName) }
        defer { git_tree_free(subtree) }
        return Self.names(of: subtree)
    }

    private static func names(of tree: OpaquePointer) -> [String] {
        (0..<git_tree_entrycount(tree)).compactMap { index in
            git_tree_entry_byindex(tree, index).flatMap { git_tree_entry_name($0) }.map { String(cString: $0) }
        }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// The entry at `path` (caller frees it), or `nil` when the path does not exist.
    private func entry(at path: String) throws -> OpaquePointer? {
        var entry: OpaquePointer?
        let rc = git_tree_entry_bypath(&entry, tree, path)
        if rc == GIT_ENOTFOUND.rawValue { return nil }
        guard rc == 0 else { throw GitError.last(rc, operation: "read tree", location: "\(displayName): \(path)") }
        return entry
    }

    private func blobBytes(_ id: UnsafePointer<git_oid>?, path: String) throws -> [UInt8] {
        var blob: OpaquePointer?
        let rc = git_blob_lookup(&blob, repository.handle, id)
        guard rc == 0, let blob else { throw GitError.last(rc, operation: "read file", location: "\(displayName): \(path)") }
        defer { git_blob_free(blob) }
        let size = Int(git_blob_rawsize(blob))
        guard size <= maxFileBytes else {
            throw FileTreeError(kind: .tooLarge, tree: displayName, path: path, detail: "\(size) bytes, limit \(maxFileBytes)")
        }
        guard size > 0, let raw = git_blob_rawcontent(blob) else { return [] }
        return Array(UnsafeRawBufferPointer(start: raw, count: size))
    }
}
