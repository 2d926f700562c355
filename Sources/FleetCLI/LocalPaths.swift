#if canImport(Glibc)
import Glibc
#endif

/// Paths on the local disk for command-line arguments (no Foundation needed).
enum LocalPaths {
    static func currentDirectory() -> String {
        guard let cwd = getcwd(nil, 0) else { return "/" }
        defer { free(cwd) }
        return String(cString: cwd)
    }

    static func absolute(_ path: String) -> String {
        let joined = path.hasPrefix("/") ? path : currentDirectory() + "/" + path
        var parts: [Substring] = []
        for component in joined.split(separator: "/") {
            if component == "." { continue }
            if component == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(component)
        }
        return "/" + parts.joined(separator: "/")
    }

    static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// The nearest directory at or above `path` that holds a `.git` entry.
    static func enclosingGitWorkTree(of path: String) -> String? {
        var current = realPath(path)
        while true {
            if exists(current + "/.git") { return current }
            if current == "/" || current.isEmpty { return nil }
            let parent = String(current[..<(current.lastIndex(of: "/") ?? current.startIndex)])
            current = parent.isEmpty ? "/" : parent
        }
    }
}

extension LocalPaths {
    /// The bytes of a file, refusing more than `limit` bytes.
    static func read(_ path: String, limit: Int = 32 << 20) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CommandFailure("\(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw CommandFailure("\(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            out += buffer[..<n]
            if out.count > limit { throw CommandFailure("\(path): larger than \(limit >> 20) MiB") }
        }
        return out
    }

    /// The regular files directly in a directory, sorted.
    static func files(in directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasPrefix(".") { continue }
            var info = stat()
            if stat(directory + "/" + name, &info) == 0, info.st_mode & S_IFMT == S_IFREG { names.append(name) }
        }
        return names.sorted().map { directory + "/" + $0 }
    }
}
