import FleetModel

#if canImport(Glibc)
import Glibc
#endif

/// A directory on disk as a `FileTree`, rooted at `root`: tree paths are relative to it and
/// nothing outside it can be named (symlinks are reported, not followed, so the renderer can
/// refuse links that leave the root).
///
/// Uses the POSIX calls directly (lstat, readlink, opendir, read) so the module needs no
/// Foundation. Reads are plain blocking I/O: callers doing async work run it off the
/// cooperative pool.
public struct DirectoryFileTree: FileTree, Sendable {
    /// The absolute, symlink-free root directory.
    public let root: String
    public let maxFileBytes: Int

    public init(root: String, maxFileBytes: Int = 8 << 20) {
        var resolved = root
        if let real = realpath(root, nil) {
            resolved = String(cString: real)
            free(real)
        }
        self.root = resolved
        self.maxFileBytes = maxFileBytes
    }

    public var displayName: String { root }

    public func displayPath(_ path: String) -> String {
        if path.isEmpty { return root }
        return root == "/" ? "/" + path : root + "/" + path
    }

    public func treePath(forAbsolute path: String) -> String? {
        guard path.hasPrefix("/") else { return nil }
        if root == "/" { return TreePath.normalize(String(path.dropFirst())) }
        if path == root { return "" }
        guard path.hasPrefix(root + "/") else { return nil }
        return TreePath.normalize(String(path.dropFirst(root.count + 1)))
    }

    /// The tree path of an absolute path that lies inside the root (for command-line arguments).
    public func treePath(forDirectory absolute: String) -> String? {
        var resolved = absolute
        if let real = realpath(absolute, nil) {
            resolved = String(cString: real)
            free(real)
        }
        return treePath(forAbsolute: resolved)
    }

    private func absolute(_ path: String) -> String? {
        guard let normalized = TreePath.normalize(path) else { return nil }
        return displayPath(normalized)
    }

    public func kind(of path: String) throws -> FileTreeEntryKind? {
        guard let full = absolute(path) else { return nil }
        var info = stat()
        guard lstat(full, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .directory
        case S_IFREG: return .file
        case S_IFLNK:
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlink(full, &buffer, buffer.count - 1)
            guard count >= 0 else { return nil }
            return .symlink(target: String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self))
        default: return nil
        }
    }

    public func readFile(_ path: String) throws -> [UInt8] {
        guard let full = absolute(path) else { throw FileTreeError(kind: .notFound, tree: root, path: path) }
        var info = stat()
        guard stat(full, &info) == 0 else { throw FileTreeError(kind: .notFound, tree: root, path: path) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw FileTreeError(kind: .notAFile, tree: root, path: path) }
        guard Int(info.st_size) <= maxFileBytes else {
            throw FileTreeError(kind: .tooLarge, tree: root, path: path, detail: "\(info.st_size) bytes, limit \(maxFileBytes)")
        }
        let fd = open(full, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileTreeError(kind: .unreadable, tree: root, path: path, detail: String(cString: strerror(errno))) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(info.st_size))
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw FileTreeError(kind: .unreadable, tree: root, path: path, detail: String(cString: strerror(errno)))
            }
            if n == 0 { break }
            bytes += chunk[0..<n]
            if bytes.count > maxFileBytes {
                throw FileTreeError(kind: .tooLarge, tree: root, path: path, detail: "more than \(maxFileBytes) bytes")
            }
        }
        return bytes
    }

    public func listDirectory(_ path: String) throws -> [String] {
        guard let full = absolute(path), let directory = opendir(full) else {
            throw FileTreeError(kind: .notADirectory, tree: root, path: path)
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
