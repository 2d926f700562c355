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
